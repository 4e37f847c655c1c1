#!/usr/bin/env bash
# The test suite, from a fresh clone: checks that terraform (1.10+) is on PATH,
# installs the pinned emulator (moto in server mode) into .emulator/venv, then
# runs every test of the workspace. Tests start their own emulator on 127.0.0.1
# and fail (never skip) if it cannot start.
#
#   scripts/test.sh [cargo test args...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

command -v cargo >/dev/null || { echo "test.sh: cargo not found; install the Rust toolchain (rustup)" >&2; exit 1; }
command -v git >/dev/null || { echo "test.sh: git not found" >&2; exit 1; }

# The real-terraform tests (shared-infra/tests/real_terraform.rs) run terraform
# offline against the emulator; its S3 lock (use_lockfile) needs 1.10 or later.
install_terraform="install Terraform 1.10 or later: from HashiCorp's Debian/Ubuntu repository (https://developer.hashicorp.com/terraform/install#linux: add apt.releases.hashicorp.com, then apt-get install terraform), or unzip the release from https://releases.hashicorp.com/terraform/ into a folder on PATH"
command -v terraform >/dev/null || { echo "test.sh: terraform not found on PATH; $install_terraform" >&2; exit 1; }
tf_version="$(CHECKPOINT_DISABLE=1 terraform version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([0-9.]*\)".*/\1/p' || true)"
tf_major="${tf_version%%.*}"; tf_rest="${tf_version#*.}"; tf_minor="${tf_rest%%.*}"
if [ -z "$tf_version" ] || [ "$tf_major" -lt 1 ] || { [ "$tf_major" -eq 1 ] && [ "$tf_minor" -lt 10 ]; }; then
  echo "test.sh: $(command -v terraform) is Terraform ${tf_version:-of an unknown version}, older than 1.10; $install_terraform" >&2
  exit 1
fi

scripts/emulator.sh install
export MOTO_SERVER="$root/.emulator/venv/bin/moto_server"
scripts/linters.sh install
export WORKFLOW_LINTERS="$root/.linters/venv/bin"

cargo test --workspace --locked "$@"
