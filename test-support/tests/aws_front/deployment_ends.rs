//! How ECS service deployments end in the front: StopServiceDeployment, ECS's
//! own rollback on an alarm, a deployment superseded by another, reads that
//! lag after UpdateService, and a Region without the API.

use std::time::Duration;

use aws_sdk_ecs::types::{
    DeploymentAlarms, DeploymentConfiguration, DeploymentStrategy, StopServiceDeploymentStopType,
};
use test_support::{alarm, emulator, set_alarm, unique_name, DeploymentScenario, RolloutOutcome};

use super::deployments::{describe, follow, service_with, stage, status, update};
use super::service::Fixture;

#[tokio::test]
async fn stop_service_deployment_rolls_back_and_a_finished_one_conflicts() {
    let f = Fixture::new("sd-stop", 2).await;
    let config = DeploymentConfiguration::builder()
        .strategy(DeploymentStrategy::BlueGreen)
        .bake_time_in_minutes(10)
        .build();
    service_with(&f, "bg", config).await;
    emulator().set_deployments(&f.cluster, "bg", &DeploymentScenario::default());
    let arn = update(&f, "bg", &f.new_td)
        .await
        .current_service_deployment()
        .unwrap()
        .to_string();
    while stage(&describe(&f, &arn).await) != "BAKE_TIME" {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    f.ecs
        .stop_service_deployment()
        .service_deployment_arn(&arn)
        .stop_type(StopServiceDeploymentStopType::Rollback)
        .send()
        .await
        .expect("stop");
    assert_eq!(status(&describe(&f, &arn).await), "ROLLBACK_REQUESTED");
    let seen = follow(&f, &arn).await;
    assert_eq!(seen.last().unwrap().0, "ROLLBACK_SUCCESSFUL", "{seen:?}");
    let d = describe(&f, &arn).await;
    assert!(d
        .rollback()
        .and_then(|r| r.reason())
        .unwrap()
        .contains("StopServiceDeployment"));
    let described = f
        .ecs
        .describe_services()
        .cluster(&f.cluster)
        .services("bg")
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.services()[0].task_definition(),
        Some(f.old_td.as_str()),
        "the blue revision takes over again"
    );
    let again = f
        .ecs
        .stop_service_deployment()
        .service_deployment_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert!(
        again.as_service_error().unwrap().is_conflict_exception(),
        "{again:?}"
    );
    let unknown = f
        .ecs
        .stop_service_deployment()
        .service_deployment_arn(format!("{arn}x"))
        .send()
        .await
        .unwrap_err();
    assert!(unknown
        .as_service_error()
        .unwrap()
        .is_service_deployment_not_found_exception());
}

#[tokio::test]
async fn an_alarm_in_alarm_during_the_bake_makes_ecs_roll_back() {
    let f = Fixture::new("sd-alarm", 2).await;
    let name = unique_name("bg-5xx");
    alarm(&name).await;
    let config = DeploymentConfiguration::builder()
        .strategy(DeploymentStrategy::BlueGreen)
        .bake_time_in_minutes(10)
        .alarms(
            DeploymentAlarms::builder()
                .alarm_names(&name)
                .enable(true)
                .rollback(true)
                .build()
                .unwrap(),
        )
        .build();
    service_with(&f, "bg", config).await;
    emulator().set_deployments(&f.cluster, "bg", &DeploymentScenario::default());
    let arn = update(&f, "bg", &f.new_td)
        .await
        .current_service_deployment()
        .unwrap()
        .to_string();
    while stage(&describe(&f, &arn).await) != "BAKE_TIME" {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    set_alarm(&name, "ALARM", "5xx").await;
    let seen = follow(&f, &arn).await;
    assert_eq!(seen.last().unwrap().0, "ROLLBACK_SUCCESSFUL", "{seen:?}");
    assert!(seen.iter().any(|(s, ..)| s == "ROLLBACK_IN_PROGRESS"));
    let d = describe(&f, &arn).await;
    assert_eq!(
        d.alarms().unwrap().triggered_alarm_names(),
        std::slice::from_ref(&name)
    );
    assert!(d.rollback().unwrap().reason().unwrap().contains(&name));
}

#[tokio::test]
async fn a_newer_update_stops_the_deployment_in_flight_and_names_it() {
    let f = Fixture::new("sd-supersede", 2).await;
    let config = DeploymentConfiguration::builder()
        .strategy(DeploymentStrategy::BlueGreen)
        .bake_time_in_minutes(10)
        .build();
    service_with(&f, "bg", config).await;
    emulator().set_deployments(&f.cluster, "bg", &DeploymentScenario::default());
    let first = update(&f, "bg", &f.new_td)
        .await
        .current_service_deployment()
        .unwrap()
        .to_string();
    let second = update(&f, "bg", &f.old_td)
        .await
        .current_service_deployment()
        .unwrap()
        .to_string();
    assert_ne!(first, second);
    let d = describe(&f, &first).await;
    assert_eq!(status(&d), "STOPPED");
    assert!(d.status_reason().unwrap().contains(&second), "{d:?}");
    assert!(d.stopped_at().is_some());
}

#[tokio::test]
async fn reads_lag_after_update_service_as_the_scenario_says() {
    let f = Fixture::new("sd-stale", 2).await;
    f.set(RolloutOutcome::Healthy, 3, false).await;
    emulator().set_consistency(&f.cluster, &f.service, 2, 1);
    let before = f.poll().await;
    let updated = f.update_to(&f.new_td).await;
    let arn = updated.current_service_deployment().unwrap().to_string();
    for _ in 0..2 {
        let stale = f.poll().await;
        assert_eq!(stale.task_definition(), Some(f.old_td.as_str()));
        assert_eq!(
            stale.current_service_deployment(),
            before.current_service_deployment()
        );
    }
    let fresh = f.poll().await;
    assert_eq!(fresh.task_definition(), Some(f.new_td.as_str()));
    let missing = f
        .ecs
        .describe_service_deployments()
        .service_deployment_arns(&arn)
        .send()
        .await
        .unwrap();
    assert!(missing.service_deployments().is_empty());
    assert_eq!(missing.failures()[0].reason(), Some("MISSING"));
    assert_eq!(status(&describe(&f, &arn).await), "IN_PROGRESS");
}

#[tokio::test]
async fn without_the_api_its_operations_are_unsupported_and_nothing_names_one() {
    let f = Fixture::new("sd-noapi", 2).await;
    emulator().set_deployments_api(&f.cluster, false);
    let updated = f.update_to(&f.new_td).await;
    assert_eq!(updated.current_service_deployment(), None);
    let err = f
        .ecs
        .list_service_deployments()
        .cluster(&f.cluster)
        .service(&f.service)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_sdk_ecs::error::ProvideErrorMetadata::code(&err),
        Some("UnsupportedFeatureException")
    );
}
