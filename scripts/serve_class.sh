#!/usr/bin/env bash
# Serve a class: N Streamlit processes of the app on loopback ports behind nginx with sticky
# sessions, without Docker. Runs in the foreground; Ctrl-C (or SIGTERM) stops everything it started.
#
#   bash scripts/serve_class.sh 2                      # 2 processes, the class connects to port 8501
#   LISTEN=127.0.0.1 PORT=8600 bash scripts/serve_class.sh 3
#
# Environment: PORT (the proxy's port, 8501), LISTEN (its address, 0.0.0.0: the class's network),
# APP_PORT (the first app process's port, 8511; the others follow, all on 127.0.0.1),
# VENV (.venv), RUN_DIR (.serve: logs, the rendered nginx.conf, nginx's temp files).
# Needs Debian's nginx (apt-get install nginx); uses deploy/nginx.conf.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

N=${1:-2}
PORT=${PORT:-8501}
LISTEN=${LISTEN:-0.0.0.0}
APP_PORT=${APP_PORT:-8511}
VENV=${VENV:-.venv}
RUN_DIR=${RUN_DIR:-.serve}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

if ! [[ "$N" =~ ^[1-9][0-9]*$ ]] || [ "$N" -gt 32 ]; then
  echo "usage: serve_class.sh N   (N app processes, 1–32)" >&2
  exit 2
fi
if [ ! -x "$NGINX" ]; then
  echo "nginx is not installed: apt-get install nginx (Debian's package)" >&2
  exit 3
fi
mkdir -p "$RUN_DIR"
RUN_DIR=$(cd "$RUN_DIR" && pwd)

pids=()
stop() {
  trap - EXIT INT TERM
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 1 50); do  # up to 10 s to finish, then killed
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One secret for all processes: a cookie Streamlit signs in one is valid in every other.
SECRET=${STREAMLIT_SERVER_COOKIE_SECRET:-$("$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(32))')}
export STREAMLIT_SERVER_COOKIE_SECRET=$SECRET

servers=""
for ((i = 0; i < N; i++)); do
  p=$((APP_PORT + i))
  "$VENV/bin/streamlit" run app.py --server.headless true --server.address 127.0.0.1 --server.port "$p" \
    --browser.gatherUsageStats false >"$RUN_DIR/app-$p.log" 2>&1 &
  pids+=($!)
  servers+="        server 127.0.0.1:$p max_fails=3 fail_timeout=10s;\n"
done

# Render the proxy's configuration: these processes, this address, temp files in RUN_DIR.
sed -e "s|^\( *\)server app:8501;.*|$servers|" \
  -e "s|listen 8501;.*|listen $LISTEN:$PORT;|" \
  -e "s|/tmp/nginx-landscapes|$RUN_DIR/nginx|g" \
  deploy/nginx.conf >"$RUN_DIR/nginx.conf"
mkdir -p "$RUN_DIR/nginx"
"$NGINX" -t -q -c "$RUN_DIR/nginx.conf" -p "$RUN_DIR/nginx" -e "$RUN_DIR/nginx/error.log"

# Wait for every app process (the first start compiles the Numba kernels: up to a minute).
for ((i = 0; i < N; i++)); do
  p=$((APP_PORT + i))
  for _ in $(seq 1 300); do
    "$VENV/bin/python" -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:$p/_stcore/health', timeout=2).read() != b'ok')" \
      2>/dev/null && break
    kill -0 "${pids[$i]}" 2>/dev/null || { echo "app process on port $p exited; see $RUN_DIR/app-$p.log" >&2; exit 1; }
    sleep 0.5
  done
done
# Warm each process (Numba kernels, the heap frozen before the class arrives): one page run each.
for ((i = 0; i < N; i++)); do
  "$VENV/bin/python" bench/bench_load.py --port $((APP_PORT + i)) --sessions 1 --reruns 0 --settle 0 >/dev/null 2>&1 || true
done

"$NGINX" -c "$RUN_DIR/nginx.conf" -p "$RUN_DIR/nginx" -e "$RUN_DIR/nginx/error.log" >>"$RUN_DIR/nginx.log" 2>&1 &
pids+=($!)
echo "serving: http://$LISTEN:$PORT/ → $N processes on 127.0.0.1:$APP_PORT…$((APP_PORT + N - 1)) (logs in $RUN_DIR)"
wait -n "${pids[@]}"
echo "a process exited; stopping" >&2
exit 1
