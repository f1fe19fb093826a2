"""Headless command line: list the built-in views, export a view, run a sweep.

    python cli.py presets
    python cli.py export --preset article_hills_and_canyon --format gif --out hills.gif
    python cli.py export --preset article_hills_and_canyon --format png      # named after the view
    python cli.py export --config view.json --format mp4 --out run.mp4 --fps 20 --frames 200 --size 800x600
    python cli.py sweep --surface wobbly --optimizer adam --grid 128 --steps 300 --set lr=0.1 --out basins.parquet
    python cli.py sweep --surface wobbly --optimizer momentum --x lr=1e-4:1:64:log --y momentum=0:0.99:64 \\
        --out heatmap.csv
    python cli.py sweep --surface "f:sin(3*x)*cos(3*y) + 0.1*(x^2+y^2)" --optimizer adam --grid 64 --out my.parquet
    python cli.py sweep --surface wobbly --optimizer adam --grid 4096 --steps 1000 --dask --out basins/  # local
    python cli.py sweep ... --dask tcp://scheduler:8786 --out /shared/basins/   # an existing Dask cluster

A configuration file is what the app's "configuration (JSON)" download holds. Without ``--out``
(or with a folder as ``--out``) an export is named by ``viz.export.file_stem``: surface,
optimizers, steps and a hash of the configuration, so two different views never share a name.
Bad arguments print a clear message (a refused formula adds the formula with a caret under the
place) and exit with status 2; an output file is written under a temporary name and renamed,
so an existing file is never left half-written.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

EXIT_USAGE = 2


class UsageError(Exception):
    """A user mistake: reported as one line on stderr with exit status 2."""


_LINE_OPEN = [False]  # a progress line without its newline is on stderr


def _progress(label: str):
    last = [0.0]

    def update(f: float) -> None:
        now = time.monotonic()
        if f >= 1.0 or now - last[0] > 0.2:
            last[0] = now
            print(f"\r{label}: {f:6.1%}", end="\n" if f >= 1.0 else "", file=sys.stderr, flush=True)
            _LINE_OPEN[0] = f < 1.0

    return update


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 640x480; got {text!r}") from None
    return w, h


def _number(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise UsageError(f"{text!r} is not a number") from None
    if not math.isfinite(v):
        raise UsageError(f"{text!r} is not a finite number")
    return v


def _assignment(text: str) -> tuple[str, str]:
    name, eq, value = text.partition("=")
    if not eq or not name or not value:
        raise UsageError(f"expected name=value; got {text!r}")
    return name.strip(), value.strip()


def cmd_presets(args: argparse.Namespace) -> int:
    from viz.presets import PRESETS

    for name, p in PRESETS.items():
        print(f"{name:30s} {p.title}")
    return 0


def _load_view(args: argparse.Namespace):
    import json

    import landscapes
    from viz.presets import PRESETS
    from viz.state import View

    if args.preset:
        if args.preset not in PRESETS:
            raise UsageError(f"unknown preset {args.preset!r}; valid: {', '.join(PRESETS)}")
        return PRESETS[args.preset].view()
    path = Path(args.config)
    if not path.is_file():
        raise UsageError(f"configuration file {str(path)!r} does not exist")
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        surface = json.loads(text).get("surface")
    except (ValueError, AttributeError):
        surface = None
    if isinstance(surface, str) and surface.startswith(landscapes.CUSTOM_PREFIX):
        try:  # the formula's own message, with its caret, rather than the notice's summary
            landscapes.get(surface)
        except ValueError as e:
            raise UsageError(f"{path}: custom formula refused: {e}") from None
    view, notices = View.from_json(text)
    if notices:  # the app falls back to defaults with a notice; a script should not guess
        raise UsageError(f"{path}: " + "; ".join(n.split("; using")[0] for n in notices))
    return view


def _check_out(out: str) -> Path:
    p = Path(out)
    if not p.parent.exists():
        raise UsageError(f"output folder {str(p.parent)!r} does not exist")
    if p.is_dir():
        raise UsageError(f"{out!r} is a folder, not a file")
    return p


def default_name(view, fmt: str) -> str:
    """The file name an export gets without ``--out``: ``export.file_stem`` and the format
    (a PNG adds the step it shows)."""
    from viz import export

    stem = export.file_stem(view)
    if fmt == "png":
        stem += f"_step{view.steps if view.step is None else view.step}"
    return f"{stem}.{fmt}"


def cmd_export(args: argparse.Namespace) -> int:
    from viz import export

    target = Path.cwd() if args.out is None else Path(args.out)
    if not target.is_dir():
        _check_out(args.out)
    view = _load_view(args)
    out = target / default_name(view, args.format) if target.is_dir() else target
    w, h = args.size
    try:
        if args.format in ("gif", "mp4", "png"):
            export.check_options(w, h, args.fps, args.frames)
        data = export.render(view, args.format, _progress(f"rendering {args.format}"), w, h, args.fps, args.frames)
    except ValueError as e:
        raise UsageError(str(e)) from None
    export.write_atomic(out, data)
    print(f"wrote {out} ({len(data):,} bytes)", file=sys.stderr)
    return 0


def _axis(text: str):
    from viz.sweeps import Axis

    name, spec = _assignment(text)
    parts = spec.split(":")
    if len(parts) not in (3, 4) or (len(parts) == 4 and parts[3] != "log"):
        raise UsageError(f"an axis looks like name=low:high:count[:log]; got {text!r}")
    try:
        n = int(parts[2])
    except ValueError:
        raise UsageError(f"the count in {text!r} must be an integer") from None
    return Axis(name, _number(parts[0]), _number(parts[1]), n, len(parts) == 4)


def cmd_sweep(args: argparse.Namespace) -> int:
    from viz import export, sweeps

    if args.dask is not None:
        return _sweep_on_dask(args)
    out = _check_out(args.out)
    if out.suffix not in (".parquet", ".csv"):
        raise UsageError(f"the output must end in .parquet or .csv; got {out.name!r}")
    surface, hyper = _sweep_inputs(args)
    if (args.x is None) != (args.y is None):
        raise UsageError("a heatmap needs both --x and --y")
    if args.x is not None and args.grid is not None:
        raise UsageError("choose --grid (basins of attraction) or --x/--y (hyperparameter heatmap), not both")
    progress = _progress("sweeping")
    try:
        if args.x is not None:
            start = surface.start if args.start is None else tuple(args.start)
            r = sweeps.heatmap(args.optimizer, surface, start, args.steps, _axis(args.x), _axis(args.y),
                               hyper, progress=progress, cache=None)  # fmt: skip
        else:
            r = sweeps.basins(args.optimizer, surface, args.grid or 64, args.steps, hyper, progress=progress,
                              cache=None)  # fmt: skip
    except (ValueError, TypeError) as e:
        raise UsageError(str(e)) from None
    df = r.frame()
    if out.suffix == ".csv":
        data = df.to_csv(index=False).encode()
    else:
        import io

        buf = io.BytesIO()
        df.to_parquet(buf, index=False)
        data = buf.getvalue()
    export.write_atomic(out, data)
    print(f"wrote {out} ({len(df):,} runs)", file=sys.stderr)
    return 0


def _sweep_inputs(args: argparse.Namespace) -> tuple:
    """The sweep's surface and fixed hyperparameters from the arguments, or a ``UsageError``."""
    import landscapes
    import optimizers

    try:
        surface = landscapes.get(args.surface)
    except (KeyError, ValueError) as e:
        raise UsageError(str(e.args[0])) from None
    if args.optimizer not in optimizers.names():
        raise UsageError(f"unknown optimizer {args.optimizer!r}; valid: {', '.join(optimizers.names())}")
    hyper: dict = {}
    for a in args.set or []:
        name, value = _assignment(a)
        hyper[name] = value if name == "schedule" else _number(value)
    return surface, hyper


def _sweep_on_dask(args: argparse.Namespace) -> int:
    """``sweep --dask [ADDRESS]``: chunks as Dask tasks (a LocalCluster without an address), written
    chunk by chunk into the folder ``--out`` (a Parquet dataset); the same rows as without --dask."""
    from viz import distributed
    from viz.sweeps import check_axis

    surface, hyper = _sweep_inputs(args)
    out = Path(args.out)
    if out.suffix == ".csv" or (out.exists() and (not out.is_dir() or any(out.iterdir()))):
        raise UsageError(f"with --dask the output is a folder for a Parquet dataset, new or empty; got {out}")
    try:
        if args.x is not None or args.y is not None:
            if args.x is None or args.y is None:
                raise UsageError("a heatmap needs both --x and --y")
            x, y = _axis(args.x), _axis(args.y)
            check_axis(args.optimizer, x)
            check_axis(args.optimizer, y)
            start = surface.start if args.start is None else tuple(args.start)
            job = distributed.HeatmapJob(args.optimizer, surface.name, tuple(map(float, start)), args.steps, x, y,
                                         tuple(sorted(hyper.items())))  # fmt: skip
        else:
            n = args.grid or 64
            if not 2 <= n <= 8192:
                raise UsageError(f"--grid is 2 to 8192 starts per side with --dask; got {n}")
            job = distributed.BasinsJob(args.optimizer, surface.name, n, args.steps, tuple(sorted(hyper.items())))
        job.frame(0, 1)  # a bad setting fails here, before any cluster starts
        client = distributed.client_for(args.dask or None)
        try:
            distributed.run_job(
                job, out, client, args.chunk, progress=_progress(f"sweeping on {client.scheduler.address}")
            )
        finally:
            client.close()
    except (ValueError, TypeError) as e:
        raise UsageError(str(e)) from None
    print(f"wrote {out}/ ({job.runs:,} runs in {len(list(out.glob('part-*.parquet')))} parts)", file=sys.stderr)
    return 0


def parser() -> argparse.ArgumentParser:
    from viz.export import FORMATS

    p = argparse.ArgumentParser(prog="cli.py", description="Optimizer landscapes without a browser.")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("presets", help="list the built-in views (the article's experiments and the see-why views)")

    e = sub.add_parser("export", help="write a view as an animation, an image, data or JSON")
    src = e.add_mutually_exclusive_group(required=True)
    src.add_argument("--preset", help="a name from `cli.py presets`")
    src.add_argument("--config", help="a JSON configuration saved from the app")
    e.add_argument("--format", required=True, choices=FORMATS)
    e.add_argument("--out", help="file (or folder) to write; default: a name that identifies the view, here")
    e.add_argument("--fps", type=float, default=12.0, help="frames per second (animations)")
    e.add_argument("--frames", type=int, default=120, help="number of frames; the last step is always kept")
    e.add_argument("--size", type=_size, default=(640, 480), help="WIDTHxHEIGHT in pixels (gif, mp4, png)")

    s = sub.add_parser("sweep", help="run many runs and write one row per run (Parquet or CSV)")
    s.add_argument("--surface", required=True, help='a built-in name, or "f:<formula in x and y>"')
    s.add_argument("--optimizer", required=True)
    s.add_argument("--steps", type=int, default=300)
    s.add_argument("--grid", type=int, help="basins of attraction: N×N start points over the surface's view")
    s.add_argument("--x", help="heatmap axis: name=low:high:count[:log]")
    s.add_argument("--y", help="heatmap axis: name=low:high:count[:log]")
    s.add_argument("--start", type=float, nargs=2, metavar=("X", "Y"), help="start of every heatmap run")
    s.add_argument("--set", action="append", metavar="NAME=VALUE", help="a fixed hyperparameter (repeatable)")
    s.add_argument("--out", required=True, help="FILE.parquet or FILE.csv (with --dask: a folder)")
    s.add_argument("--dask", nargs="?", const="", metavar="ADDRESS",
                   help="run the chunks as Dask tasks on the scheduler at ADDRESS (without one: a LocalCluster) "
                   "and write one Parquet file per chunk into the folder --out")  # fmt: skip
    s.add_argument("--chunk", type=int, default=65_536, help="runs per Dask task (with --dask)")
    return p


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    try:
        return {"presets": cmd_presets, "export": cmd_export, "sweep": cmd_sweep}[args.command](args)
    except UsageError as e:
        if _LINE_OPEN[0]:
            print(file=sys.stderr)
            _LINE_OPEN[0] = False
        first, *more = str(e).splitlines() or [""]
        print(f"cli.py {args.command}: error: {first}", file=sys.stderr)
        for line in more:  # a refused formula: the formula and a caret under the place
            print(line, file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
