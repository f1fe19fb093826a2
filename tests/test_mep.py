"""``landscapes.minimum_energy_path``: between two of Himmelblau's minima the string crosses the
ridge at the saddle ``critical_points`` finds, and its barrier is that saddle's height."""

from __future__ import annotations

import numpy as np
import pytest

import landscapes


@pytest.mark.parametrize(
    ("a", "b"),
    [((3.0, 2.0), (3.584428, -1.848126)), ((3.0, 2.0), (-2.805118, 3.131312)),
     ((-3.779310, -3.283186), (3.584428, -1.848126))],
)  # fmt: skip
def test_string_crosses_at_the_saddle(a, b):
    s = landscapes.get("himmelblau")
    mins = {(round(c.x, 4), round(c.y, 4)): c for c in landscapes.critical_points(s)}
    r = landscapes.minimum_energy_path(s, a, b, n=101)
    assert np.allclose(r.path[0], a) and np.allclose(r.path[-1], b)
    saddles = [c for c in mins.values() if c.kind == "saddle"]
    sad = min(saddles, key=lambda c: np.hypot(c.x - r.saddle[0], c.y - r.saddle[1]))
    assert np.hypot(sad.x - r.saddle[0], sad.y - r.saddle[1]) <= 1e-4  # the path passes through the saddle
    assert min(np.hypot(*(r.path - (sad.x, sad.y)).T)) <= 1e-4
    top = max(s.value(*a), s.value(*b))
    assert r.barrier == pytest.approx(sad.value - top, rel=1e-9)  # f(saddle) − f(higher minimum)
    assert r.barrier <= r.straight_barrier + 1e-9  # never above the straight segment's barrier
    assert np.all(np.diff(np.hypot(*(r.path - r.path[0]).T)) > 0)  # the images stay in order


def test_bad_n_is_refused():
    with pytest.raises(ValueError, match="n must be"):
        landscapes.minimum_energy_path(landscapes.get("himmelblau"), (3, 2), (-2.8, 3.1), n=2)
