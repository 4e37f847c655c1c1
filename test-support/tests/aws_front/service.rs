//! A cluster with one service, for the rollout scenarios, and what to read
//! of a described service.

use aws_sdk_ecs::types::{Compatibility, ContainerDefinition, Deployment, LaunchType, NetworkMode};
use test_support::{emulator, unique_name, RolloutOutcome, RolloutScenario};

/// A cluster with one service running revision 1 of a family that also has a
/// revision 2, ready to be rolled out.
pub struct Fixture {
    pub ecs: aws_sdk_ecs::Client,
    pub cluster: String,
    pub cluster_arn: String,
    pub service: String,
    pub service_arn: String,
    pub family: String,
    pub old_td: String,
    pub new_td: String,
    pub desired: i32,
}

impl Fixture {
    pub async fn new(prefix: &str, desired: i32) -> Fixture {
        let sdk = emulator().sdk_config().await;
        let ecs = aws_sdk_ecs::Client::new(&sdk);
        let cluster = unique_name(prefix);
        let cluster_arn = ecs
            .create_cluster()
            .cluster_name(&cluster)
            .send()
            .await
            .expect("create cluster")
            .cluster()
            .and_then(|c| c.cluster_arn())
            .expect("cluster ARN")
            .to_string();
        let family = format!("{cluster}-app");
        let mut arns = Vec::new();
        for image in ["app:1", "app:2"] {
            let registered = ecs
                .register_task_definition()
                .family(&family)
                .requires_compatibilities(Compatibility::Fargate)
                .network_mode(NetworkMode::Awsvpc)
                .cpu("256")
                .memory("512")
                .container_definitions(
                    ContainerDefinition::builder()
                        .name("app")
                        .image(image)
                        .essential(true)
                        .build(),
                )
                .send()
                .await
                .expect("register task definition");
            arns.push(
                registered
                    .task_definition()
                    .and_then(|t| t.task_definition_arn())
                    .expect("task definition ARN")
                    .to_string(),
            );
        }
        let service = "web".to_string();
        let created = ecs
            .create_service()
            .cluster(&cluster)
            .service_name(&service)
            .task_definition(&arns[0])
            .desired_count(desired)
            .launch_type(LaunchType::Fargate)
            .send()
            .await
            .expect("create service");
        let created = created.service().expect("service");
        // A new service is shown settled: one deployment, COMPLETED, all running.
        assert_eq!(created.running_count(), desired);
        assert_eq!(created.deployments().len(), 1);
        assert_eq!(
            created.deployments()[0].rollout_state().map(|s| s.as_str()),
            Some("COMPLETED")
        );
        let service_arn = created.service_arn().expect("service ARN").to_string();
        let (old_td, new_td) = (arns[0].clone(), arns[1].clone());
        Fixture {
            ecs,
            cluster,
            cluster_arn,
            service,
            service_arn,
            family,
            old_td,
            new_td,
            desired,
        }
    }

    pub async fn set(&self, outcome: RolloutOutcome, steps: u32, circuit_breaker_rollback: bool) {
        emulator()
            .set_rollout(
                &self.cluster,
                &self.service,
                RolloutScenario {
                    outcome,
                    steps,
                    circuit_breaker_rollback,
                    task_definition: None,
                },
            )
            .await;
    }

    pub async fn update_to(&self, task_definition: &str) -> aws_sdk_ecs::types::Service {
        self.ecs
            .update_service()
            .cluster(&self.cluster)
            .service(&self.service)
            .task_definition(task_definition)
            .send()
            .await
            .expect("update service")
            .service()
            .expect("service")
            .clone()
    }

    /// One DescribeServices call: one step of the simulated rollout.
    pub async fn poll(&self) -> aws_sdk_ecs::types::Service {
        let described = self
            .ecs
            .describe_services()
            .cluster(&self.cluster)
            .services(&self.service)
            .send()
            .await
            .expect("describe services");
        assert!(described.failures().is_empty(), "{described:?}");
        described.services()[0].clone()
    }
}

pub fn primary(service: &aws_sdk_ecs::types::Service) -> &Deployment {
    let primaries: Vec<&Deployment> = service
        .deployments()
        .iter()
        .filter(|d| d.status() == Some("PRIMARY"))
        .collect();
    assert_eq!(primaries.len(), 1, "one PRIMARY deployment: {service:?}");
    primaries[0]
}

pub fn active_with<'a>(service: &'a aws_sdk_ecs::types::Service, td: &str) -> &'a Deployment {
    service
        .deployments()
        .iter()
        .find(|d| d.status() == Some("ACTIVE") && d.task_definition() == Some(td))
        .unwrap_or_else(|| panic!("an ACTIVE deployment of {td}: {service:?}"))
}

pub fn state(deployment: &Deployment) -> &str {
    deployment.rollout_state().map(|s| s.as_str()).unwrap_or("")
}

pub fn messages(service: &aws_sdk_ecs::types::Service) -> Vec<&str> {
    service
        .events()
        .iter()
        .filter_map(|e| e.message())
        .collect()
}
