//! Notifications of ECS's own deployments (the front simulates the service
//! deployments API): a deployment ECS rolled back by itself on an alarm during
//! its bake, and one superseded by someone else's UpdateService, each told as
//! what it is, with nothing of ours sent to ECS after it.

use std::time::Duration;

use test_support::cli::all_output;
use test_support::webhook::{assert_slack_shape, sections};
use test_support::{
    alarm, set_alarm, unique_name, DeploymentScenario, EcsService, EcsTarget, SlackWebhook, Spawned,
};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");
const VAR: &str = "SLACK_WEBHOOK_DEPLOYS";

/// The deploy of `v2`, telling `hook`, started in the background.
fn spawn_deploy(f: &EcsTarget, hook: &SlackWebhook) -> Spawned {
    let mut cmd = f.deploy_command("v2", &[]);
    cmd.env(VAR, &hook.url);
    Spawned::start(cmd)
}

#[tokio::test]
async fn ecs_rolling_back_by_itself_on_an_alarm_is_told_as_its_own_rollback() {
    let five_xx = unique_name("bg-5xx");
    alarm(&five_xx).await;
    let f = EcsTarget::with(XTASK, EcsService::blue_green(5).with_alarm(&five_xx)).await;
    f.notify_slack(VAR, "");
    f.deployments_go(DeploymentScenario::default());
    let hook = SlackWebhook::start();
    let mut deploy = spawn_deploy(&f, &hook);
    deploy
        .wait_for(" BAKE_TIME]", Duration::from_secs(30))
        .await;
    set_alarm(&five_xx, "ALARM", "Threshold Crossed: 42 5xx").await;
    let out = deploy.finish();
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let message = hook.only_message();
    assert_slack_shape(&message, 1);
    let section = sections(&message);
    assert!(
        section.contains("failed (an alarm), and ECS rolled it back"),
        "{section}"
    );
    assert!(section.contains(&five_xx), "names the alarm: {section}");
    assert_eq!(
        f.calls_of("StopServiceDeployment"),
        0,
        "nothing of ours sent"
    );
}

#[tokio::test]
async fn a_deployment_superseded_by_someone_elses_is_told_as_superseded() {
    let f = EcsTarget::with(XTASK, EcsService::blue_green(5)).await;
    f.notify_slack(VAR, "");
    f.deployments_go(DeploymentScenario::default());
    let hook = SlackWebhook::start();
    let mut deploy = spawn_deploy(&f, &hook);
    deploy
        .wait_for(" BAKE_TIME]", Duration::from_secs(30))
        .await;
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
    let message = hook.only_message();
    assert_slack_shape(&message, 1);
    let section = sections(&message);
    assert!(
        section.contains("superseded by another deployment"),
        "{section}"
    );
    assert!(section.contains(&theirs), "names theirs: {section}");
    assert_eq!(f.calls_of("UpdateService"), 2, "ours and theirs only");
}
