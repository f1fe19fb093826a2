"""The vendored plotly.js basic bundle and the component that draws the playground's charts with it."""

import re
from pathlib import Path

import plotly

from ui import plotly_basic
from viz import figures
from viz.playground import compute
from viz.state import default_view


def _version(js_head: str) -> str:
    return re.search(r"plotly\.js(?: \(basic - minified\))? v(\d+\.\d+\.\d+)", js_head).group(1)


def test_vendored_bundle_is_plotly_pys_version_and_has_its_licence():
    """A plotly upgrade must come with ``python -m tools.fetch_plotly_basic``: same plotly.js everywhere."""
    assert plotly_basic.BUNDLE is not None and plotly_basic.BUNDLE.exists()
    head = plotly_basic.BUNDLE.read_text()[:400]
    full = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()[:400]
    assert "basic" in head and _version(head) == _version(full)
    assert plotly_basic.BUNDLE.name == f"plotly-basic-{_version(head)}.min.js"
    assert "MIT" in (plotly_basic.STATIC / "LICENSE-plotly.js.txt").read_text()


def test_only_figures_of_basic_trace_types_take_the_basic_bundle(monkeypatch):
    monkeypatch.setattr(plotly_basic, "enabled", lambda: True)
    view = default_view()
    res = compute(view)
    s = res.surface
    assert plotly_basic.available(figures.trajectory_figure(s, res.lines, view.start, click_grid=0))
    assert plotly_basic.available(figures.series_figure(res.lines))
    assert not plotly_basic.available(figures.surface3d_figure(s, res.lines))  # 3-D needs the full bundle
    monkeypatch.setattr(plotly_basic, "enabled", lambda: False)
    assert not plotly_basic.available(figures.series_figure(res.lines))


def test_static_serving_is_configured_where_streamlit_starts():
    """README, Dockerfile, tests and bench start Streamlit in the repository folder, which holds the config."""
    root = Path(__file__).resolve().parents[1]
    config = (root / ".streamlit" / "config.toml").read_text()
    assert re.search(r"^enableStaticServing\s*=\s*true", config, re.M)
    assert plotly_basic.STATIC == root / "static"
