#!/usr/bin/env bash
# Benchmarks `xtask deploy` of a static site against `aws s3 sync` on the same
# emulator in the same run: a cold deploy of a generated site, a redeploy after a
# rebuild that changed nothing but mtimes, cold deploys with S3 latency injected,
# a concurrency sweep, the requests of a rollback where DIFFER files differ, and
# peak memory on a BIG-file site.
#
#   scripts/bench-web.sh
#   FILES=2000 BIG=20000 RUNS=1 XTASK=path/to/xtask scripts/bench-web.sh
#
# Settings (environment variables):
#   FILES     files in the site                                     [5000]
#   DIFFER    files that differ between the releases rolled back   [50]
#   BIG       files in the site whose peak memory is measured       [100000]
#   BIG_REAL  1: also a real deploy of the BIG site (slow on moto)  [0]
#   RUNS      timed runs of each cold deploy and redeploy           [3]
#   LATENCY   injected S3 latencies (ms, MIN-MAX) for the cold deploys
#             that are run again with them                          ["20-60 50-150"]
#   SWEEP     --concurrency values for the sweep                    ["4 8 16 32 64"]
#   SWEEP_LATENCY  the injected S3 latency during the sweep          [20-60]
#   AWSCLI    the awscli version installed from PyPI                [1.46.2]
#   XTASK     the xtask binary [built with `cargo build --release -p xtask` into
#             $CARGO_TARGET_DIR, default ~/.cache/deploy-toolkit/target]
#   RAW_PUTS  the floor: web-deployer's raw_puts example, one bare PutObject per
#             file and nothing else [built like XTASK, next to it]
#   WORK      where the sites, logs and results go [a new temporary directory,
#             removed at exit unless KEEP=1; a WORK you name is never removed]
#
# The emulator is the pinned moto from scripts/emulator.sh (.emulator/venv), on a
# free port, behind the AWS front (test-support/aws_front/): moto 5.2.5 answers
# GetBucketVersioning with an XML root the AWS SDK rejects, and the front fixes
# it (and counts the S3 requests per bucket). Both tools go through the front;
# `aws s3 sync` is also timed against moto directly, to show the front's share.
# moto answers a PUT in about 3 ms of its own CPU (15-19 s for 5,000), real S3 in tens of
# milliseconds of latency ("median latencies often in the tens of milliseconds" for
# requests under 512 KB, AWS's S3 performance guide); the front can hold each S3
# request for a seeded uniform draw from a MIN-MAX range (POST /__front/latency),
# which is how the LATENCY runs and the sweep see a client's concurrency play
# against latency. moto's CPU per request stays the floor under every run.
# awscli goes into its own venv (.emulator/awscli-venv), made on first use.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

FILES="${FILES:-5000}"
DIFFER="${DIFFER:-50}"
BIG="${BIG:-100000}"
BIG_REAL="${BIG_REAL:-0}"
RUNS="${RUNS:-3}"
LATENCY="${LATENCY-20-60 50-150}"
SWEEP="${SWEEP:-4 8 16 32 64}"
SWEEP_LATENCY="${SWEEP_LATENCY:-20-60}"
AWSCLI="${AWSCLI:-1.46.2}"
KEEP="${KEEP:-0}"
XTASK="${XTASK:-}"
RAW_PUTS="${RAW_PUTS:-}"

die() { echo "bench-web: $*" >&2; exit 1; }
say() { echo "bench-web: $*" >&2; }

for v in FILES DIFFER BIG RUNS; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || die "$v must be a whole number, not '${!v}'"
done
((FILES >= 100)) || die "FILES must be at least 100"
((DIFFER >= 1 && DIFFER * 2 <= FILES)) || die "DIFFER must be between 1 and FILES/2"
((RUNS >= 1)) || die "RUNS must be at least 1"
for l in $LATENCY $SWEEP_LATENCY; do
  [[ "$l" =~ ^[0-9]+(-[0-9]+)?$ ]] || die "LATENCY and SWEEP_LATENCY take MS or MIN-MAX milliseconds, not '$l'"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (apt-get install time)"

if [[ -n "${WORK:-}" ]]; then
  mkdir -p "$WORK"; WORK="$(cd "$WORK" && pwd)"; own_work=0
else
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/bench-web.XXXXXX")"; own_work=1
fi
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [[ "$KEEP" == 1 ]]; then say "kept $WORK"; elif ((own_work)); then rm -rf "$WORK"; fi
}
trap cleanup EXIT

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# --- Tools -------------------------------------------------------------------
"$root/scripts/emulator.sh" install
venv="$root/.emulator/venv"
awsvenv="$root/.emulator/awscli-venv"
if [[ "$(cat "$awsvenv/version" 2>/dev/null)" != "$AWSCLI" ]]; then
  say "installing awscli==$AWSCLI into $awsvenv"
  rm -rf "$awsvenv"
  python3 -m venv "$awsvenv"
  "$awsvenv/bin/pip" install --quiet --disable-pip-version-check "awscli==$AWSCLI"
  echo "$AWSCLI" >"$awsvenv/version"
fi
aws_bin="$awsvenv/bin/aws"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/deploy-toolkit/target}"
if [[ -z "$XTASK" ]]; then
  say "building xtask (release) into $CARGO_TARGET_DIR"
  cargo build --release -p xtask --manifest-path "$root/Cargo.toml" >&2
  XTASK="$CARGO_TARGET_DIR/release/xtask"
fi
if [[ -z "$RAW_PUTS" ]]; then
  say "building web-deployer's raw_puts example (release) into $CARGO_TARGET_DIR"
  cargo build --release -p web-deployer --example raw_puts --manifest-path "$root/Cargo.toml" >&2
  RAW_PUTS="$CARGO_TARGET_DIR/release/examples/raw_puts"
fi
[[ -x "$XTASK" ]] || die "XTASK=$XTASK is not an executable file"
[[ -x "$RAW_PUTS" ]] || die "RAW_PUTS=$RAW_PUTS is not an executable file"

# --- The emulator ------------------------------------------------------------
moto_port="$(free_port)"
front_port="$(free_port)"
"$venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" >"$WORK/moto.log" 2>&1 &
pids+=($!)
PYTHONPATH="$root/test-support" "$venv/bin/python" -B -m aws_front --port "$front_port" \
  --upstream "http://127.0.0.1:$moto_port" >"$WORK/front.log" 2>&1 &
pids+=($!)
moto="http://127.0.0.1:$moto_port"
front="http://127.0.0.1:$front_port"
for _ in $(seq 1 200); do
  curl -fsS -o /dev/null "$moto/moto-api/" 2>/dev/null \
    && curl -fsS -o /dev/null "$front/__front/health" 2>/dev/null && break
  sleep 0.1
done
curl -fsS -o /dev/null "$front/__front/health" || die "moto or the AWS front did not start; see $WORK/*.log"
say "moto on $moto, the AWS front on $front"

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL="$front"
unset AWS_PROFILE GITHUB_ACTIONS GITHUB_EVENT_NAME GITHUB_EVENT_PATH
aws() { "$aws_bin" --endpoint-url "${ENDPOINT:-$front}" "$@"; }

bucket_n=0
new_bucket() {  # a fresh versioned bucket, named in $BUCKET (no subshell: the counter must stick)
  bucket_n=$((bucket_n + 1))
  BUCKET="bench-site-$bucket_n"
  aws s3api create-bucket --bucket "$BUCKET" >/dev/null
  aws s3api put-bucket-versioning --bucket "$BUCKET" --versioning-configuration Status=Enabled >/dev/null
}
set_latency() {  # MS or MIN-MAX: every S3 request through the front waits that long
  curl -fsS -o /dev/null -X POST "$front/__front/latency" -d "{\"s3_ms\": \"$1\"}" \
    || die "the front refused latency $1"
}
calls() {  # S3 requests on a bucket so far, as "op key" lines
  curl -fsS "$front/__front/s3?bucket=$1" | python3 -c 'import json, sys; [print(op, key) for op, key in json.load(sys.stdin)]'
}

# --- The sites -----------------------------------------------------------------
# A site as a bundler makes it: hashed JS/CSS chunks (55%), images and fonts
# (25%), HTML pages (10%), JSON and text (10%), in folders of at most 200 files.
# Sizes: text 1-40 KB, binaries 2-60 KB (scaled down by SCALE); seeded, so the
# same FILES gives the same site.
generate() {  # dir files scale
  python3 - "$1" "$2" "$3" <<'PY'
import os, random, sys
root, n, scale = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rnd = random.Random(42)
words = b"export const value = function render(props) { return props.items.map((x) => x * 2); }; "
for i in range(n):
    r = i % 20
    d = i // 200
    if r < 11:
        ext = "js" if r < 8 else "css"
        path = f"assets/{d:03d}/chunk-{i:06d}-{rnd.getrandbits(32):08x}.{ext}"
        size = int(rnd.randint(1_000, 40_000) * scale)
        body = (words * (size // len(words) + 1))[:size] + str(i).encode()
    elif r < 16:
        ext = ["png", "jpg", "webp", "woff2", "svg"][r - 11]
        path = f"media/{d:03d}/file-{i:06d}.{ext}"
        body = rnd.randbytes(int(rnd.randint(2_000, 60_000) * scale))
    elif r < 18:
        path = "index.html" if i == 16 else f"pages/{d:03d}/page-{i:06d}.html"
        body = b"<!doctype html><html><body>" + words * int(rnd.randint(10, 60) * scale) + f"{i}</body></html>".encode()
    else:
        path = f"data/{d:03d}/item-{i:06d}." + ("json" if r == 18 else "txt")
        body = b'{"id": %d, "text": "' % i + words * int(rnd.randint(5, 40) * scale) + b'"}'
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as f:
        f.write(body)
PY
}

repo="$WORK/repo"
mkdir -p "$repo"
git -C "$repo" init -q -b main
write_config() {  # bucket build_dir
  cat >"$repo/deploy.toml" <<EOF
[project]
name = "bench"
region = "us-east-1"
state_bucket = "bench-state"

[environments.bench]
branch = "main"

[targets.web]
kind = "static-site"
paths = ["web/**"]
build_dir = "$2"
bucket = "$1"
max_deletes = 1000000

[[targets.web.cache]]
glob = "index.html"
cache_control = "no-cache"

[[targets.web.cache]]
glob = "assets/**"
cache_control = "public, max-age=31536000, immutable"

[[targets.web.cache]]
glob = "**"
cache_control = "public, max-age=300"
EOF
}
write_config placeholder "$WORK/site"
git -C "$repo" add deploy.toml
git -C "$repo" -c user.name=bench -c user.email=bench@example.invalid commit -q -m bench
aws s3api create-bucket --bucket bench-state >/dev/null

site="$WORK/site"
say "generating $FILES files in $site"
generate "$site" "$FILES" 1
site_bytes="$(du -sb "$site" | cut -f1)"

# xtask deploy into bucket $1 with extra args; prints seconds; RSS into $WORK/rss.
xtask_deploy() {
  local b="$1"; shift
  write_config "$b" "$site"
  local t0 t1
  t0="$(now)"
  /usr/bin/time -f "%M %U %S" -o "$WORK/time" "$XTASK" deploy web --env bench --repo "$repo" "$@" \
    >"$WORK/xtask.out" 2>"$WORK/xtask.err" || { cat "$WORK/xtask.err" >&2; die "xtask deploy failed"; }
  t1="$(now)"
  read -r rss user sys <"$WORK/time"
  echo "$rss" >"$WORK/rss"
  awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }' >"$WORK/cpu"
  secs "$t0" "$t1"
}
sync_to() {  # bucket; prints seconds
  local t0 t1
  t0="$(now)"
  aws s3 sync --only-show-errors "$site" "s3://$1" >"$WORK/sync.out" 2>&1 || { cat "$WORK/sync.out" >&2; die "aws s3 sync failed"; }
  t1="$(now)"
  secs "$t0" "$t1"
}
raw_puts_to() {  # bucket; prints seconds
  local t0 t1
  t0="$(now)"
  "$RAW_PUTS" "$1" "$site" 32 >"$WORK/raw.out" 2>&1 || { cat "$WORK/raw.out" >&2; die "raw_puts failed"; }
  t1="$(now)"
  secs "$t0" "$t1"
}
touch_all() { sleep 1; find "$1" -type f -exec touch {} +; }

# --- Cold deploy and mtime-only redeploy ----------------------------------------
# moto's own CPU time (user + system, from /proc) per cold deploy: moto is one
# Python process, so it is the floor under any client's time.
moto_pid="${pids[0]}"
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
ticks_per_s="$(getconf CLK_TCK)"
xc=(); xr=(); sc=(); sr=(); sd=(); xm=(); sm=(); rc=(); uploaded_again=""
for run in $(seq 1 "$RUNS"); do
  new_bucket; b="$BUCKET"
  m0="$(cpu_ticks "$moto_pid")"
  xc+=("$(xtask_deploy "$b")"); cold_rss="$(cat "$WORK/rss")"; cold_cpu="$(cat "$WORK/cpu")"
  xm+=("$(awk -v t="$(( $(cpu_ticks "$moto_pid") - m0 ))" -v h="$ticks_per_s" 'BEGIN { printf "%.1f", t / h }')")
  tail -1 "$WORK/xtask.out" >&2
  new_bucket; b2="$BUCKET"
  m0="$(cpu_ticks "$moto_pid")"
  sc+=("$(sync_to "$b2")")
  sm+=("$(awk -v t="$(( $(cpu_ticks "$moto_pid") - m0 ))" -v h="$ticks_per_s" 'BEGIN { printf "%.1f", t / h }')")
  new_bucket; b3="$BUCKET"; sd+=("$(ENDPOINT="$moto" sync_to "$b3")")
  new_bucket; rc+=("$(raw_puts_to "$BUCKET")")
  touch_all "$site"
  before="$(calls "$b" | wc -l)"
  xr+=("$(xtask_deploy "$b")")
  redeploy_requests="$(($(calls "$b" | wc -l) - before))"
  uploaded_again="$(grep -c PutObject <(calls "$b" | tail -n +"$((before + 1))") || true)"
  tail -1 "$WORK/xtask.out" >&2
  sr+=("$(sync_to "$b2")")
  say "run $run: xtask cold ${xc[-1]}s, redeploy ${xr[-1]}s; aws s3 sync cold ${sc[-1]}s (direct ${sd[-1]}s), redeploy ${sr[-1]}s; raw PUTs ${rc[-1]}s"
done
xc_m="$(echo "${xc[*]}" | median)"; xr_m="$(echo "${xr[*]}" | median)"
sc_m="$(echo "${sc[*]}" | median)"; sr_m="$(echo "${sr[*]}" | median)"; sd_m="$(echo "${sd[*]}" | median)"
rc_m="$(echo "${rc[*]}" | median)"

# --- Cold deploys with S3 latency injected ------------------------------------------
latency_rows=""
for l in $LATENCY; do
  set_latency "$l"
  lx=(); ls_=(); lr=()
  for run in $(seq 1 "$RUNS"); do
    new_bucket; lx+=("$(xtask_deploy "$BUCKET")")
    new_bucket; ls_+=("$(sync_to "$BUCKET")")
    new_bucket; lr+=("$(raw_puts_to "$BUCKET")")
    say "latency $l ms, run $run: xtask cold ${lx[-1]}s; aws s3 sync cold ${ls_[-1]}s; raw PUTs ${lr[-1]}s"
  done
  lx_m="$(echo "${lx[*]}" | median)"; ls_m="$(echo "${ls_[*]}" | median)"; lr_m="$(echo "${lr[*]}" | median)"
  latency_rows+="| $l ms | ${lx_m} s | ${ls_m} s | ${lr_m} s | $(awk -v a="$lx_m" -v b="$ls_m" 'BEGIN { printf "%.2f", a / b }') | ${lx[*]} / ${ls_[*]} / ${lr[*]} |"$'\n'
done
set_latency 0

# --- Concurrency sweep (cold deploys, with SWEEP_LATENCY injected) --------------------
set_latency "$SWEEP_LATENCY"
sweep_rows=""
for c in $SWEEP; do
  new_bucket; b="$BUCKET"
  t="$(xtask_deploy "$b" --concurrency "$c")"
  sweep_rows+="| $c | ${t} s | $(cat "$WORK/rss") KB |"$'\n'
  say "concurrency $c (latency $SWEEP_LATENCY ms): ${t}s"
done
set_latency 0

# --- Rollback where DIFFER files differ -------------------------------------------
new_bucket; b="$BUCKET"
xtask_deploy "$b" >/dev/null
mapfile -t scripts < <(find "$site/assets" -type f -name '*.js' | sort)
for f in "${scripts[@]:0:DIFFER}"; do
  printf '\n// changed\n' >>"$f"
done
xtask_deploy "$b" >/dev/null
changed_line="$(tail -1 "$WORK/xtask.out")"
site_before="$(calls "$b" | wc -l)"
state_before="$(calls bench-state | wc -l)"
t0="$(now)"
"$XTASK" rollback web bench --repo "$repo" >"$WORK/rollback.out" 2>"$WORK/rollback.err" \
  || { cat "$WORK/rollback.err" >&2; die "xtask rollback failed"; }
t1="$(now)"
rollback_secs="$(secs "$t0" "$t1")"
rollback_ops="$(calls "$b" | tail -n +"$((site_before + 1))" | cut -d' ' -f1 | sort | uniq -c | awk '{ printf "%s%s %s", sep, $2, $1; sep = ", " }')"
rollback_site="$(($(calls "$b" | wc -l) - site_before))"
rollback_state="$(($(calls bench-state | wc -l) - state_before))"

# --- Peak memory on a BIG-file site ----------------------------------------------
big="$WORK/big"
say "generating $BIG files in $big"
generate "$big" "$BIG" 0.1
big_bytes="$(du -sb "$big" | cut -f1)"
new_bucket; b="$BUCKET"
write_config "$b" "$big"
t0="$(now)"
/usr/bin/time -f "%M" -o "$WORK/rss" "$XTASK" deploy web --env bench --repo "$repo" --dry-run \
  >"$WORK/big.out" 2>"$WORK/big.err" || { cat "$WORK/big.err" >&2; die "xtask dry run failed"; }
t1="$(now)"
big_dry_secs="$(secs "$t0" "$t1")"; big_dry_rss="$(cat "$WORK/rss")"
big_real=""
if [[ "$BIG_REAL" == 1 ]]; then
  t0="$(now)"
  /usr/bin/time -f "%M" -o "$WORK/rss" "$XTASK" deploy web --env bench --repo "$repo" \
    >"$WORK/big.out" 2>"$WORK/big.err" || { cat "$WORK/big.err" >&2; die "xtask deploy (big) failed"; }
  t1="$(now)"
  big_real="| real deploy (cold) | $(secs "$t0" "$t1") s | $(( $(cat "$WORK/rss") / 1024 )) MB |"
  touch_all "$big"
  t0="$(now)"
  /usr/bin/time -f "%M" -o "$WORK/rss" "$XTASK" deploy web --env bench --repo "$repo" \
    >"$WORK/big.out" 2>"$WORK/big.err" || { cat "$WORK/big.err" >&2; die "xtask redeploy (big) failed"; }
  t1="$(now)"
  big_real+=$'\n'"| redeploy, mtimes only | $(secs "$t0" "$t1") s | $(( $(cat "$WORK/rss") / 1024 )) MB |"
fi

# --- Report ------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
cat <<EOF

### Results: $FILES files ($((site_bytes / 1024 / 1024)) MiB), median of $RUNS runs

| | xtask deploy | aws s3 sync | xtask / sync |
|---|---:|---:|---:|
| cold deploy | ${xc_m} s | ${sc_m} s (direct to moto: ${sd_m} s) | $(ratio "$xc_m" "$sc_m") |
| the floor: raw PutObject of every file, 32 in flight | ${rc_m} s | | |
| redeploy, mtimes only | ${xr_m} s, $uploaded_again uploads, $redeploy_requests S3 requests | ${sr_m} s (uploads everything again) | $(ratio "$xr_m" "$sr_m") |

Runs: xtask cold ${xc[*]}; raw PUTs ${rc[*]}; xtask redeploy ${xr[*]}; sync cold ${sc[*]}; sync cold direct ${sd[*]}; sync redeploy ${sr[*]} (seconds).
Peak memory of an xtask cold deploy: $((cold_rss / 1024)) MB; its own CPU time (last run): ${cold_cpu} s.
moto's CPU time during the cold deploys: xtask ${xm[*]} s; aws s3 sync ${sm[*]} s.

Cold deploys with S3 latency injected by the AWS front (median of $RUNS runs; xtask at its default concurrency, aws s3 sync at its default 10):

| injected latency per S3 request | xtask deploy | aws s3 sync | raw PUTs (32 in flight) | xtask / sync | runs (xtask / sync / raw, s) |
|---|---:|---:|---:|---:|---|
${latency_rows}
Concurrency sweep (xtask cold deploy, one run each, $SWEEP_LATENCY ms injected per S3 request):

| --concurrency | time | max RSS |
|---:|---:|---:|
${sweep_rows}
Rollback where $DIFFER of $FILES files differ (after: $changed_line):
${rollback_secs} s; $rollback_site requests on the site bucket ($rollback_ops), $rollback_state on the state bucket.

Peak memory, $BIG files ($((big_bytes / 1024 / 1024)) MiB):

| | time | max RSS |
|---|---:|---:|
| dry run (walk, MD5 of every file, list, plan) | ${big_dry_secs} s | $((big_dry_rss / 1024)) MB |
${big_real}

machine: $(nproc) CPUs, $(grep -m1 -E '^(model name|Model|cpu model)' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || echo 'unknown CPU'), Linux $(uname -r)
tools: moto $(cat "$root/.emulator/version"), $("$aws_bin" --version 2>&1), xtask $XTASK
reproduce: cd $root && FILES=$FILES DIFFER=$DIFFER BIG=$BIG BIG_REAL=$BIG_REAL RUNS=$RUNS LATENCY="$LATENCY" SWEEP="$SWEEP" SWEEP_LATENCY=$SWEEP_LATENCY scripts/bench-web.sh
EOF
