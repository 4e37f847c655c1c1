//! No secret leaves the process: a deploy, a redeploy, a rollback, `history`
//! and a preview up and down run with credentials, a session token and a
//! presigned URL in the environment (as a CI job has them), under GitHub
//! Actions (step summary, $GITHUB_OUTPUT) and with `-v`; everything they emit
//! — stdout, stderr, JSON, the step summary, $GITHUB_OUTPUT, the ledger
//! records and every object in the state bucket — is searched for each secret.

use std::process::{Command, Output};
use test_support::cli::all_output;
use test_support::fixtures::site::build_v1;
use test_support::{PreviewSite, StaticSite};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

const ACCESS_KEY: &str = "AKIAZZSECRETKEY00042";
const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY42";
const SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENsecret42";
const PRESIGNED: &str = "X-Amz-Signature=9f2c0ffee1234secretsignature42";

fn secrets() -> [&'static str; 4] {
    [ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, PRESIGNED]
}

/// `cmd` with the secrets and GitHub's files set; returns what it printed and
/// wrote there.
fn run_with_secrets(mut cmd: Command, github: &tempfile::TempDir) -> (Output, String) {
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
    let github = tempfile::tempdir().unwrap();
    let runs: &[&[&str]] = &[
        &["deploy", "web", "--env", "prod", "--format", "github", "-v"],
        &["deploy", "web", "--env", "prod", "--format", "json"],
        &["rollback", "web", "prod", "-v"],
        &["history", "web", "prod", "--format", "json"],
        &["status", "--env", "prod", "--format", "json"],
        &["plan", "--changed", "--env", "prod", "--format", "github"],
    ];
    for (i, args) in runs.iter().enumerate() {
        if i == 1 {
            let mut v2 = build_v1();
            v2[0].1 = b"<h1>v2</h1>".to_vec();
            s.build(&v2);
        }
        let (out, files) = run_with_secrets(s.command(args), &github);
        assert!(
            out.status.success() || args[0] == "status",
            "{args:?}: {}",
            all_output(&out)
        );
        assert_clean(&format!("{args:?} output"), &all_output(&out));
        assert_clean(&format!("{args:?} GitHub files"), &files);
    }
    assert_clean(
        "the state bucket",
        &state_bucket_text(&s.s3, &s.state_bucket).await,
    );
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
        let (out, files) = run_with_secrets(p.command(args), &github);
        assert!(out.status.success(), "{args:?}: {}", all_output(&out));
        assert_clean(&format!("{args:?} output"), &all_output(&out));
        assert_clean(&format!("{args:?} GitHub files"), &files);
    }
}
