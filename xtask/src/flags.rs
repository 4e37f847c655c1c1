//! Every command and flag, in one place; each doc comment is its help text.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Deploys the parts of a monorepo that changed, in order, and puts any one of
/// them back with one command.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version)]
pub struct Xtask {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what would deploy, in which order, and why.
    Plan(PlanFlags),
}

/// Where the repository and its deploy.toml are.
#[derive(Debug, Clone, Args)]
pub struct RepoFlags {
    /// The git repository [default: the one around the current directory].
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// The config file [default: deploy.toml at the repository root].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// How to find the changed paths.
#[derive(Debug, Clone, Args)]
pub struct ChangeFlags {
    /// Compare from this revision [default: the push's `before` or the pull
    /// request's merge-base under GitHub Actions, else the merge-base of HEAD
    /// with the default branch].
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// Compare up to this revision [default: HEAD].
    #[arg(long, value_name = "REV")]
    pub head: Option<String>,
    /// Also count staged, unstaged and untracked changes in the working tree.
    #[arg(long)]
    pub uncommitted: bool,
    /// When the base cannot be known (new branch, shallow clone, force push),
    /// plan every target instead of failing.
    #[arg(long)]
    pub all_if_unknown: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable table.
    #[default]
    Text,
    /// One JSON object on stdout.
    Json,
    /// The table, plus `targets=` and `any=` appended to $GITHUB_OUTPUT.
    Github,
}

#[derive(Debug, Clone, Args)]
pub struct PlanFlags {
    /// Targets to plan by name (instead of --changed or --all).
    #[arg(value_name = "TARGET", conflicts_with_all = ["changed", "all"])]
    pub targets: Vec<String>,
    /// Plan the targets whose paths changed.
    #[arg(long, conflicts_with = "all")]
    pub changed: bool,
    /// Plan every target.
    #[arg(long)]
    pub all: bool,
    /// The environment to plan for (checked against deploy.toml).
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    #[command(flatten)]
    pub repo: RepoFlags,
    #[command(flatten)]
    pub change: ChangeFlags,
}
