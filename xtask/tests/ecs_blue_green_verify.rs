//! Verification (`verify`, `alarms`) of an ECS blue/green deployment runs
//! during ECS's BAKE_TIME, while the old revision still runs: a failure stops
//! the deployment with StopServiceDeployment(ROLLBACK) (no second
//! UpdateService) and waits for ROLLBACK_SUCCESSFUL; ECS rolling back by
//! itself meanwhile ends the verification. ROLLING services keep today's path.

use std::time::{Duration, Instant};

use test_support::cli::{all_output, text};
use test_support::{
    alarm, set_alarm, unique_name, DeploymentScenario, EcsService, EcsTarget, HealthEndpoint,
};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

#[tokio::test]
async fn verification_runs_during_the_bake_while_the_old_revision_still_runs() {
    let f = EcsTarget::with(XTASK, EcsService::blue_green(1)).await;
    // ECS's bake lasts 3 s; the verification's own alarm watch 1 s.
    f.deployments_go(DeploymentScenario {
        minute_seconds: 3.0,
        ..DeploymentScenario::default()
    });
    let health = HealthEndpoint::start(200);
    let five_xx = unique_name("api-5xx");
    alarm(&five_xx).await;
    f.configure(&format!(
        "verify = {{ url = \"{}\", within = \"5s\" }}\nalarms = [\"{five_xx}\"]\nbake = \"1s\"",
        health.url
    ));
    let deploy = f.spawn_deploy("v2", &["--format", "json"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while health.requests() == 0 {
        assert!(
            Instant::now() < deadline,
            "never verified: {}",
            deploy.stderr()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The first smoke request: ECS bakes, both revisions run.
    let ours = f.service_deployments()[1].clone();
    assert_eq!(ours["status"], "IN_PROGRESS", "{ours}");
    assert_eq!(ours["lifecycleStage"], "BAKE_TIME", "{ours}");
    assert_eq!(
        ours["sourceServiceRevisions"][0]["runningTaskCount"], 2,
        "{ours}"
    );
    let out = deploy.finish();
    assert!(out.status.success(), "{}", all_output(&out));
    let err = text(&out.stderr);
    let bake = err.find(" BAKE_TIME]").unwrap_or_else(|| panic!("{err}"));
    let verified = err.find("verify: GET").unwrap_or_else(|| panic!("{err}"));
    let done = err.find("[SUCCESSFUL").unwrap_or_else(|| panic!("{err}"));
    assert!(
        bake < verified && verified < done,
        "verified in the bake: {err}"
    );
    let document: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let target = &document["targets"][0];
    assert_eq!(target["verification"]["outcome"], "passed", "{document}");
    assert_eq!(target["rollout"]["ended"], "SUCCESSFUL", "{document}");
    let history = f.history();
    assert_eq!(history[0]["outcome"], "succeeded");
    assert_eq!(history[0]["rollout"]["ended"], "SUCCESSFUL");
    assert_eq!(f.running().await.0, 2);
}

#[tokio::test]
async fn a_failed_smoke_check_stops_the_deployment_with_a_rollback_not_an_update() {
    let f = EcsTarget::with(XTASK, EcsService::blue_green(10)).await;
    // A bake of 10 s: the rollback must not wait for it.
    f.deployments_go(DeploymentScenario::default());
    let health = HealthEndpoint::start(503);
    f.configure(&format!(
        "verify = {{ url = \"{}\", within = \"1s\" }}",
        health.url
    ));
    let out = f.deploy("v2", &["--dry-run"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        all_output(&out).contains("which ECS deploys BLUE_GREEN (bake 10m)")
            && all_output(&out).contains(&format!(
            "the verification would run during ECS's BAKE_TIME, while {}:1 still runs; a failure would stop the deployment with StopServiceDeployment(ROLLBACK)",
            f.family
        )),
        "{}",
        all_output(&out)
    );
    let started = Instant::now();
    let out = f.deploy("v2", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    assert!(
        started.elapsed() < Duration::from_secs(9),
        "did not wait for the bake"
    );
    let all = all_output(&out);
    assert!(
        all.contains(&format!(
            "verification failed: smoke check {} did not answer 200 within 1s (last: 503)",
            health.url
        )) && all.contains(&format!(
            "rolled back: {}:1 runs again (ECS shifted the traffic back: StopServiceDeployment(ROLLBACK))",
            f.family
        )),
        "{all}"
    );
    assert_eq!(f.calls_of("UpdateService"), 1, "no second UpdateService");
    assert_eq!(f.calls_of("StopServiceDeployment"), 1);
    assert_eq!(f.service_deployments()[1]["status"], "ROLLBACK_SUCCESSFUL");
    assert_eq!(f.running().await.0, 1);
    let history = f.history();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["outcome"], "failed");
    assert_eq!(history[0]["verification"]["outcome"], "failed");
    assert_eq!(history[0]["rollout"]["ended"], "ROLLBACK_SUCCESSFUL");
    assert_eq!(
        history[0]["rollout"]["undone_by"],
        "StopServiceDeployment(ROLLBACK)"
    );
    assert!(!f.lock_exists().await);
}

#[tokio::test]
async fn ecs_rolling_back_by_itself_during_the_verification_ends_it_with_nothing_of_ours() {
    let ecs_alarm = unique_name("ecs-5xx");
    alarm(&ecs_alarm).await;
    let f = EcsTarget::with(XTASK, EcsService::blue_green(10).with_alarm(&ecs_alarm)).await;
    f.deployments_go(DeploymentScenario::default());
    let ours = unique_name("our-latency");
    alarm(&ours).await;
    f.configure(&format!("alarms = [\"{ours}\"]\nbake = \"30s\""));
    let mut deploy = f.spawn_deploy("v2", &[]);
    deploy
        .wait_for("verify: watching alarm(s)", Duration::from_secs(30))
        .await;
    let started = Instant::now();
    set_alarm(&ecs_alarm, "ALARM", "5xx").await;
    let out = deploy.finish();
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the verification's bake was not waited for"
    );
    let all = all_output(&out);
    assert!(
        all.contains(&format!("alarm(s) {ecs_alarm} went into ALARM"))
            && all.contains("nothing of ours was sent"),
        "{all}"
    );
    assert_eq!(f.calls_of("UpdateService"), 1);
    assert_eq!(f.calls_of("StopServiceDeployment"), 0);
    assert_eq!(f.running().await.0, 1);
    let history = f.history();
    assert_eq!(history[0]["outcome"], "failed");
    assert_eq!(history[0]["rollout"]["ended"], "ROLLBACK_SUCCESSFUL");
}

#[tokio::test]
async fn a_rolling_service_keeps_todays_path_on_a_failed_verification() {
    let f = EcsTarget::new(XTASK).await;
    let health = HealthEndpoint::start(503);
    f.configure(&format!(
        "verify = {{ url = \"{}\", within = \"1s\" }}",
        health.url
    ));
    let out = f.deploy("v2", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    assert_eq!(
        f.calls_of("UpdateService"),
        2,
        "the rollback is an UpdateService"
    );
    assert_eq!(f.calls_of("StopServiceDeployment"), 0);
    let history = f.history();
    assert_eq!(history[0]["rollout"]["strategy"], "ROLLING");
    assert_eq!(history[0]["rollout"]["undone_by"], "UpdateService");
    assert_eq!(f.running().await.0, 1);
}
