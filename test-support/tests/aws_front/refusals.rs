//! What ECS refuses and moto accepts, refused by the front as ECS does:
//! UpdateService of the task definition of a CODE_DEPLOY or EXTERNAL service,
//! and any use of an INACTIVE (deregistered) task definition.

use aws_sdk_ecs::types::{DeploymentController, DeploymentControllerType, LaunchType};

use super::service::Fixture;

fn message(err: &impl aws_sdk_ecs::error::ProvideErrorMetadata) -> (String, String) {
    (
        err.code().unwrap_or_default().to_string(),
        err.message().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn update_service_is_refused_for_code_deploy_and_external_controllers() {
    let f = Fixture::new("refuse-controller", 1).await;
    for (name, controller, words) in [
        (
            "cd",
            DeploymentControllerType::CodeDeploy,
            "Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.",
        ),
        (
            "ext",
            DeploymentControllerType::External,
            "Unable to update task definition on services with a EXTERNAL deployment controller",
        ),
    ] {
        f.ecs
            .create_service()
            .cluster(&f.cluster)
            .service_name(name)
            .task_definition(&f.old_td)
            .desired_count(1)
            .launch_type(LaunchType::Fargate)
            .deployment_controller(DeploymentController::builder().r#type(controller).build().unwrap())
            .send()
            .await
            .expect("create service");
        let err = f
            .ecs
            .update_service()
            .cluster(&f.cluster)
            .service(name)
            .task_definition(&f.new_td)
            .send()
            .await
            .unwrap_err();
        let (code, text) = message(&err);
        assert_eq!(code, "InvalidParameterException");
        assert!(text.starts_with(words), "{text}");
        // The desired count may still change.
        f.ecs
            .update_service()
            .cluster(&f.cluster)
            .service(name)
            .desired_count(2)
            .send()
            .await
            .expect("a desired count is allowed");
    }
}

#[tokio::test]
async fn an_inactive_task_definition_is_refused() {
    let f = Fixture::new("refuse-inactive", 1).await;
    f.ecs
        .deregister_task_definition()
        .task_definition(&f.new_td)
        .send()
        .await
        .unwrap();
    let err = f
        .ecs
        .update_service()
        .cluster(&f.cluster)
        .service(&f.service)
        .task_definition(&f.new_td)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        message(&err),
        (
            "ClientException".into(),
            "TaskDefinition is inactive".into()
        )
    );
    let described = f
        .ecs
        .describe_services()
        .cluster(&f.cluster)
        .services(&f.service)
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.services()[0].task_definition(),
        Some(f.old_td.as_str()),
        "nothing reached moto"
    );
}
