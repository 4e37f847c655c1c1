//! #25 findings 12, 13, 15: PR previews on GitHub. Forks and Dependabot get no
//! OIDC token (`test_support::actions::oidc`), previews run as an identity of
//! their own, a daily sweep takes down what `down` missed, and the URL's
//! comment is found by its own marker (the comment step runs with bash and a
//! stand-in `gh` that answers from a list of comments with the real `jq`).

mod workflow_support;

use serde_json::{json, Value};
use std::path::Path;
use test_support::actions::oidc::{credentials, Event};
use test_support::actions::{JobRun, Run, Workflow};
use workflow_support::*;

const REPO: &str = "acme/connect2";

fn pr_context(event: &Event, action: &str) -> Value {
    json!({
        "github": {
            "event_name": "pull_request",
            "repository": event.repository,
            "actor": event.actor,
            "token": "ghs_token",
            "event": {
                "action": action,
                "pull_request": { "number": 7, "head": { "repo": { "full_name": event.head_repository } } },
            },
        },
        "steps": { "preview": { "outputs": { "url": "https://pr-7.app.connect.com" } } },
    })
}

/// Runs `wf` for a pull request: a job's result is what assuming the AWS
/// role gives it (roles trusting `trusted`); the notice job's step runs.
fn run_pr(wf: &Workflow, event: &Event, trusted: &[&str]) -> (Run, String) {
    let ctx = pr_context(event, "synchronize");
    let dir = tempfile::tempdir().unwrap();
    let mut said = String::new();
    let run = wf.run(&ctx, |job, run| {
        if job == "skipped" {
            let (out, _) = wf.run_step(job, "say why", dir.path(), &ctx, run, &[]);
            said = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(out.status.success());
            return JobRun::success();
        }
        match credentials(wf, job, event, trusted) {
            Ok(_) => JobRun::success(),
            Err(_) => JobRun::failure(),
        }
    });
    (run, said)
}

#[test]
fn a_fork_or_dependabot_pull_request_is_skipped_with_a_notice() {
    let trusted = [
        "repo:acme/connect2:environment:staging",
        "repo:acme/connect2:environment:staging-preview",
    ];
    for event in [
        Event::pull_request(REPO, "mallory/connect2", "mallory", 7),
        Event::pull_request(REPO, REPO, "dependabot[bot]", 7),
    ] {
        // Before: the preview job runs and fails at its credentials, every time.
        let (run, _) = run_pr(&before("pr-preview"), &event, &trusted);
        assert_eq!(run.result("up"), "failure", "{event:?}");

        let (run, said) = run_pr(&now("pr-preview"), &event, &trusted);
        assert_eq!(run.started, ["skipped"], "{event:?}");
        assert_eq!(run.result("up"), "skipped");
        assert!(said.starts_with("::notice::No preview"), "{said}");
    }
}

#[test]
fn previews_run_as_an_identity_of_their_own() {
    let ours = Event::pull_request(REPO, REPO, "alice", 7);
    let staging = ["repo:acme/connect2:environment:staging"];
    // Before: the pull request's code ran as the staging deployer.
    let (run, _) = run_pr(&before("pr-preview"), &ours, &staging);
    assert_eq!(run.result("up"), "success");

    // Now: staging's role does not take it; the preview role does.
    let wf = now("pr-preview");
    let (run, _) = run_pr(&wf, &ours, &staging);
    assert_eq!(run.result("up"), "failure");
    let preview = ["repo:acme/connect2:environment:staging-preview"];
    let (run, _) = run_pr(&wf, &ours, &preview);
    assert_eq!(run.started, ["up"]);
    assert_eq!(run.result("up"), "success");
    assert_eq!(credentials(&wf, "up", &ours, &preview).unwrap(), preview[0]);
}

#[test]
fn a_daily_sweep_takes_down_what_down_missed() {
    // Before: nothing ran `preview sweep`; a conflicted pull request's
    // `closed` event runs no workflow, and its preview stayed.
    for file in ["pr-preview", "rollback", "drift", "deploy-prod"] {
        let text = serde_yaml_ng::to_string(before(file).doc()).unwrap();
        assert!(!text.contains("preview sweep"), "{file}");
    }
    let wf = now("preview-sweep");
    assert_eq!(wf.doc()["on"]["schedule"][0]["cron"], "43 5 * * *");
    assert_eq!(wf.environment("sweep").as_deref(), Some("staging-preview"));
    assert_eq!(
        wf.scripts("sweep").last().unwrap(),
        "exec .xtask/xtask preview sweep --older-than 14"
    );
    let subject = credentials(
        &wf,
        "sweep",
        &Event::push(REPO, "main"),
        &["repo:acme/connect2:environment:staging-preview"],
    );
    assert!(subject.is_ok(), "{subject:?}");
}

/// A stand-in `gh`: `api` GETs answer from `$GH_COMMENTS` through the real
/// `jq`, writes are logged to `$GH_WRITES`; `pr comment --edit-last` edits
/// the token user's last comment, as gh does.
fn fake_gh(dir: &Path) {
    let script = r#"#!/usr/bin/env bash
if [ "$1" = api ]; then
  shift; method=GET; filter=""; path=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --method) method="$2"; shift 2 ;;
      --jq) filter="$2"; shift 2 ;;
      -f) shift 2 ;;
      --*) shift ;;
      *) path="$1"; shift ;;
    esac
  done
  if [ "$method" = GET ]; then jq -r "$filter" "$GH_COMMENTS"; else echo "$method $path" >> "$GH_WRITES"; fi
elif [ "$1 $2" = "pr comment" ]; then
  id=$(jq -r '[.[] | select(.user.login == "github-actions[bot]")] | last | .id' "$GH_COMMENTS")
  echo "PATCH repos/$GITHUB_REPOSITORY/issues/comments/$id" >> "$GH_WRITES"
fi
"#;
    let gh = dir.join("gh");
    std::fs::write(&gh, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// What the comment step of `wf` writes, given the pull request's comments.
fn comment(wf: &Workflow, comments: Value) -> String {
    let dir = tempfile::tempdir().unwrap();
    fake_gh(dir.path());
    let list = dir.path().join("comments.json");
    std::fs::write(&list, comments.to_string()).unwrap();
    let writes = dir.path().join("writes");
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap()
    );
    let ctx = pr_context(&Event::pull_request(REPO, REPO, "alice", 7), "synchronize");
    let env = [
        ("PATH", path.as_str()),
        ("GITHUB_REPOSITORY", REPO),
        ("GH_COMMENTS", list.to_str().unwrap()),
        ("GH_WRITES", writes.to_str().unwrap()),
    ];
    let (out, _) = wf.run_step(
        "up",
        "comment the URL",
        dir.path(),
        &ctx,
        &Run::default(),
        &env,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(&writes).unwrap_or_default()
}

#[test]
fn the_preview_comment_is_found_by_its_own_marker() {
    let bot = |id: u64, body: &str| json!({ "id": id, "user": { "login": "github-actions[bot]" }, "body": body });
    let comments = json!([
        bot(11, "<!-- xtask-preview -->\nPreview: https://pr-7.app.connect.com"),
        { "id": 12, "user": { "login": "mallory" }, "body": "<!-- xtask-preview --> not the bot's" },
        bot(13, "Coverage: 81% (another workflow's comment)"),
    ]);
    // Before: `--edit-last` rewrote the coverage workflow's comment.
    assert_eq!(
        comment(&before("pr-preview"), comments.clone()),
        "PATCH repos/acme/connect2/issues/comments/13\n"
    );
    let wf = now("pr-preview");
    assert_eq!(
        comment(&wf, comments),
        "PATCH repos/acme/connect2/issues/comments/11\n"
    );
    // No comment of ours yet: one is created.
    assert_eq!(
        comment(&wf, json!([bot(13, "Coverage: 81%")])),
        "POST repos/acme/connect2/issues/7/comments\n"
    );
}
