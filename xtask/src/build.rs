//! A target's build step (`build` and `build_env` in deploy.toml): the command
//! that produces what a deploy ships, run at the repository root before the
//! deploy, with the environment's variables — so a preview is built with the
//! preview environment's API URL, prod with prod's.

use anyhow::Context;
use std::process::Stdio;
use tokio::process::Command;

use crate::plan::BuildStep;

/// Runs the build's command through `sh -c` at the repository root with its
/// variables added; its output goes to stderr, so stdout keeps only results.
/// Async, so that targets deploying at the same time go on while it runs.
pub async fn run(target: &str, build: &BuildStep) -> anyhow::Result<()> {
    let BuildStep { root, command, env } = build;
    eprintln!("{target}: build: {command}");
    for (k, v) in env {
        eprintln!("{target}: build: {k}={v}");
    }
    let status = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(root)
        .envs(env)
        .stdin(Stdio::null())
        .stdout(std::io::stderr())
        .status()
        .await
        .with_context(|| format!("{target}: running its build command with sh"))?;
    if !status.success() {
        anyhow::bail!(
            "{target}: the build command failed ({status}); nothing was deployed: `{command}`"
        );
    }
    Ok(())
}
