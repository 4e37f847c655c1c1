//! What every command shares for output: logs to stderr, results to stdout, and
//! GitHub Actions' step outputs.

use anyhow::Context;
use std::io::Write;

use crate::error::BadInput;

/// Appends `key=value` lines to the file GitHub Actions names in `$GITHUB_OUTPUT`.
pub fn append_github_output(pairs: &[(&str, String)]) -> anyhow::Result<()> {
    let path = std::env::var_os("GITHUB_OUTPUT").ok_or_else(|| {
        BadInput(
            "--format github: $GITHUB_OUTPUT is not set (GitHub Actions sets it for each step)"
                .into(),
        )
    })?;
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .with_context(|| format!("opening $GITHUB_OUTPUT ({})", path.to_string_lossy()))?;
    for (key, value) in pairs {
        debug_assert!(!value.contains('\n'), "multi-line outputs need a delimiter");
        writeln!(file, "{key}={value}").context("writing $GITHUB_OUTPUT")?;
    }
    Ok(())
}
