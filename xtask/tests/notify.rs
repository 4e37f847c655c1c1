//! Notifications: a deploy or rollback posts one message per run to the Slack
//! incoming webhooks `[notify]` names, against a local endpoint standing in for
//! Slack's (`test_support::SlackWebhook`, which answers as Slack does and
//! checks Block Kit's limits): the message for each outcome (deployed, failed
//! and rolled back, ECS's circuit breaker and its own rollback, a rollback,
//! skipped, superseded), what a deploy job hands the report job, and the
//! filters. How delivery fails and stays a warning: `notify_delivery.rs`.

use std::process::{Command, Output};
use test_support::cli::{all_output, text};
use test_support::fixtures::ecs::POLL;
use test_support::webhook::{assert_slack_shape, header, sections};
use test_support::{block_kit_problems, emulator, EcsTarget, RolloutOutcome, SlackWebhook};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");
const VAR: &str = "SLACK_WEBHOOK_DEPLOYS";

/// An ECS target whose deploy.toml sends to `$SLACK_WEBHOOK_DEPLOYS`, with
/// `extra` lines in that webhook's table.
async fn target_telling(extra: &str) -> EcsTarget {
    let f = EcsTarget::new(XTASK).await;
    f.notify_slack(VAR, extra);
    f
}

fn run(mut cmd: Command, hook: &SlackWebhook) -> Output {
    cmd.env(VAR, &hook.url).output().unwrap()
}

fn deploy(f: &EcsTarget, hook: &SlackWebhook, tag: &str, extra: &[&str]) -> Output {
    run(f.deploy_command(tag, extra), hook)
}

fn rollback(f: &EcsTarget, hook: &SlackWebhook) -> Output {
    let args = ["rollback", "api", "prod", "--poll-interval", POLL];
    run(f.command(&args), hook)
}

#[tokio::test]
async fn a_deploy_posts_one_message_with_the_commit_its_author_and_what_it_replaced() {
    let f = target_telling("").await;
    let hook = SlackWebhook::start();
    let out = deploy(&f, &hook, "v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains(&format!("notify: message sent to ${VAR}")),
        "{}",
        all_output(&out)
    );

    let received = hook.received();
    assert_eq!(received.len(), 1, "{received:#?}");
    assert_eq!(received[0].method, "POST");
    assert!(
        received[0]
            .content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("application/json")),
        "{received:#?}"
    );
    let message = received[0].json();
    assert_slack_shape(&message, 1);
    assert!(
        header(&message).contains("deploy to prod: done"),
        "{message:#}"
    );
    let section = sections(&message);
    let head = f.repo.git(&["rev-parse", "HEAD"]);
    for expected in [
        "*api* deployed".to_string(),
        format!("{}:2, replacing {}:1", f.family, f.family),
        format!("commit `{}` by Test", &head[..7]),
    ] {
        assert!(section.contains(&expected), "{expected:?} in {section}");
    }
    // How long it took: "1.2s".
    assert!(
        section.lines().last().unwrap().ends_with('s'),
        "a duration: {section}"
    );
    let fallback = message["text"].as_str().unwrap();
    assert!(fallback.contains("api: deployed"), "{fallback}");
    assert!(fallback.contains(&head[..7]), "{fallback}");
}

#[tokio::test]
async fn a_failed_rollout_says_it_was_rolled_back_and_why() {
    let f = target_telling("").await;
    let hook = SlackWebhook::start();
    f.scenario(RolloutOutcome::Stuck, 2, false).await;
    let out = deploy(&f, &hook, "v2", &["--timeout", "1s"]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let message = hook.only_message();
    assert_slack_shape(&message, 1);
    assert!(header(&message).contains("FAILED: api"), "{message:#}");
    let section = sections(&message);
    assert!(
        section.contains("failed (the rollout), and was rolled back"),
        "{section}"
    );
    assert!(
        section.contains(&format!(
            "{}:2 did not stay; {}:1 runs again",
            f.family, f.family
        )),
        "{section}"
    );
    assert!(section.contains("*why:* rollout of"), "{section}");
    assert!(section.contains("did not complete within 1s"), "{section}");
    // The ledger record was written all the same.
    assert_eq!(f.history()[0]["outcome"], "failed");
}

#[tokio::test]
async fn ecs_circuit_breaker_and_its_own_rollback_are_named() {
    let f = target_telling("").await;
    let hook = SlackWebhook::start();
    // ECS's circuit breaker fails the deployment and rolls the service back
    // itself: the watch reads it from the service deployment.
    f.scenario(RolloutOutcome::CrashLoop, 2, true).await;
    let out = deploy(&f, &hook, "v2", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let message = hook.only_message();
    assert_slack_shape(&message, 1);
    let section = sections(&message);
    assert!(
        section.contains("failed (ECS's deployment circuit breaker), and ECS rolled it back"),
        "{section}\n{:?}",
        emulator().ecs_calls_for(&f.cluster)
    );
    assert!(
        section.contains(
            "ECS rolled it back (ROLLBACK_SUCCESSFUL: the deployment circuit breaker tripped"
        ),
        "{section}"
    );
    assert!(
        section.contains(&format!("{}:1 runs again", f.family)),
        "{section}"
    );
    assert_eq!(f.running().await.0, 1);
}

#[tokio::test]
async fn ecs_circuit_breaker_named_when_the_tool_rolls_back() {
    let f = target_telling("").await;
    let hook = SlackWebhook::start();
    f.scenario(RolloutOutcome::CrashLoop, 2, false).await;
    let out = deploy(&f, &hook, "v2", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let section = sections(&hook.only_message());
    assert!(
        section.contains("failed (ECS's deployment circuit breaker), and was rolled back"),
        "{section}"
    );
    assert!(
        section.contains("circuit breaker: tasks failed to start"),
        "{section}"
    );
}

#[tokio::test]
async fn a_rollback_says_what_it_rolled_back_and_whose_commit_that_was() {
    let f = EcsTarget::new(XTASK).await;
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    let deployed = f.repo.git(&["rev-parse", "HEAD"]);
    f.configure(&format!("\n[[notify.slack]]\nurl_env = \"{VAR}\"\n"));
    let hook = SlackWebhook::start();
    let out = rollback(&f, &hook);
    assert!(out.status.success(), "{}", all_output(&out));
    let message = hook.only_message();
    assert_slack_shape(&message, 1);
    assert!(
        header(&message).contains("rollback to prod: done"),
        "{message:#}"
    );
    let section = sections(&message);
    assert!(
        section.contains(&format!(
            "*api* rolled back: {}:2 → {}:1",
            f.family, f.family
        )),
        "{section}"
    );
    assert!(
        section.contains("*why this version:* the ledger: it ran before the deploy"),
        "{section}"
    );
    // What was rolled back: the deploy of that commit.
    assert!(
        section.contains(&format!("commit `{}` by Test", &deployed[..7])),
        "{section}"
    );
    let context = message["blocks"].as_array().unwrap().last().unwrap()["elements"][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        context.contains("`cargo xtask rollback` · prod · run by "),
        "{context}"
    );
}

#[tokio::test]
async fn a_deploy_job_hands_its_part_to_the_report_job_and_sends_nothing() {
    let f = target_telling("").await;
    let hook = SlackWebhook::start();
    let github = tempfile::tempdir().unwrap();
    let output = github.path().join("output");
    let mut cmd = f.deploy_command("v2", &["--no-notify", "--format", "github"]);
    cmd.env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output);
    let out = run(cmd, &hook);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(hook.received().is_empty());
    let written = std::fs::read_to_string(&output).unwrap();
    let notice = written
        .lines()
        .find_map(|l| l.strip_prefix("notice="))
        .unwrap_or_else(|| panic!("no notice in $GITHUB_OUTPUT: {written}"));
    let lines: Vec<xtask::notify::Line> = serde_json::from_str(notice).unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].target, "api");
    assert_eq!(lines[0].notice.outcome, xtask::notify::Outcome::Deployed);
    let replaced = format!("{}:1", f.family);
    assert_eq!(lines[0].notice.replaced.as_deref(), Some(replaced.as_str()));
    let head = f.repo.git(&["rev-parse", "HEAD"]);
    let commit = lines[0].notice.commit.as_ref().unwrap();
    assert_eq!(
        (commit.sha.as_str(), commit.author.as_deref()),
        (head.as_str(), Some("Test"))
    );
    assert!(lines[0].seconds.is_some());
}

#[tokio::test]
async fn the_ci_run_is_linked() {
    let f = target_telling("").await;
    let hook = SlackWebhook::start();
    let mut cmd = f.deploy_command("v2", &[]);
    cmd.env("GITHUB_SERVER_URL", "https://github.example.com")
        .env("GITHUB_REPOSITORY", "acme/connect2")
        .env("GITHUB_RUN_ID", "4242");
    let out = run(cmd, &hook);
    assert!(out.status.success(), "{}", all_output(&out));
    let message = hook.only_message();
    let link = "<https://github.example.com/acme/connect2/actions/runs/4242|CI run>";
    assert!(message.to_string().contains(link), "{message:#}");
}

#[tokio::test]
async fn a_failed_only_webhook_hears_of_failures_alone_and_environments_filter() {
    let f = target_telling("outcomes = \"failed\"").await;
    // A second webhook, for staging only: never told of prod.
    f.configure(
        "\n[environments.staging]\nbranch = \"staging\"\n\
         [[notify.slack]]\nurl_env = \"SLACK_WEBHOOK_STAGING\"\nenvironments = [\"staging\"]\n",
    );
    let (hook, staging) = (SlackWebhook::start(), SlackWebhook::start());
    let mut cmd = f.deploy_command("v2", &[]);
    cmd.env("SLACK_WEBHOOK_STAGING", &staging.url);
    let out = run(cmd, &hook);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(hook.received().is_empty(), "a success is not a failure");
    assert!(
        text(&out.stderr).contains("notify: no message"),
        "{}",
        all_output(&out)
    );

    f.scenario(RolloutOutcome::CrashLoop, 3, false).await;
    let mut cmd = f.deploy_command("v3", &[]);
    cmd.env("SLACK_WEBHOOK_STAGING", &staging.url);
    let out = run(cmd, &hook);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let section = sections(&hook.only_message());
    assert!(section.contains("and was rolled back"), "{section}");
    assert!(staging.received().is_empty(), "{:?}", staging.received());
}

#[tokio::test]
async fn an_environment_can_turn_notifications_off() {
    let f = target_telling("").await;
    f.configure("\n[notify.env.prod]\nslack = []\n");
    let hook = SlackWebhook::start();
    let out = deploy(&f, &hook, "v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(hook.received().is_empty());
}

#[tokio::test]
async fn nothing_changed_sends_nothing() {
    let f = target_telling("").await;
    let hook = SlackWebhook::start();
    let out = deploy(&f, &hook, "v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    let out = deploy(&f, &hook, "v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stdout).contains("already deployed"),
        "{}",
        all_output(&out)
    );
    assert_eq!(
        hook.received().len(),
        1,
        "only the first deploy: {:?}",
        hook.received()
    );
}

#[tokio::test]
async fn one_message_for_a_run_of_two_targets_and_a_skipped_one() {
    let f = EcsTarget::new(XTASK).await;
    let site_bucket = format!("{}-site", f.family);
    f.s3.create_bucket()
        .bucket(&site_bucket)
        .send()
        .await
        .unwrap();
    test_support::enable_versioning(&f.s3, &site_bucket).await;
    let config = std::fs::read_to_string(f.repo.file("deploy.toml")).unwrap();
    f.repo
        .write(
            "deploy.toml",
            &format!(
                "{config}\n[targets.web]\nkind = \"static-site\"\npaths = [\"web/**\"]\n\
                 build_dir = \"web/dist\"\nbucket = \"{site_bucket}\"\n\n\
                 [targets.docs]\nkind = \"static-site\"\npaths = [\"docs/**\"]\nafter = [\"api\"]\n\
                 build_dir = \"web/dist\"\nbucket = \"{site_bucket}\"\n\n\
                 [[notify.slack]]\nurl_env = \"{VAR}\"\n"
            ),
        )
        .write("web/dist/index.html", "<h1>v1 & <b>more</b></h1>");
    f.repo.commit("web and docs");
    f.scenario(RolloutOutcome::CrashLoop, 2, false).await;
    let hook = SlackWebhook::start();
    let out = run(
        f.command(&[
            "deploy",
            "--all",
            "--env",
            "prod",
            "--image-tag",
            "v2",
            "--poll-interval",
            POLL,
        ]),
        &hook,
    );
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let message = hook.only_message();
    assert_slack_shape(&message, 3);
    assert!(
        header(&message).contains("FAILED: api, docs"),
        "{message:#}"
    );
    let section = sections(&message);
    assert!(section.contains("*web* deployed"), "{section}");
    assert!(section.contains("*docs* did not run"), "{section}");
    assert!(
        section.contains("skipped: api, which it runs after, failed"),
        "{section}"
    );
}

/// The message itself, for outcomes a test run cannot easily reach
/// (superseded: the ECS service-deployments simulation is not there yet), and
/// Block Kit's limits with many targets and long, hostile text.
#[test]
fn every_outcome_renders_within_block_kit_limits_and_escaped() {
    use xtask::notify::{payload, Check, Commit, Line, Notice, Outcome, PutBackBy, Run};
    let line = |target: &str, outcome: Outcome, why: Option<&str>| Line {
        target: target.into(),
        summary: format!("{target} summary"),
        seconds: Some(83.4),
        notice: Notice {
            outcome,
            check: (!outcome.ok()).then_some(Check::Alarm),
            put_back_by: (outcome == Outcome::FailedRolledBack).then_some(PutBackBy::Tool),
            deployed: Some("api:8".into()),
            replaced: Some("api:7".into()),
            commit: Some(Commit {
                sha: "3f2c1ab9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f".into(),
                author: Some("Ada <ada@example.com>".into()),
            }),
            why: why.map(str::to_string),
        },
    };
    let run = Run {
        command: "deploy".into(),
        env: "prod".into(),
        who: "ada@laptop".into(),
        link: None,
        lines: vec![
            line(
                "api",
                Outcome::Superseded,
                Some("deployment ecs-svc/123 replaced it"),
            ),
            line("web", Outcome::Deployed, None),
            line(
                "worker",
                Outcome::FailedRolledBack,
                Some("<!channel> alarm api-5xx & more"),
            ),
        ],
    };
    let message = payload(&run);
    assert!(block_kit_problems(&message).is_empty(), "{message:#}");
    let all = message.to_string();
    assert!(all.contains("superseded by another deployment"), "{all}");
    assert!(all.contains("deployment ecs-svc/123 replaced it"), "{all}");
    assert!(all.contains("1m23s"), "{all}");
    assert!(all.contains("by Ada &lt;ada@example.com&gt;"), "{all}");
    assert!(
        all.contains("&lt;!channel&gt; alarm api-5xx &amp; more") && !all.contains("<!channel>"),
        "escaped: {all}"
    );

    // 60 targets with 10,000-character reasons: still 50 blocks, each within its limit.
    let long = "x".repeat(10_000);
    let many = Run {
        lines: (0..60)
            .map(|i| line(&format!("t{i}"), Outcome::Failed, Some(&long)))
            .collect(),
        ..run
    };
    let message = payload(&many);
    assert!(
        block_kit_problems(&message).is_empty(),
        "{:?}",
        block_kit_problems(&message)
    );
    assert_eq!(message["blocks"].as_array().unwrap().len(), 50);
    assert!(
        message.to_string().contains("…and 13 more: t47, t48"),
        "{message:#}"
    );
    assert!(message["text"].as_str().unwrap().chars().count() <= 4000);
    assert!(header(&message).chars().count() <= 150);
}
