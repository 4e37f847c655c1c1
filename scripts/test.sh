#!/usr/bin/env bash
# The test suite, from a fresh clone: checks that terraform (1.10+) is on PATH,
# installs the pinned emulator (moto in server mode) into .emulator/venv, the
# linters and headless Chromium (apt-get), then
# runs every test of the workspace. Tests start their own emulator on 127.0.0.1
# and fail (never skip) if it cannot start.
#
#   scripts/test.sh [cargo test args...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

command -v cargo >/dev/null || { echo "test.sh: cargo not found; install the Rust toolchain (rustup)" >&2; exit 1; }
command -v git >/dev/null || { echo "test.sh: git not found" >&2; exit 1; }

# The real-terraform tests run terraform offline against the emulator; its S3
# lock (use_lockfile) needs 1.10 or later.
scripts/terraform-check.sh test.sh

scripts/emulator.sh install
export MOTO_SERVER="$root/.emulator/venv/bin/moto_server"
scripts/linters.sh install
export WORKFLOW_LINTERS="$root/.linters/venv/bin"
# Headless Chromium (Debian's package) for the timeline page's screenshot test.
scripts/browser.sh install

cargo test --workspace --locked "$@"
