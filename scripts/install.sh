#!/usr/bin/env bash
# Create .venv and install the app's requirements (pass "dev" for the test tools too).
# Works on a fresh Debian with Python 3.11: installs python3-venv through apt if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
req=requirements.txt
[ "${1:-}" = "dev" ] && req=requirements-dev.txt
if [ ! -x .venv/bin/python ]; then
  if ! python3 -m venv .venv 2>/dev/null; then
    rm -rf .venv
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv .venv
  fi
fi
# uv resolves and installs in seconds instead of the ~45 s pip takes; pip is the fallback.
# --compile-bytecode writes the .pyc files now: without them every start compiles NumPy,
# Numba, pandas and Streamlit from source again when PYTHONDONTWRITEBYTECODE is set (as on
# the development machines), which doubles the time to a ready page.
if .venv/bin/python -m pip install -q uv 2>/dev/null &&
  .venv/bin/uv pip install -q --compile-bytecode --python .venv/bin/python -r "$req"; then
  :
else
  .venv/bin/python -m pip install -q -r "$req"
fi
