#!/usr/bin/env bash
# The headless browser the timeline tests render the history page in:
# Chromium from Debian's packages (apt-get, so this needs root, as in CI).
#
#   scripts/browser.sh install     install chromium when it is not on PATH (idempotent)
#   scripts/browser.sh path        print the browser's path
#   scripts/browser.sh screenshot PAGE.html OUT.png [WIDTHxHEIGHT]
#                                  a headless screenshot of a local page (1366x768)
set -euo pipefail

find_browser() {
  for b in "${CHROMIUM:-}" chromium chromium-browser; do
    if [ -n "$b" ] && command -v "$b" >/dev/null 2>&1; then
      command -v "$b"
      return 0
    fi
  done
  return 1
}

case "${1:-}" in
  install)
    if find_browser >/dev/null; then
      exit 0
    fi
    if ! command -v apt-get >/dev/null; then
      echo "browser.sh: chromium not found and apt-get is not available: install Chromium and set CHROMIUM to its path" >&2
      exit 1
    fi
    sudo=""
    if [ "$(id -u)" != 0 ]; then
      sudo="sudo"
    fi
    echo "browser: installing chromium with apt-get" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
    find_browser >/dev/null || { echo "browser.sh: chromium is still not on PATH after apt-get install" >&2; exit 1; }
    ;;
  path)
    find_browser || { echo "browser.sh: chromium not found: run scripts/browser.sh install" >&2; exit 1; }
    ;;
  screenshot)
    page="${2:?usage: scripts/browser.sh screenshot PAGE.html OUT.png [WIDTHxHEIGHT]}"
    png="${3:?usage: scripts/browser.sh screenshot PAGE.html OUT.png [WIDTHxHEIGHT]}"
    size="${4:-1366x768}"
    browser="$(find_browser)" || { echo "browser.sh: chromium not found: run scripts/browser.sh install" >&2; exit 1; }
    profile="$(mktemp -d)"
    trap 'rm -rf "$profile"' EXIT
    page="$(cd "$(dirname "$page")" && pwd)/$(basename "$page")"
    "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
      --disable-extensions --force-color-profile=srgb --user-data-dir="$profile" \
      --window-size="${size/x/,}" --screenshot="$png" "file://$page" >/dev/null 2>&1
    [ -s "$png" ] || { echo "browser.sh: chromium wrote no screenshot of $page" >&2; exit 1; }
    ;;
  *) echo "usage: scripts/browser.sh install|path|screenshot" >&2; exit 2 ;;
esac
