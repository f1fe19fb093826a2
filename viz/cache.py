"""A small thread-safe LRU cache for sweep results, bounded by bytes.

Pages share it across sessions, so going back to a setting is instant. It is plain
Python (no Streamlit) so long computations can report progress while they fill it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import fields, is_dataclass
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")


def nbytes(obj: Any) -> int:
    """Rough memory held by a result: the NumPy arrays reachable through dataclasses, lists and dicts."""
    if isinstance(obj, np.ndarray):
        return obj.nbytes
    if is_dataclass(obj) and not isinstance(obj, type):
        return sum(nbytes(getattr(obj, f.name)) for f in fields(obj))
    if isinstance(obj, dict):
        return sum(nbytes(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return sum(nbytes(v) for v in obj)
    return 64


class ResultCache:
    """Least-recently-used results up to ``max_bytes`` (the newest one is always kept)."""

    def __init__(self, max_bytes: int = 512 * 2**20):
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key][0]
            return None

    def put(self, key: Hashable, value: Any) -> None:
        size = nbytes(value)
        with self._lock:
            self._items[key] = (value, size)
            self._items.move_to_end(key)
            total = sum(s for _, s in self._items.values())
            while total > self.max_bytes and len(self._items) > 1:
                _, (_, s) = self._items.popitem(last=False)
                total -= s

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value for ``key``, computing (outside the lock) and storing it on a miss."""
        hit = self.get(key)
        if hit is not None:
            return hit
        self.misses += 1
        value = compute()
        self.put(key, value)
        return value

    def __len__(self) -> int:
        return len(self._items)


CACHE = ResultCache()
