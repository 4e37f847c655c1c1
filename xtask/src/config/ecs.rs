//! An `ecs` target's keys: one service, whose container runs an image from ECR.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::outputs::Slot;

/// An ECS service running one container image from ECR.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EcsTarget {
    pub cluster: String,
    pub service: String,
    /// The container in the task definition whose image a deploy swaps.
    pub container: String,
    /// The ECR repository of that image; the tag comes from `--image-tag` or the
    /// head commit.
    pub ecr_repository: String,
    /// The Dockerfile, relative to the repository root: a deploy whose tag is not
    /// in ECR yet builds the image with `docker build` and pushes it first. None:
    /// something else pushes the image.
    #[serde(default)]
    pub dockerfile: Option<String>,
    /// The build context, relative to the repository root [default: the root].
    #[serde(default)]
    pub docker_context: Option<String>,
    /// The Dockerfile stage to build (`docker build --target`).
    #[serde(default)]
    pub docker_target: Option<String>,
    /// The platform to build for (`docker build --platform`), e.g. `linux/arm64`
    /// for Graviton tasks [default: `linux/amd64`, Fargate's default, so a
    /// build on an ARM laptop still runs there].
    #[serde(default)]
    pub docker_platform: Option<String>,
    /// `docker build --build-arg NAME=VALUE` for each entry.
    #[serde(default)]
    pub docker_build_args: BTreeMap<String, String>,
}

impl EcsTarget {
    /// The crate's settings for this service.
    pub fn service(&self) -> api::ServiceSettings {
        api::ServiceSettings {
            cluster: self.cluster.clone(),
            service: self.service.clone(),
            container: self.container.clone(),
            ecr_repository: self.ecr_repository.clone(),
        }
    }

    /// Every string setting with its key, for `{TARGET.OUTPUT}`.
    pub(super) fn slots(&mut self) -> Vec<(String, Slot<'_>)> {
        let mut slots = vec![
            ("cluster".to_string(), Slot::Text(&mut self.cluster)),
            ("service".to_string(), Slot::Text(&mut self.service)),
            ("container".to_string(), Slot::Text(&mut self.container)),
            (
                "ecr_repository".to_string(),
                Slot::Text(&mut self.ecr_repository),
            ),
        ];
        for (key, value) in [
            ("dockerfile", &mut self.dockerfile),
            ("docker_context", &mut self.docker_context),
            ("docker_target", &mut self.docker_target),
            ("docker_platform", &mut self.docker_platform),
        ] {
            if let Some(v) = value {
                slots.push((key.to_string(), Slot::Text(v)));
            }
        }
        for (name, v) in &mut self.docker_build_args {
            slots.push((format!("docker_build_args.{name}"), Slot::Text(v)));
        }
        slots
    }
}
