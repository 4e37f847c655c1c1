//! What every command that talks to AWS for one environment needs, built once
//! and shared by planning and running: the environment, the SDK config, the
//! state store. It holds no workspace: what the targets need of the repository
//! and the config is in their planned settings.

use aws_config::SdkConfig;

use crate::config::Env;
use crate::error::BadInput;
use crate::state::StateStore;

pub struct EnvContext {
    pub env: Env,
    pub sdk: SdkConfig,
    /// The environment's state bucket: ledger and locks.
    pub store: StateStore,
    /// The head commit, recorded in the ledger.
    pub git_sha: Option<String>,
    /// The config file's name (`deploy.toml`), for messages that say what to
    /// change in it.
    pub config_file: String,
}

impl EnvContext {
    /// The environment's SDK config and state store; nothing is called yet.
    pub async fn connect(env: Env, git_sha: Option<String>, config_file: String) -> EnvContext {
        let sdk = crate::aws::sdk_config(&env.region).await;
        let store = StateStore::new(&sdk, env.state_bucket.clone(), env.name.clone());
        EnvContext {
            env,
            sdk,
            store,
            git_sha,
            config_file,
        }
    }

    /// Checks the credentials and that the state bucket exists in the
    /// environment's region, before anything else is called.
    pub async fn require_state_bucket(&self) -> anyhow::Result<()> {
        self.check_credentials().await?;
        if let Some(problem) = self.store.bucket_problem().await {
            return Err(BadInput(problem).into());
        }
        Ok(())
    }

    /// Fails with one clear line when there are no credentials.
    pub async fn check_credentials(&self) -> Result<(), BadInput> {
        crate::aws::check_credentials(&self.sdk).await
    }
}
