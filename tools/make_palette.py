"""Choose the run palette: 12 colours far apart from each other and from the map's colours,
the first six with different colour names (``LEAD``).

Rerun with ``python -m tools.make_palette`` (needs ``coloraide``, a test requirement) and
paste the printed tuple into ``viz/figures.py``; ``tests/test_palette.py`` checks the result
from the figures' own colours. Greedy max–min selection in CIEDE2000 over a grid of sRGB
colours, among those at least ``MAP_GAP`` from every colour the landscape image can show.
"""

from __future__ import annotations

import itertools

import numpy as np
from coloraide import Color

N = 12
MAP_GAP = 15.0  # ΔE2000 from every colour of the lightened viridis map and its contour lines
MIN_GAP_BW = 15.0  # ... and from black (gradient arrows) and white (start marker)
L_RANGE = (32.0, 72.0)  # CIELAB lightness: dark enough to read on the light map
# The first six colours, in this order. Runs get colours by their place in the view, and the
# article's five methods are compared together by every article preset (a sixth run is common):
# these have different colour names (orange, green, blue, pink, dark red, mustard), which a
# washed-out projector keeps apart, where a lightness difference alone (green against dark
# green, the old fifth colour) is lost. Any two: ≥ 25 in CIEDE2000 and ≥ 20° apart in LCh hue.
LEAD = ("#ff6600", "#00cc00", "#0000ff", "#ff66cc", "#993333", "#cc9900")


def map_colours() -> list[str]:
    """Every band colour of the map (lightened viridis) and its darkened contour line."""
    from viz.figures import _VIRIDIS, MAP_WHITE

    out = []
    for t in np.linspace(0, 1, 40):
        idx = t * (len(_VIRIDIS) - 1)
        lo = int(np.floor(idx))
        hi = min(lo + 1, len(_VIRIDIS) - 1)
        rgb = _VIRIDIS[lo] * (1 - (idx - lo)) + _VIRIDIS[hi] * (idx - lo)
        rgb = rgb * (1 - MAP_WHITE) + 255 * MAP_WHITE
        for c in (rgb, rgb * 0.62):
            out.append("#" + "".join(f"{round(v):02x}" for v in c))
    return out


def delta(a: str, b: str) -> float:
    return Color(a).delta_e(b, method="2000")


def choose() -> list[str]:
    """Greedy max-min from every admissible seed; the best set, in greedy order (the first
    colours are the most distinct, so a comparison of two or three runs is the clearest)."""
    levels = range(0, 256, 51)
    cands = ["#" + "".join(f"{v:02x}" for v in rgb) for rgb in itertools.product(levels, levels, levels)]
    bg = map_colours()
    cands = [
        c for c in cands
        if min(delta(c, m) for m in bg) >= MAP_GAP
        and min(delta(c, "#000000"), delta(c, "#ffffff")) >= MIN_GAP_BW
        and L_RANGE[0] <= Color(c).convert("lab-d65")["lightness"] <= L_RANGE[1]
    ]  # fmt: skip
    d = {(a, b): delta(a, b) for a in cands for b in cands}
    best: tuple[float, list[str]] = (-1.0, [])
    for seed in cands:
        chosen = [seed]
        while len(chosen) < N:
            chosen.append(max(cands, key=lambda c: min(d[c, p] for p in chosen)))
        worst = min(d[a, b] for a, b in itertools.combinations(chosen, 2))
        if worst > best[0]:
            best = (worst, chosen)
    return best[1]


def order(pal: list[str]) -> list[str]:
    """``LEAD`` first, then greedily the colour farthest (CIEDE2000) from all before it."""
    assert set(LEAD) <= set(pal), "LEAD must come from the chosen set"
    out, rest = list(LEAD), [c for c in pal if c not in LEAD]
    while rest:
        out.append(max(rest, key=lambda c: min(delta(c, p) for p in out)))
        rest.remove(out[-1])
    return out


if __name__ == "__main__":
    pal = order(choose())
    worst = min(delta(a, b) for a, b in itertools.combinations(pal, 2))
    bg = map_colours()
    print(
        f"PALETTE = {tuple(pal)!r}  # min pairwise ΔE2000 {worst:.1f}, "
        f"min to map {min(delta(c, m) for c in pal for m in bg):.1f}"
    )
