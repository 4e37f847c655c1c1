#!/usr/bin/env bash
# Fails, saying how to install it, unless `terraform` on PATH is 1.10 or later
# (its S3 backend's own lock, use_lockfile). Used by test.sh and demo.sh.
#
#   scripts/terraform-check.sh NAME     (NAME prefixes the message)
set -euo pipefail
who="${1:-terraform-check}"
install="install Terraform 1.10 or later: from HashiCorp's Debian/Ubuntu repository (https://developer.hashicorp.com/terraform/install#linux: add apt.releases.hashicorp.com, then apt-get install terraform), or unzip the release from https://releases.hashicorp.com/terraform/ into a folder on PATH"
command -v terraform >/dev/null || { echo "$who: terraform not found on PATH; $install" >&2; exit 1; }
version="$(CHECKPOINT_DISABLE=1 terraform version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([0-9.]*\)".*/\1/p' || true)"
major="${version%%.*}"; rest="${version#*.}"; minor="${rest%%.*}"
if [ -z "$version" ] || [ "$major" -lt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -lt 10 ]; }; then
  echo "$who: $(command -v terraform) is Terraform ${version:-of an unknown version}, older than 1.10; $install" >&2
  exit 1
fi
