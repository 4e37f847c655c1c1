#!/usr/bin/env bash
# The local AWS emulator: moto in server mode, pinned, in a venv inside the repo.
#
#   scripts/emulator.sh install        create .emulator/venv with moto[server] (idempotent)
#   scripts/emulator.sh start [PORT]   start moto_server on 127.0.0.1 (default port 5055),
#                                      wait until it answers, print the endpoint URL
#   scripts/emulator.sh stop           stop the server started by `start`
#   scripts/emulator.sh path           print the moto_server executable
#
# Tests start their own server (test-support finds the executable through
# MOTO_SERVER, which scripts/test.sh sets); `start` is for the demo and for trying
# the CLI by hand with AWS_ENDPOINT_URL.
set -euo pipefail

# Pinned: the test-support layer corrects known answers of this exact version
# (see docs/TESTING.md), so a silent upgrade must not happen.
MOTO_VERSION="5.2.5"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.emulator"
venv="$dir/venv"
python="${PYTHON:-python3}"

install() {
  if [ -x "$venv/bin/moto_server" ] && [ "$(cat "$dir/version" 2>/dev/null)" = "$MOTO_VERSION" ]; then
    return 0
  fi
  command -v "$python" >/dev/null || { echo "emulator: $python not found; install Python 3.9+" >&2; exit 1; }
  echo "emulator: installing moto[server]==$MOTO_VERSION into $venv" >&2
  rm -rf "$venv"
  mkdir -p "$dir"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  echo "$MOTO_VERSION" > "$dir/version"
}

start() {
  install
  local port="${1:-5055}"
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/" 2>/dev/null; then
    echo "http://127.0.0.1:$port"; return 0
  fi
  nohup "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" > "$dir/server.log" 2>&1 &
  echo $! > "$dir/server.pid"
  for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/" 2>/dev/null; then
      echo "http://127.0.0.1:$port"; return 0
    fi
    sleep 0.1
  done
  echo "emulator: moto_server did not answer on 127.0.0.1:$port; see $dir/server.log" >&2
  exit 1
}

stop() {
  if [ -f "$dir/server.pid" ]; then
    kill "$(cat "$dir/server.pid")" 2>/dev/null || true
    rm -f "$dir/server.pid"
  fi
}

case "${1:-}" in
  install) install ;;
  start) shift; start "$@" ;;
  stop) stop ;;
  path) install; echo "$venv/bin/moto_server" ;;
  *) echo "usage: scripts/emulator.sh install|start [PORT]|stop|path" >&2; exit 2 ;;
esac
