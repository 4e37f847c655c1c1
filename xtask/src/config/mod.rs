//! `deploy.toml`: the monorepo's project, environments and targets.
//!
//! Loading validates everything a later step would trip over (unknown keys, wrong
//! types, unknown targets in `after`, cycles, bad path patterns, unknown
//! environments in overrides, unknown placeholders) and resolves each target's
//! settings for every environment up front, so a bad file fails before anything
//! else runs, with the file, the key and what was expected.

pub mod diff;
mod duration;
mod ecs;
mod load;
mod network;
pub mod notify;
pub mod outputs;
pub mod rules;
mod static_site;
mod template;
mod terraform;
mod topo;
mod verify;

pub use duration::ConfigDuration;
pub use ecs::{BeforeRollout, EcsTarget};
pub use network::NETWORK_TFVARS;
pub use static_site::{CacheRule, StaticSiteTarget};
pub use terraform::TerraformTarget;
pub use verify::SmokeConfig;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use path_filter::PathFilter;

/// A config problem: which file, which key, what was expected. Always bad input.
#[derive(Debug, thiserror::Error)]
#[error("{}: {key}: {message}", file.display())]
pub struct ConfigError {
    pub file: PathBuf,
    pub key: String,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub name: String,
    pub region: String,
    /// Holds the ledger, release manifests and locks; usually per environment.
    pub state_bucket: String,
    /// The branch `plan --changed` compares feature branches with; found from
    /// `origin/HEAD`, `main` or `master` when absent.
    #[serde(default)]
    pub default_branch: Option<String>,
    /// The environment PR previews deploy into (its account, region and role).
    #[serde(default)]
    pub preview_environment: Option<String>,
    /// The folder holding the toolkit's own Cargo workspace, relative to the
    /// repository root (`tools/deploy` when vendored, docs/ADOPTING.md); the
    /// generated workflows build xtask there. Absent: the root itself.
    #[serde(default)]
    pub toolkit: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// The git branch whose pushes deploy to this environment; an environment
    /// without one (e.g. `local`) gets no generated workflows.
    #[serde(default)]
    pub branch: Option<String>,
    /// Overrides `project.region`.
    #[serde(default)]
    pub region: Option<String>,
    /// The IAM role GitHub Actions assumes (OIDC) to deploy here; without it the
    /// generated workflows read the GitHub environment's `AWS_ROLE_ARN` variable.
    #[serde(default)]
    pub aws_role_arn: Option<String>,
    /// The read-only IAM role the generated drift check assumes (OIDC); without
    /// it, the GitHub environment's `AWS_READONLY_ROLE_ARN` variable.
    #[serde(default)]
    pub aws_readonly_role_arn: Option<String>,
}

/// One environment of the config, resolved: everything a command working in it
/// needs besides the targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Env {
    pub name: String,
    /// `region`, else `project.region`.
    pub region: String,
    /// The branch this environment runs: its `branch`, else the project's
    /// `default_branch`, else `main`. Revert branches start from it.
    pub branch: String,
    /// `project.state_bucket`, filled for this environment.
    pub state_bucket: String,
}

/// `--env` names no environment of the config.
#[derive(Debug, thiserror::Error)]
#[error("--env {name}: not an environment of {} (expected one of: {known})", file.display())]
pub struct UnknownEnvironment {
    pub name: String,
    pub file: PathBuf,
    pub known: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    Ecs,
    StaticSite,
    Terraform,
}

impl TargetKind {
    const ALL: [(&'static str, TargetKind); 3] = [
        ("ecs", TargetKind::Ecs),
        ("static-site", TargetKind::StaticSite),
        ("terraform", TargetKind::Terraform),
    ];
}

impl fmt::Display for TargetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = Self::ALL.iter().find(|(_, k)| k == self).expect("listed").0;
        f.write_str(name)
    }
}

/// A target's settings for one environment, templates filled.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum TargetSettings {
    Ecs(EcsTarget),
    StaticSite(StaticSiteTarget),
    Terraform(TerraformTarget),
}

impl TargetSettings {
    /// Where people reach the target (ECS and static sites): its `url`, else
    /// its smoke check's URL.
    pub fn address(&self) -> Option<&str> {
        match self {
            TargetSettings::Ecs(ecs) => ecs.address(),
            TargetSettings::StaticSite(site) => site.address(),
            TargetSettings::Terraform(_) => None,
        }
    }

    /// The kind's own checks beyond the types: the key (below the target's)
    /// and the message of the first problem. Values still holding a
    /// `{TARGET.OUTPUT}` are skipped: `plan::outputs` checks them once filled.
    pub fn check(&self) -> Result<(), (String, String)> {
        match self {
            TargetSettings::Ecs(ecs) => ecs.check(),
            TargetSettings::StaticSite(site) => site.check(),
            TargetSettings::Terraform(tf) => tf.check(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    pub kind: TargetKind,
    pub paths: PathFilter,
    /// Targets that must finish first.
    pub after: Vec<String>,
    /// Resolved settings per environment name.
    pub settings: BTreeMap<String, TargetSettings>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub file: PathBuf,
    pub project: Project,
    pub environments: BTreeMap<String, Environment>,
    /// In run order: each target after everything it runs `after`.
    pub targets: Vec<Target>,
    /// `[notify]` per environment name: who hears of its deploys and rollbacks.
    pub notify: BTreeMap<String, notify::Notify>,
}

impl Config {
    pub fn target(&self, name: &str) -> Option<&Target> {
        self.targets.iter().find(|t| t.name == name)
    }

    /// The file's name (`deploy.toml`), for messages that say what to change in it.
    pub fn file_name(&self) -> String {
        self.file.file_name().map_or_else(
            || "deploy.toml".into(),
            |f| f.to_string_lossy().into_owned(),
        )
    }

    /// The environment names, for messages.
    pub fn environment_names(&self) -> String {
        self.environments
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `name`, checked and resolved: what a command working in it needs.
    pub fn environment(&self, name: &str) -> Result<Env, UnknownEnvironment> {
        let environment = self
            .environments
            .get(name)
            .ok_or_else(|| UnknownEnvironment {
                name: name.to_string(),
                file: self.file.clone(),
                known: self.environment_names(),
            })?;
        Ok(Env {
            name: name.to_string(),
            region: self.region(name).to_string(),
            branch: environment
                .branch
                .clone()
                .or_else(|| self.project.default_branch.clone())
                .unwrap_or_else(|| "main".into()),
            state_bucket: self.state_bucket(name),
        })
    }

    /// The region of `env`, an environment of this config (see [`Config::environment`]).
    pub fn region(&self, env: &str) -> &str {
        self.environments
            .get(env)
            .and_then(|e| e.region.as_deref())
            .unwrap_or(&self.project.region)
    }

    /// Where the toolkit's workspace is, relative to the repository root
    /// (`.` when it is the root).
    pub fn toolkit(&self) -> &str {
        self.project.toolkit.as_deref().unwrap_or(".")
    }

    pub fn state_bucket(&self, env: &str) -> String {
        template::fill(&self.project.state_bucket, &self.values(env))
    }

    fn values<'a>(&'a self, env: &'a str) -> [(&'a str, &'a str); 3] {
        [
            ("env", env),
            ("project", &self.project.name),
            ("region", self.region(env)),
        ]
    }

    pub fn load(file: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(file).map_err(|e| ConfigError {
            file: file.to_path_buf(),
            key: "(file)".into(),
            message: format!("cannot read: {e}"),
        })?;
        Self::parse(file, &text)
    }

    pub fn parse(file: &Path, text: &str) -> Result<Config, ConfigError> {
        load::Loader { file }.parse(text)
    }
}
