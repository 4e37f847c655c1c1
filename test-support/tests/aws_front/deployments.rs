//! ECS service deployments and strategies in the front: a ROLLING deployment
//! on the new API (its circuit breaker's rollback included), BLUE_GREEN and
//! LINEAR deployments moving through their stages by time with the traffic
//! each revision takes (how they end: `deployment_ends`).

use std::time::{Duration, Instant};

use aws_sdk_ecs::types::{
    DeploymentConfiguration, DeploymentStrategy, LaunchType, LinearConfiguration, ServiceDeployment,
};
use test_support::{emulator, DeploymentScenario, RolloutOutcome};

use super::service::{primary, Fixture};

/// A second service in `f`'s cluster, deployed with `config`, on revision 1.
pub(super) async fn service_with(f: &Fixture, name: &str, config: DeploymentConfiguration) {
    f.ecs
        .create_service()
        .cluster(&f.cluster)
        .service_name(name)
        .task_definition(&f.old_td)
        .desired_count(f.desired)
        .launch_type(LaunchType::Fargate)
        .deployment_configuration(config)
        .send()
        .await
        .expect("create service");
}

pub(super) async fn update(f: &Fixture, service: &str, td: &str) -> aws_sdk_ecs::types::Service {
    f.ecs
        .update_service()
        .cluster(&f.cluster)
        .service(service)
        .task_definition(td)
        .send()
        .await
        .expect("update service")
        .service()
        .expect("service")
        .clone()
}

pub(super) async fn describe(f: &Fixture, arn: &str) -> ServiceDeployment {
    let out = f
        .ecs
        .describe_service_deployments()
        .service_deployment_arns(arn)
        .send()
        .await
        .expect("describe service deployments");
    assert!(out.failures().is_empty(), "{out:?}");
    out.service_deployments()[0].clone()
}

pub(super) fn status(d: &ServiceDeployment) -> &str {
    d.status().map(|s| s.as_str()).unwrap_or("")
}

pub(super) fn stage(d: &ServiceDeployment) -> &str {
    d.lifecycle_stage().map(|s| s.as_str()).unwrap_or("")
}

/// Polls until the deployment ends; every (status, stage, production weight
/// of the new revision) it went through, in order, each once.
pub(super) async fn follow(f: &Fixture, arn: &str) -> Vec<(String, String, f64)> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen: Vec<(String, String, f64)> = Vec::new();
    loop {
        let d = describe(f, arn).await;
        let weight = d
            .target_service_revision()
            .and_then(|t| t.requested_production_traffic_weight())
            .unwrap_or(0.0);
        let now = (status(&d).to_string(), stage(&d).to_string(), weight);
        if seen.last() != Some(&now) {
            seen.push(now);
        }
        if matches!(
            status(&d),
            "SUCCESSFUL" | "STOPPED" | "ROLLBACK_SUCCESSFUL" | "ROLLBACK_FAILED"
        ) {
            return seen;
        }
        assert!(Instant::now() < deadline, "never ended: {seen:?}");
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
}

#[tokio::test]
async fn a_rolling_deployment_is_a_service_deployment_named_by_update_service() {
    let f = Fixture::new("sd-rolling", 2).await;
    f.set(RolloutOutcome::Healthy, 2, false).await;
    let updated = f.update_to(&f.new_td).await;
    let arn = updated
        .current_service_deployment()
        .expect("UpdateService names its deployment")
        .to_string();
    assert!(
        arn.contains(&format!(":service-deployment/{}/web/", f.cluster)),
        "{arn}"
    );
    let d = describe(&f, &arn).await;
    assert_eq!(status(&d), "IN_PROGRESS");
    assert_eq!(
        d.deployment_configuration()
            .and_then(|c| c.strategy())
            .map(|s| s.as_str()),
        None,
        "the service was given no strategy"
    );
    // One step per DescribeServices, as the rollout model goes.
    f.poll().await;
    let service = f.poll().await;
    assert_eq!(service.current_service_deployment(), Some(arn.as_str()));
    assert_eq!(status(&describe(&f, &arn).await), "SUCCESSFUL");
    let listed = f
        .ecs
        .list_service_deployments()
        .cluster(&f.cluster)
        .service(&f.service)
        .send()
        .await
        .expect("list service deployments");
    let statuses: Vec<&str> = listed
        .service_deployments()
        .iter()
        .map(|b| b.status().map(|s| s.as_str()).unwrap_or(""))
        .collect();
    assert_eq!(
        statuses,
        ["SUCCESSFUL", "SUCCESSFUL"],
        "newest first: ours, the creation"
    );
    assert_eq!(
        listed.service_deployments()[0].service_deployment_arn(),
        Some(arn.as_str())
    );
}

#[tokio::test]
async fn the_circuit_breakers_rollback_is_rollback_in_progress_then_successful() {
    let f = Fixture::new("sd-breaker", 2).await;
    f.set(RolloutOutcome::CrashLoop, 2, true).await;
    let arn = f
        .update_to(&f.new_td)
        .await
        .current_service_deployment()
        .unwrap()
        .to_string();
    let mut statuses = Vec::new();
    for _ in 0..8 {
        f.poll().await;
        let d = describe(&f, &arn).await;
        if statuses.last().map(String::as_str) != Some(status(&d)) {
            statuses.push(status(&d).to_string());
        }
    }
    assert_eq!(
        statuses,
        [
            "IN_PROGRESS",
            "ROLLBACK_REQUESTED",
            "ROLLBACK_IN_PROGRESS",
            "ROLLBACK_SUCCESSFUL"
        ]
    );
    let d = describe(&f, &arn).await;
    assert!(d
        .rollback()
        .and_then(|r| r.reason())
        .unwrap()
        .contains("circuit breaker"));
    assert_eq!(
        primary(&f.poll().await).task_definition(),
        Some(f.old_td.as_str())
    );
}

#[tokio::test]
async fn a_blue_green_deployment_moves_through_its_stages_by_time() {
    let f = Fixture::new("sd-bluegreen", 2).await;
    let config = DeploymentConfiguration::builder()
        .strategy(DeploymentStrategy::BlueGreen)
        .bake_time_in_minutes(1)
        .build();
    service_with(&f, "bg", config).await;
    // moto drops deploymentConfiguration from CreateService; the front keeps it.
    let described = f
        .ecs
        .describe_services()
        .cluster(&f.cluster)
        .services("bg")
        .send()
        .await
        .unwrap();
    let shown = described.services()[0].deployment_configuration().unwrap();
    assert_eq!(shown.strategy(), Some(&DeploymentStrategy::BlueGreen));
    assert_eq!(shown.bake_time_in_minutes(), Some(1));
    emulator().set_deployments(
        &f.cluster,
        "bg",
        &DeploymentScenario {
            stage_seconds: 0.25,
            minute_seconds: 0.6,
            ..DeploymentScenario::default()
        },
    );
    let started = Instant::now();
    let updated = update(&f, "bg", &f.new_td).await;
    let arn = updated.current_service_deployment().unwrap().to_string();
    // Both revisions run side by side until CLEAN_UP ends.
    let seen = follow(&f, &arn).await;
    let stages: Vec<&str> = seen
        .iter()
        .filter(|(s, ..)| s == "IN_PROGRESS")
        .map(|(_, stage, _)| stage.as_str())
        .collect::<Vec<_>>();
    let mut distinct = stages.clone();
    distinct.dedup();
    assert_eq!(
        distinct,
        [
            "PRE_SCALE_UP",
            "SCALE_UP",
            "POST_SCALE_UP",
            "TEST_TRAFFIC_SHIFT",
            "POST_TEST_TRAFFIC_SHIFT",
            "PRODUCTION_TRAFFIC_SHIFT",
            "POST_PRODUCTION_TRAFFIC_SHIFT",
            "BAKE_TIME",
            "CLEAN_UP"
        ],
        "{seen:?}"
    );
    assert_eq!(seen.first().unwrap().0, "PENDING", "{seen:?}");
    assert_eq!(seen.last().unwrap().0, "SUCCESSFUL");
    // 9 stages of 0.15 s and a bake of 1 minute at 0.6 s a minute.
    assert!(
        started.elapsed() >= Duration::from_millis(1800),
        "{:?}",
        started.elapsed()
    );
    let production = |stage: &str| {
        seen.iter()
            .find(|(s, st, _)| s == "IN_PROGRESS" && st == stage)
            .map(|(.., w)| *w)
            .unwrap()
    };
    assert_eq!(production("TEST_TRAFFIC_SHIFT"), 0.0);
    assert_eq!(production("PRODUCTION_TRAFFIC_SHIFT"), 100.0);
    assert_eq!(production("BAKE_TIME"), 100.0);
    let d = describe(&f, &arn).await;
    assert!(d.finished_at().is_some());
    let described = f
        .ecs
        .describe_services()
        .cluster(&f.cluster)
        .services("bg")
        .send()
        .await
        .unwrap();
    let service = &described.services()[0];
    assert_eq!(service.deployments().len(), 1, "the blue revision is gone");
    assert_eq!(service.task_definition(), Some(f.new_td.as_str()));
}

#[tokio::test]
async fn linear_steps_shift_production_traffic_in_equal_steps() {
    let f = Fixture::new("sd-linear", 2).await;
    let config = DeploymentConfiguration::builder()
        .strategy(DeploymentStrategy::Linear)
        .bake_time_in_minutes(0)
        .linear_configuration(
            LinearConfiguration::builder()
                .step_percent(25.0)
                .step_bake_time_in_minutes(1)
                .build(),
        )
        .build();
    service_with(&f, "lin", config).await;
    emulator().set_deployments(
        &f.cluster,
        "lin",
        &DeploymentScenario {
            stage_seconds: 0.25,
            minute_seconds: 0.3,
            ..DeploymentScenario::default()
        },
    );
    let arn = update(&f, "lin", &f.new_td)
        .await
        .current_service_deployment()
        .unwrap()
        .to_string();
    let seen = follow(&f, &arn).await;
    let mut weights: Vec<f64> = seen
        .iter()
        .filter(|(_, stage, _)| stage == "PRODUCTION_TRAFFIC_SHIFT")
        .map(|(.., w)| *w)
        .collect();
    weights.dedup();
    assert_eq!(weights, [25.0, 50.0, 75.0, 100.0], "{seen:?}");
    assert_eq!(seen.last().unwrap().0, "SUCCESSFUL");
}
