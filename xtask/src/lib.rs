//! The toolkit's composition root: it reads deploy.toml, works out what changed
//! and so what deploys (the plan), and runs the deploy crates with typed settings.
//!
//! Flow: `flags` (raw command line) → `workspace` (repository + `config`) →
//! `changes` (git) → `plan` (plain data) → a command in `cmd` acts on it.

pub mod aws;
pub mod build;
pub mod changes;
pub mod ci;
pub mod cmd;
pub mod config;
pub mod context;
pub mod error;
pub mod flags;
pub mod history;
pub mod iam;
pub mod init;
pub mod interrupt;
pub mod notify;
pub mod output;
pub mod plan;
pub mod revert;
pub mod state;
pub mod targets;
pub mod workspace;
