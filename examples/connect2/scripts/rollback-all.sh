#!/usr/bin/env bash
# The runbook's `./scripts/rollback-all.sh prod`: API, then web, each on its own (never shared).
# Runs from this repository's root so `cargo xtask` (.cargo/config.toml, found upwards) resolves.
cd "$(dirname "${BASH_SOURCE[0]}")/.." && exec cargo xtask rollback all "${1:?usage: scripts/rollback-all.sh ENV [flags]}" --config "$PWD/deploy.toml" "${@:2}"
