#!/usr/bin/env bash
# The runbook's `./web/scripts/rollback.sh prod`: the web app back to its previous release.
# Runs from the repository root so `cargo xtask` (.cargo/config.toml, found upwards) resolves.
cd "$(dirname "${BASH_SOURCE[0]}")/../.." && exec cargo xtask rollback web "${1:?usage: web/scripts/rollback.sh ENV [flags]}" --config "$PWD/deploy.toml" "${@:2}"
