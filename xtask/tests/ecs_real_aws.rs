//! ECS as real AWS is and moto is not (the front refuses what ECS refuses):
//! a CODE_DEPLOY or EXTERNAL deployment controller is found before anything is
//! written (no image pushed, no revision, no migration task, no UpdateService);
//! a rollback to a revision that was deregistered registers the same
//! definition again (same pinned digest) rather than sending an UpdateService
//! ECS refuses, and one that was deleted is refused before anything is
//! written; and an image is built for the task definition's platform.

use aws_sdk_ecs::types::{CpuArchitecture, DeploymentControllerType};
use test_support::cli::{all_output, text};
use test_support::{DockerStandIn, EcsService, EcsTarget, TaskOutcome};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

#[tokio::test]
async fn code_deploy_and_external_controllers_are_refused_before_anything_is_written() {
    for (controller, name, advice) in [
        (
            DeploymentControllerType::CodeDeploy,
            "CODE_DEPLOY",
            "deploy it with AWS CodeDeploy",
        ),
        (
            DeploymentControllerType::External,
            "EXTERNAL",
            "its tasks are task sets that an external controller manages",
        ),
    ] {
        let f = EcsTarget::with(
            XTASK,
            EcsService {
                controller: Some(controller),
                ..EcsService::default()
            },
        )
        .await;
        f.with_before_rollout(r#"{ command = ["alembic", "upgrade", "head"] }"#);
        f.task(TaskOutcome::Exits(0));
        f.with_dockerfile();
        let docker = DockerStandIn::new();
        let out = f.deploy_with_docker(&docker, "v9", &[]);
        assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
        let err = text(&out.stderr);
        let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(errors.len(), 1, "{err}");
        assert!(
            errors[0].contains(&format!(
                "service {} uses the {name} deployment controller",
                f.service
            )) && errors[0].contains(advice),
            "{err}"
        );
        assert!(
            docker.steps().is_empty(),
            "no image built: {:?}",
            docker.steps()
        );
        assert!(f.tasks().is_empty(), "no migration task");
        assert_eq!(f.calls_of("RunTask"), 0);
        // No UpdateService, no new revision, no record, no lock.
        f.assert_unchanged().await;

        // A rollback is refused the same way.
        let out = f.rollback(&[]);
        assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
        assert!(text(&out.stderr).contains(name), "{}", all_output(&out));
        assert!(!f.lock_exists().await);
    }
}

#[tokio::test]
async fn a_rollback_to_a_deregistered_revision_registers_the_same_definition_again() {
    let f = EcsTarget::new(XTASK).await;
    for tag in ["v2", "v3"] {
        let out = f.deploy(tag, &[]);
        assert!(out.status.success(), "{}", all_output(&out));
    }
    let v2 = f.pinned("v2").await;
    f.ecs
        .deregister_task_definition()
        .task_definition(format!("{}:2", f.family))
        .send()
        .await
        .unwrap();
    // ECS refuses the UpdateService the old rollback would have sent.
    let refused = f
        .ecs
        .update_service()
        .cluster(&f.cluster)
        .service(&f.service)
        .task_definition(format!("{}:2", f.family))
        .send()
        .await
        .unwrap_err();
    assert!(format!("{refused:?}").contains("TaskDefinition is inactive"));
    let updates = f.calls_of("UpdateService");

    let out = f.rollback(&["--dry-run"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stdout).contains(&format!(
            "dry run: would register {f}:2 again (it is INACTIVE; the same definition: app={v2}",
            f = f.family
        )) && text(&out.stdout).contains(&format!("from {}:3 to that new revision", f.family)),
        "{}",
        all_output(&out)
    );
    assert_eq!(
        f.revisions().await,
        2,
        "a dry run registers nothing (ACTIVE: 1, 3)"
    );

    let out = f.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains(&format!(
            "{f}:2 is INACTIVE (deregistered): registered its definition again as {f}:4 (the same image)",
            f = f.family
        )),
        "{}",
        all_output(&out)
    );
    assert_eq!(f.running().await, (4, v2), "the same pinned digest runs");
    assert_eq!(
        f.calls_of("UpdateService"),
        updates + 1,
        "one UpdateService, accepted"
    );
    let history = f.history();
    assert_eq!(history[0]["action"], "rollback");
    assert_eq!(history[0]["outcome"], "succeeded");
    assert!(history[0]["deployed"].as_str().unwrap().ends_with(":4"));
    assert!(
        history[0]["detail"].as_str().unwrap().contains(&format!(
            "{}:2 was INACTIVE: registered again as {}:4",
            f.family, f.family
        )),
        "{history:?}"
    );

    // A second rollback walks on: :4 stands for :2 in the ledger, and the
    // deploy that put :2 in place replaced :1 (not back to :3, rolled away from).
    let out = f.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(f.running().await.0, 1, "{}", all_output(&out));
}

#[tokio::test]
async fn a_rollback_to_a_deleted_revision_is_refused_before_anything_is_written() {
    let f = EcsTarget::new(XTASK).await;
    for tag in ["v2", "v3"] {
        let out = f.deploy(tag, &[]);
        assert!(out.status.success(), "{}", all_output(&out));
    }
    let revision = format!("{}:2", f.family);
    f.ecs
        .deregister_task_definition()
        .task_definition(&revision)
        .send()
        .await
        .unwrap();
    f.ecs
        .delete_task_definitions()
        .task_definitions(&revision)
        .send()
        .await
        .unwrap();
    let updates = f.calls_of("UpdateService");
    for extra in [&["--dry-run"][..], &[]] {
        let out = f.rollback(extra);
        assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
        let err = text(&out.stderr);
        let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(errors.len(), 1, "{err}");
        assert!(
            // ECS answers DELETE_IN_PROGRESS; moto no longer describes it.
            errors[0].contains(&format!("revision {revision} was deleted ("))
                && errors[0].contains(&format!(
                    "`aws ecs list-task-definitions --family-prefix {} --status ACTIVE`",
                    f.family
                )),
            "{err}"
        );
    }
    assert_eq!(f.calls_of("UpdateService"), updates, "nothing sent");
    assert!(!f.lock_exists().await, "no lock taken");
    assert_eq!(f.history().len(), 2, "no record");
    assert_eq!(f.running().await.0, 3);
}

#[tokio::test]
async fn a_failed_deploy_puts_back_a_running_revision_that_was_deregistered() {
    let f = EcsTarget::new(XTASK).await;
    // Someone deregistered the revision the service runs (ECS allows it).
    f.ecs
        .deregister_task_definition()
        .task_definition(format!("{}:1", f.family))
        .send()
        .await
        .unwrap();
    f.scenario(test_support::RolloutOutcome::CrashLoop, 2, false)
        .await;
    let out = f.deploy("v2", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let all = all_output(&out);
    assert!(
        all.contains(&format!(
            "registered its definition again as {}:3",
            f.family
        )) && all.contains(&format!("rolled back: {}:3 runs again", f.family)),
        "{all}"
    );
    assert_eq!(f.running().await, (3, format!("{}:v1", f.image_uri)));
}

#[tokio::test]
async fn an_image_is_built_for_the_task_definitions_platform_unless_docker_platform_says() {
    let f = EcsTarget::with(
        XTASK,
        EcsService {
            cpu_architecture: Some(CpuArchitecture::Arm64),
            ..EcsService::default()
        },
    )
    .await;
    f.with_dockerfile();
    let docker = DockerStandIn::new();
    let out = f.deploy_with_docker(&docker, "v9", &["--dry-run"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains(
            "(for linux/arm64: the task definition's runtimePlatform cpuArchitecture ARM64 operatingSystemFamily LINUX)"
        ),
        "{}",
        all_output(&out)
    );
    let out = f.deploy_with_docker(&docker, "v9", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    let build = &docker.calls()[1].args;
    let platform = build.iter().position(|a| a == "--platform").unwrap();
    assert_eq!(build[platform + 1], "linux/arm64", "{build:?}");

    f.configure("docker_platform = \"linux/amd64\"");
    let out = f.deploy_with_docker(&docker, "v8", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    let build = &docker
        .calls()
        .into_iter()
        .rfind(|c| c.step() == "build")
        .unwrap()
        .args;
    let platform = build.iter().position(|a| a == "--platform").unwrap();
    assert_eq!(build[platform + 1], "linux/amd64", "docker_platform wins");
    assert!(
        text(&out.stderr).contains("building for linux/amd64 (docker_platform)"),
        "{}",
        all_output(&out)
    );
}
