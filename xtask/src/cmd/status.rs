//! `cargo xtask status --env ENV`: what runs where now.

use serde::Serialize;

use crate::config::TargetSettings;
use crate::context::EnvContext;
use crate::flags::{Format, StatusFlags};
use crate::workspace::Workspace;

#[derive(Debug, Serialize)]
struct TargetStatus {
    target: String,
    kind: String,
    /// What runs: a task definition revision, a release.
    running: Option<String>,
    image: Option<String>,
    rollout_in_progress: Option<bool>,
    /// Who holds the deploy lock, if anyone.
    locked_by: Option<String>,
    error: Option<String>,
}

pub async fn run(flags: &StatusFlags) -> anyhow::Result<()> {
    let ws = Workspace::open(&flags.repo)?;
    let ctx = EnvContext::new(&ws, &flags.env).await?;
    let mut rows = Vec::new();
    for target in &ws.config.targets {
        let mut row = TargetStatus {
            target: target.name.clone(),
            kind: target.kind.to_string(),
            running: None,
            image: None,
            rollout_in_progress: None,
            locked_by: ctx
                .store
                .lock_holder(&target.name)
                .await?
                .map(|h| format!("{} since {}", h.who, h.acquired_at)),
            error: None,
        };
        if let TargetSettings::Ecs(ecs) = &target.settings[&flags.env] {
            let clients = api::Clients::new(&ctx.sdk);
            let ecs = crate::shared_outputs::fill(&ctx, &target.name, ecs).await;
            let status = match &ecs {
                Ok(ecs) => api::status(&clients.ecs, &crate::settings::ecs_service(ecs))
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(crate::error::one_line(e)),
            };
            match status {
                Ok(s) => {
                    row.running = Some(s.revision.short());
                    row.image = Some(s.image);
                    row.rollout_in_progress = Some(s.rollout_in_progress);
                }
                Err(e) => row.error = Some(e.to_string()),
            }
        }
        if let TargetSettings::StaticSite(_) = &target.settings[&flags.env] {
            // The live release: the last successful deploy or rollback put it there.
            let live = ctx
                .store
                .newest(&target.name, crate::state::ledger::live)
                .await?;
            row.running = Some(live.map_or_else(
                || "never deployed by xtask".to_string(),
                |r| {
                    let how = match r.action {
                        crate::state::ledger::Action::Deploy => "deploy",
                        crate::state::ledger::Action::Rollback => "rollback",
                    };
                    format!("release {} (by {how} at {})", r.deployed, r.finished_at)
                },
            ));
        }
        if let TargetSettings::Terraform(_) = &target.settings[&flags.env] {
            // The last apply, by the ledger (Terraform's state holds the rest).
            let applied = ctx
                .store
                .newest(&target.name, crate::state::ledger::last_deploy)
                .await?;
            row.running = Some(applied.map_or_else(
                || "never applied by xtask".to_string(),
                |r| {
                    format!(
                        "applied {} at {}",
                        &r.deployed[..r.deployed.len().min(10)],
                        r.finished_at
                    )
                },
            ));
        }
        rows.push(row);
    }
    if flags.format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    for r in &rows {
        let what = match (&r.running, &r.error) {
            (Some(rev), _) => format!(
                "{rev}  {}{}",
                r.image.as_deref().unwrap_or(""),
                if r.rollout_in_progress == Some(true) {
                    "  (rollout in progress)"
                } else {
                    ""
                }
            ),
            (None, Some(e)) => format!("error: {e}"),
            (None, None) => "(status not available for this kind yet)".into(),
        };
        let line = format!("{:<10} {:<12} {what}", r.target, r.kind);
        println!("{}", line.trim_end());
        if let Some(l) = &r.locked_by {
            println!("{:<10} locked by {l}", "");
        }
    }
    Ok(())
}
