#!/usr/bin/env bash
# How long a GitHub Actions deploy job takes from its start to xtask's first AWS
# call, simulated on this machine: a fresh clone of the repository (the job's
# checkout), then either
#   old: today's per-target workflow — `cargo xtask deploy ...` in the clone,
#        with the Cargo cache restored (warm: a target/ a previous run left at the
#        same path, as actions/cache restores it) or not (cold: an empty target/;
#        the crates.io downloads are on this machine already, a real cold runner
#        downloads them too);
#   new: the per-environment pipeline — the build job's artifact copied in
#        (download-artifact), `chmod +x`, `.xtask/xtask deploy ...`.
# And the pipeline's `build` job itself, from its start to the artifact's file
# being there (the upload step's input):
#   today: `cargo build` in the clone with the Cargo cache restored (warm: the
#          target/ the cold build left at the same path);
#   binary cache, warm: the key computed from the toolkit's sources (as
#          hashFiles does: SHA-256 of each matching file), the cached
#          `.xtask/xtask` extracted from its tarball (what actions/cache does);
#   binary cache, cold: a miss, then the build as today (the cold build above).
# The first AWS call is the first connection to AWS_ENDPOINT_URL, which points
# at a listener that records when it was reached and then refuses the call.
#
#   scripts/bench-ci-jobs.sh [REPO]     (default: this repository's HEAD)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo="${1:-$root}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export CARGO_TERM_COLOR=never

port_file="$work/port"
stamp="$work/first-call"
python3 - "$port_file" "$stamp" <<'EOF' &
import socket, sys, time
port_file, stamp = sys.argv[1], sys.argv[2]
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
open(port_file, "w").write(str(s.getsockname()[1]))
while True:
    c, _ = s.accept()
    with open(stamp, "a") as f:
        f.write(f"{time.time()}\n")
    c.close()
EOF
listener=$!
trap 'kill $listener 2>/dev/null; rm -rf "$work"' EXIT
while [ ! -s "$port_file" ]; do sleep 0.1; done
endpoint="http://127.0.0.1:$(cat "$port_file")"

# One job: $1 = label, $2 = how it runs xtask; prints seconds to first call.
job() {
  local label="$1" mode="$2" clone="$work/runner/work/repo"
  rm -rf "$work/runner" "$stamp"
  local start
  start=$(python3 -c 'import time; print(time.time())')
  git clone -q "file://$repo" "$clone"
  case "$mode" in
    old-cold) rm -rf "$work/cache"; mkdir -p "$work/cache" ;;
    old-warm) ;;
    new) mkdir -p "$clone/.xtask" && cp "$work/artifact" "$clone/.xtask/xtask" && chmod +x "$clone/.xtask/xtask" ;;
  esac
  (
    cd "$clone"
    export AWS_ENDPOINT_URL="$endpoint" AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench \
      AWS_EC2_METADATA_DISABLED=true AWS_MAX_ATTEMPTS=1
    args=(deploy web --env local --config examples/connect2/deploy.toml)
    case "$mode" in
      old-*) CARGO_TARGET_DIR="$work/cache" cargo xtask "${args[@]}" >"$work/$mode.log" 2>&1 & ;;
      new) .xtask/xtask "${args[@]}" >"$work/$mode.log" 2>&1 & ;;
    esac
    pid=$!
    # Until the first call (or the end, if it never makes one).
    while kill -0 "$pid" 2>/dev/null && [ ! -s "$stamp" ]; do sleep 0.05; done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  )
  if [ ! -s "$stamp" ]; then echo "$label: xtask made no AWS call" >&2; exit 1; fi
  python3 -c "import sys; print(f'{float(open(sys.argv[1]).readline()) - float(sys.argv[2]):.1f}')" "$stamp" "$start"
}

# The build job of the new pipeline, cold: it makes the artifact.
build_start=$(date +%s.%N)
git clone -q "file://$repo" "$work/build"
(cd "$work/build" && CARGO_TARGET_DIR="$work/build-target" CARGO_PROFILE_DEV_DEBUG=0 \
  cargo build -q --locked --package xtask)
build_cold=$(python3 -c "print(f'{$(date +%s.%N) - $build_start:.1f}')")
cp "$work/build-target/debug/xtask" "$work/artifact"
artifact_mb=$(du -m "$work/artifact" | cut -f1)

# The build job with the binary cache: its tarball, as actions/cache saves it.
tar -cf "$work/xtask-cache.tar" -C "$work" --transform 's,^artifact$,.xtask/xtask,' artifact
key_of() {
  # hashFiles over the toolkit's own sources (the generated key's patterns).
  python3 - "$1" <<'PY'
import glob, hashlib, os, sys
root = sys.argv[1]
patterns = ["Cargo.lock", "Cargo.toml", "*/Cargo.toml", "*/build.rs", "*/src/**", "rust-toolchain.toml", "rust-toolchain"]
files = sorted({f for p in patterns for f in glob.glob(os.path.join(root, p), recursive=True) if os.path.isfile(f)})
outer = hashlib.sha256()
for f in files:
    outer.update(hashlib.sha256(open(f, "rb").read()).digest())
print(outer.hexdigest())
PY
}
build_job() {
  local mode="$1" clone="$work/build"
  rm -rf "$clone"
  local start
  start=$(date +%s.%N)
  git clone -q "file://$repo" "$clone"
  case "$mode" in
    today-warm)
      (cd "$clone" && CARGO_TARGET_DIR="$work/build-target" CARGO_PROFILE_DEV_DEBUG=0 \
        cargo build -q --locked --package xtask && mkdir -p .xtask && cp "$work/build-target/debug/xtask" .xtask/xtask) ;;
    cache-warm)
      key_of "$clone" > "$work/key"
      tar -xf "$work/xtask-cache.tar" -C "$clone" ;;
  esac
  [ -x "$clone/.xtask/xtask" ] || { echo "build job $mode: no .xtask/xtask" >&2; exit 1; }
  python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')"
}
build_today_warm=$(build_job today-warm)
build_cache_1=$(build_job cache-warm)
build_cache_2=$(build_job cache-warm)

old_cold=$(job "old, cold cache" old-cold)
old_warm=$(job "old, warm cache" old-warm)
new_1=$(job "new" new)
new_2=$(job "new" new)

cat <<EOF
| job | start → first AWS call |
|---|---:|
| today's per-target workflow, cold cache (\`cargo xtask\` builds everything) | ${old_cold} s |
| today's per-target workflow, warm cache (\`target/\` restored; the workspace's crates rebuild: the checkout's files are new) | ${old_warm} s |
| pipeline deploy job (artifact copied in), run 1 | ${new_1} s |
| pipeline deploy job, run 2 | ${new_2} s |
| pipeline build job, cold (once per run, not per deploy job) | ${build_cold} s |

| build job: start → the artifact's file | |
|---|---:|
| today: \`cargo build\` with the Cargo cache restored (the workspace's crates rebuild) | ${build_today_warm} s |
| binary cache, warm (a push that does not touch the toolkit), run 1 | ${build_cache_1} s |
| binary cache, warm, run 2 | ${build_cache_2} s |
| binary cache, cold (the toolkit changed): the cold build above | ${build_cold} s |

artifact: ${artifact_mb} MB (debug, no debug info)
EOF
