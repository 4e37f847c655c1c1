//! `cargo xtask status --env ENV`: what runs where now, and where it differs
//! from the ledger (drift): one line per difference, exit code 3 when any;
//! with `--notify`, drift is also one message through `[notify]` (the
//! scheduled drift check's alert reaches the team, not only the last editor
//! of the cron line).

use serde::Serialize;

use crate::config::TargetKind;
use crate::error::{BadInput, Drifted};
use crate::flags::{Format, StatusFlags};
use crate::plan::{Plan, Selection};
use crate::targets::drift::{Drift, Kept};
use crate::workspace::Workspace;

#[derive(Debug, Serialize)]
struct TargetStatus {
    target: String,
    kind: String,
    /// What runs: a task definition revision, a release.
    running: Option<String>,
    image: Option<String>,
    rollout_in_progress: Option<bool>,
    /// ECS: the deployment in progress, its strategy and lifecycle stage.
    #[serde(skip_serializing_if = "Option::is_none")]
    deployment: Option<String>,
    /// ECS: the running image's tag names other bytes in ECR now.
    #[serde(skip_serializing_if = "Option::is_none")]
    image_tag_moved: Option<String>,
    /// Who holds the deploy lock, if anyone.
    locked_by: Option<String>,
    error: Option<String>,
    /// Where what runs differs from the ledger; empty when it agrees.
    drift: Vec<Drift>,
    /// Static sites: files of earlier releases kept for the grace period, and
    /// when each goes (not drift).
    kept: Vec<Kept>,
}

/// Text output shows this many drifts per target (JSON all of them).
const SHOWN_PER_TARGET: usize = 20;

pub async fn run(flags: &StatusFlags) -> anyhow::Result<()> {
    let ws = Workspace::open(&flags.repo)?;
    let env = flags.env.as_str();
    ws.environment(env)?;
    let notify = match (flags.notify, ws.config.notify.get(env)) {
        (false, _) => None,
        (true, Some(n)) if !n.slack.is_empty() => Some(n.clone()),
        (true, _) => {
            return Err(BadInput::error(format!(
                "--notify: {} has no [notify] webhook for {env} (see [[notify.slack]] in docs/CONFIG.md)",
                ws.config.file_name()
            )))
        }
    };
    let ctx = ws.connect_checked(&flags.env).await?;
    let plan = Plan::for_env(&ws, &Selection::All, ctx.git_sha.clone(), &ctx.env)
        .map_err(BadInput::from)?;
    let mut rows = Vec::new();
    for mut target in plan.targets {
        let mut row = TargetStatus {
            target: target.name.clone(),
            kind: target.kind.to_string(),
            running: None,
            image: None,
            rollout_in_progress: None,
            deployment: None,
            image_tag_moved: None,
            locked_by: ctx
                .store
                .lock_holder(&target.name)
                .await?
                .map(|h| format!("{} since {}", h.who, h.acquired_at)),
            error: None,
            drift: Vec::new(),
            kept: Vec::new(),
        };
        let observed = match crate::plan::outputs::fill_one(&ctx, &mut target).await {
            Ok(()) => crate::targets::status(&ctx, &target).await,
            Err(e) => Err(e),
        };
        match observed {
            Ok(o) => {
                row.running = Some(o.running);
                row.image = o.image;
                row.rollout_in_progress = o.rollout_in_progress;
                row.deployment = o.deployment;
                row.drift = o.drift;
                row.image_tag_moved = o.image_tag_moved;
                row.kept = o.kept;
            }
            // A service that cannot be read is a row of its own; the others
            // read only the state bucket, which every row needs.
            Err(e) if target.kind == TargetKind::Ecs => {
                row.error = Some(crate::error::one_line(&e))
            }
            Err(e) => return Err(e),
        }
        rows.push(row);
    }
    if flags.format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        print_rows(&rows);
    }
    let drifted: Vec<&str> = rows
        .iter()
        .filter(|r| !r.drift.is_empty())
        .map(|r| r.target.as_str())
        .collect();
    if drifted.is_empty() {
        if notify.is_some() {
            eprintln!("notify: no drift in {env}: nothing sent");
        }
        return Ok(());
    }
    if let Some(notify) = &notify {
        let run = crate::notify::Run {
            command: "status".into(),
            env: env.to_string(),
            who: crate::state::who(),
            link: crate::notify::ci_run_link(),
            lines: drift_lines(&rows),
        };
        crate::notify::deliver(&run, notify, crate::notify::Mode::Send).await;
    }
    if crate::output::github_actions() {
        // One annotation per drift on the run's page (the scheduled check's alert).
        for r in &rows {
            for d in &r.drift {
                eprintln!(
                    "::warning title=drift in {env}: {}::{}",
                    r.target,
                    drift_line(&r.target, d)
                        .replace('%', "%25")
                        .replace('\n', "%0A")
                );
            }
        }
    }
    let count: usize = rows.iter().map(|r| r.drift.len()).sum();
    Err(Drifted(format!(
        "{count} {} in {env}: what runs differs from the ledger for {}",
        if count == 1 { "drift" } else { "drifts" },
        drifted.join(", ")
    ))
    .into())
}

/// `--notify`: one line per drifted target, saying what drifted.
fn drift_lines(rows: &[TargetStatus]) -> Vec<crate::notify::Line> {
    use crate::notify::{Line, Notice, Outcome};
    rows.iter()
        .filter(|r| !r.drift.is_empty())
        .map(|r| {
            let what: Vec<String> = r
                .drift
                .iter()
                .map(|d| match &d.since {
                    Some(since) => format!("{} (since {since}): {}", d.what, d.action),
                    None => format!("{}: {}", d.what, d.action),
                })
                .collect();
            let n = r.drift.len();
            Line {
                target: r.target.clone(),
                summary: format!(
                    "{n} {} from the ledger",
                    if n == 1 { "difference" } else { "differences" }
                ),
                seconds: None,
                notice: Notice::new(Outcome::Drifted).because(what.join("\n")),
            }
        })
        .collect()
}

fn print_rows(rows: &[TargetStatus]) {
    for r in rows {
        let what = match (&r.running, &r.error) {
            (Some(rev), _) => format!(
                "{rev}  {}{}",
                r.image.as_deref().unwrap_or(""),
                match (r.rollout_in_progress, &r.deployment) {
                    (Some(true), Some(d)) => format!("  (rollout in progress: {d})"),
                    (Some(true), None) => "  (rollout in progress)".into(),
                    _ => String::new(),
                }
            ),
            (None, Some(e)) => format!("error: {e}"),
            (None, None) => "(status not available for this kind yet)".into(),
        };
        let line = format!("{:<10} {:<12} {what}", r.target, r.kind);
        println!("{}", line.trim_end());
        if let Some(moved) = &r.image_tag_moved {
            println!("{:<10} warning: {moved}", "");
        }
        if let Some(l) = &r.locked_by {
            println!("{:<10} locked by {l}", "");
        }
        for k in r.kept.iter().take(SHOWN_PER_TARGET) {
            println!(
                "{:<10} kept for grace: {} (left the build {} ago; {})",
                r.target,
                k.key,
                match k.releases_since {
                    1 => "1 release".to_string(),
                    n => format!("{n} releases"),
                },
                k.goes
            );
        }
        if r.kept.len() > SHOWN_PER_TARGET {
            println!(
                "{:<10} kept for grace: and {} more (all of them: --format json)",
                r.target,
                r.kept.len() - SHOWN_PER_TARGET
            );
        }
        for d in r.drift.iter().take(SHOWN_PER_TARGET) {
            println!("{}", drift_line(&r.target, d));
        }
        if r.drift.len() > SHOWN_PER_TARGET {
            println!(
                "{:<10} DRIFT and {} more (all of them: --format json)",
                "",
                r.drift.len() - SHOWN_PER_TARGET
            );
        }
    }
}

/// One line: what differs, since when, what to do.
fn drift_line(target: &str, d: &Drift) -> String {
    let since = d
        .since
        .as_deref()
        .map(|s| format!(" (since {s})"))
        .unwrap_or_default();
    format!("{:<10} DRIFT {}{since}: {}", target, d.what, d.action)
}
