#!/usr/bin/env bash
# Install everything the tests need (Python packages, Debian's chromium and nginx),
# lint, and run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh dev
# Debian's chromium (the browser tests) and nginx (tests/test_serve_class.py: the class server behind a proxy)
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "${missing[*]} not installed and this is not root: the tests that need them will be skipped" >&2
  fi
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/hadolint Dockerfile
.venv/bin/hadolint deploy/nginx.Dockerfile
.venv/bin/python -m pytest -q "$@"
