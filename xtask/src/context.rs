//! What every command that talks to AWS for one environment needs, built once.

use aws_config::SdkConfig;

use crate::error::BadInput;
use crate::state::StateStore;
use crate::workspace::Workspace;

pub struct EnvContext<'a> {
    pub ws: &'a Workspace,
    pub env: String,
    pub sdk: SdkConfig,
    /// The environment's state bucket: ledger and locks.
    pub store: StateStore,
    /// The head commit, recorded in the ledger.
    pub git_sha: Option<String>,
}

impl<'a> EnvContext<'a> {
    /// Checks the environment, the credentials and that the state bucket
    /// exists in the environment's region, before anything else is called.
    pub async fn new(ws: &'a Workspace, env: &str) -> anyhow::Result<EnvContext<'a>> {
        let ctx = Self::without_state_bucket(ws, env).await?;
        if let Some(problem) = ctx.store.bucket_problem().await {
            return Err(BadInput(problem).into());
        }
        Ok(ctx)
    }

    /// For `bootstrap`, which makes the state bucket.
    pub async fn without_state_bucket(
        ws: &'a Workspace,
        env: &str,
    ) -> anyhow::Result<EnvContext<'a>> {
        ws.environment(env)?;
        let sdk = crate::aws::sdk_config(ws.config.region(env)).await;
        crate::aws::check_credentials(&sdk).await?;
        let store = StateStore::new(&sdk, ws.config.state_bucket(env), env.to_string());
        Ok(EnvContext {
            ws,
            env: env.to_string(),
            sdk,
            store,
            git_sha: ws.head_sha(),
        })
    }

    /// The config file's name (`deploy.toml`), for messages that say what to
    /// change in it.
    pub fn config_name(&self) -> String {
        self.ws.config.file_name()
    }
}
