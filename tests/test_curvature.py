"""Curvature along a path (``Trajectory.hessian_eigenvalues``) and the optimizers' stability
limits on a quadratic (``optimizers.stability_limit``), each checked by running the optimizer."""

from __future__ import annotations

import numpy as np
import pytest

import landscapes
import optimizers


@pytest.mark.parametrize(("surface", "name"), [("himmelblau", "adam"), ("wobbly", "nesterov"), ("rosenbrock", "sgd")])
def test_hessian_eigenvalues_are_numpys_at_every_iterate(surface, name):
    s = landscapes.get(surface)
    tr = optimizers.trajectory(name, s, None, 60, lr=1e-3)
    ev = tr.hessian_eigenvalues
    assert ev.shape == (61, 2)
    for k in (0, 17, 60):
        hxx, hxy, hyy = s.hessian(*tr.path[k])
        assert np.allclose(ev[k], np.linalg.eigvalsh([[hxx, hxy], [hxy, hyy]]), rtol=1e-12, atol=1e-9)
    assert np.all(ev[:, 0] <= ev[:, 1])


def test_hessian_eigenvalues_on_a_custom_formula_and_after_divergence():
    s = landscapes.from_formula("2*x^2 + 0.05*y^2")
    tr = optimizers.trajectory("sgd", s, (1.0, 1.0), 200, lr=0.6)  # 0.6 > 2/4: diverges along x
    assert tr.diverged_step is not None
    ev = tr.hessian_eigenvalues
    assert np.allclose(ev[: tr.diverged_step], [0.1, 4.0])
    assert np.all(np.isnan(ev[tr.diverged_step + 1 :]))


def _quadratic(lam: float) -> landscapes.Surface:
    return landscapes.from_formula(f"{lam / 2}*x^2 + 0.5*y^2", bounds=((-3, 3), (-3, 3)))


@pytest.mark.parametrize(("name", "momentum"), [("sgd", 0.0), ("momentum", 0.9), ("momentum", 0.5), ("nesterov", 0.9),
                                                ("nesterov", 0.5)])  # fmt: skip
def test_stability_limit_just_below_converges_just_above_does_not(name, momentum):
    lam, lr = 4.0, 0.1
    limit = optimizers.stability_limit(name, lr, momentum)
    kw = {"lr": lr} | ({"momentum": momentum} if name != "sgd" else {})
    below = optimizers.trajectory(name, _quadratic(0.98 * limit), (1.0, 0.0), 3000, **kw)
    above = optimizers.trajectory(name, _quadratic(1.02 * limit), (1.0, 0.0), 3000, **kw)
    assert below.diverged_step is None and abs(below.final[0]) < 1e-3
    assert above.diverged_step is not None or abs(above.final[0]) > 1e3
    assert limit > lam  # the quadratic's own curvature plays no part in the limit


def test_stability_limit_refuses_what_it_does_not_know():
    with pytest.raises(ValueError, match="no closed-form"):
        optimizers.stability_limit("adam", 0.1)
    with pytest.raises(ValueError, match="lr must be"):
        optimizers.stability_limit("sgd", 0.0)
