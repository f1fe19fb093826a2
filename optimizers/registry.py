"""What each optimizer is: hyperparameters, defaults, ranges, update rule and state.

The UI's menus, sliders and formulas and the tests' tables are generated from
``OPTIMIZERS``; the compiled kernel reads hyperparameters from a float row whose layout
(``COMMON`` slots, then each optimizer's own in declaration order) is fixed here.
Where PyTorch has the optimizer, names, defaults and update rule are ``torch.optim``'s
(betas split into ``beta1``/``beta2``); elsewhere they follow the cited paper.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

INF = math.inf


@dataclass(frozen=True)
class Hyper:
    """One hyperparameter.

    ``low``/``high`` bound the valid values (``low_open``/``high_open`` exclude the end);
    ``ui`` is the slider range and ``log`` asks for a log-scale slider. ``kind`` is
    ``"float"``, ``"int"`` or ``"bool"`` (flags travel to the kernel as 0.0/1.0).
    """

    name: str
    default: float
    low: float = 0.0
    high: float = INF
    ui: tuple[float, float] = (0.0, 1.0)
    log: bool = False
    kind: str = "float"
    low_open: bool = False
    high_open: bool = False
    help: str = ""

    def check(self, value: float) -> None:
        """Raise ``ValueError`` naming the valid range when ``value`` is outside it."""
        v = float(value)
        ok = math.isfinite(v) or (v == INF and self.high == INF and not self.high_open)
        ok = ok and (v > self.low if self.low_open else v >= self.low)
        ok = ok and (v < self.high if self.high_open else v <= self.high)
        if self.kind == "int" and ok:
            ok = math.isfinite(v) and v == int(v)
        if self.kind == "bool":
            ok = v in (0.0, 1.0)
        if not ok:
            lo = "(" if self.low_open else "["
            hi = ")" if self.high_open else "]"
            what = {"int": "an integer in ", "bool": "a bool", "float": ""}[self.kind]
            rng = "" if self.kind == "bool" else f"{lo}{self.low:g}, {self.high:g}{hi}"
            shown = repr(v) if isinstance(value, (int, float, np.generic)) else repr(value)
            raise ValueError(f"{self.name}={shown} is out of range: must be {what}{rng}")


def _lr(default: float, help: str = "learning rate") -> Hyper:
    return Hyper("lr", default, 0.0, INF, (1e-5, 1e2), log=True, help=help)


def _wd(default: float = 0.0) -> Hyper:
    return Hyper("weight_decay", default, 0.0, INF, (0.0, 0.5), help="L2 penalty, as torch applies it")


def _beta(name: str, default: float, help: str) -> Hyper:
    return Hyper(name, default, 0.0, 1.0, (0.0, 0.999), high_open=True, help=help)


def _eps(default: float) -> Hyper:
    return Hyper("eps", default, 0.0, INF, (1e-12, 1.0), log=True, help="term added to the denominator")


def _flag(name: str, help: str) -> Hyper:
    return Hyper(name, 0.0, 0.0, 1.0, (0.0, 1.0), kind="bool", help=help)


# Options every optimizer accepts; their kernel slots come first in every row.
COMMON: tuple[Hyper, ...] = (
    Hyper("schedule_code", 0.0, 0.0, 4.0, kind="int", help="internal: see SCHEDULES"),
    Hyper("step_size", 30.0, 1.0, INF, (1.0, 1000.0), kind="int", help="StepLR: decay every step_size steps"),
    Hyper("gamma", 0.1, 0.0, INF, (0.01, 1.0), low_open=True, help="StepLR / ExponentialLR factor"),
    Hyper("T_max", 0.0, 0.0, INF, (1.0, 10000.0), kind="int", help="cosine half-period; 0 = run length"),
    Hyper("eta_min", 0.0, 0.0, INF, (0.0, 0.1), help="cosine schedules' lowest lr"),
    Hyper("T_0", 50.0, 1.0, INF, (1.0, 1000.0), kind="int", help="first restart period"),
    Hyper("T_mult", 1.0, 1.0, INF, (1.0, 4.0), kind="int", help="period multiplier after each restart"),
    Hyper("warmup_steps", 0.0, 0.0, INF, (0.0, 1000.0), kind="int", help="linear warm-up length (LinearLR)"),
    Hyper("warmup_start", 1.0 / 3.0, 0.0, 1.0, (0.0, 1.0), low_open=True, help="LinearLR start_factor"),
    Hyper("noise", 0.0, 0.0, INF, (0.0, 5.0), help="σ of Gaussian noise added to each gradient"),
    Hyper("seed", 0.0, 0.0, 2.0**53, (0.0, 1000.0), kind="int", help="noise stream; same seed, same noise"),
    Hyper("clip_norm", INF, 0.0, INF, (0.01, 100.0), low_open=True, log=True, help="max gradient norm"),
    Hyper("effective_lr", 0.0, 0.0, 1.0, kind="bool", help="divide lr by ‖θ‖ each step"),
)
SCHEDULES = ("constant", "step", "exponential", "cosine", "cosine_restarts")
N_COMMON = len(COMMON)
N_OWN = 12  # at most this many optimizer-specific slots (Prodigy has 12)
N_SLOTS = N_COMMON + N_OWN
N_STATE = 4  # per-coordinate state vectors recorded per step


@dataclass(frozen=True)
class OptimizerSpec:
    """Declaration of one optimizer (its kernel lives in ``kernels.py`` under ``code``)."""

    name: str
    code: int
    label: str
    description: str
    latex: str
    hypers: tuple[Hyper, ...]
    state: tuple[str, ...] = ()
    momentum_state: str | None = None
    scale_state: str | None = None
    reference: str = ""
    evals_per_step: int = 1
    runner: str = ""
    """``""``: the compiled kernel (``kernels.py``); otherwise the module whose ``run`` advances
    the runs (L-BFGS's inner iterations, the gradient-free baselines' populations)."""
    gradient_free: bool = False

    def hyper(self, name: str) -> Hyper:
        return {h.name: h for h in self.hypers}[name]

    def defaults(self) -> dict[str, float | bool]:
        return {h.name: (bool(h.default) if h.kind == "bool" else h.default) for h in self.hypers}


_ADAM_STATE = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step_scale")
_ADAM_LATEX = (
    r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2"
    r"\\ \theta_t = \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\,"
    r"\frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}"
)

OPTIMIZERS: tuple[OptimizerSpec, ...] = (
    OptimizerSpec(
        "sgd",
        0,
        "SGD",
        "Plain gradient descent: a step against the gradient, scaled by the learning rate.",
        r"\theta_t = \theta_{t-1} - \eta\, g_t",
        (_lr(1e-3), _wd()),
        reference="torch.optim.SGD",
    ),
    OptimizerSpec(
        "momentum",
        1,
        "Momentum",
        "SGD with heavy-ball momentum: velocity accumulates, so it speeds along valleys and overshoots.",
        r"b_t = \mu b_{t-1} + (1-\tau) g_t\ (b_1 = g_1)\\ \theta_t = \theta_{t-1} - \eta\, b_t",
        (
            _lr(1e-3),
            Hyper("momentum", 0.9, 0.0, INF, (0.0, 0.999), help="μ"),
            Hyper("dampening", 0.0, 0.0, 1.0, (0.0, 1.0), help="τ"),
            _wd(),
        ),
        state=("momentum_buffer",),
        momentum_state="momentum_buffer",
        reference="torch.optim.SGD(momentum=0.9); torch's default momentum is 0",
    ),
    OptimizerSpec(
        "nesterov",
        2,
        "Nesterov",
        "Momentum that corrects with the gradient ahead of it: less overshoot than heavy ball.",
        r"b_t = \mu b_{t-1} + g_t\ (b_1 = g_1)\\ \theta_t = \theta_{t-1} - \eta\,(g_t + \mu b_t)",
        (_lr(1e-3), Hyper("momentum", 0.9, 0.0, INF, (0.0, 0.999), low_open=True, help="μ"), _wd()),
        state=("momentum_buffer",),
        momentum_state="momentum_buffer",
        reference="torch.optim.SGD(momentum=0.9, nesterov=True)",
    ),
    OptimizerSpec(
        "smoothed_nesterov",
        3,
        "Smoothed Nesterov",
        "The article's variant: averages the gradient at several look-ahead points along the velocity.",
        r"v_t = \gamma v_{t-1} + \tfrac{\eta}{3}\sum_{k=1}^{3}\nabla J(\theta - \tfrac{k}{3}\gamma v_{t-1})"
        r"\quad\text{or}\quad \tfrac{\eta}{7}[\nabla J(\theta-\tfrac{\gamma v}{2}) + "
        r"2\nabla J(\theta-\tfrac{3\gamma v}{4}) + 4\nabla J(\theta-\gamma v)]\\ \theta_t = \theta_{t-1} - v_t",
        (
            _lr(1e-2),
            Hyper("momentum", 0.9, 0.0, 1.0, (0.0, 0.999), high_open=True, help="γ"),
            _flag("weighted", "use the 1:2:4 weighted look-ahead instead of the 3-point mean"),
            _wd(),
        ),
        state=("velocity",),
        momentum_state="velocity",
        evals_per_step=3,
        reference="the reference article (Habr, 2017), formulas for smoothed Nesterov momentum",
    ),
    OptimizerSpec(
        "adagrad",
        4,
        "Adagrad",
        "Divides each coordinate's step by the root of all its past squared gradients: steps only shrink.",
        r"G_t = G_{t-1} + g_t^2\\ \theta_t = \theta_{t-1} - "
        r"\frac{\eta}{1+(t-1)\delta}\,\frac{g_t}{\sqrt{G_t}+\epsilon}",
        (
            _lr(1e-2),
            Hyper("lr_decay", 0.0, 0.0, INF, (0.0, 0.1), help="δ"),
            _wd(),
            Hyper("initial_accumulator_value", 0.0, 0.0, INF, (0.0, 1.0), help="G_0"),
            _eps(1e-10),
        ),
        state=("sum", "step_scale"),
        scale_state="step_scale",
        reference="torch.optim.Adagrad",
    ),
    OptimizerSpec(
        "rmsprop",
        5,
        "RMSProp",
        "Divides by a running RMS of the gradient: steps stay at a level; spiky 'hedgehogs' in traps.",
        r"v_t = \alpha v_{t-1} + (1-\alpha) g_t^2\\ \theta_t = \theta_{t-1} - \eta\,\frac{g_t}{\sqrt{v_t}+\epsilon}",
        (
            _lr(1e-2),
            _beta("alpha", 0.99, "smoothing constant"),
            _eps(1e-8),
            _wd(),
            Hyper("momentum", 0.0, 0.0, INF, (0.0, 0.999)),
            _flag("centered", "normalise by the variance estimate"),
        ),
        state=("square_avg", "grad_avg", "momentum_buffer", "step_scale"),
        momentum_state="momentum_buffer",
        scale_state="step_scale",
        reference="torch.optim.RMSprop",
    ),
    OptimizerSpec(
        "adadelta",
        6,
        "Adadelta",
        "RMSProp with the step's own running RMS in the numerator, so units match and the paper needs no "
        "learning rate; torch multiplies the step by lr (default 1.0), and the article's runs use lr = 100.",
        r"v_t = \rho v_{t-1} + (1-\rho) g_t^2,\quad \Delta_t = \frac{\sqrt{u_{t-1}+\epsilon}}{\sqrt{v_t+\epsilon}}\,g_t"
        r"\\ u_t = \rho u_{t-1} + (1-\rho)\Delta_t^2,\quad \theta_t = \theta_{t-1} - \eta\,\Delta_t",
        (
            _lr(1.0),
            _beta("rho", 0.9, "smoothing constant"),
            _eps(1e-6),
            _wd(),
            Hyper(
                "initial_acc_delta",
                0.0,
                0.0,
                INF,
                (0.0, 100.0),
                help="E[Δθ²], the running average of squared updates, before the first step (torch's acc_delta "
                "starts at 0). The article's zero start is 0 and its big start 50",
            ),
        ),
        state=("square_avg", "acc_delta", "step_scale"),
        scale_state="step_scale",
        reference="torch.optim.Adadelta; initial_acc_delta (E[Δθ²] at the start) from the reference article (torch: 0)",
    ),
    OptimizerSpec(
        "adam",
        7,
        "Adam",
        "Momentum on the gradient and RMSProp's scaling, both bias-corrected: big first steps, then smooth.",
        _ADAM_LATEX,
        (
            _lr(1e-3),
            _beta("beta1", 0.9, "first-moment decay"),
            _beta("beta2", 0.999, "second-moment decay"),
            _eps(1e-8),
            _wd(),
            _flag("amsgrad", "use the running maximum of v (AMSGrad)"),
        ),
        state=_ADAM_STATE,
        momentum_state="exp_avg",
        scale_state="step_scale",
        reference="torch.optim.Adam",
    ),
    OptimizerSpec(
        "adamw",
        8,
        "AdamW",
        "Adam with weight decay applied to the weights directly instead of through the gradient.",
        r"\theta \leftarrow \theta(1-\eta\lambda)\ \text{then Adam:}\ " + _ADAM_LATEX,
        (
            _lr(1e-3),
            _beta("beta1", 0.9, "first-moment decay"),
            _beta("beta2", 0.999, "second-moment decay"),
            _eps(1e-8),
            _wd(1e-2),
            _flag("amsgrad", "use the running maximum of v (AMSGrad)"),
        ),
        state=_ADAM_STATE,
        momentum_state="exp_avg",
        scale_state="step_scale",
        reference="torch.optim.AdamW",
    ),
    OptimizerSpec(
        "adamax",
        9,
        "Adamax",
        "Adam with an infinity norm: the denominator is a decaying maximum of |g|.",
        r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad u_t = \max(\beta_2 u_{t-1}, |g_t|+\epsilon)"
        r"\\ \theta_t = \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\,\frac{m_t}{u_t}",
        (_lr(2e-3), _beta("beta1", 0.9, "first-moment decay"), _beta("beta2", 0.999, "max decay"), _eps(1e-8), _wd()),
        state=("exp_avg", "exp_inf", "step_scale"),
        momentum_state="exp_avg",
        scale_state="step_scale",
        reference="torch.optim.Adamax",
    ),
    OptimizerSpec(
        "nadam",
        10,
        "NAdam",
        "Adam with Nesterov momentum (Dozat 2016) and a momentum warm-up schedule.",
        r"\mu_t = \beta_1(1 - \tfrac12 0.96^{t\psi}),\ \hat m = \frac{\mu_{t+1} m_t}{1-\prod_{i\le t+1}\mu_i}"
        r" + \frac{(1-\mu_t) g_t}{1-\prod_{i\le t}\mu_i}\\ \theta_t = \theta_{t-1} - \eta\,"
        r"\frac{\hat m}{\sqrt{v_t/(1-\beta_2^t)}+\epsilon}",
        (
            _lr(2e-3),
            _beta("beta1", 0.9, "first-moment decay"),
            _beta("beta2", 0.999, "second-moment decay"),
            _eps(1e-8),
            _wd(),
            Hyper("momentum_decay", 4e-3, 0.0, INF, (0.0, 0.1), help="ψ"),
        ),
        state=("exp_avg", "exp_avg_sq", "mu_product", "step_scale"),
        momentum_state="exp_avg",
        scale_state="step_scale",
        reference="torch.optim.NAdam",
    ),
    OptimizerSpec(
        "radam",
        11,
        "RAdam",
        "Adam whose adaptive step is switched on gradually, once the variance estimate is reliable.",
        r"\rho_t = \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t};\ \rho_t > 5:\ "
        r"\theta_t = \theta_{t-1} - \eta\,\hat m_t\, r_t \frac{\sqrt{1-\beta_2^t}}{\sqrt{v_t}+\epsilon}"
        r";\ \text{else}\ \theta_t = \theta_{t-1} - \eta\,\hat m_t",
        (
            _lr(1e-3),
            _beta("beta1", 0.9, "first-moment decay"),
            _beta("beta2", 0.999, "second-moment decay"),
            _eps(1e-8),
            _wd(),
        ),
        state=("exp_avg", "exp_avg_sq", "step_scale"),
        momentum_state="exp_avg",
        scale_state="step_scale",
        reference="torch.optim.RAdam",
    ),
    OptimizerSpec(
        "lion",
        12,
        "Lion",
        "Steps by the sign of an interpolated momentum: every coordinate moves by exactly lr.",
        r"c_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad \theta_t = \theta_{t-1}(1-\eta\lambda) - \eta\,"
        r"\mathrm{sign}(c_t)\\ m_t = \beta_2 m_{t-1} + (1-\beta_2) g_t",
        (_lr(1e-4), _beta("beta1", 0.9, "interpolation"), _beta("beta2", 0.99, "momentum decay"), _wd()),
        state=("exp_avg",),
        momentum_state="exp_avg",
        reference="Chen et al. 2023, Symbolic Discovery of Optimization Algorithms (Algorithm 2)",
    ),
    OptimizerSpec(
        "adabelief",
        13,
        "AdaBelief",
        "Adam that scales by the variance of the gradient around its mean: big steps where it is predictable.",
        r"s_t = \beta_2 s_{t-1} + (1-\beta_2)(g_t - m_t)^2 + \epsilon\\ \theta_t = \theta_{t-1} - "
        r"\frac{\eta}{1-\beta_1^t}\frac{m_t}{\sqrt{s_t}/\sqrt{1-\beta_2^t}+\epsilon}",
        (
            _lr(1e-3),
            _beta("beta1", 0.9, "first-moment decay"),
            _beta("beta2", 0.999, "belief decay"),
            _eps(1e-16),
            _wd(),
        ),
        state=("exp_avg", "exp_avg_var", "step_scale"),
        momentum_state="exp_avg",
        scale_state="step_scale",
        reference="Zhuang et al. 2020, AdaBelief (Algorithm 2): adabelief-pytorch 0.2 with rectify=False and "
        "weight_decouple=False (its defaults rectify and decouple; here weight decay is L2, added to the gradient)",
    ),
    OptimizerSpec(
        "newton",
        14,
        "Newton",
        "Steps to the minimum of the local quadratic model: fast near a minimum, drawn into saddles.",
        r"\theta_t = \theta_{t-1} - \eta\,(H + \lambda I)^{-1} g_t",
        (
            _lr(1.0, "step multiplier (damping)"),
            Hyper("damping", 0.0, 0.0, INF, (0.0, 10.0), help="λ added to the Hessian's diagonal"),
        ),
        state=("direction",),
        reference="Newton's method with step damping and Levenberg–Marquardt regularisation",
    ),
    OptimizerSpec(
        "saddle_free_newton",
        15,
        "Saddle-free Newton",
        "Newton with |H|: the curvature's sign is dropped, so saddles repel instead of attract.",
        r"|H| = V|\Lambda|V^\top,\quad \theta_t = \theta_{t-1} - \eta\,(|H| + \lambda I)^{-1} g_t",
        (
            _lr(1.0, "step multiplier"),
            Hyper("damping", 1e-2, 0.0, INF, (0.0, 10.0), help="λ added to |Λ| (keeps flat directions finite)"),
        ),
        state=("direction",),
        reference="Dauphin et al. 2014, Identifying and attacking the saddle point problem (exact |H| in 2-D)",
    ),
    OptimizerSpec(
        "rprop",
        16,
        "Rprop",
        "Resilient backprop: each coordinate keeps its own step size, grown while the gradient's sign "
        "holds and cut when it flips; only the sign of the gradient is used.",
        r"\eta_{t,i} = \mathrm{clip}(\eta_{t-1,i}\cdot\{\eta^+, \eta^-, 1\}),\quad "
        r"\theta_{t,i} = \theta_{t-1,i} - \eta_{t,i}\,\mathrm{sign}(g_{t,i})",
        (
            _lr(1e-2, "initial step size of every coordinate"),
            Hyper(
                "etaminus",
                0.5,
                0.0,
                1.0,
                (0.05, 0.95),
                low_open=True,
                high_open=True,
                help="step factor on a sign flip",
            ),
            Hyper("etaplus", 1.2, 1.0, INF, (1.01, 3.0), low_open=True, help="step factor while the sign holds"),
            Hyper("step_size_min", 1e-6, 0.0, INF, (1e-9, 1e-2), log=True, help="smallest step size"),
            Hyper("step_size_max", 50.0, 0.0, INF, (0.01, 100.0), log=True, help="largest step size"),
        ),
        state=("prev", "step_size"),
        reference="torch.optim.Rprop (etas and step_sizes split into etaminus/etaplus, step_size_min/max)",
    ),
    OptimizerSpec(
        "asgd",
        17,
        "ASGD",
        "Averaged SGD: plain steps with a slowly decaying lr, and a running average of the iterates "
        "(torch's 'ax') that starts averaging after t0 steps; torch's default t0 = 10⁶ starts it only after a "
        "million steps: lower t0 to see the average.",
        r"\theta_t = \theta_{t-1}(1-\lambda\eta_t) - \eta_t g_t,\quad "
        r"\eta_{t+1} = \frac{\eta}{(1+\lambda\eta t)^{\alpha}},\quad "
        r"\bar\theta_t \mathrel{+}= \mu_t(\theta_t - \bar\theta_{t-1})",
        (
            _lr(1e-2),
            Hyper("lambd", 1e-4, 0.0, INF, (0.0, 1.0), help="decay term"),
            Hyper("alpha", 0.75, 0.0, INF, (0.0, 2.0), help="power of the lr decay"),
            Hyper("t0", 1e6, 0.0, INF, (0.0, 1000.0), help="step at which averaging starts"),
            _wd(),
        ),
        state=("ax", "eta"),
        scale_state="eta",
        reference="torch.optim.ASGD",
    ),
    OptimizerSpec(
        "adafactor",
        18,
        "Adafactor",
        "Adam's second moment without the first, a decay that grows with the step, and steps scaled "
        "by the parameters' own size (on a 2-D point the second moment is not factored). The gradient is "
        "divided by its own running size, so near a minimum the step does not shrink with the gradient: only "
        "with min(lr, 1/√t).",
        r"v_t = v_{t-1} + t^{c}(g_t^2 - v_{t-1}),\quad u_t = g_t/\sqrt{v_t},\quad "
        r"\theta_t = \theta_{t-1} - \frac{\max(\epsilon_2, \mathrm{rms}(\theta))\,\min(\eta, t^{-1/2})}"
        r"{\max(1, \mathrm{rms}(u_t)/d)}\,u_t",
        (
            _lr(1e-2, "relative step cap: ρ_t = min(lr, 1/√t)"),
            Hyper("beta2_decay", -0.8, -INF, 0.0, (-1.0, 0.0), help="c in 1 − β2,t = t^c"),
            Hyper(
                "eps1",
                2.220446049250313e-16,
                0.0,
                INF,
                (1e-30, 1e-3),
                log=True,
                help="floor of √v (torch's None = machine ε)",
            ),
            Hyper("eps2", 1e-3, 0.0, INF, (1e-6, 1.0), log=True, help="smallest parameter scale"),
            Hyper("d", 1.0, 1.0, INF, (1.0, 10.0), help="clipping threshold of the update's RMS"),
            _wd(),
        ),
        state=("variance", "step_scale"),
        scale_state="step_scale",
        reference="torch.optim.Adafactor (a vector parameter: the unfactored second moment)",
    ),
    OptimizerSpec(
        "sgd_schedulefree",
        19,
        "Schedule-free SGD",
        "SGD without a schedule: the gradient is taken at y, an interpolation between a plain SGD "
        "sequence z and its running average x; x is the point to use when training stops.",
        r"y_t = (1-\beta) z_t + \beta x_t,\quad z_{t+1} = z_t - \eta\, g(y_t),\quad "
        r"x_{t+1} = (1-c_{t+1}) x_t + c_{t+1} z_{t+1}",
        (
            _lr(1.0),
            Hyper("momentum", 0.9, 0.0, 1.0, (0.05, 0.99), low_open=True, high_open=True, help="β: interpolation"),
            _wd(),
            Hyper("r", 0.0, 0.0, INF, (0.0, 4.0), help="polynomial weighting of the average"),
            Hyper("weight_lr_power", 2.0, 0.0, INF, (0.0, 4.0), help="average weights ∝ lr_max^power"),
        ),
        state=("z", "x"),
        reference="Defazio et al. 2024, The Road Less Scheduled: schedulefree 1.4.1 SGDScheduleFree; the path "
        "is y (the parameters in train mode), x is state; warmup_steps is the package's own warm-up",
    ),
    OptimizerSpec(
        "adamw_schedulefree",
        20,
        "Schedule-free AdamW",
        "Schedule-free averaging with Adam's per-coordinate scaling: no lr schedule, the average x is the answer.",
        r"y_t = (1-\beta_1) z_t + \beta_1 x_t,\quad z_{t+1} = z_t - \eta\,"
        r"\frac{g(y_t)}{\sqrt{v_t/(1-\beta_2^t)}+\epsilon},\quad x_{t+1} = (1-c_{t+1}) x_t + c_{t+1} z_{t+1}",
        (
            _lr(0.0025),
            _beta("beta1", 0.9, "β1: interpolation"),
            _beta("beta2", 0.999, "second-moment decay"),
            _eps(1e-8),
            _wd(),
            Hyper("r", 0.0, 0.0, INF, (0.0, 4.0), help="polynomial weighting of the average"),
            Hyper("weight_lr_power", 2.0, 0.0, INF, (0.0, 4.0), help="average weights ∝ lr_max^power"),
        ),
        state=("z", "x", "exp_avg_sq", "step_scale"),
        scale_state="step_scale",
        reference="Defazio et al. 2024: schedulefree 1.4.1 AdamWScheduleFree; the path is y, x is state",
    ),
    OptimizerSpec(
        "prodigy",
        21,
        "Prodigy",
        "Adam whose step size d is learned: d grows while the gradients keep pointing away from the "
        "start, an estimate of the distance to the solution. d never shrinks: once it is large the run can "
        "keep bouncing; lr (default 1) scales every step.",
        r"d_{t+1} = \max\Big(d_t, \frac{\sum_k d_k\eta_k \langle g_k, \theta_0 - \theta_k\rangle}"
        r"{\lVert s_t\rVert_1}\Big),\quad \theta_{t} = \theta_{t-1} - d_t\eta\,\frac{m_t}{\sqrt{v_t} + d_t\epsilon}",
        (
            _lr(1.0, "multiplier of the learned step d"),
            _beta("beta1", 0.9, "first-moment decay"),
            _beta("beta2", 0.999, "second-moment decay"),
            Hyper("beta3", -1.0, -1.0, 1.0, (0.0, 0.999), high_open=True, help="s decay; −1 = √β2 (prodigyopt's None)"),
            _eps(1e-8),
            _wd(),
            Hyper("decouple", 1.0, 0.0, 1.0, (0.0, 1.0), kind="bool", help="AdamW-style weight decay"),
            _flag("use_bias_correction", "Adam's bias correction in the step"),
            _flag("safeguard_warmup", "leave lr out of s (for warm-up schedules)"),
            Hyper("d0", 1e-6, 0.0, INF, (1e-9, 1.0), low_open=True, log=True, help="initial d"),
            Hyper("d_coef", 1.0, 0.0, INF, (0.1, 10.0), help="multiplier of the d estimate"),
            Hyper("growth_rate", INF, 1.0, INF, (1.01, 100.0), log=True, help="largest factor d may grow by per step"),
        ),
        state=("exp_avg", "exp_avg_sq", "s", "d"),
        momentum_state="exp_avg",
        reference="Mishchenko & Defazio 2023: prodigyopt 1.1.2 Prodigy",
    ),
    OptimizerSpec(
        "lbfgs",
        22,
        "L-BFGS",
        "A quasi-Newton method: a curvature model from the last gradient differences, and up to max_iter "
        "inner iterations per step (torch's .step(closure)); it spends several evaluations per step.",
        r"d_k = -H_k g_k \ \text{(two-loop recursion over } (s_i, y_i)),\quad \theta_{k+1} = \theta_k + t_k d_k",
        (
            _lr(1.0, "step length (without line search)"),
            Hyper("max_iter", 20.0, 1.0, 10000.0, (1.0, 100.0), kind="int", help="inner iterations per step"),
            Hyper("max_eval", 0.0, 0.0, INF, (0.0, 200.0), kind="int", help="evaluations per step; 0 = max_iter·5/4"),
            Hyper("tolerance_grad", 1e-7, 0.0, INF, (1e-12, 1e-2), log=True, help="stop when max |g| ≤ this"),
            Hyper(
                "tolerance_change", 1e-9, 0.0, INF, (1e-15, 1e-3), log=True, help="stop when the change is below this"
            ),
            Hyper("history_size", 100.0, 1.0, 10000.0, (1.0, 100.0), kind="int", help="curvature pairs kept"),
            _flag("strong_wolfe", "line_search_fn='strong_wolfe'"),
        ),
        state=("direction",),
        runner="optimizers.lbfgs",
        reference="torch.optim.LBFGS (one step = one .step(closure) call)",
    ),
    OptimizerSpec(
        "random_search",
        23,
        "Random search",
        "No gradient: try popsize random points around the best so far and move to the best of them "
        "if it is lower. A baseline: it spends popsize evaluations per step.",
        r"\theta' _j = \theta_t + \sigma\, \xi_j,\ \xi_j \sim \mathcal N(0, I),\quad "
        r"\theta_{t+1} = \arg\min(f(\theta_t), f(\theta'_1), \dots)",
        (
            Hyper("lr", 0.1, 0.0, INF, (1e-3, 10.0), log=True, low_open=True, help="σ: the spread of the tries"),
            Hyper("popsize", 8.0, 1.0, 1000.0, (1.0, 64.0), kind="int", help="tries per step"),
        ),
        state=(),
        runner="optimizers.gradient_free",
        gradient_free=True,
        reference="(1+λ) random search with a fixed σ (Rastrigin 1963)",
    ),
    OptimizerSpec(
        "cmaes",
        24,
        "CMA-ES",
        "No gradient: a population drawn from a Gaussian whose mean, spread and shape adapt to the "
        "best samples of each generation. One step = one generation.",
        r"x_j \sim m_t + \sigma_t \mathcal N(0, C_t),\quad m_{t+1} = \sum_j w_j x_{j:\lambda}",
        (
            Hyper("lr", 0.5, 0.0, INF, (1e-3, 10.0), log=True, low_open=True, help="σ0: initial spread"),
            Hyper(
                "popsize",
                0.0,
                0.0,
                1000.0,
                (0.0, 64.0),
                kind="int",
                help="samples per generation: 0 = cma's 4 + ⌊3 ln 2⌋ = 6, else at least 2",
            ),
        ),
        state=("sigma",),
        runner="optimizers.gradient_free",
        gradient_free=True,
        reference="Hansen's cma package (CMAEvolutionStrategy, ask/tell)",
    ),
)
