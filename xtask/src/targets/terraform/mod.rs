//! Terraform targets: deploy through `shared-infra` — plan, summary, apply only
//! with approval — under the lock and recorded in the ledger; roll back with a
//! `git revert` prepared on a new branch (`rollback.rs`, see `revert.rs`), never
//! by pointing at an older version.

mod approval;
mod deploy;
mod report;
mod rollback;
mod status;

pub use deploy::deploy;
pub use report::summary_text;
pub use rollback::{rollback, RollbackOptions};
pub use status::status;

use super::explain::CrateError;
use crate::context::EnvContext;

/// Under GitHub Actions, the workflow names the environment gate its job ran
/// behind (GitHub tells a job no such thing itself); `approval.rs` checks it
/// against the run's review history.
pub const GATE_VAR: &str = "XTASK_APPROVED_ENVIRONMENT";

pub struct DeployOptions {
    pub approve: bool,
    /// Apply only a plan with this fingerprint (`--expect-plan`).
    pub expect_plan: Option<String>,
}

/// The step output a plan's fingerprint is written to under GitHub Actions, for
/// the apply job behind the approval gate (`needs.plan.outputs...`).
pub const FINGERPRINT_OUTPUT: &str = "plan_fingerprint";

impl CrateError for shared_infra::InfraError {
    fn is_bad_input(&self) -> bool {
        shared_infra::InfraError::is_bad_input(self)
    }

    fn advice(&self, ctx: &EnvContext) -> String {
        let file = &ctx.config_file;
        use shared_infra::InfraError;
        match self {
            InfraError::StackDirNotFound(_) => format!("{self} (check `dir` in {file})"),
            InfraError::StateNotFound { .. } => {
                format!("{self} (deploy it first, or check state_bucket and state_key in {file})")
            }
            _ => self.to_string(),
        }
    }
}
