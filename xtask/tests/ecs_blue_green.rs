//! ECS's own blue/green, linear and canary deployments, as a user runs the
//! binary against the emulator (the front simulates the service deployments
//! API and the strategies, stages by time): the watch follows its own service
//! deployment through the stages with the traffic each revision takes, the
//! bake is added to `--timeout`, ECS's own rollback and a superseding
//! deployment end it with nothing of ours sent, and a stuck one is stopped
//! with StopServiceDeployment(ROLLBACK), never a second UpdateService.

use std::time::Duration;

use aws_sdk_ecs::types::{
    CanaryConfiguration, DeploymentConfiguration, DeploymentStrategy, LinearConfiguration,
};
use test_support::cli::{all_output, text};
use test_support::{
    alarm, set_alarm, unique_name, DeploymentFailure, DeploymentScenario, EcsService, EcsTarget,
    FailureCause,
};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

#[tokio::test]
async fn a_blue_green_deploy_follows_its_own_service_deployment_through_the_stages() {
    let f = EcsTarget::with(XTASK, EcsService::blue_green(1)).await;
    // Stages long enough for a poll (every 50 ms) to see each one on a busy machine.
    f.deployments_go(DeploymentScenario {
        stage_seconds: 0.4,
        minute_seconds: 0.5,
        ..DeploymentScenario::default()
    });
    let out = f.deploy("v2", &["--format", "json"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let err = text(&out.stderr);
    let arn = f.service_deployments()[1]["serviceDeploymentArn"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        err.contains(&format!(
            "ECS deploys it BLUE_GREEN (bake 1m), service deployment {arn}"
        )),
        "{err}"
    );
    // The stages as they move, and the traffic each revision takes.
    let mut at = 0;
    for stage in [
        "SCALE_UP",
        "TEST_TRAFFIC_SHIFT",
        "PRODUCTION_TRAFFIC_SHIFT",
        "BAKE_TIME",
        "CLEAN_UP",
    ] {
        let found = err[at..]
            .find(&format!(" {stage}]"))
            .unwrap_or_else(|| panic!("{stage} after the ones before: {err}"));
        at += found;
    }
    assert!(
        err.contains("traffic: production 0% new, 100% old, test 100% new"),
        "{err}"
    );
    assert!(
        err.contains("traffic: production 100% new, 0% old, test 100% new"),
        "{err}"
    );
    assert!(err.contains("left"), "the bake left is shown: {err}");
    assert!(
        f.calls_of("DescribeServiceDeployments") > 3,
        "the watch reads its service deployment"
    );
    assert_eq!(f.calls_of("UpdateService"), 1);
    assert_eq!(f.running().await, (2, f.pinned("v2").await));

    let document: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rollout = &document["targets"][0]["rollout"];
    assert_eq!(rollout["strategy"], "BLUE_GREEN", "{document}");
    assert_eq!(rollout["service_deployment"], arn.as_str());
    assert_eq!(rollout["ended"], "SUCCESSFUL");
    let history = f.history();
    assert_eq!(history[0]["rollout"]["strategy"], "BLUE_GREEN");
    assert_eq!(history[0]["rollout"]["service_deployment"], arn.as_str());
    assert_eq!(history[0]["rollout"]["ended"], "SUCCESSFUL");
    let out = f.xtask(&["history", "api", "prod"]);
    assert!(
        text(&out.stdout).contains(&format!(
            "rollout: BLUE_GREEN service deployment {arn}: SUCCESSFUL"
        )),
        "{}",
        all_output(&out)
    );
    // The environment's timeline says it too, in its table and its marks.
    let out = f.xtask(&["history", "--env", "prod", "--format", "markdown"]);
    assert!(
        text(&out.stdout).contains(&format!(
            "(rollout: BLUE_GREEN service deployment {arn}: SUCCESSFUL)"
        )),
        "{}",
        all_output(&out)
    );
    let page = f.repo.file("timeline.html");
    let out = f.xtask(&[
        "history",
        "--env",
        "prod",
        "--format",
        "html",
        "--out",
        page.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", all_output(&out));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains(&format!(
            "rollout: BLUE_GREEN service deployment {arn}: SUCCESSFUL"
        )),
        "the mark's details"
    );
}

#[tokio::test]
async fn a_bake_longer_than_the_timeout_is_added_to_it_not_timed_out() {
    let f = EcsTarget::with(XTASK, EcsService::blue_green(2)).await;
    // About 1 s of stages and 2 s of bake: three times --timeout.
    f.deployments_go(DeploymentScenario::default());
    let out = f.deploy("v2", &["--timeout", "1s"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(f.calls_of("UpdateService"), 1, "no rollback of our own");
    assert_eq!(f.calls_of("StopServiceDeployment"), 0);
    assert!(
        text(&out.stderr).contains("bake: 1m "),
        "the bake left, counted from BAKE_TIME: {}",
        all_output(&out)
    );
    assert_eq!(f.running().await.0, 2);
    assert_eq!(f.history()[0]["outcome"], "succeeded");
}

#[tokio::test]
async fn linear_and_canary_step_bakes_are_added_to_the_timeout_too() {
    let linear = DeploymentConfiguration::builder()
        .strategy(DeploymentStrategy::Linear)
        .bake_time_in_minutes(0)
        .linear_configuration(
            LinearConfiguration::builder()
                .step_percent(50.0)
                .step_bake_time_in_minutes(2)
                .build(),
        );
    let canary = DeploymentConfiguration::builder()
        .strategy(DeploymentStrategy::Canary)
        .bake_time_in_minutes(0)
        .canary_configuration(
            CanaryConfiguration::builder()
                .canary_percent(10.0)
                .canary_bake_time_in_minutes(2)
                .build(),
        );
    for (config, name, first_step) in [(linear, "LINEAR", "50%"), (canary, "CANARY", "10%")] {
        let f = EcsTarget::with(XTASK, EcsService::strategy(config)).await;
        f.deployments_go(DeploymentScenario::default());
        let out = f.deploy("v2", &["--timeout", "1s"]);
        assert!(out.status.success(), "{name}: {}", all_output(&out));
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("ECS deploys it {name} (bake 0m, step bakes 2m)")),
            "{err}"
        );
        assert!(
            err.contains(&format!("traffic: production {first_step} new")),
            "{err}"
        );
        assert_eq!(f.history()[0]["rollout"]["strategy"], name);
    }
}

#[tokio::test]
async fn ecs_rolling_back_by_itself_on_an_alarm_is_a_failure_with_nothing_of_ours_sent() {
    let five_xx = unique_name("bg-5xx");
    alarm(&five_xx).await;
    let f = EcsTarget::with(XTASK, EcsService::blue_green(5).with_alarm(&five_xx)).await;
    f.deployments_go(DeploymentScenario::default());
    let mut deploy = f.spawn_deploy("v2", &[]);
    deploy
        .wait_for(" BAKE_TIME]", Duration::from_secs(30))
        .await;
    set_alarm(&five_xx, "ALARM", "Threshold Crossed: 42 5xx").await;
    let out = deploy.finish();
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let all = all_output(&out);
    assert!(
        all.contains(&format!(
            "ECS rolled it back (ROLLBACK_SUCCESSFUL: alarm(s) {five_xx} went into ALARM"
        )),
        "says why: {all}"
    );
    assert!(all.contains("nothing of ours was sent"), "{all}");
    assert_eq!(f.calls_of("UpdateService"), 1, "no second UpdateService");
    assert_eq!(f.calls_of("StopServiceDeployment"), 0, "no stop of ours");
    assert_eq!(f.running().await.0, 1, "ECS put revision 1 back");
    let history = f.history();
    assert_eq!(history[0]["outcome"], "failed");
    assert_eq!(history[0]["rollout"]["ended"], "ROLLBACK_SUCCESSFUL");
    assert!(history[0]["rollout"]["undone_by"]
        .as_str()
        .unwrap()
        .starts_with("ECS"));
}

#[tokio::test]
async fn ecs_rolling_back_after_a_failed_hook_or_the_circuit_breaker_says_why() {
    for (cause, stage, why) in [
        (
            FailureCause::Hook,
            "POST_TEST_TRAFFIC_SHIFT",
            "lifecycle hook",
        ),
        (
            FailureCause::CircuitBreaker,
            "SCALE_UP",
            "the deployment circuit breaker tripped",
        ),
    ] {
        let service = EcsService::strategy(
            DeploymentConfiguration::builder()
                .strategy(DeploymentStrategy::BlueGreen)
                .bake_time_in_minutes(1)
                .deployment_circuit_breaker(
                    aws_sdk_ecs::types::DeploymentCircuitBreaker::builder()
                        .enable(true)
                        .rollback(true)
                        .build(),
                ),
        );
        let f = EcsTarget::with(XTASK, service).await;
        f.deployments_go(DeploymentScenario {
            fail: Some(DeploymentFailure {
                cause,
                stage,
                after: 0.0,
            }),
            ..DeploymentScenario::default()
        });
        let out = f.deploy("v2", &[]);
        assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
        let all = all_output(&out);
        assert!(all.contains(why), "{why}: {all}");
        assert_eq!(f.calls_of("UpdateService"), 1);
        assert_eq!(f.calls_of("StopServiceDeployment"), 0);
        assert_eq!(f.running().await.0, 1);
    }
}

#[tokio::test]
async fn a_deployment_superseded_by_someone_elses_is_named_and_nothing_is_touched() {
    let f = EcsTarget::with(XTASK, EcsService::blue_green(5)).await;
    f.deployments_go(DeploymentScenario::default());
    let mut deploy = f.spawn_deploy("v2", &[]);
    deploy
        .wait_for(" BAKE_TIME]", Duration::from_secs(30))
        .await;
    // Someone else's UpdateService, to revision 1 again.
    let theirs = f
        .ecs
        .update_service()
        .cluster(&f.cluster)
        .service(&f.service)
        .task_definition(format!("{}:1", f.family))
        .force_new_deployment(true)
        .send()
        .await
        .unwrap()
        .service()
        .unwrap()
        .current_service_deployment()
        .unwrap()
        .to_string();
    let out = deploy.finish();
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let all = all_output(&out);
    assert!(
        all.contains(&format!(
            "was superseded by another deployment, service deployment {theirs}"
        )),
        "names the deployment that replaced it: {all}"
    );
    assert!(all.contains("nothing of ours was sent"), "{all}");
    assert_eq!(f.calls_of("UpdateService"), 2, "ours and theirs only");
    assert_eq!(f.calls_of("StopServiceDeployment"), 0);
    let history = f.history();
    assert_eq!(history[0]["rollout"]["ended"], "STOPPED");
}

#[tokio::test]
async fn a_stuck_blue_green_rollout_times_out_and_is_stopped_with_a_rollback() {
    let f = EcsTarget::with(XTASK, EcsService::blue_green(0)).await;
    f.deployments_go(DeploymentScenario {
        stuck_at: Some("TEST_TRAFFIC_SHIFT"),
        ..DeploymentScenario::default()
    });
    let out = f.deploy("v2", &["--timeout", "1s"]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let all = all_output(&out);
    assert!(all.contains("did not complete within 1s"), "{all}");
    assert!(
        all.contains(&format!(
            "rolled back: {}:1 runs again (ECS shifted the traffic back: StopServiceDeployment(ROLLBACK))",
            f.family
        )),
        "{all}"
    );
    assert_eq!(f.calls_of("UpdateService"), 1, "no second UpdateService");
    assert_eq!(f.calls_of("StopServiceDeployment"), 1);
    let deployments = f.service_deployments();
    assert_eq!(deployments[1]["status"], "ROLLBACK_SUCCESSFUL");
    assert_eq!(f.running().await.0, 1);
    let history = f.history();
    assert_eq!(history[0]["rollout"]["ended"], "TIMED_OUT");
    assert_eq!(
        history[0]["rollout"]["undone_by"],
        "StopServiceDeployment(ROLLBACK)"
    );
}
