#!/usr/bin/env bash
# The main job on the example monorepo, from a fresh clone: copies
# examples/connect2 into a temp folder, makes it a git repository with two commits
# (the layout, then a change to the API, the web app and the API's docs), and asks
# the toolkit what would deploy and why.
#
#   scripts/demo.sh            (KEEP=1 keeps the demo repository)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

echo "==> building the toolkit (the first build takes a few minutes)"
cargo build --quiet --locked -p xtask
xtask() { cargo run --quiet --locked -p xtask -- "$@"; }

demo="$(mktemp -d "${TMPDIR:-/tmp}/connect2-demo.XXXXXX")"
if [ "${KEEP:-0}" != 1 ]; then trap 'rm -rf "$demo"' EXIT; fi
cp -R examples/connect2/. "$demo/"

git_() {
  git -C "$demo" -c user.name="Demo" -c user.email="demo@example.com" \
    -c commit.gpgsign=false "$@"
}
git_ init -q -b main
git_ add -A
git_ commit -q -m "Connect 2.0 layout"

echo "==> second commit: change the API and the web app, and the API's docs"
echo '# handle /version too' >> "$demo/api/app/main.py"
sed -i.bak 's/Connect 2.0/Connect 2.0 (new)/' "$demo/web/src/App.tsx" && rm "$demo/web/src/App.tsx.bak"
echo "More runbook text." >> "$demo/api/docs/README.md"
git_ commit -q -am "API /version, new web title, runbook edit"

echo
echo "==> cargo xtask plan --changed --env prod"
xtask plan --changed --env prod --repo "$demo"
echo
echo "==> cargo xtask plan --changed --format json"
xtask plan --changed --format json --repo "$demo"
echo
echo "==> a docs-only change deploys nothing"
echo "Even more runbook text." >> "$demo/api/docs/README.md"
git_ commit -q -am "runbook only"
xtask plan --changed --repo "$demo"
if [ "${KEEP:-0}" = 1 ]; then echo "demo repository kept at $demo"; fi
