//! ECS services as the deploy tests need them.

use aws_sdk_ecs::types::{Compatibility, ContainerDefinition, LaunchType, NetworkMode};

/// A cluster, one task-definition revision of `family` per image (one essential
/// container named `app`, Fargate, awsvpc), and a service of one task on
/// revision `runs`. moto needs no subnets for it. Panics if the emulator refuses.
pub async fn fargate_service(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    service: &str,
    family: &str,
    images: &[&str],
    runs: usize,
) {
    ecs.create_cluster()
        .cluster_name(cluster)
        .send()
        .await
        .expect("CreateCluster");
    for image in images {
        ecs.register_task_definition()
            .family(family)
            .network_mode(NetworkMode::Awsvpc)
            .requires_compatibilities(Compatibility::Fargate)
            .cpu("256")
            .memory("512")
            .container_definitions(
                ContainerDefinition::builder()
                    .name("app")
                    .image(*image)
                    .essential(true)
                    .build(),
            )
            .send()
            .await
            .expect("RegisterTaskDefinition");
    }
    ecs.create_service()
        .cluster(cluster)
        .service_name(service)
        .task_definition(format!("{family}:{runs}"))
        .desired_count(1)
        .launch_type(LaunchType::Fargate)
        .send()
        .await
        .expect("CreateService");
}
