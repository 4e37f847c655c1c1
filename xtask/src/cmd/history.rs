//! `cargo xtask history TARGET ENV`: the deploy ledger, newest first; and
//! `history --env ENV`: every target's, as a list, JSON, or the timeline (a
//! self-contained HTML page, or Markdown for a step summary).

use std::path::PathBuf;

use anyhow::Context;

use crate::config::TargetKind;
use crate::error::BadInput;
use crate::flags::{HistoryFlags, HistoryFormat};
use crate::history::{Lane, Timeline};
use crate::state::ledger::Record;
use crate::state::policy;
use crate::workspace::Workspace;

pub async fn run(flags: &HistoryFlags) -> anyhow::Result<()> {
    let ws = Workspace::open(&flags.repo)?;
    if let Some(target) = &flags.target {
        if ws.config.target(target).is_none() {
            return Err(BadInput(format!("unknown target `{target}`")).into());
        }
    }
    let Some(env) = flags.environment() else {
        return Err(BadInput::error(
            "history: name a target and an environment (`history TARGET ENV`), or --env ENV for every target",
        ));
    };
    let timeline = matches!(flags.format, HistoryFormat::Html | HistoryFormat::Markdown);
    if flags.env.is_none() && !timeline {
        let target = flags.target.as_deref().expect("ENV comes after TARGET");
        return one_target(&ws, target, env, flags).await;
    }
    let ctx = ws.connect_checked(env).await?;
    let limit = flags.limit.unwrap_or(if timeline { 200 } else { 20 });
    let mut lanes = Vec::new();
    for target in &ws.config.targets {
        if flags.target.as_ref().is_some_and(|t| *t != target.name) {
            continue;
        }
        let mut records = ctx
            .store
            .history_until(&target.name, |read| read.len() >= limit)
            .await?;
        records.truncate(limit);
        let live = match target.kind {
            TargetKind::Terraform => policy::last_deploy(&records),
            TargetKind::Ecs | TargetKind::StaticSite => policy::live(&records),
        }
        .map(|r| r.id.clone());
        lanes.push(Lane {
            target: target.name.clone(),
            kind: target.kind.to_string(),
            records,
            live,
        });
    }
    let timeline = Timeline {
        project: ws.config.project.name.clone(),
        env: env.to_string(),
        generated_at: crate::state::now_rfc3339(),
        lanes,
    };
    match flags.format {
        HistoryFormat::Html => {
            let out = flags
                .out
                .clone()
                .unwrap_or_else(|| PathBuf::from(format!("history-{env}.html")));
            write(
                &out,
                &crate::history::html::render(&timeline),
                &timeline,
                "page",
            )
        }
        HistoryFormat::Markdown => {
            let text = crate::history::markdown::render(&timeline);
            match &flags.out {
                Some(out) => write(out, &text, &timeline, "Markdown"),
                None => {
                    print!("{text}");
                    Ok(())
                }
            }
        }
        HistoryFormat::Json => {
            let lanes: Vec<serde_json::Value> = timeline
                .lanes
                .iter()
                .map(|l| {
                    serde_json::json!({
                        "target": l.target,
                        "kind": l.kind,
                        "live": l.live,
                        "records": l.records,
                    })
                })
                .collect();
            let doc = serde_json::json!({"env": env, "targets": lanes});
            println!("{}", serde_json::to_string_pretty(&doc)?);
            Ok(())
        }
        HistoryFormat::Text | HistoryFormat::Github => {
            for lane in &timeline.lanes {
                println!("{} ({}):", lane.target, lane.kind);
                if lane.records.is_empty() {
                    println!("  no deploys of {} in {env} yet", lane.target);
                }
                for r in &lane.records {
                    print_record(r);
                }
            }
            Ok(())
        }
    }
}

/// Writes the timeline to `out` (`-`: stdout) and says where it is.
fn write(out: &PathBuf, text: &str, t: &Timeline, what: &str) -> anyhow::Result<()> {
    if out.as_os_str() == "-" {
        print!("{text}");
        return Ok(());
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("--out {}: creating its folder", out.display()))?;
    }
    std::fs::write(out, text).with_context(|| format!("--out {}: writing", out.display()))?;
    let shown = std::fs::canonicalize(out).unwrap_or_else(|_| out.clone());
    println!(
        "wrote the timeline {what} of {} ({} records, {} targets): {}",
        t.env,
        t.record_count(),
        t.lanes.len(),
        shown.display()
    );
    Ok(())
}

/// The ledger of one target, as it has always been listed.
async fn one_target(
    ws: &Workspace,
    target: &str,
    env: &str,
    flags: &HistoryFlags,
) -> anyhow::Result<()> {
    let ctx = ws.connect_checked(env).await?;
    let limit = flags.limit.unwrap_or(20);
    let mut records = ctx
        .store
        .history_until(target, |read| read.len() >= limit)
        .await?;
    records.truncate(limit);
    if flags.format == HistoryFormat::Json {
        println!("{}", serde_json::to_string_pretty(&records)?);
        return Ok(());
    }
    if records.is_empty() {
        println!("no deploys of {target} in {env} yet");
        return Ok(());
    }
    for r in &records {
        print_record(r);
    }
    Ok(())
}

fn print_record(r: &Record) {
    let sha = r.git_sha.as_deref().map_or("-", |s| &s[..s.len().min(7)]);
    println!(
        "{}  {:<8} {:<9} {:<28} replaced {:<28} git {}  by {}",
        r.started_at,
        format!("{:?}", r.action).to_lowercase(),
        format!("{:?}", r.outcome).to_lowercase(),
        short_name(&r.deployed),
        short_name(r.replaced.as_deref().unwrap_or("-")),
        sha,
        r.who
    );
    if !r.message.is_empty() {
        println!("    {}", r.message);
    }
    if let Some(rollout) = &r.checks.rollout {
        println!("    rollout: {}", rollout.describe());
    }
}

/// `family:rev` of an ARN; other ids as they are.
fn short_name(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}
