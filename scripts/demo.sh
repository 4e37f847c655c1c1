#!/usr/bin/env bash
# The main job, end to end, against the local emulator — from a fresh clone with
# only the Rust toolchain, git, Python 3 and Terraform 1.10+:
#
#   1. installs and starts the emulator (moto, with the AWS front before it
#      that simulates ECS rollouts, which moto cannot do);
#   2. makes a git repository of examples/connect2 with a first commit and
#      bootstraps its `local` environment (state buckets, ECR repository and
#      image, ECS cluster and service, site bucket), applies the shared stack and
#      the API's and web's own stacks with the real terraform (outputs flowing
#      from one to the next), and deploys the first release;
#   3. commits a change to the API, the web app and the API's docs, "pushes" the
#      new image, and runs `cargo xtask deploy --changed --env local`: the API's
#      migration task (`before_rollout`) runs first, its rollout after, then its
#      verification (a health endpoint this script serves on 127.0.0.1:5057);
#   4. runs `cargo xtask rollback all local`, and shows what runs at each step;
#      every deploy and rollback posts its message to a local stand-in for a
#      Slack incoming webhook (scripts/webhook-sink.py on 127.0.0.1:5058,
#      $SLACK_WEBHOOK_DEPLOYS as deploy.toml's [notify] names it), and the last
#      one is printed;
#   5. writes the timeline of `local` (`history --env local --format html`) to
#      target/demo/history-local.html (DEMO_TIMELINE=FILE elsewhere) and says
#      where it is; DEMO_SCREENSHOT=FILE.png also takes its screenshot.
#
#   scripts/demo.sh        (DEMO_PORT=5055 by default; KEEP=1 keeps the repository)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
port="${DEMO_PORT:-5055}"
webhook_port="${DEMO_WEBHOOK_PORT:-5058}"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

scripts/terraform-check.sh demo.sh

step "building the toolkit (the first build takes a few minutes)"
# The executable cargo reports (what `cargo xtask` runs), taken from its own
# build output rather than a fixed path under target/.
bin="$(cargo build --locked -p xtask --bin xtask --message-format=json-render-diagnostics \
  | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)"
[ -x "$bin" ] || { echo "demo: cargo did not report the xtask executable" >&2; exit 1; }
xtask() { "$bin" "$@"; }

step "starting the emulator on 127.0.0.1:$port"
endpoint="$(scripts/emulator.sh start "$port")"
demo="$(mktemp -d "${TMPDIR:-/tmp}/connect2-demo.XXXXXX")"
health_pid=""
webhook_pid=""
cleanup() {
  [ -z "$health_pid" ] || kill "$health_pid" 2>/dev/null || true
  [ -z "$webhook_pid" ] || kill "$webhook_pid" 2>/dev/null || true
  scripts/emulator.sh stop
  if [ "${KEEP:-0}" = 1 ]; then echo "demo repository kept at $demo"; else rm -rf "$demo" "$demo.health" "$demo.messages"; fi
}
trap cleanup EXIT
# The SDK's standard variables: nothing here is specific to the toolkit.
export AWS_ENDPOINT_URL="$endpoint" AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo
export AWS_EC2_METADATA_DISABLED=true
echo "AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL"

step "a git repository of examples/connect2"
cp -R examples/connect2/. "$demo/"
git_() { git -C "$demo" -c user.name="Demo" -c user.email="demo@example.com" -c commit.gpgsign=false "$@"; }
git_ init -q -b main
git_ add -A
git_ commit -q -m "Connect 2.0 layout"
first="$(git_ rev-parse --short=7 HEAD)"
echo "first commit $first"

step "cargo xtask bootstrap --env local --with-resources   (image $first, as CI would have pushed it)"
xtask bootstrap --env local --with-resources --image-tag "$first" --repo "$demo"

step "the API's network and health endpoint   (Terraform's and the app's job in AWS)"
# The emulator's service gets a subnet and a security group, so its one-off
# tasks (the migrations) run in the service's network, as in AWS.
network="$(curl -fsS -X POST "$endpoint/__front/network")"
subnet="$(printf '%s' "$network" | python3 -c 'import json,sys; print(json.load(sys.stdin)["subnet"])')"
group="$(printf '%s' "$network" | python3 -c 'import json,sys; print(json.load(sys.stdin)["security_group"])')"
curl -fsS -o /dev/null "$endpoint/" \
  -H 'X-Amz-Target: AmazonEC2ContainerServiceV20141113.UpdateService' \
  -H 'Content-Type: application/x-amz-json-1.1' \
  -H 'Authorization: AWS4-HMAC-SHA256 Credential=demo/20260101/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=0' \
  -d "{\"cluster\": \"connect2-api-cluster-local\", \"service\": \"connect2-api-service-local\", \"networkConfiguration\": {\"awsvpcConfiguration\": {\"subnets\": [\"$subnet\"], \"securityGroups\": [\"$group\"]}}}"
echo "service connect2-api-service-local: subnet $subnet, security group $group"
# What `verify.url` of the local environment asks for.
mkdir -p "$demo.health" && echo ok > "$demo.health/health"
python3 -m http.server 5057 --bind 127.0.0.1 --directory "$demo.health" >/dev/null 2>&1 &
health_pid=$!
echo "health endpoint http://127.0.0.1:5057/health"
# Where deploy.toml's [notify] posts: $SLACK_WEBHOOK_DEPLOYS holds the webhook's
# URL (a secret in CI); here a local stand-in that keeps what it receives.
scripts/webhook-sink.py serve "$demo.messages" "$webhook_port" &
webhook_pid=$!
export SLACK_WEBHOOK_DEPLOYS="http://127.0.0.1:$webhook_port/services/TDEMO/BDEMO/local-demo"
echo "Slack webhook stand-in on 127.0.0.1:$webhook_port (SLACK_WEBHOOK_DEPLOYS)"

step "cargo xtask deploy shared api-infra web-infra --env local --approve   (the real terraform: the shared stack, then the API's and the web's, which take its outputs)"
# The terraform on PATH; its S3 backend reaches the emulator through
# AWS_ENDPOINT_URL like the SDK. No provider is downloaded: the local stacks are
# built-in terraform_data resources.
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
xtask deploy shared api-infra web-infra --env local --approve --repo "$demo"

step "cargo xtask deploy api web --env local   (the first release of the site; the API, on $first, gets a revision that pins it by digest)"
xtask deploy api web --env local --poll-interval 1s --repo "$demo"

step "second commit: the API, the web app, and the API's docs change"
echo '# /version endpoint' >> "$demo/api/app/main.py"
sed -i.bak 's/Connect 2.0/Connect 2.0 (v2)/' "$demo/web/dist/index.html" && rm "$demo/web/dist/index.html.bak"
echo 'console.log("v2");' > "$demo/web/dist/assets/index-4d5e6f7.js"
sed -i.bak 's/index-3f2c1ab.js/index-4d5e6f7.js/' "$demo/web/dist/index.html" && rm "$demo/web/dist/index.html.bak"
rm "$demo/web/dist/assets/index-3f2c1ab.js"
echo "More runbook text." >> "$demo/api/docs/README.md"
git_ add -A
git_ commit -q -m "API /version, web v2, runbook edit"
second="$(git_ rev-parse --short=7 HEAD)"
xtask bootstrap --env local --with-resources --image-tag "$second" --repo "$demo" | grep -v "everything exists" || true

step "cargo xtask plan --changed --env local"
xtask plan --changed --env local --repo "$demo"

step "cargo xtask deploy --changed --env local"
xtask deploy --changed --env local --poll-interval 1s --repo "$demo"

step "what runs now"
xtask status --env local --repo "$demo"

step "cargo xtask rollback all local"
xtask rollback all local --poll-interval 1s --repo "$demo"

step "what runs after the rollback"
xtask status --env local --repo "$demo"

step "the ledger"
xtask history api local --repo "$demo"
xtask history web local --repo "$demo"

step "the notifications: one message per deploy and rollback run"
messages=("$demo.messages"/*.json)
[ -e "${messages[0]}" ] || { echo "demo: the webhook stand-in received no message" >&2; exit 1; }
echo "the webhook received ${#messages[@]} messages; the last one (the rollback's), as Slack shows it:"
scripts/webhook-sink.py show "${messages[${#messages[@]}-1]}"

step "the timeline of local: cargo xtask history --env local --format html"
# Outside the demo's repository, which is removed at the end.
timeline="${DEMO_TIMELINE:-$root/target/demo/history-local.html}"
xtask history --env local --format html --out "$timeline" --repo "$demo"
if [ -n "${DEMO_SCREENSHOT:-}" ]; then
  scripts/browser.sh screenshot "$timeline" "$DEMO_SCREENSHOT"
  echo "its screenshot: $DEMO_SCREENSHOT"
fi
echo "open it in a browser: $timeline"
