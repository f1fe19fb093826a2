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
        optimizers.stability_limit("lion", 0.1)
    with pytest.raises(ValueError, match="lr must be"):
        optimizers.stability_limit("sgd", 0.0)


ADAPTIVE = [
    ("adam", {"beta1": 0.9}),
    ("adam", {"beta1": 0.5}),
    ("adamw", {}),
    ("adamax", {}),
    ("rmsprop", {}),
    ("rmsprop", {"momentum": 0.9}),
    ("rmsprop", {"momentum": 0.5, "centered": True}),
    ("adagrad", {}),
]


@pytest.mark.parametrize(("name", "kw"), ADAPTIVE)
def test_preconditioned_limit_just_below_decays_just_above_grows(name, kw):
    """With ε far above every |g| the denominator P is the constant ε, so the adaptive method is a
    fixed preconditioned (momentum) method and its limit on λ(P⁻¹H) is exact: 0.98 of it decays,
    1.02 grows. The start is tiny (10⁻¹⁰⁰) so |g| stays ≪ ε over the whole run."""
    lr, eps = 0.1, 1e3
    kw = {"weight_decay": 0.0} | kw if name == "adamw" else kw  # AdamW's default decay adds 0.01
    limit = optimizers.stability_limit(name, lr, kw.get("momentum", 0.0), beta1=kw.get("beta1", 0.9))
    for factor, grows in ((0.98, False), (1.02, True)):
        tr = optimizers.trajectory(name, _quadratic(factor * limit * eps), (1e-100, 0.0), 3000, lr=lr, eps=eps, **kw)
        a = np.abs(tr.path[:, 0])
        early, late = a[200:300].max(), a[-100:].max()
        assert (late > 1e3 * early) if grows else (late < 1e-3 * early), (factor, early, late)
        sh = optimizers.sharpness(tr)  # P⁻¹H is the quadratic's λ/ε: the ratio to the limit is the factor
        assert sh.symbol == "λmax(P⁻¹H)"
        assert np.allclose(sh.value[5:300] / sh.limit[5:300], factor, rtol=1e-6)  # before P adapts
        assert np.isnan(sh.value[-1])  # no step is taken from the last point


def test_adam_sharpness_uses_the_step_the_kernel_took():
    """λmax(P⁻¹H) with P from Adam's recorded per-coordinate step size (lr/(1−β1^t)/(√v̂+ε)),
    against NumPy's eigenvalues of P^(-1/2) H P^(-1/2)."""
    s = landscapes.get("rosenbrock")
    tr = optimizers.trajectory("adam", s, (0.0, 0.0), 300, lr=3e-3, weight_decay=0.01)
    sh = optimizers.sharpness(tr)
    for k in (0, 10, 299):
        t = k + 1
        pinv = tr.state["step_scale"][t] * (1 - 0.9**t) / tr.lr[k]
        hxx, hxy, hyy = s.hessian(*tr.path[k])
        h = np.array([[hxx + 0.01, hxy], [hxy, hyy + 0.01]])
        d = np.diag(np.sqrt(pinv))
        assert np.isclose(sh.value[k], np.linalg.eigvalsh(d @ h @ d)[-1], rtol=1e-9)
    assert np.allclose(sh.limit[:-1], 38 / 3e-3)


def test_gradient_descent_on_rosenbrock_reaches_the_edge_of_stability():
    """Cohen et al. (2021) on a 2-D surface: from (0, 0) the valley sharpens toward the minimum.
    At lr 0.003 gradient descent's sharpness starts at 30% of 2/lr, crosses it, then hovers at it
    (its mean over the second half within 2%, never above 1.2×) while the loss goes up and down; at
    lr 0.001 it stays below 2/lr throughout."""
    s = landscapes.get("rosenbrock")
    eos = optimizers.trajectory("sgd", s, (0.0, 0.0), 3000, lr=0.003)
    sh = optimizers.sharpness(eos)
    ratio = (sh.value / sh.limit)[:-1]
    assert ratio[0] < 0.35 and np.all(ratio[:400] < 1)
    late = ratio[1500:]
    assert abs(np.mean(late) - 1) < 0.02 and late.max() < 1.2
    assert np.any(np.diff(eos.loss[1500:]) > 0)  # not monotone: it bounces at the edge
    calm = optimizers.sharpness(optimizers.trajectory("sgd", s, (0.0, 0.0), 3000, lr=0.001))
    assert np.all(calm.value[:-1] < calm.limit[:-1])


def test_sharpness_without_a_limit_and_with_coupled_weight_decay():
    s = landscapes.from_formula("2*x^2 + 0.05*y^2")
    sh = optimizers.sharpness(optimizers.trajectory("lion", s, (1.0, 1.0), 10, lr=0.01))
    assert sh.limit is None and sh.symbol == "λmax(H)" and np.allclose(sh.value, 4.0)
    sh = optimizers.sharpness(optimizers.trajectory("momentum", s, (1.0, 1.0), 10, lr=0.01, weight_decay=0.5,
                                                    momentum=0.9, dampening=0.5))  # fmt: skip
    assert np.allclose(sh.value, 4.5)  # f + (wd/2)‖θ‖²: what torch's SGD descends
    assert np.allclose(sh.limit[:-1], 2 * 1.9 / (0.5 * 0.01))
