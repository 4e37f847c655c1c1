//! Rolling an ECS target back, as a user runs it against the emulator (the
//! target: `test_support::EcsTarget`): a failed rollout (crash loop, circuit
//! breaker, stuck, unreachable) rolled back by the deploy itself or left in
//! place with `--no-rollback`, and `cargo xtask rollback` walking the ledger
//! back, or, without one, the task definition's revisions.

use test_support::cli::{all_output, column, text};
use test_support::{emulator, EcsTarget, Fault, FaultKind, FaultScope, RolloutOutcome};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

#[tokio::test]
async fn a_crash_loop_is_detected_and_rolled_back() {
    let f = EcsTarget::new(XTASK).await;
    f.scenario(RolloutOutcome::CrashLoop, 2, false).await;
    let out = f.deploy("v2", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let all = all_output(&out);
    assert!(
        all.contains("circuit breaker") || all.contains("stopped before becoming healthy"),
        "{all}"
    );
    assert!(
        all.contains(&format!("rolled back: {}:1 runs again", f.family)),
        "{all}"
    );
    assert!(all.contains("aws ecs describe-services"), "{all}");
    assert!(all.contains("event: "), "service events are shown: {all}");
    assert_eq!(f.running().await, (1, format!("{}:v1", f.image_uri)));
    let history = f.history();
    assert_eq!(history[0]["outcome"], "failed");
    assert!(
        !f.lock_exists().await,
        "the lock is released on failure too"
    );
}

#[tokio::test]
async fn ecs_circuit_breaker_rollback_is_a_failure_not_a_success() {
    let f = EcsTarget::new(XTASK).await;
    f.scenario(RolloutOutcome::CrashLoop, 2, true).await;
    // A high failed-task limit is not configurable; ECS's FAILED or its own
    // rollback must be caught either way.
    let out = f.deploy("v2", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    assert_eq!(f.running().await.0, 1);
}

#[tokio::test]
async fn a_stuck_rollout_times_out_and_rolls_back() {
    let f = EcsTarget::new(XTASK).await;
    f.scenario(RolloutOutcome::Stuck, 2, false).await;
    let out = f.deploy("v2", &["--timeout", "1s"]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let all = all_output(&out);
    assert!(all.contains("did not complete within 1s"), "{all}");
    assert!(all.contains("rolled back"), "{all}");
    assert_eq!(f.running().await.0, 1);
}

#[tokio::test]
async fn an_unreachable_service_times_out_rolls_back_and_says_what_runs() {
    let f = EcsTarget::new(XTASK).await;
    let scope = FaultScope::Cluster(f.cluster.clone());
    emulator()
        .inject(&Fault::ecs(&f.cluster, "DescribeServices", FaultKind::Error, 100_000).after(2));
    let out = f.deploy("v2", &["--timeout", "3s"]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let err = text(&out.stderr);
    assert!(err.contains("polling again"), "{err}");
    assert!(err.contains("rolling back"), "{err}");
    emulator().clear_faults(&scope);
    let history = f.history();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0]["outcome"], "failed");
    assert!(!f.lock_exists().await, "the lock is released");
    // The rollback's UpdateService went through: the service is back on 1.
    assert_eq!(f.running().await, (1, format!("{}:v1", f.image_uri)));
}

#[tokio::test]
async fn no_rollback_leaves_the_failed_revision_in_place() {
    let f = EcsTarget::new(XTASK).await;
    f.scenario(RolloutOutcome::CrashLoop, 2, false).await;
    let out = f.deploy("v2", &["--no-rollback"]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    assert!(
        all_output(&out).contains("--no-rollback"),
        "{}",
        all_output(&out)
    );
    assert_eq!(f.running().await.0, 2, "left on the new revision");
    let calls = emulator().ecs_calls_for(&f.cluster);
    assert_eq!(
        calls.iter().filter(|c| *c == "UpdateService").count(),
        1,
        "{calls:?}"
    );
}

#[tokio::test]
async fn rolling_back_twice_walks_further_back_and_to_picks_one() {
    let f = EcsTarget::new(XTASK).await;
    for tag in ["v2", "v3"] {
        let out = f.deploy(tag, &[]);
        assert!(out.status.success(), "{}", all_output(&out));
    }
    assert_eq!(f.running().await.0, 3);

    let out = f.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(f.running().await, (2, f.pinned("v2").await));
    let stdout = text(&out.stdout);
    let sha = f.repo.git(&["rev-parse", "HEAD"]);
    assert!(
        // A plain commit (not a merge): git refuses `-m 1` for it.
        stdout.contains(&format!("git revert {sha}")) && !stdout.contains("git revert -m 1"),
        "{stdout}"
    );

    // Again: to revision 1, not back to 3.
    let out = f.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(f.running().await.0, 1);

    // Nothing ran before 1.
    let out = f.rollback(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("no earlier ACTIVE revision"),
        "{}",
        all_output(&out)
    );

    let out = f.rollback(&["--to", "3"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(f.running().await.0, 3);

    let history = f.history();
    let actions = column(&history, "action");
    assert_eq!(
        actions,
        ["rollback", "rollback", "rollback", "deploy", "deploy"]
    );
    assert_eq!(f.revisions().await, 3, "rollbacks register nothing");
}

#[tokio::test]
async fn without_a_ledger_rollback_takes_the_highest_active_revision_below_the_current() {
    let f = EcsTarget::new(XTASK).await;
    // Revisions 2, 3 and 4 exist; the service runs 3 (4 was registered, never ran).
    let td = f
        .ecs
        .describe_task_definition()
        .task_definition(format!("{}:1", f.family))
        .send()
        .await
        .unwrap();
    let def = td.task_definition().unwrap().clone();
    for _ in 0..3 {
        f.ecs
            .register_task_definition()
            .family(&f.family)
            .set_container_definitions(Some(def.container_definitions().to_vec()))
            .set_network_mode(def.network_mode().cloned())
            .set_requires_compatibilities(Some(def.requires_compatibilities().to_vec()))
            .cpu("256")
            .memory("512")
            .send()
            .await
            .unwrap();
    }
    f.ecs
        .update_service()
        .cluster(&f.cluster)
        .service(&f.service)
        .task_definition(format!("{}:3", f.family))
        .send()
        .await
        .unwrap();
    let out = f.rollback(&["--dry-run"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("highest ACTIVE revision"),
        "{}",
        all_output(&out)
    );
    assert!(
        text(&out.stdout).contains(&format!("from {f}:3 to {f}:2", f = f.family)),
        "{}",
        all_output(&out)
    );
    assert!(f.history().is_empty(), "a dry run records nothing");
    let out = f.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(f.running().await.0, 2, "not 4, the second most recent");
}

/// `--to` a revision that never existed is bad input found before anything is
/// written, the lock included: exit 2, one line naming the revisions there are.
#[tokio::test]
async fn rollback_to_a_revision_that_never_existed_names_the_ones_there_are() {
    let f = EcsTarget::new(XTASK).await;
    f.scenario(RolloutOutcome::Healthy, 2, false).await;
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    let before = emulator().ecs_calls_for(&f.cluster).len();
    let s3_before = emulator().s3_calls_for(&f.state_bucket).len();

    let out = f.rollback(&["--to", "9999"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    let err = text(&out.stderr);
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(
        errors[0].contains(&format!("--to: revision {}:9999 does not exist", f.family))
            && errors[0].contains(&format!("the ACTIVE revisions of {}: 1, 2", f.family)),
        "{err}"
    );
    // Read only: no lock taken, no record, the service untouched.
    let writes: Vec<(String, String)> = emulator()
        .s3_calls_for(&f.state_bucket)
        .into_iter()
        .skip(s3_before)
        .filter(|(op, _)| op != "GetObject" && op != "ListObjectsV2" && op != "HeadBucket")
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
    let calls = emulator().ecs_calls_for(&f.cluster);
    assert!(
        !calls[before..].iter().any(|c| c == "UpdateService"),
        "{calls:?}"
    );
    assert_eq!(f.history().len(), 1, "no rollback record");
    assert_eq!(f.running().await.0, 2);
}
