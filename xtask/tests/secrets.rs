//! No secret leaves the process: a deploy, a redeploy, a rollback, `history`
//! and a preview up and down run with credentials, a session token, a
//! presigned URL and a Slack webhook's URL in the environment (as a CI job has
//! them), under GitHub Actions (step summary, $GITHUB_OUTPUT) and with `-v`;
//! everything they emit — stdout, stderr, JSON, the step summary,
//! $GITHUB_OUTPUT, the ledger records, every object in the state bucket, and
//! the messages the webhook received — is searched for each secret, while the
//! webhook answers, fails (500, 404, too late) or is not a URL at all.

use std::process::{Command, Output};
use test_support::cli::all_output;
use test_support::fixtures::site::build_v1;
use test_support::{PreviewSite, Reply, SlackWebhook, StaticSite};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

const ACCESS_KEY: &str = "AKIAZZSECRETKEY00042";
const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY42";
const SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENsecret42";
const PRESIGNED: &str = "X-Amz-Signature=9f2c0ffee1234secretsignature42";

/// The secret part of the webhook URL a run's `$SLACK_WEBHOOK_DEPLOYS` holds
/// when it is not the local webhook's.
const WEBHOOK_TOKEN: &str = "XoXwEbHoOkT0kEn42";

fn secrets() -> [&'static str; 5] {
    [
        ACCESS_KEY,
        SECRET_KEY,
        SESSION_TOKEN,
        PRESIGNED,
        WEBHOOK_TOKEN,
    ]
}

/// `[[notify.slack]]` for `$SLACK_WEBHOOK_DEPLOYS`, appended to the site's
/// deploy.toml and committed.
fn notify_slack(s: &StaticSite) {
    let config = std::fs::read_to_string(s.repo.file("deploy.toml")).unwrap();
    s.repo.write(
        "deploy.toml",
        &format!(
            "{config}
[[notify.slack]]
url_env = \"SLACK_WEBHOOK_DEPLOYS\"\n"
        ),
    );
    s.repo.commit("notify");
}

/// `cmd` with the secrets and GitHub's files set, the webhook's URL being
/// `webhook`; returns what it printed and wrote there.
fn run_with_secrets(
    mut cmd: Command,
    github: &tempfile::TempDir,
    webhook: &str,
) -> (Output, String) {
    let summary = github.path().join("summary.md");
    let outputs = github.path().join("output.txt");
    let out = cmd
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("AWS_SESSION_TOKEN", SESSION_TOKEN)
        .env(
            "ARTIFACT_URL",
            format!("https://bucket.s3.amazonaws.com/build.zip?{PRESIGNED}"),
        )
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .env("SLACK_WEBHOOK_DEPLOYS", webhook)
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "acme/connect2")
        .env("GITHUB_RUN_ID", "77")
        .output()
        .unwrap();
    let files = [summary, outputs]
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    (out, files)
}

fn assert_clean(what: &str, text: &str) {
    for secret in secrets() {
        assert!(!text.contains(secret), "{what} holds a secret:\n{text}");
    }
}

async fn state_bucket_text(s3: &aws_sdk_s3::Client, bucket: &str) -> String {
    let mut all = String::new();
    let list = s3.list_objects_v2().bucket(bucket).send().await.unwrap();
    for o in list.contents() {
        let key = o.key().unwrap();
        let body = s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .unwrap();
        all.push_str(key);
        all.push_str(&String::from_utf8_lossy(
            &body.body.collect().await.unwrap().into_bytes(),
        ));
    }
    all
}

#[tokio::test]
async fn deploys_rollbacks_and_history_emit_no_secret() {
    let s = StaticSite::versioned(XTASK).await;
    notify_slack(&s);
    let hook = SlackWebhook::start();
    let github = tempfile::tempdir().unwrap();
    let not_a_url = format!("hooks.slack.com/services/T0/B0/{WEBHOOK_TOKEN}");
    let unreachable = format!("http://127.0.0.1:9/services/T0/B0/{WEBHOOK_TOKEN}");
    // Each run: its arguments, what the webhook answers, the URL it is given,
    // what it must say of the notification.
    let runs: &[(&[&str], &[Reply], &str, &str)] = &[
        (
            &["deploy", "web", "--env", "prod", "--format", "github", "-v"],
            &[],
            &hook.url,
            "message sent",
        ),
        (
            &["deploy", "web", "--env", "prod", "--format", "json"],
            &[
                Reply::status(500, "rollup_error"),
                Reply::status(404, "no_service"),
            ],
            &hook.url,
            "HTTP 404: no_service",
        ),
        (
            &["rollback", "web", "prod", "--dry-run", "-v"],
            &[],
            &hook.url,
            "the payload",
        ),
        (
            &["rollback", "web", "prod", "-v"],
            &[],
            &unreachable,
            "(after 3 attempts)",
        ),
        (
            &["deploy", "web", "--env", "prod", "--dry-run", "-v"],
            &[],
            &hook.url,
            "the payload",
        ),
        (
            &["deploy", "web", "--env", "prod", "--format", "github"],
            &[],
            &not_a_url,
            "it does not hold an http:// or https:// URL",
        ),
        (
            &["history", "web", "prod", "--format", "json"],
            &[],
            &hook.url,
            "",
        ),
        (
            &["status", "--env", "prod", "--format", "json"],
            &[],
            &hook.url,
            "",
        ),
        (
            &["plan", "--changed", "--env", "prod", "--format", "github"],
            &[],
            &hook.url,
            "",
        ),
    ];
    for (i, (args, replies, webhook, says)) in runs.iter().enumerate() {
        if i == 1 {
            let mut v2 = build_v1();
            v2[0].1 = b"<h1>v2</h1>".to_vec();
            s.build(&v2);
        }
        hook.script(replies.iter().cloned());
        let (out, files) = run_with_secrets(s.command(args), &github, webhook);
        assert!(
            out.status.success() || args[0] == "status",
            "{args:?}: {}",
            all_output(&out)
        );
        let all = all_output(&out);
        assert!(all.contains(says), "{args:?} says {says:?}: {all}");
        assert_clean(&format!("{args:?} output"), &all);
        assert_clean(&format!("{args:?} GitHub files"), &files);
        for (what, text) in [("output", &all), ("GitHub files", &files)] {
            assert!(
                !text.contains(&hook.secret),
                "{args:?} {what} holds the webhook URL:\n{text}"
            );
        }
    }
    let received = hook.received();
    assert_eq!(
        received.len(),
        3,
        "the deploy, and the redeploy's 500 then 404: {received:#?}"
    );
    for r in &received {
        assert_clean("a message", &r.body);
        assert!(
            !r.body.contains(&hook.secret),
            "a message holds the webhook URL: {}",
            r.body
        );
    }
    assert_clean(
        "the state bucket",
        &state_bucket_text(&s.s3, &s.state_bucket).await,
    );
    assert!(!state_bucket_text(&s.s3, &s.state_bucket)
        .await
        .contains(&hook.secret));
}

#[tokio::test]
async fn previews_emit_no_secret() {
    let p = PreviewSite::new(XTASK).await;
    let github = tempfile::tempdir().unwrap();
    for args in [
        &["preview", "up", "--pr", "11", "--format", "github", "-v"][..],
        &["preview", "list"],
        &["preview", "down", "--pr", "11"],
    ] {
        let (out, files) =
            run_with_secrets(p.command(args), &github, "https://hooks.example.com/x");
        assert!(out.status.success(), "{args:?}: {}", all_output(&out));
        assert_clean(&format!("{args:?} output"), &all_output(&out));
        assert_clean(&format!("{args:?} GitHub files"), &files);
    }
}
