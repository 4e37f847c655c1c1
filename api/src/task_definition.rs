//! The task definition a service runs, and the next revision: a copy of every
//! registrable field with only the named container's image swapped.

use aws_sdk_ecs::types::{ContainerDefinition, TaskDefinition, TaskDefinitionField};

use crate::error::{aws, ApiError};
use crate::ServiceSettings;

/// A task definition revision, `arn:...:task-definition/<family>:<number>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Revision {
    pub arn: String,
    pub family: String,
    pub number: i32,
}

impl Revision {
    pub fn parse(arn: &str) -> Option<Revision> {
        let name = arn.rsplit('/').next()?;
        let (family, number) = name.rsplit_once(':')?;
        Some(Revision {
            arn: arn.to_string(),
            family: family.to_string(),
            number: number.parse().ok()?,
        })
    }

    /// `family:number`, as people say it.
    pub fn short(&self) -> String {
        format!("{}:{}", self.family, self.number)
    }
}

/// The task definition the service is on, with its tags (which a new revision keeps).
#[derive(Debug, Clone)]
pub struct CurrentTaskDefinition {
    pub revision: Revision,
    pub definition: TaskDefinition,
    pub tags: Vec<aws_sdk_ecs::types::Tag>,
}

impl CurrentTaskDefinition {
    /// The image the configured container runs.
    pub fn image(&self, container: &str) -> Result<&str, ApiError> {
        let c = find_container(&self.definition, container, &self.revision)?;
        Ok(c.image().unwrap_or_default())
    }

    /// `runtimePlatform.cpuArchitecture` (`X86_64`, `ARM64`), if set.
    pub fn cpu_architecture(&self) -> Option<&str> {
        self.definition
            .runtime_platform()
            .and_then(|p| p.cpu_architecture())
            .map(|a| a.as_str())
    }

    /// `runtimePlatform.operatingSystemFamily` (`LINUX`, `WINDOWS_SERVER_...`), if set.
    pub fn operating_system_family(&self) -> Option<&str> {
        self.definition
            .runtime_platform()
            .and_then(|p| p.operating_system_family())
            .map(|f| f.as_str())
    }
}

pub async fn describe(
    ecs: &aws_sdk_ecs::Client,
    task_definition: &str,
) -> Result<CurrentTaskDefinition, ApiError> {
    let out = ecs
        .describe_task_definition()
        .task_definition(task_definition)
        .include(TaskDefinitionField::Tags)
        .send()
        .await
        .map_err(|e| {
            let e = e.into_service_error();
            // DescribeTaskDefinition answers ClientException ("Unable to
            // describe task definition.") for one that does not exist.
            if e.is_client_exception() {
                ApiError::TaskDefinitionNotFound(task_definition.to_string())
            } else {
                aws("ECS DescribeTaskDefinition")(e)
            }
        })?;
    let definition = out
        .task_definition()
        .cloned()
        .ok_or_else(|| ApiError::TaskDefinitionNotFound(task_definition.to_string()))?;
    let arn = definition.task_definition_arn().unwrap_or(task_definition);
    let revision = Revision::parse(arn)
        .ok_or_else(|| ApiError::TaskDefinitionNotFound(task_definition.to_string()))?;
    Ok(CurrentTaskDefinition {
        revision,
        tags: out.tags().to_vec(),
        definition,
    })
}

/// The container definitions of the next revision, or `None` when the container
/// already runs `image` (nothing to deploy).
pub fn with_image(
    current: &CurrentTaskDefinition,
    container: &str,
    image: &str,
) -> Result<Option<Vec<ContainerDefinition>>, ApiError> {
    let old = find_container(&current.definition, container, &current.revision)?;
    if old.image() == Some(image) {
        return Ok(None);
    }
    let containers = current
        .definition
        .container_definitions()
        .iter()
        .map(|c| {
            if c.name() == Some(container) {
                let mut c = c.clone();
                c.image = Some(image.to_string());
                c
            } else {
                c.clone()
            }
        })
        .collect();
    Ok(Some(containers))
}

/// A unified diff of the container definitions, for `--dry-run`: only the image
/// line should differ.
pub fn diff(current: &CurrentTaskDefinition, next: &[ContainerDefinition]) -> String {
    let old = format!("{:#?}", current.definition.container_definitions());
    let new = format!("{next:#?}");
    similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(2)
        .header(
            &current.revision.short(),
            &format!("{}:{} (new)", current.revision.family, "next"),
        )
        .to_string()
}

/// Registers the next revision: every registrable field of the current one,
/// its tags, and the given containers.
pub async fn register(
    ecs: &aws_sdk_ecs::Client,
    current: &CurrentTaskDefinition,
    containers: Vec<ContainerDefinition>,
) -> Result<Revision, ApiError> {
    let d = &current.definition;
    let out = ecs
        .register_task_definition()
        .set_family(d.family().map(str::to_owned))
        .set_task_role_arn(d.task_role_arn().map(str::to_owned))
        .set_execution_role_arn(d.execution_role_arn().map(str::to_owned))
        .set_network_mode(d.network_mode().cloned())
        .set_container_definitions(Some(containers))
        .set_volumes(non_empty(d.volumes().to_vec()))
        .set_placement_constraints(non_empty(d.placement_constraints().to_vec()))
        .set_requires_compatibilities(non_empty(d.requires_compatibilities().to_vec()))
        .set_cpu(d.cpu().map(str::to_owned))
        .set_memory(d.memory().map(str::to_owned))
        .set_tags(non_empty(current.tags.clone()))
        .set_pid_mode(d.pid_mode().cloned())
        .set_ipc_mode(d.ipc_mode().cloned())
        .set_proxy_configuration(d.proxy_configuration().cloned())
        .set_ephemeral_storage(d.ephemeral_storage().cloned())
        .set_runtime_platform(d.runtime_platform().cloned())
        .set_enable_fault_injection(d.enable_fault_injection())
        .send()
        .await
        .map_err(aws("ECS RegisterTaskDefinition"))?;
    let arn = out
        .task_definition()
        .and_then(|t| t.task_definition_arn())
        .unwrap_or_default();
    Revision::parse(arn).ok_or_else(|| ApiError::Aws {
        operation: "ECS RegisterTaskDefinition",
        message: format!("answered with an unexpected ARN {arn:?}"),
    })
}

/// The ACTIVE revisions of a family, lowest first. Sorted here: the API's own
/// sort order is not relied on (moto, for one, ignores it).
pub async fn active_revisions(
    ecs: &aws_sdk_ecs::Client,
    family: &str,
) -> Result<Vec<Revision>, ApiError> {
    let mut revisions = Vec::new();
    let mut pages = ecs
        .list_task_definitions()
        .family_prefix(family)
        .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(aws("ECS ListTaskDefinitions"))?;
        revisions.extend(
            page.task_definition_arns()
                .iter()
                .filter_map(|arn| Revision::parse(arn))
                // family_prefix is a prefix: `api` also lists `api-worker`.
                .filter(|r| r.family == family),
        );
    }
    revisions.sort_by_key(|r| r.number);
    Ok(revisions)
}

fn find_container<'a>(
    definition: &'a TaskDefinition,
    container: &str,
    revision: &Revision,
) -> Result<&'a ContainerDefinition, ApiError> {
    definition
        .container_definitions()
        .iter()
        .find(|c| c.name() == Some(container))
        .ok_or_else(|| ApiError::ContainerNotFound {
            container: container.to_string(),
            task_definition: revision.short(),
            found: definition
                .container_definitions()
                .iter()
                .filter_map(|c| c.name())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// The settings' service must exist, with ECS's own deployment controller
/// (UpdateService cannot change the task definition of another's); its
/// current task definition, described.
pub async fn current(
    ecs: &aws_sdk_ecs::Client,
    settings: &ServiceSettings,
) -> Result<CurrentTaskDefinition, ApiError> {
    let service = crate::service::describe(ecs, settings).await?;
    crate::strategy::check_controller(&service, settings)?;
    let arn = service.task_definition().unwrap_or_default().to_string();
    describe(ecs, &arn).await
}

/// `None` for an empty list, so a copy sends what the original had.
fn non_empty<T>(v: Vec<T>) -> Option<Vec<T>> {
    if v.is_empty() {
        None
    } else {
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_revision_arns() {
        let r =
            Revision::parse("arn:aws:ecs:us-west-2:123456789012:task-definition/connect2-api:42")
                .unwrap();
        assert_eq!((r.family.as_str(), r.number), ("connect2-api", 42));
        assert_eq!(r.short(), "connect2-api:42");
        assert!(Revision::parse("arn:aws:ecs:us-west-2:1:task-definition/no-revision").is_none());
    }
}
