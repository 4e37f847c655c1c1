//! One file per command: its `run`, from flags to output.

pub mod bootstrap;
pub mod ci;
pub mod deploy;
pub mod history;
pub mod iam;
pub mod init;
pub mod plan;
pub mod preview;
pub mod rollback;
pub mod status;

use crate::context::EnvContext;
use crate::flags::Format;
use crate::notify;
use crate::plan::PlannedTarget;
use crate::targets::pipeline::Mode;
use crate::targets::{self, Run, TargetResult};
use crate::workspace::Workspace;

/// What ends a deploy or rollback besides its results: where it ran, how it
/// reports, and whether it tells anyone.
pub(crate) struct Ending<'a> {
    pub command: &'static str,
    pub ws: &'a Workspace,
    pub env: &'a str,
    pub format: Format,
    /// `None`: `--no-notify`.
    pub notify: Option<notify::Mode>,
}

impl Ending<'_> {
    /// Whether the run notifies: not with `--no-notify`; a dry run says what
    /// it would send.
    pub fn notify_mode(no_notify: bool, mode: Mode) -> Option<notify::Mode> {
        match (no_notify, mode.dry_run()) {
            (true, _) => None,
            (false, true) => Some(notify::Mode::DryRun),
            (false, false) => Some(notify::Mode::Send),
        }
    }
}

/// Prints the per-target summary (a table, or with `json` one document),
/// sends the run's notification; fails (exit 1) when any target failed. The
/// notification cannot change that: it is sent after every ledger record was
/// written, and one that fails is a warning.
pub(crate) async fn finish(end: &Ending<'_>, results: &[TargetResult]) -> anyhow::Result<()> {
    let lines = lines(end.ws, results);
    report(end, results, &lines)?;
    tell(end, lines).await;
    let failed = failed(results);
    if failed.is_empty() {
        Ok(())
    } else {
        anyhow::bail!(
            "{} failed for {} of {} targets: {}",
            end.command,
            failed.len(),
            results.len(),
            failed.join(", ")
        )
    }
}

/// A lone target's error: the document (with `json`) and the notification
/// still say what failed (the error itself goes on, for its message and exit
/// code). Bad input is not told: it wrote nothing, and writes nothing
/// elsewhere either (exit 2 is for the person who typed it).
pub(crate) async fn fail_alone(
    end: &Ending<'_>,
    target: &str,
    err: anyhow::Error,
) -> anyhow::Error {
    let failed = [TargetResult::failed(target, crate::error::one_line(&err))];
    let lines = lines(end.ws, &failed);
    if end.format == Format::Json {
        if let Err(e) = report(end, &failed, &lines) {
            return err.context(format!("and its report failed too: {e:#}"));
        }
    }
    if crate::error::exit_code(&err) != 2 {
        tell(end, lines).await;
    }
    err
}

/// One target through the pipeline once its `{TARGET.OUTPUT}` values are
/// filled (`filled` says whether that went well): the one door from the
/// commands into `targets::run`.
pub(crate) async fn run_target(
    ctx: &EnvContext,
    target: &PlannedTarget,
    filled: anyhow::Result<()>,
    what: Run<'_>,
) -> anyhow::Result<TargetResult> {
    filled?;
    targets::run(ctx, target, what).await
}

/// A target's result as the command reports it: with several targets, an
/// error is that target's failed result and the others go on; alone, it is
/// the command's error (told, and keeping its exit code).
pub(crate) async fn outcome(
    end: &Ending<'_>,
    several: bool,
    name: &str,
    result: anyhow::Result<TargetResult>,
) -> anyhow::Result<TargetResult> {
    match result {
        Ok(r) => Ok(r),
        Err(e) if several => Ok(TargetResult::failed(name, crate::error::one_line(&e))),
        Err(e) => Err(fail_alone(end, name, e).await),
    }
}

/// Sends the run's message to the environment's webhooks, if any.
async fn tell(end: &Ending<'_>, lines: Vec<notify::Line>) {
    let (Some(mode), Some(settings)) = (end.notify, end.ws.config.notify.get(end.env)) else {
        return;
    };
    if settings.slack.is_empty() {
        return;
    }
    let run = notify::Run {
        command: end.command.to_string(),
        env: end.env.to_string(),
        who: crate::state::who(),
        link: notify::ci_run_link(),
        lines,
    };
    notify::deliver(&run, settings, mode).await;
}

/// Each result's line in the run's message: its notice, with the commit (the
/// head's when the run recorded none) and the commit's author from git.
fn lines(ws: &Workspace, results: &[TargetResult]) -> Vec<notify::Line> {
    let mut lines: Vec<notify::Line> = results
        .iter()
        .map(|r| notify::Line {
            target: r.target.clone(),
            summary: r.summary.clone(),
            seconds: r.duration.map(|d| (d.as_secs_f64() * 10.0).round() / 10.0),
            notice: r.notice(),
        })
        .collect();
    with_authors(ws, &mut lines);
    lines
}

/// Each line's commit (the head's when it names none) with its author, from git.
pub(crate) fn with_authors(ws: &Workspace, lines: &mut [notify::Line]) {
    let head = ws.head_sha();
    for line in lines {
        let commit = &mut line.notice.commit;
        if commit.is_none() {
            *commit = head.clone().map(|sha| notify::Commit { sha, author: None });
        }
        if let Some(c) = commit {
            if c.author.is_none() {
                c.author = author(&ws.repo, &c.sha);
            }
        }
    }
}

/// The author's name of commit `sha`, when the repository has it (a shallow
/// clone may not).
fn author(repo: &git2::Repository, sha: &str) -> Option<String> {
    let commit = repo.find_commit(git2::Oid::from_str(sha).ok()?).ok()?;
    let name = commit.author().name()?.trim().to_string();
    (!name.is_empty()).then_some(name)
}

/// The summary's output: table or JSON, `$GITHUB_OUTPUT`, the step summary.
fn report(
    end: &Ending<'_>,
    results: &[TargetResult],
    lines: &[notify::Line],
) -> anyhow::Result<()> {
    let (command, env, format) = (end.command, end.env, end.format);
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
        // `notice`: each target's line of the run's message, for the
        // workflow's `report` job, which sends it (`ci report`).
        crate::output::append_github_output(&[
            ("ok", failed.is_empty().to_string()),
            ("failed", failed.join(",")),
            (
                "notice",
                serde_json::to_string(lines).expect("lines serialize"),
            ),
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
