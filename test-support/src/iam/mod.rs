//! IAM in the tests: the policies `cargo xtask iam` renders, held against what
//! the tool really calls.
//!
//! - [`Policy`]: a policy document, and whether it allows an action on a
//!   resource (IAM's wildcards, explicit denies; conditions not evaluated).
//! - `audit`: every `xtask` command a test runs on the emulator
//!   ([`crate::Xtask::on_emulator`]) has its AWS actions checked against the
//!   policy rendered for its config, and its requests against the AWS service
//!   models.
//! - [`IamUser`], [`Emulator::enforce_iam`](crate::Emulator::enforce_iam):
//!   moto's own IAM enforcement, for a test that runs the tool as a user
//!   holding exactly the rendered policy.

pub(crate) mod audit;
mod command_line;
mod enforced;
mod policy;

pub use audit::ACCOUNT;
pub use enforced::{for_moto, IamUser};
pub use policy::{glob, Policy};
