#!/usr/bin/env bash
# The workflow linters the tests run on generated GitHub Actions workflows,
# pinned, in a venv inside the repo:
#   zizmor            security findings (pinned actions, injection, permissions...)
#   check-jsonschema  validation against GitHub's workflow schema (bundled, offline)
#
#   scripts/linters.sh install     create .linters/venv (idempotent)
set -euo pipefail

ZIZMOR_VERSION="1.32.0"
CHECK_JSONSCHEMA_VERSION="0.39.0"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.linters"
venv="$dir/venv"
python="${PYTHON:-python3}"
want="zizmor==$ZIZMOR_VERSION check-jsonschema==$CHECK_JSONSCHEMA_VERSION"

case "${1:-}" in
  install)
    if [ -x "$venv/bin/zizmor" ] && [ -x "$venv/bin/check-jsonschema" ] \
       && [ "$(cat "$dir/version" 2>/dev/null)" = "$want" ]; then
      exit 0
    fi
    echo "linters: installing $want into $venv" >&2
    rm -rf "$venv"
    mkdir -p "$dir"
    "$python" -m venv "$venv"
    # shellcheck disable=SC2086
    "$venv/bin/pip" install --quiet --disable-pip-version-check $want
    echo "$want" > "$dir/version"
    ;;
  *) echo "usage: scripts/linters.sh install" >&2; exit 2 ;;
esac
