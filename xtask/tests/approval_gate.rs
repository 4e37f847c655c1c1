//! The apply behind the GitHub environment gate, checked against GitHub: the
//! step's `XTASK_APPROVED_ENVIRONMENT` is a claim, and the run's review history
//! (`test_support::github_api`, standing in for GitHub's REST endpoint) must
//! hold an approval of that environment. The binary, the stand-in terraform and
//! the emulator's S3 for the lock and the ledger, as in terraform_deploy.rs.

use std::process::Output;

use test_support::cli::{all_output, text};
use test_support::github_api::GitHubApi;
use test_support::SharedStack;

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

/// `deploy shared --env prod` as the generated apply job runs it.
fn apply(f: &SharedStack, github: &GitHubApi, without: &[&str]) -> Output {
    let mut cmd = f.command(&["deploy", "shared", "--env", "prod"]);
    cmd.env("XTASK_APPROVED_ENVIRONMENT", "prod-approval");
    for (key, value) in github.job_env() {
        if !without.contains(&key) {
            cmd.env(key, value);
        }
    }
    for key in without {
        cmd.env_remove(key);
    }
    cmd.output().unwrap()
}

/// Refused: exit 2, one `error:` line holding `words`, terraform never ran,
/// nothing in the ledger and no lock (the check runs before it).
async fn assert_refused(f: &SharedStack, out: &Output, words: &[&str]) {
    assert_eq!(out.status.code(), Some(2), "{}", all_output(out));
    let stderr = text(&out.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    for w in words {
        assert!(errors[0].contains(w), "{w:?} in {}", errors[0]);
    }
    assert!(f.tf.calls().is_empty(), "terraform ran: {:?}", f.tf.steps());
    assert!(f.history().is_empty());
    assert!(!f.lock_exists().await);
}

#[tokio::test]
async fn an_approval_of_the_gate_applies_and_the_ledger_names_the_reviewer() {
    let f = SharedStack::new(XTASK, "aws-plan-adds-nat.json").await;
    let github = GitHubApi::start();
    github.review("approved", "alice", "prod-approval", "Ship it!");
    let out = apply(&f, &github, &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(f.tf.steps(), ["init", "plan", "show", "apply"]);
    let message = f.history()[0]["message"].as_str().unwrap().to_string();
    assert!(
        message
            .contains("approved by alice in the GitHub environment `prod-approval`: \"Ship it!\""),
        "{message}"
    );
    // Asked as GitHub's REST reference says, with the job's token.
    let asked = github.asked();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(
        asked[0].path,
        "/repos/acme/connect2/actions/runs/4242/approvals"
    );
    assert_eq!(
        asked[0].authorization,
        Some(format!("Bearer {}", github.token))
    );
    assert_eq!(
        asked[0].accept.as_deref(),
        Some("application/vnd.github+json")
    );
    assert_eq!(asked[0].api_version.as_deref(), Some("2022-11-28"));
    assert!(asked[0].user_agent.is_some());
    assert!(
        !all_output(&out).contains(&github.token),
        "the token is never shown"
    );
}

#[tokio::test]
async fn no_review_is_refused_naming_the_setup_command() {
    let f = SharedStack::new(XTASK, "aws-plan-adds-nat.json").await;
    let github = GitHubApi::start();
    let out = apply(&f, &github, &[]);
    assert_refused(
        &f,
        &out,
        &[
            "nobody approved run 4242",
            "`prod-approval`",
            "cargo xtask ci setup --env prod",
        ],
    )
    .await;
}

#[tokio::test]
async fn a_rejection_or_an_approval_of_another_environment_is_refused() {
    let f = SharedStack::new(XTASK, "aws-plan-adds-nat.json").await;
    let github = GitHubApi::start();
    github.review("approved", "alice", "staging-approval", "");
    let out = apply(&f, &github, &[]);
    assert_refused(&f, &out, &["nobody approved", "prod-approval"]).await;

    github.review("rejected", "bob", "prod-approval", "not today");
    let out = apply(&f, &github, &[]);
    assert_refused(&f, &out, &["bob rejected this run", "prod-approval"]).await;
}

#[tokio::test]
async fn no_token_or_an_api_error_is_refused_and_never_shows_the_token() {
    let f = SharedStack::new(XTASK, "aws-plan-adds-nat.json").await;
    let github = GitHubApi::start();
    github.review("approved", "alice", "prod-approval", "");

    let out = apply(&f, &github, &["GITHUB_TOKEN"]);
    assert_refused(&f, &out, &["GITHUB_TOKEN is not set", "actions: read"]).await;
    assert!(github.asked().is_empty(), "nothing asked without a token");

    github.fail_with(403, "Resource not accessible by integration");
    let out = apply(&f, &github, &[]);
    assert_refused(
        &f,
        &out,
        &[
            "HTTP 403",
            "Resource not accessible by integration",
            "actions: read",
        ],
    )
    .await;
    assert!(!all_output(&out).contains(&github.token));
}

#[tokio::test]
async fn a_dry_run_behind_the_gate_asks_nothing() {
    let f = SharedStack::new(XTASK, "aws-plan-adds-nat.json").await;
    let github = GitHubApi::start();
    let mut cmd = f.command(&["deploy", "shared", "--env", "prod", "--dry-run"]);
    cmd.env("XTASK_APPROVED_ENVIRONMENT", "prod-approval");
    for (key, value) in github.job_env() {
        cmd.env(key, value);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(github.asked().is_empty());
    assert!(!f.tf.steps().contains(&"apply".to_string()));
}
