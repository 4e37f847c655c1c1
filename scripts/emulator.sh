#!/usr/bin/env bash
# The local AWS emulator: moto in server mode, pinned, in a venv inside the repo.
#
#   scripts/emulator.sh install        create .emulator/venv with moto[server] and botocore
#                                      (the service models), both pinned (idempotent)
#   scripts/emulator.sh start [PORT]   start moto_server on 127.0.0.1 and, in front of it on
#                                      PORT (default 5055), the AWS front that simulates what
#                                      moto lacks (test-support/aws_front/, ECS rollouts,
#                                      one-off tasks, faults); wait until both answer; print
#                                      the endpoint URL
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
# The AWS service models (service-2.json) the front's contract check validates
# every request against: pinned too, so the check is the same on every machine.
BOTOCORE_VERSION="1.44.18"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.emulator"
venv="$dir/venv"
python="${PYTHON:-python3}"

install() {
  local want="moto $MOTO_VERSION botocore $BOTOCORE_VERSION"
  if [ -x "$venv/bin/moto_server" ] && [ "$(cat "$dir/version" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  command -v "$python" >/dev/null || { echo "emulator: $python not found; install Python 3.9+" >&2; exit 1; }
  echo "emulator: installing moto[server]==$MOTO_VERSION botocore==$BOTOCORE_VERSION into $venv" >&2
  rm -rf "$venv"
  mkdir -p "$dir"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "moto[server]==$MOTO_VERSION" "botocore==$BOTOCORE_VERSION"
  echo "$want" > "$dir/version"
}

answers() { curl -fsS -o /dev/null "$1" 2>/dev/null; }

start() {
  install
  local port="${1:-5055}" moto_port=$(( ${1:-5055} + 1 ))
  if answers "http://127.0.0.1:$port/__front/health"; then
    echo "http://127.0.0.1:$port"; return 0
  fi
  nohup "$venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" > "$dir/moto.log" 2>&1 &
  echo $! > "$dir/moto.pid"
  PYTHONPATH="$root/test-support" nohup "$venv/bin/python" -B -m aws_front --port "$port" \
    --upstream "http://127.0.0.1:$moto_port" > "$dir/front.log" 2>&1 &
  echo $! > "$dir/front.pid"
  for _ in $(seq 1 150); do
    if answers "http://127.0.0.1:$moto_port/moto-api/" && answers "http://127.0.0.1:$port/__front/health"; then
      echo "http://127.0.0.1:$port"; return 0
    fi
    sleep 0.1
  done
  echo "emulator: no answer on 127.0.0.1:$port/$moto_port; see $dir/moto.log and $dir/front.log" >&2
  stop
  exit 1
}

stop() {
  for name in front moto; do
    if [ -f "$dir/$name.pid" ]; then
      kill "$(cat "$dir/$name.pid")" 2>/dev/null || true
      rm -f "$dir/$name.pid"
    fi
  done
}

case "${1:-}" in
  install) install ;;
  start) shift; start "$@" ;;
  stop) stop ;;
  path) install; echo "$venv/bin/moto_server" ;;
  *) echo "usage: scripts/emulator.sh install|start [PORT]|stop|path" >&2; exit 2 ;;
esac
