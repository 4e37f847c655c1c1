#!/usr/bin/env bash
# The runbook's shared-infrastructure rollback: `./infrastructure/scripts/rollback.sh prod --commit SHA`
# prepares the `git revert -m 1` of that change on a new branch (pushed only with --push).
# Runs from the repository root so `cargo xtask` (.cargo/config.toml, found upwards) resolves.
cd "$(dirname "${BASH_SOURCE[0]}")/../.." && exec cargo xtask rollback shared "${1:?usage: infrastructure/scripts/rollback.sh ENV --commit SHA [--push]}" --config "$PWD/deploy.toml" "${@:2}"
