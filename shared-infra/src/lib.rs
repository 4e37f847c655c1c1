//! Shared networking: runs Terraform with approval, reads the shared stack's
//! outputs from its remote state, and checks the network plan.
//!
//! Design choices:
//! - Terraform runs through xshell in the stack's folder: `init` with the S3
//!   backend from the settings (`-reconfigure`: the settings are the truth,
//!   state is never migrated behind the user's back), `plan -out` into a private
//!   temp file, the summary from `show -json` of that file, and `apply` of
//!   exactly that file — only with an [`Approval`] when the stack needs one.
//!   A missing terraform (or a `TERRAFORM` that points nowhere) is bad input.
//! - The plan summary counts as Terraform does and lists every destroy or
//!   replacement of a networking resource ([`plan::NETWORKING_TYPES`]) so the
//!   caller can call it out.
//! - `init` passes `use_lockfile=true` with the backend's settings: Terraform's
//!   own lock (a `.tflock` object next to the state, Terraform 1.10+), so a run
//!   outside this crate cannot interleave with ours; a held lock fails the run
//!   with who holds it ([`InfraError::StateLocked`]).
//! - A failed terraform step's error carries terraform's own error messages
//!   (its stderr is shown as it runs and kept for the error).
//! - Outputs come from the state object in S3 (format version 4), so the other
//!   targets never parse Terraform's files: any stack's outputs by name, typed as
//!   the state has them ([`StackOutputs`]); nothing is required of a stack.
//! - The network plan is checked as a whole (every environment) before any
//!   run, and rendered as a tfvars JSON file for the module.
//!
//! This crate knows nothing of git, the config file or the other targets: the
//! caller passes an `aws_config::SdkConfig`, [`StackSettings`], a [`Terraform`]
//! and, for the network, the layouts.

mod deploy;
mod diagnostics;
mod error;
pub mod network;
pub mod plan;
mod settings;
mod stack_outputs;
mod state;
mod state_version;
mod terraform;

pub use deploy::{
    deploy, deploy_with_variables, Approval, DeployEvent, DeployOutcome, DeployReport,
    DeployRequest, Variables,
};
pub use error::InfraError;
pub use network::{
    check_all as check_networks, NetworkInput, NetworkLayout, NetworkPlan, NetworkProblem,
};
pub use plan::{ChangeKind, PlanSummary, ResourceChange};
pub use settings::{StackSettings, StateLocation};
pub use stack_outputs::{read_stack_outputs, OutputValue, StackOutput, StackOutputs};
pub use state_version::{state_version, StateObjectVersion};
pub use terraform::Terraform;

/// The SDK clients this crate uses, built from one `SdkConfig`.
#[derive(Debug, Clone)]
pub struct Clients {
    pub s3: aws_sdk_s3::Client,
}

impl Clients {
    pub fn new(sdk: &aws_config::SdkConfig) -> Clients {
        Clients {
            s3: aws_sdk_s3::Client::new(sdk),
        }
    }
}
