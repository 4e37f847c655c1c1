//! What every command shares for output: logs to stderr, results to stdout, and
//! GitHub Actions' step outputs.

use anyhow::Context;
use std::io::Write;
use std::time::{Duration, Instant};

use crate::error::BadInput;
use crate::targets::TargetResult;

/// Where details of results go (plans, diffs, next steps): stdout, unless
/// stdout is kept for one JSON document (`--format json`); then stderr.
static DETAILS_TO_STDERR: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Keeps stdout for the command's JSON document from now on.
pub fn keep_stdout_for_json() {
    DETAILS_TO_STDERR.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Prints a detail of a result: `text` as it is (give it its newlines).
pub fn detail(text: &str) {
    if DETAILS_TO_STDERR.load(std::sync::atomic::Ordering::Relaxed) {
        eprint!("{text}");
    } else {
        print!("{text}");
    }
}

static VERBOSE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `-v`: say more from now on.
pub fn set_verbose() {
    VERBOSE.store(true, std::sync::atomic::Ordering::Relaxed);
}

pub fn verbose() -> bool {
    VERBOSE.load(std::sync::atomic::Ordering::Relaxed)
}

/// Whether we run as a GitHub Actions step (`GITHUB_ACTIONS=true`).
pub fn github_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// One target's part of a run: a `::group::` under GitHub Actions, a `==>`
/// heading elsewhere; it times the target and annotates a failure. Targets that
/// run at the same time interleave their lines, which groups cannot hold: they
/// get headings only (`grouped` false).
pub struct Section {
    title: String,
    started: Instant,
    actions: bool,
    grouped: bool,
}

impl Section {
    pub fn start(title: String) -> Section {
        Self::start_with(title, true)
    }

    pub fn start_with(title: String, grouped: bool) -> Section {
        let actions = github_actions();
        if actions && grouped {
            eprintln!("::group::{title}");
        } else {
            eprintln!("==> {title}");
        }
        Section {
            title,
            started: Instant::now(),
            actions,
            grouped,
        }
    }

    pub fn finish(self, result: &mut TargetResult) {
        result.duration = Some(self.started.elapsed());
        if self.actions {
            if self.grouped {
                eprintln!("::endgroup::");
            }
            if !result.ok {
                // Annotation text is one line; `%`, CR and LF are escaped as GitHub asks.
                let message = result
                    .summary
                    .replace('%', "%25")
                    .replace('\r', "%0D")
                    .replace('\n', "%0A");
                detail(&format!("::error title={} failed::{message}\n", self.title));
            }
        }
    }
}

/// The Markdown summary GitHub Actions shows on the run's page.
pub fn append_step_summary(
    command: &str,
    env: &str,
    results: &[TargetResult],
) -> anyhow::Result<()> {
    let mut md = format!("### {command} to {env}\n\n| target | env | what | duration | outcome | if it broke |\n|---|---|---|---|---|---|\n");
    for r in results {
        md.push_str(&format!(
            "| {} | {env} | {} | {} | {} | `cargo xtask rollback {} {env}` |\n",
            r.target,
            r.summary.replace('|', "\\|"),
            r.duration.map_or_else(|| "-".into(), format_duration),
            if r.ok { "✅ ok" } else { "❌ failed" },
            r.target,
        ));
    }
    write_step_summary(&md)
}

/// Appends Markdown to the run page's summary (`$GITHUB_STEP_SUMMARY`), when
/// there is one.
pub fn write_step_summary(md: &str) -> anyhow::Result<()> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") else {
        return Ok(());
    };
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .with_context(|| format!("opening $GITHUB_STEP_SUMMARY ({})", path.to_string_lossy()))?;
    file.write_all(md.as_bytes())
        .context("writing $GITHUB_STEP_SUMMARY")
}

fn format_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 60 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

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
