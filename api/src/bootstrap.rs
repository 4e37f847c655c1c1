//! Creating the service's resources where nothing else does: for trying the
//! toolkit against the local emulator (`cargo xtask bootstrap --with-resources`).
//! In a real account Terraform owns them (a Fargate service needs subnets and
//! security groups that only the network stack knows).
//!
//! Every step looks first and creates only what is missing, so running it again
//! changes nothing.

use aws_sdk_ecs::types::{Compatibility, ContainerDefinition, LaunchType, NetworkMode};

use crate::error::{aws, ApiError};
use crate::ServiceSettings;

/// What bootstrap created (the rest existed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bootstrapped {
    pub created: Vec<String>,
}

/// Ensures the ECR repository with an image for each of `tags`, the cluster, and
/// the service running the first tag.
pub async fn bootstrap(
    clients: &crate::Clients,
    settings: &ServiceSettings,
    tags: &[String],
) -> Result<Bootstrapped, ApiError> {
    let mut done = Bootstrapped::default();
    let repo = &settings.ecr_repository;
    let existing = clients
        .ecr
        .describe_repositories()
        .repository_names(repo)
        .send()
        .await;
    let uri = match existing {
        Ok(out) => out
            .repositories()
            .first()
            .and_then(|r| r.repository_uri())
            .unwrap_or_default()
            .to_string(),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_repository_not_found_exception()) =>
        {
            let out = clients
                .ecr
                .create_repository()
                .repository_name(repo)
                .send()
                .await
                .map_err(aws("ECR CreateRepository"))?;
            done.created.push(format!("ECR repository {repo}"));
            out.repository()
                .and_then(|r| r.repository_uri())
                .unwrap_or_default()
                .to_string()
        }
        Err(e) => return Err(aws("ECR DescribeRepositories")(e)),
    };
    for tag in tags {
        if crate::image::resolve_image(&clients.ecr, repo, tag)
            .await
            .is_ok()
        {
            continue;
        }
        // An image manifest with one made-up layer per tag: enough for the
        // emulator's registry, which is all this is for, and each tag gets its
        // own digest (the emulator hashes the layer digests).
        let layer = format!(
            "sha256:{:0>64}",
            tag.bytes()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
                .chars()
                .take(64)
                .collect::<String>()
        );
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":"{layer}"}},"layers":[{{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":2,"digest":"{layer}"}}]}}"#
        );
        clients
            .ecr
            .put_image()
            .repository_name(repo)
            .image_tag(tag)
            .image_manifest(manifest)
            .send()
            .await
            .map_err(aws("ECR PutImage"))?;
        done.created.push(format!("image {repo}:{tag}"));
    }

    let clusters = clients
        .ecs
        .describe_clusters()
        .clusters(&settings.cluster)
        .send()
        .await
        .map_err(aws("ECS DescribeClusters"))?;
    if !clusters
        .clusters()
        .iter()
        .any(|c| c.status() == Some("ACTIVE"))
    {
        clients
            .ecs
            .create_cluster()
            .cluster_name(&settings.cluster)
            .send()
            .await
            .map_err(aws("ECS CreateCluster"))?;
        done.created
            .push(format!("ECS cluster {}", settings.cluster));
    }

    if crate::service::describe(&clients.ecs, settings)
        .await
        .is_err()
    {
        let Some(first) = tags.first() else {
            return Ok(done);
        };
        let registered = clients
            .ecs
            .register_task_definition()
            .family(&settings.service)
            .network_mode(NetworkMode::Awsvpc)
            .requires_compatibilities(Compatibility::Fargate)
            .cpu("256")
            .memory("512")
            .container_definitions(
                ContainerDefinition::builder()
                    .name(&settings.container)
                    .image(format!("{uri}:{first}"))
                    .essential(true)
                    .build(),
            )
            .send()
            .await
            .map_err(aws("ECS RegisterTaskDefinition"))?;
        let arn = registered
            .task_definition()
            .and_then(|t| t.task_definition_arn())
            .unwrap_or_default()
            .to_string();
        clients
            .ecs
            .create_service()
            .cluster(&settings.cluster)
            .service_name(&settings.service)
            .task_definition(arn)
            .desired_count(1)
            .launch_type(LaunchType::Fargate)
            .send()
            .await
            .map_err(aws("ECS CreateService"))?;
        done.created.push(format!(
            "ECS service {} running {repo}:{first}",
            settings.service
        ));
    }
    Ok(done)
}
