//! Delivering a notification, against a local endpoint standing in for
//! Slack's incoming webhook (`test_support::SlackWebhook`): a failure (500,
//! 404, no answer in time, 429) is retried within a bound — Retry-After
//! respected — and is then only a warning: the exit code and the ledger stay
//! the deploy's. A dry run, `--no-notify`, an unset variable and bad input
//! send nothing.

use std::process::{Command, Output};
use std::time::Duration;
use test_support::cli::all_output;
use test_support::webhook::{assert_slack_shape, sections};
use test_support::{
    emulator, EcsTarget, Fault, FaultKind, FaultScope, Reply, RolloutOutcome, SlackWebhook,
};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");
const VAR: &str = "SLACK_WEBHOOK_DEPLOYS";

/// An ECS target whose deploy.toml sends to `$SLACK_WEBHOOK_DEPLOYS`.
async fn target_telling() -> EcsTarget {
    let f = EcsTarget::new(XTASK).await;
    f.notify_slack(VAR, "");
    f
}

fn deploy(f: &EcsTarget, hook: &SlackWebhook, tag: &str, extra: &[&str]) -> Output {
    let mut cmd: Command = f.deploy_command(tag, extra);
    cmd.env(VAR, &hook.url).output().unwrap()
}

#[tokio::test]
async fn a_server_error_is_retried_then_a_warning_and_the_deploy_stands() {
    let f = target_telling().await;
    let hook = SlackWebhook::start();
    hook.script([
        Reply::status(500, "rollup_error"),
        Reply::status(500, "rollup_error"),
        Reply::status(500, "rollup_error"),
    ]);
    let out = deploy(&f, &hook, "v2", &[]);
    let all = all_output(&out);
    assert!(
        out.status.success(),
        "a notification never fails the deploy: {all}"
    );
    assert_eq!(hook.received().len(), 3, "three attempts, then it gives up");
    assert!(all.contains("notify: WARNING"), "{all}");
    assert!(
        all.contains("HTTP 500: rollup_error (after 3 attempts)"),
        "{all}"
    );
    assert!(all.contains("trying again in 1s (attempt 2 of 3)"), "{all}");
    assert!(
        !all.contains(&hook.secret),
        "the URL is never printed: {all}"
    );
    assert_eq!(f.history()[0]["outcome"], "succeeded");
}

#[tokio::test]
async fn a_failed_deploy_keeps_its_exit_code_when_the_webhook_fails_too() {
    let f = target_telling().await;
    let hook = SlackWebhook::start();
    hook.script([Reply::status(404, "no_service")]);
    f.scenario(RolloutOutcome::CrashLoop, 2, false).await;
    let out = deploy(&f, &hook, "v2", &[]);
    let all = all_output(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert_eq!(hook.received().len(), 1, "a 404 is not retried");
    assert!(all.contains("HTTP 404: no_service"), "{all}");
}

#[tokio::test]
async fn a_webhook_that_does_not_answer_in_time_is_a_warning() {
    let f = target_telling().await;
    f.configure("\n[notify.env.prod]\ntimeout = \"1s\"\n");
    let hook = SlackWebhook::start();
    let late = Reply::late(Duration::from_secs(3));
    hook.script([late.clone(), late.clone(), late]);
    let started = std::time::Instant::now();
    let out = deploy(&f, &hook, "v2", &[]);
    let all = all_output(&out);
    assert!(out.status.success(), "{all}");
    assert!(
        all.contains("no answer within 1s (after 3 attempts)"),
        "{all}"
    );
    assert_eq!(hook.received().len(), 3);
    // Bounded: 3 attempts of 1s, 1s and 2s apart, and the deploy itself.
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_passing_failure_is_retried_and_a_429_waits_for_retry_after() {
    let f = target_telling().await;
    let hook = SlackWebhook::start();
    hook.script([
        Reply::status(503, "service_unavailable"),
        Reply::rate_limited(2),
    ]);
    let out = deploy(&f, &hook, "v2", &[]);
    let all = all_output(&out);
    assert!(out.status.success(), "{all}");
    let received = hook.received();
    assert_eq!(received.len(), 3, "{received:#?}");
    assert!(
        all.contains("message sent to $SLACK_WEBHOOK_DEPLOYS (attempt 3)"),
        "{all}"
    );
    assert!(
        all.contains("HTTP 429: rate limited; trying again in 2s"),
        "{all}"
    );
    assert!(
        received[2].at - received[1].at >= Duration::from_secs(2),
        "Retry-After is respected: {received:#?}"
    );
    // The same message each time.
    assert_eq!(received[0].body, received[2].body);
}

#[tokio::test]
async fn a_long_retry_after_is_not_waited_for() {
    let f = target_telling().await;
    let hook = SlackWebhook::start();
    hook.script([Reply::rate_limited(3600)]);
    let out = deploy(&f, &hook, "v2", &[]);
    let all = all_output(&out);
    assert!(out.status.success(), "{all}");
    assert_eq!(hook.received().len(), 1);
    assert!(
        all.contains("rate limited for 3600s (Retry-After)"),
        "{all}"
    );
}

#[tokio::test]
async fn a_dry_run_sends_nothing_and_says_what_it_would_send() {
    let f = target_telling().await;
    let hook = SlackWebhook::start();
    let out = deploy(&f, &hook, "v2", &["--dry-run"]);
    let all = all_output(&out);
    assert!(out.status.success(), "{all}");
    assert!(hook.received().is_empty());
    assert!(
        all.contains("notify (dry run): nothing sent; would post to $SLACK_WEBHOOK_DEPLOYS"),
        "{all}"
    );
    assert!(all.contains("api: dry run"), "{all}");
}

#[tokio::test]
async fn no_notify_and_an_unset_variable_send_nothing() {
    let f = target_telling().await;
    let hook = SlackWebhook::start();
    let out = deploy(&f, &hook, "v2", &["--no-notify"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(hook.received().is_empty());

    let out = f.deploy("v3", &[]);
    let all = all_output(&out);
    assert!(out.status.success(), "{all}");
    assert!(
        all.contains("$SLACK_WEBHOOK_DEPLOYS is not set: no message sent to it"),
        "{all}"
    );
}

#[tokio::test]
async fn bad_input_is_not_told_and_a_failure_part_way_is() {
    let f = target_telling().await;
    let hook = SlackWebhook::start();
    // An image that is not in ECR: exit 2, nothing written, nobody told.
    let out = deploy(&f, &hook, "v9", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(hook.received().is_empty(), "{:?}", hook.received());

    // ECS refuses the UpdateService (500s past the SDK's retries): the deploy
    // stops part way (exit 1), and that is told.
    emulator().inject(&Fault::ecs(
        &f.cluster,
        "UpdateService",
        FaultKind::Error,
        100,
    ));
    let out = deploy(&f, &hook, "v2", &[]);
    emulator().clear_faults(&FaultScope::Cluster(f.cluster.clone()));
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let message = hook.only_message();
    assert_slack_shape(&message, 1);
    assert!(sections(&message).contains("*api* failed"), "{message:#}");
}
