#!/usr/bin/env bash
# The runbook's `./api/scripts/rollback.sh prod`: the API back to the revision that ran before.
# Runs from the repository root so `cargo xtask` (.cargo/config.toml, found upwards) resolves.
cd "$(dirname "${BASH_SOURCE[0]}")/../.." && exec cargo xtask rollback api "${1:?usage: api/scripts/rollback.sh ENV [flags]}" --config "$PWD/deploy.toml" "${@:2}"
