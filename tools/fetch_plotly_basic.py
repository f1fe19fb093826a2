"""Fetch plotly.js's basic bundle from the npm registry into ``static/`` (rerun to update it).

    .venv/bin/python -m tools.fetch_plotly_basic            # the version plotly.py bundles
    .venv/bin/python -m tools.fetch_plotly_basic 4.1.1

The playground draws its map and loss panels with this bundle (scatter, bar, pie and the
layout machinery: sliders, buttons, images, annotations), 1.2 MB of JavaScript instead of the
4.7 MB full bundle that ``st.plotly_chart`` loads: see ``ui/plotly_basic.py``. The tarball's
sha512 is checked against the registry's ``dist.integrity`` before anything is written.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import sys
import tarfile
import urllib.request
from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "static"
PACKAGE = "plotly.js-basic-dist-min"


def bundled_plotly_version() -> str:
    """The plotly.js version inside the installed plotly.py (``plotly/package_data/plotly.min.js``)."""
    import plotly

    head = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()[:200]
    return re.search(r"plotly\.js v(\d+\.\d+\.\d+)", head).group(1)


def fetch(version: str) -> Path:
    """Download, verify and unpack ``plotly-basic.min.js`` of ``version`` into ``static/``."""
    meta = json.load(urllib.request.urlopen(f"https://registry.npmjs.org/{PACKAGE}/{version}", timeout=60))
    blob = urllib.request.urlopen(meta["dist"]["tarball"], timeout=120).read()
    algo, want = meta["dist"]["integrity"].split("-", 1)
    if algo != "sha512" or base64.b64encode(hashlib.sha512(blob).digest()).decode() != want:
        raise SystemExit(f"{PACKAGE}@{version}: the tarball does not match the registry's integrity hash")
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        js = tar.extractfile("package/plotly-basic.min.js").read()
        lic = tar.extractfile("package/LICENSE").read()
    STATIC.mkdir(exist_ok=True)
    for old in STATIC.glob("plotly-basic-*.min.js"):
        old.unlink()
    out = STATIC / f"plotly-basic-{version}.min.js"
    out.write_bytes(js)
    (STATIC / "LICENSE-plotly.js.txt").write_bytes(lic)
    return out


if __name__ == "__main__":
    path = fetch(sys.argv[1] if len(sys.argv) > 1 else bundled_plotly_version())
    print(f"wrote {path.relative_to(STATIC.parent)} ({path.stat().st_size / 1e6:.2f} MB)")
