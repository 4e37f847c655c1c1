//! What every command that talks to AWS for one environment needs, built once.

use aws_config::SdkConfig;

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
    /// Checks the environment and the credentials before any call.
    pub async fn new(ws: &'a Workspace, env: &str) -> anyhow::Result<EnvContext<'a>> {
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
}

/// How one target's deploy or rollback ended, for the summary.
#[derive(Debug, Clone)]
pub struct TargetResult {
    pub target: String,
    pub ok: bool,
    /// One line: what was done.
    pub summary: String,
    /// How long it took, when it ran.
    pub duration: Option<std::time::Duration>,
}

impl TargetResult {
    pub fn ok(target: &str, summary: impl Into<String>) -> TargetResult {
        TargetResult {
            target: target.into(),
            ok: true,
            summary: summary.into(),
            duration: None,
        }
    }

    pub fn failed(target: &str, summary: impl Into<String>) -> TargetResult {
        TargetResult {
            target: target.into(),
            ok: false,
            summary: summary.into(),
            duration: None,
        }
    }
}
