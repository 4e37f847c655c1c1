//! One file per command: its `run`, from flags to output.

pub mod bootstrap;
pub mod ci;
pub mod deploy;
pub mod history;
pub mod plan;
pub mod preview;
pub mod rollback;
pub mod status;

use crate::context::TargetResult;
use crate::flags::WatchFlags;

pub(crate) fn watch_settings(flags: &WatchFlags) -> api::WatchSettings {
    api::WatchSettings {
        timeout: flags.timeout,
        poll_interval: flags.poll_interval,
        ..api::WatchSettings::default()
    }
}

/// Prints the per-target summary; fails (exit 1) when any target failed.
pub(crate) fn finish(command: &str, env: &str, results: &[TargetResult]) -> anyhow::Result<()> {
    println!("{command} {env}:");
    for r in results {
        println!(
            "  {} {}: {}",
            if r.ok { "ok    " } else { "FAILED" },
            r.target,
            r.summary
        );
    }
    crate::output::append_step_summary(command, env, results)?;
    let failed: Vec<&str> = results
        .iter()
        .filter(|r| !r.ok)
        .map(|r| r.target.as_str())
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        anyhow::bail!(
            "{command} failed for {} of {} targets: {}",
            failed.len(),
            results.len(),
            failed.join(", ")
        )
    }
}
