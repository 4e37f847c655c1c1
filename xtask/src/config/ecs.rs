//! An `ecs` target's keys: one service, whose container runs an image from ECR.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::{rules, ConfigDuration, SmokeConfig};

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
    /// A one-off task of the new revision run before the service is touched
    /// (database migrations); the rollout starts only if it exits 0.
    #[serde(default)]
    pub before_rollout: Option<BeforeRollout>,
    /// An HTTP smoke check after the rollout; a failure rolls back.
    #[serde(default)]
    pub verify: Option<SmokeConfig>,
    /// CloudWatch alarms watched for `bake` after the rollout.
    #[serde(default)]
    pub alarms: Vec<String>,
    #[serde(default)]
    pub bake: Option<ConfigDuration>,
    /// Where people reach it (`https://app.{env}.example.com`): the generated
    /// deploy job's GitHub environment URL [default: `verify.url`]. Not
    /// serialized: the settings' JSON is what a deploy.toml change is compared
    /// by, and a new address deploys nothing.
    #[serde(default, skip_serializing)]
    pub url: Option<String>,
}

/// `before_rollout = { command = ["alembic", "upgrade", "head"] }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BeforeRollout {
    /// The container's command for this run (the image's entrypoint stays).
    pub command: Vec<String>,
    /// The container whose command it is [default: the target's `container`].
    #[serde(default)]
    pub container: Option<String>,
    /// From RunTask until the task stops; past it the task is stopped and the
    /// deploy fails [default: 10 minutes].
    #[serde(default)]
    pub timeout: Option<ConfigDuration>,
}

/// How long a `before_rollout` task may take unless its `timeout` says.
const BEFORE_ROLLOUT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10 * 60);

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

    /// The one-off task before the rollout, in the crate's terms.
    pub fn before_rollout(&self) -> Option<api::OneOffTask> {
        let task = self.before_rollout.as_ref()?;
        Some(api::OneOffTask {
            container: task
                .container
                .clone()
                .unwrap_or_else(|| self.container.clone()),
            command: task.command.clone(),
            timeout: task.timeout.map_or(BEFORE_ROLLOUT_TIMEOUT, |t| t.0),
        })
    }

    /// What to verify after the rollout, polling every `poll_interval`.
    pub fn verification(
        &self,
        poll_interval: std::time::Duration,
    ) -> Option<verify::VerifySettings> {
        super::verify::settings(&self.verify, &self.alarms, &self.bake, poll_interval)
    }

    /// Checks beyond the types: the key (below the target's) and the problem.
    /// Its address: `url`, else the smoke check's URL.
    pub fn address(&self) -> Option<&str> {
        super::verify::address(self.url.as_deref(), &self.verify)
    }

    pub(super) fn check(&self) -> Result<(), (String, String)> {
        let optional = [
            ("dockerfile", &self.dockerfile),
            ("docker_context", &self.docker_context),
            ("docker_target", &self.docker_target),
            ("docker_platform", &self.docker_platform),
        ];
        let texts = [
            ("cluster", Some(&self.cluster)),
            ("service", Some(&self.service)),
            ("container", Some(&self.container)),
            ("ecr_repository", Some(&self.ecr_repository)),
        ]
        .into_iter()
        .chain(optional.map(|(k, v)| (k, v.as_ref())));
        for (key, value) in texts {
            if let Some(v) = value {
                rules::check_key(key, v)?;
            }
        }
        for (name, value) in &self.docker_build_args {
            let key = format!("docker_build_args.{name}");
            rules::check(&key, name, rules::variable_name)?;
            rules::check_key(&key, value)?;
        }
        super::verify::check(&self.verify, &self.alarms, &self.bake)?;
        super::verify::check_url("url", self.url.as_deref())?;
        if let Some(task) = &self.before_rollout {
            if task.command.is_empty() || task.command.iter().any(|a| a.is_empty()) {
                return Err((
                    "before_rollout.command".into(),
                    "expected the command as a list of non-empty strings, e.g. [\"alembic\", \"upgrade\", \"head\"]".into(),
                ));
            }
            for (i, arg) in task.command.iter().enumerate() {
                rules::check_key(&format!("before_rollout.command[{i}]"), arg)?;
            }
            if let Some(c) = &task.container {
                rules::check_key("before_rollout.container", c)?;
            }
            if let Some(t) = task.timeout {
                rules::duration(t.0, std::time::Duration::ZERO, rules::MAX_DURATION)
                    .map_err(|m| ("before_rollout.timeout".to_string(), m))?;
            }
        }
        Ok(())
    }
}
