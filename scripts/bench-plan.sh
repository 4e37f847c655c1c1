#!/usr/bin/env bash
# Benchmarks `xtask plan --changed` against `git diff --name-only --no-renames`
# on the same commit range of a generated monorepo, in the same run, so the
# ratio between the two is meaningful whatever the machine.
#
#   scripts/bench-plan.sh
#   FILES=2000 CHANGED=100 RUNS=3 XTASK=path/to/xtask scripts/bench-plan.sh
#
# Settings (environment variables):
#   FILES     files in the first commit, besides deploy.toml    [100000]
#   CHANGED   files the second commit modifies                   [1000]
#             (it also deletes and adds max(1, CHANGED/100) files each)
#   RUNS      timed runs per command                             [20]
#   XTASK     the xtask binary [built with `cargo build --release -p xtask`
#             into $CARGO_TARGET_DIR, default ~/.cache/deploy-toolkit/target]
#   WORK      where the repository and the results go [a new temporary
#             directory]. A temporary WORK is removed at exit unless KEEP=1; a
#             WORK you name is never removed (it may hold other things).
#   CHECKOUT  sparse: write only deploy.toml to the working tree; full: all
#             files (slow on some disks, same timings)            [sparse]
#   GEN_ONLY  1: generate the repository, print how long it took and stop
#             (with KEEP=1 to look at it). Needs no xtask, jq or hyperfine.
#
# Needs git, awk, jq and hyperfine; jq and hyperfine are installed with apt-get
# when missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

FILES="${FILES:-100000}"
CHANGED="${CHANGED:-1000}"
RUNS="${RUNS:-20}"
KEEP="${KEEP:-0}"
GEN_ONLY="${GEN_ONLY:-0}"
CHECKOUT="${CHECKOUT:-sparse}"
XTASK="${XTASK:-}"

die() { echo "bench-plan: $*" >&2; exit 1; }
say() { echo "bench-plan: $*" >&2; }

for v in FILES CHANGED RUNS; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || die "$v must be a whole number, not '${!v}'"
done
((FILES >= 10)) || die "FILES must be at least 10"
# Modified files are picked at a stride of FILES/CHANGED and each deleted file is
# the one after a modified one, so the stride must be at least 2.
((CHANGED >= 1 && CHANGED * 2 <= FILES)) || die "CHANGED must be between 1 and FILES/2"
((RUNS >= 2)) || die "RUNS must be at least 2 (hyperfine needs two runs for a spread)"
[[ "$CHECKOUT" == sparse || "$CHECKOUT" == full ]] || die "CHECKOUT must be sparse or full, not '$CHECKOUT'"

# A temporary WORK is ours to remove; a named one is not (it could be $HOME).
if [[ -n "${WORK:-}" ]]; then
  mkdir -p "$WORK"
  WORK="$(cd "$WORK" && pwd)"
  own_work=0
else
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/bench-plan.XXXXXX")"
  own_work=1
fi
cleanup() {
  if [[ "$KEEP" == 1 ]]; then
    say "kept $WORK"
  elif ((own_work)); then
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

repo="$WORK/repo"
[[ ! -e "$repo" ]] || die "$repo already exists: remove it or pick another WORK"

# A command line as a shell (and hyperfine -N) would read it back: words that
# need it in single quotes, the rest bare, so it stays readable when printed.
quote() {
  local out=() a
  for a in "$@"; do
    if [[ "$a" =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then out+=("$a"); else out+=("${a@Q}"); fi
  done
  echo "${out[*]}"
}

# Seconds since the epoch with a fraction, for timing the phases.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

apt_install() {
  command -v apt-get >/dev/null || die "$1 is missing and there is no apt-get: install $1"
  local sudo=""
  if [[ "$(id -u)" != 0 ]]; then sudo="sudo"; fi
  say "installing $1 with apt-get"
  # The package lists may be missing or stale (fresh containers): update and retry.
  $sudo apt-get install -y "$1" >&2 || { $sudo apt-get update >&2 && $sudo apt-get install -y "$1" >&2; }
}

# --- Tools -------------------------------------------------------------------
# Resolved before generating so that a failing build fails fast.
if [[ "$GEN_ONLY" != 1 ]]; then
  command -v jq >/dev/null || apt_install jq
  command -v hyperfine >/dev/null || apt_install hyperfine
  if [[ -z "$XTASK" ]]; then
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/deploy-toolkit/target}"
    say "building xtask (release) into $CARGO_TARGET_DIR"
    cargo build --release -p xtask --manifest-path "$root/Cargo.toml" >&2
    XTASK="$CARGO_TARGET_DIR/release/xtask"
  fi
  [[ -x "$XTASK" ]] || die "XTASK=$XTASK is not an executable file"
  XTASK="$(cd "$(dirname "$XTASK")" && pwd)/$(basename "$XTASK")"
fi

# --- The repository ----------------------------------------------------------
# One `git fast-import` stream instead of 100k files on disk and `git add`: it
# writes one pack directly and takes seconds. The stream names author, committer
# and dates itself, so neither the environment nor git config can change the
# commits: the same FILES and CHANGED give the same commit ids on every machine
# (printed below, to check).
#
# Layout: api/ 40%, web/ 30%, infrastructure/ 10%, docs/ 20% of FILES, 100 files
# per directory, 2-3 levels below the top. One directory in ten of api/ and web/
# is under api/docs/ or web/docs/, which the connect2 config excludes from the api
# and web targets, so the plan has paths to filter out as well as in.
#
# Commit 2 modifies CHANGED files at an even stride over the whole tree (so every
# top-level directory, api/docs/ included, gets its share), deletes the file after
# every (CHANGED/ndel)-th modified one and adds as many new files.
generate_stream() {
  local config="$root/examples/connect2/deploy.toml"
  [[ -f "$config" ]] || die "$config not found"
  # deploy.toml goes in byte for byte as a blob marked :1, referenced by commit 1.
  printf 'blob\nmark :1\ndata %d\n' "$(wc -c <"$config")"
  cat "$config"
  printf '\n'
  LC_ALL=C awk -v files="$FILES" -v changed="$CHANGED" '
    BEGIN {
      who = "Bench Bot <bench@example.invalid>"
      # Files per top-level directory, in the order of the global file index g.
      top[1] = "api"; top[2] = "web"; top[3] = "infrastructure"; top[4] = "docs"
      n[1] = int(files * 40 / 100); n[2] = int(files * 30 / 100)
      n[3] = int(files * 10 / 100); n[4] = files - n[1] - n[2] - n[3]
      nareas = split("users billing orders auth search catalog inventory payments notifications reports", areas, " ")
      split("models routes services schemas repositories tasks clients validators utils", apimods, " ")
      nfeatures = split("checkout profile dashboard settings cart login signup admin orders reports", features, " ")
      split("components pages hooks stores api forms layouts widgets utils", webkinds, " ")
      ninfra = split("network ecs alb cloudfront s3 rds iam route53 sns monitoring", infra, " ")
      nsections = split("architecture runbooks onboarding adr guides reference howto releases security faq", sections, " ")

      commit("Initial import", 1700000000)
      print "M 100644 :1 deploy.toml"
      for (g = 0; g < files; g++) put(g, path_of(g, ""), 1)

      commit("Change " changed " files across the tree", 1700003600)
      ndel = int(changed / 100); if (ndel < 1) ndel = 1
      every = int(changed / ndel)
      for (c = 0; c < changed; c++) {
        g = int(c * files / changed)
        put(g, path_of(g, ""), 2)
        if (c % every == 0 && int(c / every) < ndel) {
          print "D " path_of(g + 1, "")
          put(files + c, path_of(g, "new_" c), 1)
        }
      }
      # fast-import --done fails on a stream that stops before this line.
      print "done"
    }
    function commit(msg, date) {
      printf "commit refs/heads/main\nauthor %s %d +0000\ncommitter %s %d +0000\ndata %d\n%s\n", who, date, who, date, length(msg), msg
    }
    # A name from a list, made unique past the end of the list ("users_2").
    function pick(list, len, i) { return list[i % len + 1] (i >= len ? "_" int(i / len) : "") }
    # The path of file g; "base" overrides the file name (for added files).
    function path_of(g, base,    t, j, d, k, a, m, s, dir, file) {
      j = g
      for (t = 1; t < 4 && j >= n[t]; t++) j -= n[t]
      # Directory d of its top; a groups ten directories, m is the one in the group.
      # m == 1 (not 9) is docs so that small trees (FILES=2000) have api/docs/ too;
      # s numbers the other nine 1..9 for the name lists.
      d = int(j / 100); k = j % 100; a = int(d / 10); m = d % 10; s = m + (m == 0)
      if (t == 1 && m == 1) { dir = "api/docs/" pick(sections, nsections, a); file = sprintf("page_%02d.md", k) }
      else if (t == 1)      { dir = "api/app/" pick(areas, nareas, a) "/" apimods[s]; file = sprintf("%s_%02d.py", apimods[s], k) }
      else if (t == 2 && m == 1) { dir = "web/docs/" pick(sections, nsections, a); file = sprintf("page_%02d.md", k) }
      else if (t == 2)      { dir = "web/src/" webkinds[s] "/" pick(features, nfeatures, a); file = sprintf("%s_%02d.tsx", webkinds[s], k) }
      else if (t == 3)      { dir = "infrastructure/terraform/modules/" pick(infra, ninfra, a) "/part_" m; file = sprintf("resource_%02d.tf", k) }
      else                  { dir = "docs/" pick(sections, nsections, a) "/chapter_" m; file = sprintf("page_%02d.md", k) }
      if (base != "") file = base substr(file, index(file, "."))
      return dir "/" file
    }
    # Small, plausible contents for each kind of file; "rev" makes version 2 differ.
    function put(i, path, rev,    ext, c) {
      ext = substr(path, match(path, /\.[a-z]+$/) + 1)
      if (ext == "py")
        c = sprintf("\"\"\"%s (revision %d).\"\"\"\n\nfrom dataclasses import dataclass\n\n\n@dataclass\nclass Item%d:\n    id: int = %d\n    name: str = \"item-%d\"\n", path, rev, i, i, i)
      else if (ext == "tsx")
        c = sprintf("// %s (revision %d)\nexport function Widget%d() {\n  return <div className=\"widget-%d\">Widget %d</div>;\n}\n", path, rev, i, i, i)
      else if (ext == "tf")
        c = sprintf("# %s (revision %d)\nresource \"null_resource\" \"r%d\" {\n  triggers = { id = \"%d\" }\n}\n", path, rev, i, i)
      else
        c = sprintf("# Page %d\n\nRevision %d of %s, generated by scripts/bench-plan.sh.\n", i, rev, path)
      # LC_ALL=C: length() counts bytes, which is what `data` wants.
      printf "M 100644 inline %s\ndata %d\n%s\n", path, length(c), c
    }
  '
}

say "generating $FILES files + deploy.toml, then changing $CHANGED, in $repo"
t0="$(now)"
git init -q -b main "$repo"
generate_stream | git -C "$repo" fast-import --quiet --done
t_import="$(elapsed "$t0")"
# fast-import's pack is not what a clone gets: it deltifies each object against
# the one written before it, in chains up to 50 long, and that alone made
# `git diff` 1.6x slower at 100k files. Repacking without reusing those deltas
# (-f) gives the pack pack-objects would send; it takes about 2s at 100k files.
t1="$(now)"
git -C "$repo" repack -a -d -f -q
t_repack="$(elapsed "$t1")"
# Check out commit 2. xtask reads deploy.toml from the working tree, but neither
# timed command reads any other file or the index (both diff two trees; with
# both checkouts at 100k files the timings were the same). So by default only
# deploy.toml is written, through a sparse checkout (git status stays clean):
# writing 100k files took from 3s to 60s on the same ext4 disk, depending on
# what else the machine was doing. CHECKOUT=full writes them all.
t1="$(now)"
if [[ "$CHECKOUT" != full ]]; then
  # Set by hand, not with `git sparse-checkout`, which also turns on the
  # extensions.worktreeConfig repository extension: one difference less.
  git -C "$repo" config core.sparseCheckout true
  echo /deploy.toml >"$repo/.git/info/sparse-checkout"
fi
git -C "$repo" reset -q --hard main
t_checkout="$(elapsed "$t1")"
say "generated in $(elapsed "$t0") (fast-import $t_import, repack $t_repack, checkout $t_checkout)"

base="$(git -C "$repo" rev-parse main~1)"
head="$(git -C "$repo" rev-parse main)"
say "base $base, head $head"
if [[ "$GEN_ONLY" == 1 ]]; then
  say "GEN_ONLY=1: stopping after generation"
  exit 0
fi

git_cmd=(git -C "$repo" diff --name-only --no-renames "$base" "$head")
xtask_cmd=("$XTASK" plan --changed --base "$base" --head "$head" --repo "$repo" --format json)

# --- Correctness first -------------------------------------------------------
# A fast wrong answer is worth nothing. xtask's JSON lists only the changed paths
# that select some target, so every one must be among git's; both counts are
# printed to compare by eye (connect2 ignores docs/, api/docs/ and web/docs/).
"${git_cmd[@]}" | LC_ALL=C sort -u >"$WORK/git-paths.txt"
if ! "${xtask_cmd[@]}" >"$WORK/xtask.json" 2>"$WORK/xtask.stderr"; then
  cat "$WORK/xtask.stderr" >&2
  die "xtask failed: ${xtask_cmd[*]}"
fi
jq -r '.targets[].paths[]' "$WORK/xtask.json" | LC_ALL=C sort -u >"$WORK/xtask-paths.txt"
git_count="$(wc -l <"$WORK/git-paths.txt")"
xtask_count="$(wc -l <"$WORK/xtask-paths.txt")"
# The generator knows what it changed: catch a broken stream here, not as a ratio.
ndel=$((CHANGED / 100 > 0 ? CHANGED / 100 : 1))
expected=$((CHANGED + 2 * ndel))
((git_count == expected)) || die "git reports $git_count changed paths, the generator made $expected"
echo "changed paths: git $git_count, xtask $xtask_count (those matching a target: $(jq -r '[.targets[].name] | join(", ")' "$WORK/xtask.json"))"
extra="$(LC_ALL=C comm -23 "$WORK/xtask-paths.txt" "$WORK/git-paths.txt")"
if [[ -n "$extra" ]]; then
  echo "$extra" | head -20 >&2
  die "xtask reports $(echo "$extra" | wc -l) paths that git does not (first ones above)"
fi
((xtask_count > 0)) || die "xtask reports no changed paths; the subset check would prove nothing"

# --- Timing ------------------------------------------------------------------
# -N: no shell in between, so its startup is not part of either number. Both
# commands run interleaved in one hyperfine call, on the same range and a warm
# page cache (--warmup), so the ratio is as fair as the machine is quiet.
hf=(hyperfine -N --warmup 3 --runs "$RUNS" --output=null
  --export-markdown "$WORK/bench.md" --export-json "$WORK/bench.json"
  -n git "$(quote "${git_cmd[@]}")"
  -n xtask "$(quote "${xtask_cmd[@]}")")
"${hf[@]}" >&2

echo
echo "## xtask plan --changed vs git diff: $FILES files, $CHANGED changed"
echo
cat "$WORK/bench.md"
echo
# results[] is in the order of the commands: git, then xtask.
read -r git_mean xtask_mean < <(jq -r '"\(.results[0].mean) \(.results[1].mean)"' "$WORK/bench.json")
awk -v g="$git_mean" -v x="$xtask_mean" \
  'BEGIN { printf "ratio: %.2fx (goal <= 1.5x): xtask %.1f ms, git %.1f ms (means)\n", x / g, x * 1000, g * 1000 }'
echo
echo "machine: $(nproc) CPUs, $(grep -m1 -E '^(model name|Model|cpu model)' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || echo 'unknown CPU'), Linux $(uname -r)"
echo "tools: $(git --version), $(hyperfine --version), xtask $XTASK"
echo "reproduce: cd $(quote "$root") && $(quote FILES="$FILES" CHANGED="$CHANGED" RUNS="$RUNS" CHECKOUT="$CHECKOUT" XTASK="$XTASK") scripts/bench-plan.sh"
echo "hyperfine alone (needs KEEP=1): $(quote "${hf[@]}")"
