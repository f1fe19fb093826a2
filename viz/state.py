"""The playground's whole view as plain data, and its round trip through a URL.

A ``View`` is what a shared link must reproduce: surface, start, steps, the runs
(optimizer + hyperparameters, duplicates allowed, e.g. Nesterov at three momenta),
the common options (schedule, noise, seed, weight decay) and the inspected step.
``from_query`` never raises: a bad or unknown parameter falls back to its default and
adds a human-readable notice.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import landscapes
import optimizers
from optimizers.registry import SCHEDULES

WHY = ("critical", "flow", "quadratic", "curvature", "path")  # the "see why" overlays, in display order
MAX_STEPS = 10_000
MAX_RUNS = 12
COMMON_KEYS = ("schedule", "step_size", "gamma", "T_max", "eta_min", "T_0", "T_mult", "warmup_steps", "noise", "seed")


@dataclass
class Run:
    """One optimizer line: ``key`` is unique in the view ("adam", "nesterov#2").

    ``then`` is an optional hand-off: ``{"at": step, "to": optimizer, "hyper": {...},
    "state": "auto" | "carry" | "reset"}`` (see ``optimizers.Handoff``).
    """

    key: str
    hyper: dict[str, float | bool] = field(default_factory=dict)
    then: dict[str, Any] | None = None

    @property
    def optimizer(self) -> str:
        return self.key.split("#")[0]


# How hyperparameters read in labels and legends (the article's symbols; torch's names in tooltips).
SYMBOL = {"momentum": "γ", "alpha": "α", "rho": "ρ", "beta1": "β₁", "beta2": "β₂", "eps": "ε",
          "weight_decay": "wd", "dampening": "dampening", "lr_decay": "lr decay"}  # fmt: skip


def _setting(name: str, v: Any, optimizer: str = "") -> str:
    if name == "lr" and optimizer and optimizers.spec(optimizer).gradient_free:
        return f"σ={human(v)}"  # the gradient-free methods' first setting is a spread, not a learning rate
    return f"{SYMBOL.get(name, name)}={human(v)}"


def run_labels(runs: list[Run]) -> list[tuple[str, str]]:
    """``(label, legend)`` per run, in one format: the optimizer, then " · " and its settings.
    Runs of one optimizer are told apart by the settings that differ among them ("Nesterov ·
    γ=0.975"; identical copies are numbered, "SGD #2"); the legend adds lr and any other setting
    that is not torch's default ("Nesterov · γ=0.975, lr=0.01", "Adam · lr=0.25")."""
    out = []
    for run in runs:
        spec = optimizers.spec(run.optimizer)
        values = {**spec.defaults(), **run.hyper}
        peers = [{**spec.defaults(), **r.hyper} for r in runs if r.optimizer == run.optimizer]
        differ = [h.name for h in spec.hypers if len({repr(p[h.name]) for p in peers}) > 1]
        label = spec.label
        own = []  # the settings in the label
        if len(peers) > 1:
            own = [_setting(n, values[n], run.optimizer) for n in differ]
            label += " · " + ", ".join(own) if own else f" #{run.key.partition('#')[2] or 1}"
        extra = [n for n in ("lr", *(h.name for h in spec.hypers)) if n in values and n not in differ]
        extra = [n for i, n in enumerate(extra) if n not in extra[:i]]
        shown = [
            _setting(n, values[n], run.optimizer)
            for n in extra
            if n == "lr" or values[n] != spec.defaults()[n] or (n == "momentum" and values[n])
        ]
        legend = label + ((", " if own else " · ") + ", ".join(shown[:3]) if shown else "")
        if run.then:
            label += " " + handoff_label(run)
            legend += " " + handoff_label(run, settings=True)
        out.append((label, legend))
    return out


def handoff_label(run: Run, settings: bool = False) -> str:
    """ "→ SGD at step 50" (with the new settings: "→ SGD lr=0.01 at step 50"; for the same optimizer
    always its new settings: "→ lr=0.001 at step 30"); "" without a hand-off."""
    if not run.then:
        return ""
    to = optimizers.spec(run.then["to"])
    same = run.then["to"] == run.optimizer
    shown = [_setting(k, v) for k, v in run.then.get("hyper", {}).items()][:2] if settings or same else []
    if same:  # the same optimizer: what changes is the settings (or only the state)
        reset = run.then.get("state") == "reset"
        what = ", ".join(shown) or ("fresh state" if reset else "same settings")
        what += " (state reset)" if reset and shown else ""
    else:
        what = to.label + (" " + ", ".join(shown) if shown else "")
    return f"→ {what} at step {run.then['at']}"


@dataclass
class View:
    surface: str = "hills_and_canyon"
    start: tuple[float, float] = (-2.8, -2.5)
    steps: int = 125
    runs: list[Run] = field(default_factory=list)
    common: dict[str, Any] = field(default_factory=lambda: {"schedule": "constant", "noise": 0.0, "seed": 0})
    weight_decay: float | None = None
    step: int | None = None  # inspected step; None = last
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None  # view window; None = the surface's
    why: tuple[str, ...] = ()  # "see why" overlays and panels shown (``WHY``)
    ends: tuple[int, int] | None = None  # the path's two minima (indices from 0 in ``viz.why.minima_in_view``)

    def resolve_surface(self) -> landscapes.Surface:
        """The surface with this view's window and every minimum found in and around it."""
        s = landscapes.get(self.surface)
        b = None if self.bounds is None else (tuple(map(float, self.bounds[0])), tuple(map(float, self.bounds[1])))
        return landscapes.in_view(s, b)

    def run_kwargs(self, run: Run) -> dict[str, Any]:
        """Keyword arguments for ``optimizers.trajectory`` for one run."""
        kw = {**run.hyper, **{k: v for k, v in self.common.items() if v is not None}}
        spec = optimizers.spec(run.optimizer)
        if self.weight_decay is not None and any(h.name == "weight_decay" for h in spec.hypers):
            kw["weight_decay"] = self.weight_decay
        if run.then:
            hyper = dict(run.then.get("hyper", {}))
            to = optimizers.spec(run.then["to"])
            if self.weight_decay is not None and any(h.name == "weight_decay" for h in to.hypers):
                hyper["weight_decay"] = self.weight_decay
            kw["handoffs"] = [optimizers.Handoff(int(run.then["at"]), to.name, hyper, run.then.get("state", "auto"))]
        return kw

    def to_json(self) -> str:
        d = asdict(self)
        d["runs"] = [{"key": r.key, "hyper": r.hyper, **({"then": r.then} if r.then else {})} for r in self.runs]
        return json.dumps(d, indent=1)

    @classmethod
    def from_json(cls, text: str) -> tuple[View, list[str]]:
        """Parse a configuration file; same validation (and notices) as a URL."""
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            return default_view(), [f"configuration is not valid JSON ({e.msg} at line {e.lineno}); using defaults"]
        if not isinstance(d, dict):
            return default_view(), ["configuration must be a JSON object; using defaults"]
        return from_query(to_query_from_dict(d))


def default_view() -> View:
    v = View()
    v.runs = [Run(n, {"lr": lr}) for n, lr in (("nesterov", 0.01), ("rmsprop", 0.25), ("adam", 0.25))]
    v.runs[1].hyper.update({"alpha": 0.9, "eps": 1e-6})
    return v


_SUP = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _short(v: Any) -> str:
    """A value as links write it (``1e-06``)."""
    if isinstance(v, bool):
        return "on" if v else "off"
    return f"{v:g}" if isinstance(v, float) else str(v)


def human(v: Any) -> str:
    """A setting as people read it: 0.25, 100, 10⁻⁶ (never "1e-06"), 2.5×10⁻⁴; bools on/off."""
    if isinstance(v, bool):
        return "on" if v else "off"
    if not isinstance(v, float):
        return str(v)
    text = f"{v:g}"
    if "e" not in text:
        return text
    mant, exp = text.split("e")
    power = "10" + str(int(exp)).translate(_SUP)
    return power if mant == "1" else f"{mant}×{power}"


# --- URL query parameters ----------------------------------------------------------------
# surface=wobbly&start=-2.8,-2.5&steps=125&run=adam:lr=0.25,beta1=0.9&run=nesterov%232:lr=0.01
# &schedule=cosine&T_max=100&noise=0.1&seed=3&wd=0.01&step=40


def to_query(view: View) -> dict[str, str | list[str]]:
    q: dict[str, str | list[str]] = {
        "surface": view.surface,
        "start": f"{view.start[0]:g},{view.start[1]:g}",
        "steps": str(view.steps),
    }
    runs = []
    for r in view.runs:
        hp = ",".join(f"{k}={_short(v) if not isinstance(v, bool) else int(v)}" for k, v in r.hyper.items())
        runs.append((f"{r.key}:{hp}" if hp else r.key) + _then_query(r.then, _short))
    q["run"] = runs
    for k, v in view.common.items():
        if v is not None and k in COMMON_KEYS:
            q[k] = _short(v) if not isinstance(v, str) else v
    if view.weight_decay is not None:
        q["wd"] = _short(view.weight_decay)
    if view.step is not None:
        q["step"] = str(view.step)
    if view.bounds is not None:
        (x0, x1), (y0, y1) = view.bounds
        q["view"] = ",".join(_short(float(v)) for v in (x0, x1, y0, y1))
    if view.why:
        q["why"] = ",".join(view.why)
    if view.ends is not None:  # the minima as the page numbers them, from 1
        q["ends"] = f"{view.ends[0] + 1},{view.ends[1] + 1}"
    return q


def to_query_from_dict(d: dict[str, Any]) -> dict[str, Any]:
    """A JSON configuration as query parameters (so both go through one validator)."""
    q: dict[str, Any] = {}
    if "surface" in d:
        q["surface"] = str(d["surface"])
    if isinstance(d.get("start"), (list, tuple)):
        q["start"] = ",".join(repr(float(c)) if isinstance(c, (int, float)) else str(c) for c in d["start"])
    for k in ("steps", "step"):
        if d.get(k) is not None:
            q[k] = str(d[k])
    if d.get("weight_decay") is not None:
        q["wd"] = repr(d["weight_decay"])
    b = d.get("bounds")
    if isinstance(b, (list, tuple)) and len(b) == 2 and all(isinstance(p, (list, tuple)) for p in b):
        q["view"] = ",".join(repr(v) if isinstance(v, (int, float)) else str(v) for p in b for v in p)
    elif b is not None:
        q["view"] = str(b)
    if isinstance(d.get("why"), (list, tuple)):
        q["why"] = ",".join(str(w) for w in d["why"])
    if isinstance(d.get("ends"), (list, tuple)):  # stored from 0, linked from 1
        q["ends"] = ",".join(str(e + 1) if isinstance(e, int) else str(e) for e in d["ends"])
    runs = []
    for r in d.get("runs", []) or []:
        if isinstance(r, dict) and "key" in r:
            hp = ",".join(
                f"{k}={int(v) if isinstance(v, bool) else repr(v)}" for k, v in (r.get("hyper") or {}).items()
            )
            then = r.get("then") if isinstance(r.get("then"), dict) else None
            runs.append((f"{r['key']}:{hp}" if hp else str(r["key"])) + _then_query(then, repr))
    q["run"] = runs
    for k, v in (d.get("common") or {}).items():
        if v is not None:
            q[k] = v if isinstance(v, str) else repr(v)
    return q


def _number(text: Any) -> float:
    v = float(str(text).strip())
    if not math.isfinite(v):
        raise ValueError
    return v


def from_query(q: dict[str, Any]) -> tuple[View, list[str]]:
    """Build a view from query parameters; every bad value becomes a notice and a default."""
    notices: list[str] = []
    view = default_view()

    def get_one(k):
        v = q.get(k)
        return v[-1] if isinstance(v, list) and v else v

    known = {"surface", "start", "steps", "run", "wd", "step", "view", "why", "ends", *COMMON_KEYS}
    for k in q:
        if k not in known:
            notices.append(f"unknown parameter '{k}' ignored")

    surf = get_one("surface")
    if surf is not None:
        surf = str(surf)
        if surf in landscapes.names():
            view.surface = surf
        elif surf.startswith(landscapes.CUSTOM_PREFIX):
            try:
                view.surface = landscapes.get(surf).name
            except ValueError as e:
                notices.append(f"custom formula refused ({getattr(e, 'summary', e)}); showing {view.surface}")
        else:
            notices.append(f"unknown surface '{surf[:60]}'; showing {view.surface}")
    window = get_one("view")
    if window is not None:
        try:
            x0, x1, y0, y1 = (_number(c) for c in str(window).split(","))
            if not (x0 < x1 and y0 < y1 and max(abs(x0), abs(x1), abs(y0), abs(y1)) <= 1e6):
                raise ValueError
            view.bounds = ((x0, x1), (y0, y1))
        except ValueError:
            notices.append(f"view '{str(window)[:60]}' must be four numbers 'xmin,xmax,ymin,ymax' with min < max; "
                           "using the surface's window")  # fmt: skip
    s = landscapes.get(view.surface)
    view.start = s.start
    start = get_one("start")
    if start is not None:
        try:
            x, y = (_number(c) for c in str(start).split(","))
            if abs(x) > 1e6 or abs(y) > 1e6:
                raise ValueError
            view.start = (x, y)
        except ValueError:
            notices.append(f"start '{start}' is not two finite numbers 'x,y'; using {s.start}")
    steps = get_one("steps")
    if steps is not None:
        try:
            n = int(_number(steps))
            if not 1 <= n <= MAX_STEPS or n != _number(steps):
                raise ValueError
            view.steps = n
        except ValueError:
            notices.append(f"steps '{steps}' must be a whole number from 1 to {MAX_STEPS}; using {view.steps}")

    raw_runs = q.get("run")
    if raw_runs is not None:
        raw_runs = raw_runs if isinstance(raw_runs, list) else [raw_runs]
        runs: list[Run] = []
        for item in raw_runs[:MAX_RUNS]:
            run = _parse_run(str(item), notices, {r.key for r in runs}, view.steps)
            if run is not None:
                runs.append(run)
        if len(raw_runs) > MAX_RUNS:
            notices.append(f"only the first {MAX_RUNS} runs are shown")
        if runs or not raw_runs:
            view.runs = runs

    common: dict[str, Any] = {"schedule": "constant", "noise": 0.0, "seed": 0}
    sched = get_one("schedule")
    if sched is not None:
        if sched in SCHEDULES:
            common["schedule"] = sched
        else:
            notices.append(f"schedule '{sched}' is not one of {', '.join(SCHEDULES)}; using constant")
    for k in COMMON_KEYS[1:]:
        raw = get_one(k)
        if raw is None:
            continue
        h = optimizers.COMMON_OPTIONS[k]
        try:
            v = _number(raw)
            h.check(v)
            common[k] = int(v) if h.kind == "int" else v
        except ValueError:
            notices.append(f"{k} '{raw}' is invalid; using the default")
    view.common = common
    wd = get_one("wd")
    if wd is not None:
        try:
            v = _number(wd)
            if v < 0:
                raise ValueError
            view.weight_decay = v
        except ValueError:
            notices.append(f"weight decay '{wd}' must be a number ≥ 0; ignored")
    step = get_one("step")
    if step is not None:
        try:
            v = int(_number(step))
            if not 0 <= v <= view.steps:
                raise ValueError
            view.step = v
        except ValueError:
            notices.append(f"step '{step}' must be between 0 and {view.steps}; showing the last step")
    why = get_one("why")
    if why is not None:
        parts = [w.strip() for w in str(why).split(",") if w.strip()]
        bad = [w for w in parts if w not in WHY]
        if bad:
            notices.append(f"why '{', '.join(bad)[:60]}' ignored: the overlays are {', '.join(WHY)}")
        view.why = tuple(w for w in WHY if w in parts)
    ends = get_one("ends")
    if ends is not None:
        try:
            i, j = (_number(c) for c in str(ends).split(","))
            if i < 1 or j < 1 or i != int(i) or j != int(j):
                raise ValueError
            view.ends = (int(i) - 1, int(j) - 1)
        except ValueError:
            notices.append(f"ends '{str(ends)[:60]}' must be two minimum numbers 'i,j' (counted from 1, as the "
                           "page numbers them); using the two lowest")  # fmt: skip
    return view, notices


def _then_query(then: dict[str, Any] | None, fmt) -> str:
    """A hand-off in a link: ``|at=50,to=sgd,state=reset,lr=0.01`` after the run's settings."""
    if not then:
        return ""
    parts = [f"at={then['at']}", f"to={then['to']}"]
    if then.get("state", "auto") != "auto":
        parts.append(f"state={then['state']}")
    parts += [f"{k}={int(v) if isinstance(v, bool) else fmt(v)}" for k, v in (then.get("hyper") or {}).items()]
    return "|" + ",".join(parts)


def _parse_then(text: str, run: Run, steps: int, notices: list[str]) -> dict[str, Any] | None:
    """A link's hand-off, validated: a bad one is dropped with a notice (the run stays)."""
    fields = dict(p.partition("=")[::2] for p in filter(None, (s.strip() for s in text.split(","))))
    to = fields.pop("to", run.optimizer).strip()
    state = fields.pop("state", "auto").strip()
    where = f"{run.key}'s hand-off"
    if to not in optimizers.names():
        notices.append(f"{where}: unknown optimizer '{to[:40]}'; hand-off dropped")
        return None
    try:
        at = _number(fields.pop("at", ""))
        if at != int(at) or not 1 <= at < steps:
            raise ValueError
    except ValueError:
        notices.append(f"{where} needs at=<step> between 1 and {steps - 1}; hand-off dropped")
        return None
    if state not in ("auto", "carry", "reset"):
        notices.append(f"{where}: state '{state[:20]}' is not auto, carry or reset; using auto")
        state = "auto"
    if state == "carry" and not optimizers.can_carry(run.optimizer, to):
        notices.append(f"{where}: {optimizers.spec(run.optimizer).label}'s state cannot go to "
                       f"{optimizers.spec(to).label}; it is reset")  # fmt: skip
        state = "reset"
    hypers = {h.name: h for h in optimizers.spec(to).hypers}
    hyper: dict[str, Any] = {}
    for k, raw in fields.items():
        k = k.strip()
        if k not in hypers:
            notices.append(f"{where}: {to} has no hyperparameter '{k[:40]}'; ignored")
            continue
        try:
            v = _number(raw)
            hypers[k].check(v)
        except ValueError:
            notices.append(f"{where}: {to}.{k}='{raw[:40]}' is invalid; using the default {hypers[k].default:g}")
            continue
        hyper[k] = bool(v) if hypers[k].kind == "bool" else v
    return {"at": int(at), "to": to, "hyper": hyper, "state": state}


def _parse_run(item: str, notices: list[str], taken: set[str], steps: int = MAX_STEPS) -> Run | None:
    item, *thens = item.split("|")
    key, _, rest = item.partition(":")
    key = key.strip()
    name = key.split("#")[0]
    if name not in optimizers.names():
        notices.append(f"unknown optimizer '{name}' skipped")
        return None
    if key in taken:
        notices.append(f"duplicate run '{key}' skipped")
        return None
    spec = optimizers.spec(name)
    hypers = {h.name: h for h in spec.hypers}
    run = Run(key, {})
    for part in filter(None, rest.split(",")):
        k, _, raw = part.partition("=")
        k = k.strip()
        if name == "adadelta" and k == "initial_rms_delta":  # links from before it took the article's meaning
            try:
                raw = repr(_number(raw) ** 2)
                k = "initial_acc_delta"
                notices.append("adadelta's initial_rms_delta is now initial_acc_delta, its square (E[Δθ²] at the "
                               f"start): read as initial_acc_delta={float(raw):g}")  # fmt: skip
            except ValueError:
                pass
        if k not in hypers:
            notices.append(f"{name} has no hyperparameter '{k}'; ignored")
            continue
        h = hypers[k]
        try:
            v = _number(raw)
            h.check(v)
        except ValueError:
            notices.append(f"{name}.{k}='{raw}' is invalid; using the default {h.default:g}")
            continue
        run.hyper[k] = bool(v) if h.kind == "bool" else v
    if thens:
        run.then = _parse_then(thens[0], run, steps, notices)
        if len(thens) > 1:
            notices.append(f"{key}: only one hand-off per run; the later ones are ignored")
    return run
