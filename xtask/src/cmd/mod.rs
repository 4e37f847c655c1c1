//! One file per command: its `run`, from flags to output.

pub mod bootstrap;
pub mod ci;
pub mod deploy;
pub mod history;
pub mod iam;
pub mod plan;
pub mod preview;
pub mod rollback;
pub mod status;

use crate::flags::{Format, WatchFlags};
use crate::targets::TargetResult;

pub(crate) fn watch_settings(flags: &WatchFlags) -> api::WatchSettings {
    api::WatchSettings {
        timeout: flags.timeout,
        poll_interval: flags.poll_interval,
        ..api::WatchSettings::default()
    }
}

/// Prints the per-target summary (a table, or with `json` one document); fails
/// (exit 1) when any target failed.
pub(crate) fn finish(
    command: &str,
    env: &str,
    results: &[TargetResult],
    format: Format,
) -> anyhow::Result<()> {
    report(command, env, results, format)?;
    let failed = failed(results);
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

/// A lone target's error: with `json`, the document still says what failed
/// (the error itself goes on, for its message and exit code).
pub(crate) fn fail_alone(
    command: &str,
    env: &str,
    target: &str,
    format: Format,
    err: anyhow::Error,
) -> anyhow::Error {
    if format == Format::Json {
        let failed = TargetResult::failed(target, crate::error::one_line(&err));
        if let Err(e) = report(command, env, &[failed], format) {
            return err.context(format!("and its report failed too: {e:#}"));
        }
    }
    err
}

/// The summary's output: table or JSON, `$GITHUB_OUTPUT`, the step summary.
fn report(
    command: &str,
    env: &str,
    results: &[TargetResult],
    format: Format,
) -> anyhow::Result<()> {
    let failed = failed(results);
    if format == Format::Json {
        let targets: Vec<serde_json::Value> = results
            .iter()
            .map(|r| {
                let mut target = serde_json::json!({
                    "target": r.target,
                    "ok": r.ok,
                    "summary": r.summary,
                    "seconds": r.duration.map(|d| (d.as_secs_f64() * 10.0).round() / 10.0),
                });
                // What the target pinned and checked, next to its summary.
                if let Ok(serde_json::Value::Object(checks)) = serde_json::to_value(&r.checks) {
                    target.as_object_mut().expect("an object").extend(checks);
                }
                target
            })
            .collect();
        let document = serde_json::json!({
            "command": command,
            "env": env,
            "ok": failed.is_empty(),
            "targets": targets,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&document).expect("JSON values serialize")
        );
    } else {
        println!("{command} {env}:");
        for r in results {
            println!(
                "  {} {}: {}",
                if r.ok { "ok    " } else { "FAILED" },
                r.target,
                r.summary
            );
        }
    }
    if format == Format::Github {
        crate::output::append_github_output(&[
            ("ok", failed.is_empty().to_string()),
            ("failed", failed.join(",")),
        ])?;
    }
    crate::output::append_step_summary(command, env, results)
}

/// The targets that failed, in run order.
fn failed(results: &[TargetResult]) -> Vec<&str> {
    results
        .iter()
        .filter(|r| !r.ok)
        .map(|r| r.target.as_str())
        .collect()
}
