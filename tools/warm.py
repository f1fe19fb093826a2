"""Compile (or load) every engine kernel once: ``python -m tools.warm``.

Used by the Dockerfile so the image ships a warm Numba cache, and handy before a demo.
"""

from __future__ import annotations

import time

import numpy as np


def main() -> None:
    t = time.perf_counter()
    import landscapes
    import optimizers

    s = landscapes.get("wobbly")
    s.value(np.zeros(2), np.zeros(2))
    s.gradient(np.zeros(2), np.zeros(2))
    s.hessian(np.zeros(2), np.zeros(2))
    optimizers.trajectory("adam", s, None, 3)
    optimizers.sweep("adam", s, np.zeros((2, 2)), 3)
    optimizers.sweep("adam", s, np.zeros((2, 2)), 3, paths=True)
    from optimizers import response

    response.response("nesterov", np.ones(5), [0.9])
    print(f"kernels ready in {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
