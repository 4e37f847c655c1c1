#!/usr/bin/env bash
# The runbook's `scripts/rollback-all.sh prod`: the API, then the web, each on its own; never
# shared infrastructure (that is a git revert: `cargo xtask rollback shared prod --commit SHA`).
# `cargo xtask` is an alias in .cargo/config.toml, which cargo looks for from the current folder
# upwards, so this runs from the repository root, wherever it is called from.
cd "$(dirname "${BASH_SOURCE[0]}")/.." && exec cargo xtask rollback all "${1:?usage: scripts/rollback-all.sh ENV [flags]}" "${@:2}"
