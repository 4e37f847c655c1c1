//! `cargo xtask status --env prod --notify`: drift told through `[notify]`,
//! one message per run naming each drifted target and what drifted, so the
//! scheduled drift check reaches the team (GitHub tells only whoever last
//! edited the cron line). Against the emulator and the Slack stand-in
//! (`test_support::SlackWebhook`).

use test_support::cli::{all_output, text};
use test_support::webhook::{assert_slack_shape, header, sections};
use test_support::{SlackWebhook, StaticSite};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");
const VAR: &str = "SLACK_WEBHOOK_DRIFT";

/// A deployed site whose deploy.toml tells `$SLACK_WEBHOOK_DRIFT`.
async fn site_telling() -> StaticSite {
    let site = StaticSite::versioned(XTASK).await;
    site.config(&format!("\n[[notify.slack]]\nurl_env = \"{VAR}\"\n"));
    site.repo.commit("notify");
    site.deploy_ok(&["--no-notify"]);
    site
}

fn status(site: &StaticSite, hook: &SlackWebhook, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["status", "--env", "prod"];
    args.extend_from_slice(extra);
    site.command(&args).env(VAR, &hook.url).output().unwrap()
}

#[tokio::test]
async fn drift_sends_one_message_naming_the_target_and_what_drifted() {
    let site = site_telling().await;
    let hook = SlackWebhook::start();
    let out = status(&site, &hook, &["--notify"]);
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));
    assert!(hook.received().is_empty(), "nothing sent when clean");
    assert!(text(&out.stderr).contains("no drift in prod: nothing sent"));

    site.s3
        .put_object()
        .bucket(&site.bucket)
        .key("stray.html")
        .body(b"<p>hi".to_vec().into())
        .send()
        .await
        .unwrap();
    // Without --notify, drift is only printed.
    let out = status(&site, &hook, &[]);
    assert_eq!(out.status.code(), Some(3), "{}", all_output(&out));
    assert!(hook.received().is_empty());

    let out = status(&site, &hook, &["--notify"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "exit 3 on drift, sent or not: {}",
        all_output(&out)
    );
    let message = hook.only_message();
    assert_slack_shape(&message, 1);
    assert_eq!(header(&message), ":warning: drift in prod: web");
    let body = sections(&message);
    assert!(body.contains("*web* drifted"), "{body}");
    assert!(body.contains("stray.html"), "{body}");
    assert!(body.contains("1 difference from the ledger"), "{body}");
    assert!(
        message["text"].as_str().unwrap().contains("stray.html"),
        "{message:#}"
    );
    assert!(text(&out.stderr).contains(&format!("notify: message sent to ${VAR}")));
}

#[tokio::test]
async fn notify_without_a_webhook_for_the_environment_is_bad_input() {
    let site = StaticSite::versioned(XTASK).await;
    let hook = SlackWebhook::start();
    let out = status(&site, &hook, &["--notify"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    let stderr = text(&out.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].contains("--notify") && errors[0].contains("[notify]"),
        "{stderr}"
    );
    assert!(hook.received().is_empty());
}
