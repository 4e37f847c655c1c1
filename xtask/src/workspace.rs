//! The repository and its config, found the way every command finds them.

use anyhow::Context;
use git2::Repository;
use std::path::{Path, PathBuf};

use crate::config::{Config, Env};
use crate::context::EnvContext;
use crate::error::BadInput;
use crate::flags::RepoFlags;

pub struct Workspace {
    pub repo: Repository,
    /// The working tree's root.
    pub root: PathBuf,
    pub config: Config,
}

impl Workspace {
    pub fn open(flags: &RepoFlags) -> anyhow::Result<Workspace> {
        let start = match &flags.repo {
            Some(dir) => dir.clone(),
            None => std::env::current_dir().context("reading the current directory")?,
        };
        let repo = Repository::discover(&start).map_err(|e| {
            BadInput(format!(
                "{}no git repository at or above {}: {}",
                if flags.repo.is_some() { "--repo: " } else { "" },
                start.display(),
                e.message()
            ))
        })?;
        let root = repo.workdir().map(Path::to_path_buf).ok_or_else(|| {
            BadInput(format!(
                "{}: a bare repository has no working tree",
                start.display()
            ))
        })?;
        let file = flags
            .config
            .clone()
            .unwrap_or_else(|| root.join("deploy.toml"));
        let config = Config::load(&file).map_err(BadInput::from)?;
        Ok(Workspace { repo, root, config })
    }

    /// An `--env` value, checked against the config and resolved.
    pub fn environment(&self, name: &str) -> Result<Env, BadInput> {
        self.config.environment(name).map_err(BadInput::from)
    }

    /// The context of environment `name` (checked against the config): its
    /// SDK config and state store, nothing called yet.
    pub async fn connect(&self, name: &str) -> Result<EnvContext, BadInput> {
        let env = self.environment(name)?;
        Ok(EnvContext::connect(env, self.head_sha(), self.config.file_name()).await)
    }

    /// [`Workspace::connect`], with the credentials and the state bucket
    /// checked before anything else is called.
    pub async fn connect_checked(&self, name: &str) -> anyhow::Result<EnvContext> {
        let ctx = self.connect(name).await?;
        ctx.require_state_bucket().await?;
        Ok(ctx)
    }

    /// The head commit's id, if the repository has one.
    pub fn head_sha(&self) -> Option<String> {
        self.repo
            .head()
            .ok()?
            .peel_to_commit()
            .ok()
            .map(|c| c.id().to_string())
    }
}
