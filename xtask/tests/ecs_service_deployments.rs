//! The ECS watch and real ECS's reads: a ROLLING deploy followed through its
//! own service deployment (DescribeServiceDeployments), DescribeServices'
//! `deployments[]` as the fallback where the API is not there, ECS's circuit
//! breaker rollback with nothing of ours sent, a deployment superseded by
//! someone else's, and ECS's eventually consistent reads right after
//! UpdateService (the old snapshot, the new deployment MISSING) read as "not
//! visible yet", never "rolled back".

use std::time::Duration;

use test_support::cli::{all_output, text};
use test_support::{emulator, EcsTarget, RolloutOutcome};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

#[tokio::test]
async fn a_rolling_deploy_follows_its_own_service_deployment() {
    let f = EcsTarget::new(XTASK).await;
    f.slow_rollout(3).await;
    let out = f.deploy("v2", &["--format", "json"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let deployments = f.service_deployments();
    assert_eq!(deployments.len(), 2, "the creation and ours");
    let arn = deployments[1]["serviceDeploymentArn"].as_str().unwrap();
    assert_eq!(deployments[1]["status"], "SUCCESSFUL");
    assert!(f.calls_of("DescribeServiceDeployments") >= 3);
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("ECS deploys it ROLLING, service deployment {arn}")),
        "{err}"
    );
    let document: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(document["targets"][0]["rollout"]["strategy"], "ROLLING");
    assert_eq!(document["targets"][0]["rollout"]["service_deployment"], arn);
    assert_eq!(document["targets"][0]["rollout"]["ended"], "SUCCESSFUL");
    assert_eq!(f.history()[0]["rollout"]["service_deployment"], arn);
}

#[tokio::test]
async fn without_the_api_the_watch_follows_deployments_by_its_id() {
    let f = EcsTarget::new(XTASK).await;
    emulator().set_deployments_api(&f.cluster, false);
    f.slow_rollout(3).await;
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(
        f.calls_of("DescribeServiceDeployments"),
        0,
        "UpdateService named no service deployment"
    );
    assert_eq!(f.running().await, (2, f.pinned("v2").await));
    let history = f.history();
    assert_eq!(history[0]["rollout"]["strategy"], "ROLLING");
    assert!(history[0]["rollout"].get("service_deployment").is_none());

    // A failed rollout is still caught, and rolled back by an UpdateService.
    f.scenario(RolloutOutcome::CrashLoop, 3, false).await;
    let out = f.deploy("v3", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    assert!(
        all_output(&out).contains(&format!("rolled back: {}:2 runs again", f.family)),
        "{}",
        all_output(&out)
    );
}

#[tokio::test]
async fn ecs_circuit_breaker_rolling_back_by_itself_gets_nothing_of_ours() {
    let f = EcsTarget::new(XTASK).await;
    f.scenario(RolloutOutcome::CrashLoop, 2, true).await;
    let out = f.deploy("v2", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let all = all_output(&out);
    assert!(
        all.contains(
            "ECS rolled it back (ROLLBACK_SUCCESSFUL: the deployment circuit breaker tripped"
        ),
        "{all}"
    );
    assert!(all.contains("nothing of ours was sent"), "{all}");
    assert_eq!(
        f.calls_of("UpdateService"),
        1,
        "no rollback of our own on top"
    );
    assert_eq!(f.running().await.0, 1);
    let history = f.history();
    assert_eq!(history[0]["outcome"], "failed");
    assert_eq!(history[0]["rollout"]["ended"], "ROLLBACK_SUCCESSFUL");
}

#[tokio::test]
async fn a_rolling_deploy_superseded_by_someone_elses_touches_nothing() {
    let f = EcsTarget::new(XTASK).await;
    f.slow_rollout(1000).await;
    let mut deploy = f.spawn_deploy("v2", &[]);
    deploy
        .wait_for("ECS deploys it ROLLING", Duration::from_secs(30))
        .await;
    f.slow_rollout(2).await;
    let theirs = f
        .ecs
        .update_service()
        .cluster(&f.cluster)
        .service(&f.service)
        .task_definition(format!("{}:1", f.family))
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
            "was superseded by another deployment, service deployment {theirs} ({}:1)",
            f.family
        )),
        "{all}"
    );
    assert_eq!(
        f.calls_of("UpdateService"),
        2,
        "ours and theirs, nothing more"
    );
    assert_eq!(f.history()[0]["rollout"]["ended"], "STOPPED");
}

/// ECS's reads lag behind UpdateService's answer: the first DescribeServices
/// show the service as it was, the first DescribeServiceDeployments do not
/// know the new deployment. A healthy deploy is still a healthy deploy.
#[tokio::test]
async fn stale_reads_right_after_update_service_are_not_a_rollback() {
    let f = EcsTarget::new(XTASK).await;
    emulator().set_consistency(&f.cluster, &f.service, 2, 2);
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(f.calls_of("UpdateService"), 1, "no UpdateService back");
    assert_eq!(f.running().await, (2, f.pinned("v2").await));
    assert_eq!(f.history()[0]["outcome"], "succeeded");

    // The same without the service deployments API: deployments[] by id.
    emulator().set_deployments_api(&f.cluster, false);
    let out = f.deploy("v3", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(f.calls_of("UpdateService"), 2);
    assert_eq!(f.running().await.0, 3);
}

/// A deployment ECS never shows is "not visible yet" until the timeout: then
/// it is a timeout, rolled back, and the message says ECS never showed it.
#[tokio::test]
async fn a_deployment_ecs_never_shows_times_out_and_says_so() {
    let f = EcsTarget::new(XTASK).await;
    emulator().set_deployments_api(&f.cluster, false);
    emulator().set_consistency(&f.cluster, &f.service, 1_000_000, 0);
    let out = f.deploy("v2", &["--timeout", "1s"]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let all = all_output(&out);
    assert!(
        all.contains("did not complete within 1s (ECS never showed the new deployment)"),
        "{all}"
    );
    assert!(
        !all.contains("ECS rolled"),
        "not taken for a rollback: {all}"
    );
}
