//! An ECS target's `before_rollout` task (database migrations), as a user meets
//! it against the emulator (the AWS front runs one-off tasks, as the test's
//! task scenario says; the target: `test_support::EcsTarget`): RunTask of the
//! new revision as the service runs its tasks, then the rollout only if it
//! exited 0; a failure, a task that never starts and a timeout leave the
//! service untouched, exit 1 and say why in the ledger.

use test_support::cli::{all_output, text};
use test_support::{emulator, EcsTarget, TaskOutcome};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

const MIGRATE: &str = r#"{ command = ["alembic", "upgrade", "head"] }"#;

#[tokio::test]
async fn exit_0_runs_the_new_revision_as_the_service_does_then_rolls_out() {
    let f = EcsTarget::new(XTASK).await;
    f.with_before_rollout(MIGRATE);
    let out = f.deploy("v2", &["--format", "json"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(f.running().await, (2, f.pinned("v2").await));

    let tasks = f.tasks();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    let request = &tasks[0]["request"];
    assert!(request["taskDefinition"]
        .as_str()
        .unwrap()
        .ends_with(&format!("{}:2", f.family)));
    assert_eq!(
        request["overrides"]["containerOverrides"][0],
        serde_json::json!({"name": "app", "command": ["alembic", "upgrade", "head"]})
    );
    assert_eq!(request["launchType"], "FARGATE");
    let service = f
        .ecs
        .describe_services()
        .cluster(&f.cluster)
        .services(&f.service)
        .send()
        .await
        .unwrap();
    let subnets = service.services()[0]
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration())
        .map(|a| a.subnets().to_vec())
        .unwrap();
    assert_eq!(
        request["networkConfiguration"]["awsvpcConfiguration"]["subnets"],
        serde_json::json!(subnets)
    );

    // The task ran before the service was touched.
    let calls = emulator().ecs_calls_for(&f.cluster);
    let at = |op: &str| calls.iter().position(|c| c == op).unwrap();
    assert!(at("RunTask") < at("UpdateService"), "{calls:?}");

    let task_id = tasks[0]["taskArn"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let stream = format!("ecs/app/{task_id}");
    let err = text(&out.stderr);
    assert!(
        err.contains("running `alembic upgrade head` in container app")
            && err.contains(&format!(
                "aws logs tail /ecs/{} --log-stream-names {stream} --since 1d --region us-east-1",
                f.family
            )),
        "{err}"
    );
    let document: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let check = &document["targets"][0]["before_rollout"];
    assert_eq!(check["outcome"], "passed", "{document}");
    assert_eq!(check["exit_code"], 0);
    assert_eq!(check["log_stream"], stream.as_str());

    let history = f.history();
    assert_eq!(history[0]["outcome"], "succeeded");
    assert_eq!(history[0]["before_rollout"]["outcome"], "passed");
    assert_eq!(
        history[0]["before_rollout"]["task_arn"],
        tasks[0]["taskArn"]
    );
}

#[tokio::test]
async fn exit_1_leaves_the_service_untouched_and_the_ledger_says_why() {
    let f = EcsTarget::new(XTASK).await;
    f.with_before_rollout(MIGRATE);
    f.task(TaskOutcome::Exits(1));
    let out = f.deploy("v2", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let all = all_output(&out);
    assert!(
        all.contains("before_rollout `alembic upgrade head` exited with code 1")
            && all.contains("the service was not touched"),
        "{all}"
    );
    assert_eq!(f.running().await, (1, format!("{}:v1", f.image_uri)));
    let calls = emulator().ecs_calls_for(&f.cluster);
    assert!(!calls.iter().any(|c| c == "UpdateService"), "{calls:?}");
    assert!(
        !f.revision_active(2).await,
        "the revision that never ran is deregistered"
    );

    let history = f.history();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["outcome"], "failed");
    assert!(
        history[0]["message"]
            .as_str()
            .unwrap()
            .contains("exited with code 1"),
        "{}",
        history[0]
    );
    assert_eq!(history[0]["before_rollout"]["outcome"], "failed");
    assert_eq!(history[0]["before_rollout"]["exit_code"], 1);
    assert!(!f.lock_exists().await, "the lock is released");

    // Fixed: the next deploy runs it again, and rolls out.
    f.task(TaskOutcome::Exits(0));
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(f.running().await, (3, f.pinned("v2").await));
}

#[tokio::test]
async fn a_task_that_never_starts_fails_the_deploy_without_an_exit_code() {
    let f = EcsTarget::new(XTASK).await;
    f.with_before_rollout(MIGRATE);
    f.task(TaskOutcome::NeverStarts);
    let out = f.deploy("v2", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let all = all_output(&out);
    assert!(
        all.contains("stopped without an exit code") && all.contains("CannotPullContainerError"),
        "{all}"
    );
    assert_eq!(f.running().await.0, 1);
    let history = f.history();
    assert_eq!(history[0]["outcome"], "failed");
    assert!(history[0]["before_rollout"].get("exit_code").is_none());
}

#[tokio::test]
async fn a_task_past_its_timeout_is_stopped_and_fails_the_deploy() {
    let f = EcsTarget::new(XTASK).await;
    f.with_before_rollout(r#"{ command = ["alembic", "upgrade", "head"], timeout = "1s" }"#);
    f.task(TaskOutcome::Hangs);
    let out = f.deploy("v2", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    assert!(
        all_output(&out).contains("did not finish within 1s and was stopped"),
        "{}",
        all_output(&out)
    );
    let tasks = f.tasks();
    assert!(
        tasks[0]["stopRequested"]
            .as_str()
            .is_some_and(|r| r.contains("1s")),
        "StopTask was called: {tasks:?}"
    );
    assert_eq!(f.running().await.0, 1);
    let calls = emulator().ecs_calls_for(&f.cluster);
    assert!(!calls.iter().any(|c| c == "UpdateService"), "{calls:?}");
    assert_eq!(f.history()[0]["outcome"], "failed");
}

#[tokio::test]
async fn a_dry_run_says_what_would_run_and_runs_nothing() {
    let f = EcsTarget::new(XTASK).await;
    f.with_before_rollout(MIGRATE);
    let out = f.deploy("v2", &["--dry-run", "--format", "json"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains(&format!(
            "would run `alembic upgrade head` in container app of the new revision on cluster {}",
            f.cluster
        )),
        "{}",
        all_output(&out)
    );
    let document: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        document["targets"][0]["before_rollout"]["outcome"],
        "would-run"
    );
    assert!(f.tasks().is_empty());
    f.assert_unchanged().await;
}

#[tokio::test]
async fn an_environment_overrides_it_and_rollbacks_never_run_it() {
    let f = EcsTarget::new(XTASK).await;
    f.with_before_rollout(MIGRATE);
    f.configure(
        "\n[targets.api.env.prod]\nbefore_rollout = { command = [\"migrate\", \"--env\", \"{env}\"], container = \"app\" }",
    );
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    let tasks = f.tasks();
    assert_eq!(
        tasks[0]["request"]["overrides"]["containerOverrides"][0]["command"],
        serde_json::json!(["migrate", "--env", "prod"])
    );

    let out = f.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(f.running().await.0, 1);
    assert_eq!(f.tasks().len(), 1, "a rollback runs no task");
}

#[tokio::test]
async fn an_empty_command_is_bad_input() {
    let f = EcsTarget::new(XTASK).await;
    f.with_before_rollout("{ command = [] }");
    let out = f.deploy("v2", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("targets.api.before_rollout.command"),
        "{}",
        all_output(&out)
    );
    assert!(f.tasks().is_empty(), "no task ran");
    assert_eq!(f.revisions().await, 1, "nothing registered");
}
