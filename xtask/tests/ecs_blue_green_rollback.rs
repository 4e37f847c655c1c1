//! Rolling back an ECS blue/green deployment: `rollback` while it is still in
//! flight stops it with StopServiceDeployment(ROLLBACK); once it has finished,
//! today's path (an UpdateService to the ledger's revision). A cancelled job
//! (SIGTERM) during the rollout stops it with a rollback too, and says so in
//! its output and the ledger (docs/ROLLBACK.md).

use std::time::{Duration, Instant};

use test_support::cli::{all_output, text};
use test_support::{DeploymentScenario, EcsService, EcsTarget};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

/// Waits until the front reports the newest service deployment `status`.
async fn wait_status(f: &EcsTarget, status: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let newest = f.service_deployments().last().cloned().unwrap();
        if newest["status"] == status {
            return;
        }
        assert!(Instant::now() < deadline, "never {status}: {newest}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn rollback_while_the_deployment_is_in_flight_stops_it_with_a_rollback() {
    let f = EcsTarget::with(XTASK, EcsService::blue_green(30)).await;
    f.deployments_go(DeploymentScenario::default());
    let mut deploy = f.spawn_deploy("v2", &[]);
    deploy
        .wait_for(" BAKE_TIME]", Duration::from_secs(30))
        .await;
    // The job is killed outright: its lock stays, ECS bakes on.
    deploy.signal("-KILL");
    deploy.finish();
    let arn = f.service_deployments()[1]["serviceDeploymentArn"]
        .as_str()
        .unwrap()
        .to_string();

    // `status` shows the deployment in progress with its stage.
    let out = f.xtask(&["status", "--env", "prod"]);
    assert_eq!(out.status.code(), Some(3), "{}", all_output(&out));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "(rollout in progress: BLUE_GREEN IN_PROGRESS BAKE_TIME, production 100% new, service deployment {arn})"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("DRIFT a deployment is in progress (xtask:"),
        "the killed deploy's lock is still there: {stdout}"
    );
    let out = f.xtask(&["status", "--env", "prod", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        rows[0]["deployment"]
            .as_str()
            .unwrap()
            .starts_with("BLUE_GREEN IN_PROGRESS BAKE_TIME"),
        "{rows}"
    );

    let out = f.rollback(&["--dry-run"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stdout).contains(&format!(
            "would stop the BLUE_GREEN deployment {arn} of {f}:2 with StopServiceDeployment(ROLLBACK); ECS would shift the traffic back to {f}:1",
            f = f.family
        )),
        "{}",
        all_output(&out)
    );
    assert_eq!(
        f.calls_of("StopServiceDeployment"),
        0,
        "a dry run stops nothing"
    );

    let out = f.rollback(&["--force-unlock"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(f.calls_of("StopServiceDeployment"), 1);
    assert_eq!(f.calls_of("UpdateService"), 1, "the deploy's only");
    assert_eq!(f.service_deployments()[1]["status"], "ROLLBACK_SUCCESSFUL");
    assert_eq!(f.running().await.0, 1);
    let history = f.history();
    assert_eq!(
        history.len(),
        1,
        "the killed deploy wrote nothing: {history:?}"
    );
    assert_eq!(history[0]["action"], "rollback");
    assert_eq!(history[0]["outcome"], "succeeded");
    assert!(history[0]["deployed"].as_str().unwrap().ends_with(":1"));
    assert_eq!(history[0]["rollout"]["ended"], "ROLLBACK_SUCCESSFUL");
    assert_eq!(history[0]["rollout"]["service_deployment"], arn.as_str());
    assert_eq!(
        history[0]["rollout"]["undone_by"],
        "StopServiceDeployment(ROLLBACK)"
    );
    assert!(!f.lock_exists().await);
}

#[tokio::test]
async fn rollback_after_the_deployment_finished_takes_the_ledgers_revision() {
    let f = EcsTarget::with(XTASK, EcsService::blue_green(0)).await;
    f.deployments_go(DeploymentScenario::default());
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    let out = f.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("the ledger: it ran before the deploy"),
        "{}",
        all_output(&out)
    );
    assert_eq!(f.calls_of("StopServiceDeployment"), 0);
    assert_eq!(f.calls_of("UpdateService"), 2);
    assert_eq!(f.running().await, (1, format!("{}:v1", f.image_uri)));
    let history = f.history();
    assert_eq!(history[0]["action"], "rollback");
    assert_eq!(history[0]["rollout"]["strategy"], "BLUE_GREEN");
    assert_eq!(history[0]["rollout"]["ended"], "SUCCESSFUL");
}

#[tokio::test]
async fn a_cancelled_job_during_a_blue_green_rollout_stops_it_and_records_it() {
    let f = EcsTarget::with(XTASK, EcsService::blue_green(30)).await;
    f.deployments_go(DeploymentScenario::default());
    let mut deploy = f.spawn_deploy("v2", &[]);
    deploy
        .wait_for(" BAKE_TIME]", Duration::from_secs(30))
        .await;
    assert!(f.lock_exists().await, "the deploy holds its lock");
    deploy.signal("-TERM");
    let out = deploy.finish();
    assert_eq!(out.status.code(), Some(143), "{}", all_output(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "terminated (SIGTERM); api: cancelled (SIGTERM) during the BLUE_GREEN rollout of {f}:2: StopServiceDeployment(ROLLBACK) sent: ECS shifts the traffic back to {f}:1; recorded as failed",
            f = f.family
        )) && err.contains("released the lock of api in prod"),
        "{err}"
    );
    assert!(!f.lock_exists().await, "the lock is released");
    assert_eq!(f.calls_of("StopServiceDeployment"), 1);
    assert_eq!(f.calls_of("UpdateService"), 1);
    let history = f.history();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0]["outcome"], "failed");
    assert!(history[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("cancelled (SIGTERM) during the BLUE_GREEN rollout"));
    assert_eq!(history[0]["rollout"]["ended"], "ROLLBACK_REQUESTED");
    assert_eq!(
        history[0]["rollout"]["undone_by"],
        "StopServiceDeployment(ROLLBACK)"
    );
    // ECS finishes the rollback on its own.
    wait_status(&f, "ROLLBACK_SUCCESSFUL").await;
    assert_eq!(f.running().await.0, 1);
    // And the next deploy needs no --force-unlock.
    f.deployments_go(DeploymentScenario {
        minute_seconds: 0.1,
        ..DeploymentScenario::default()
    });
    let out = f.deploy("v3", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
}
