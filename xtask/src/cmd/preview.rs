//! `cargo xtask preview up|down|list|sweep`: PR preview environments of a
//! static-site target, in the environment `project.preview_environment` names.
//!
//! `up` makes the infrastructure (web_deployer::preview) and then deploys the
//! build into it as an ordinary static-site deploy of a target named
//! `<target>-pr-<N>`, so a preview has its own lock, ledger and releases.

use std::time::{Duration, SystemTime};

use crate::config::TargetSettings;
use crate::context::EnvContext;
use crate::error::BadInput;
use crate::flags::{Format, PreviewAction, PreviewFlags, PreviewOne, RepoFlags};
use crate::plan::{Plan, PlannedTarget, Selection, Settings, SiteSettings};
use crate::workspace::Workspace;
use web_deployer::preview::{self, PreviewClients, PreviewSettings};

pub async fn run(flags: &PreviewFlags) -> anyhow::Result<()> {
    match &flags.action {
        PreviewAction::Up(f) => up(f).await,
        PreviewAction::Down(f) => down(f).await,
        PreviewAction::List(f) => list(&f.repo, f.format).await,
        PreviewAction::Sweep(f) => {
            sweep(&f.repo, f.target.as_deref(), f.older_than, f.dry_run).await
        }
    }
}

/// The preview environment, and the static-site target previews are made of
/// with its settings there (`{TARGET.OUTPUT}` not yet filled: see [`filled`]).
fn preview_target(ws: &Workspace, name: Option<&str>) -> anyhow::Result<(String, PlannedTarget)> {
    let env = ws.config.project.preview_environment.clone().ok_or_else(|| {
        BadInput(format!(
            "{}: project.preview_environment is not set; name the environment previews run in (e.g. \"staging\")",
            ws.config.file.display()
        ))
    })?;
    let candidates: Vec<&str> = ws
        .config
        .targets
        .iter()
        .filter(|t| name.is_none_or(|n| n == t.name))
        .filter(|t| {
            matches!(&t.settings[&env], TargetSettings::StaticSite(s) if s.preview_bucket.is_some())
        })
        .map(|t| t.name.as_str())
        .collect();
    let chosen = match (candidates.as_slice(), name) {
        ([one], _) => one.to_string(),
        ([], Some(n)) => {
            return Err(BadInput::error(format!(
                "--target {n}: not a static-site target with preview_bucket"
            )))
        }
        ([], None) => {
            return Err(BadInput::error(format!(
                "{}: no static-site target has preview_bucket",
                ws.config.file.display()
            )))
        }
        (_, _) => {
            return Err(BadInput::error(
                "several static-site targets have previews: pass --target",
            ))
        }
    };
    let plan = Plan::for_env(
        ws,
        &Selection::Named(vec![chosen]),
        ws.head_sha(),
        &ws.environment(&env)?,
    )
    .map_err(BadInput::from)?;
    let target = plan
        .targets
        .into_iter()
        .next()
        .ok_or_else(|| BadInput(format!("{}: no preview target", ws.config.file.display())))?;
    Ok((env, target))
}

/// The preview target's site settings, `{TARGET.OUTPUT}`s (e.g. the hosted
/// zone, from the shared stack) filled.
async fn filled(ctx: &EnvContext, mut target: PlannedTarget) -> anyhow::Result<SiteSettings> {
    crate::plan::outputs::fill_one(ctx, &mut target).await?;
    match target.settings {
        Settings::StaticSite(site) => Ok(site),
        _ => Err(BadInput::error(format!(
            "{}: not a static-site target",
            target.name
        ))),
    }
}

fn settings(
    ws: &Workspace,
    ctx: &EnvContext,
    site: &SiteSettings,
    pr: u64,
) -> Result<PreviewSettings, BadInput> {
    let env = &ctx.env.name;
    let preview = &site.preview;
    let fill = |s: &str| s.replace("{pr}", &pr.to_string());
    let bucket = fill(preview.bucket.as_deref().ok_or_else(|| {
        BadInput(format!(
            "{}: preview_bucket is not set for {env}",
            ws.config.file.display()
        ))
    })?);
    preview::check_bucket_name(&bucket).map_err(|e| {
        BadInput(format!(
            "{e} (check preview_bucket in {})",
            ws.config.file_name()
        ))
    })?;
    let domain = preview.domain.as_deref().map(fill);
    if let Some(d) = &domain {
        crate::config::rules::dns_name(d).map_err(|m| {
            BadInput(format!(
                "preview_domain {d:?} for --pr {pr}: {m} (check preview_domain in {})",
                ws.config.file_name()
            ))
        })?;
    }
    Ok(PreviewSettings {
        pr,
        project: ws.config.project.name.clone(),
        bucket,
        region: ctx.env.region.clone(),
        domain,
        hosted_zone_id: preview.zone_id.clone(),
        certificate_arn: preview.certificate_arn.clone(),
    })
}

async fn up(f: &PreviewOne) -> anyhow::Result<()> {
    let pr = f.pr;
    let ws = Workspace::open(&f.repo)?;
    let (env, target) = preview_target(&ws, f.target.as_deref())?;
    let ctx = ws.connect_checked(&env).await?;
    let name = target.name.clone();
    let site = filled(&ctx, target.clone()).await?;
    let settings = settings(&ws, &ctx, &site, pr)?;

    let clients = PreviewClients::new(&ctx.sdk);
    let report = preview::up(&clients, &settings)
        .await
        .map_err(|e| explain(&ctx, e))?;
    for c in &report.changed {
        eprintln!("preview pr-{pr}: created or updated {c}");
    }
    if report.changed.is_empty() {
        eprintln!("preview pr-{pr}: infrastructure in place");
    }

    // The content: built with the preview environment's variables, then an
    // ordinary deploy into the preview's bucket, as a target of its own.
    if let (Some(build), false) = (&site.build, f.site.no_build) {
        crate::build::run(&name, build).await?;
    }
    let preview = PlannedTarget {
        name: format!("{name}-pr-{pr}"),
        settings: Settings::StaticSite(preview_site(site, &settings, &report)),
        ..target
    };
    let opts = crate::targets::DeployOptions::site_only(crate::targets::static_site::SiteOptions {
        concurrency: f.site.concurrency,
        max_deletes: f.site.max_deletes,
        wait: None,
        progress_bar: true,
    });
    let what = crate::targets::Run::Deploy {
        opts: &opts,
        alone: true,
    };
    let result = super::run_target(&ctx, &preview, Ok(()), what).await?;
    println!("preview pr-{pr}: {}", result.summary);
    println!("preview pr-{pr}: {}", report.url);
    if f.format == Format::Github {
        crate::output::append_github_output(&[("url", report.url.clone())])?;
    }
    if !result.ok {
        anyhow::bail!("preview pr-{pr}: the deploy failed: {}", result.summary);
    }
    Ok(())
}

async fn down(f: &crate::flags::PreviewDown) -> anyhow::Result<()> {
    let pr = f.pr;
    let ws = Workspace::open(&f.repo)?;
    let (env, target) = preview_target(&ws, f.target.as_deref())?;
    let ctx = ws.connect_checked(&env).await?;
    let site = filled(&ctx, target).await?;
    let settings = settings(&ws, &ctx, &site, pr)?;
    if f.dry_run {
        let would = preview::down_dry_run(&PreviewClients::new(&ctx.sdk), &settings)
            .await
            .map_err(|e| explain(&ctx, e))?;
        if would.is_empty() {
            println!("preview pr-{pr}: dry run: nothing to remove");
        }
        for w in &would {
            println!("preview pr-{pr}: dry run: would remove {w}");
        }
        return Ok(());
    }
    let report = preview::down(&PreviewClients::new(&ctx.sdk), &settings)
        .await
        .map_err(|e| {
            explain(&ctx, e).context(format!(
                "preview pr-{pr}: down stopped before it finished (what it removed stays removed): run it again"
            ))
        })?;
    if report.removed.is_empty() && report.pending.is_empty() {
        println!(
            "preview pr-{pr}: nothing to remove (there is no such preview, or it is gone already)"
        );
    }
    for r in &report.removed {
        println!("preview pr-{pr}: removed {r}");
    }
    for p in &report.pending {
        println!("preview pr-{pr}: {p}");
    }
    Ok(())
}

async fn list(repo: &RepoFlags, format: Format) -> anyhow::Result<()> {
    let ws = Workspace::open(repo)?;
    let (env, _) = preview_target(&ws, None)?;
    let ctx = ws.connect_checked(&env).await?;
    let previews = preview::list(&PreviewClients::new(&ctx.sdk), &ws.config.project.name).await?;
    if format == Format::Json {
        let rows: Vec<serde_json::Value> = previews
            .iter()
            .map(|p| {
                serde_json::json!({
                    "pr": p.pr, "distribution": p.distribution_id, "url": format!("https://{}", p.domain),
                    "status": p.status, "enabled": p.enabled, "pending_delete": p.pending_delete,
                    "age_days": age(p.last_modified).map(|d| d.as_secs() / 86_400),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    if previews.is_empty() {
        println!("no previews");
    }
    for p in &previews {
        let state = if p.pending_delete {
            "down, waiting for sweep".to_string()
        } else if p.enabled {
            p.status.to_lowercase()
        } else {
            "disabled".into()
        };
        let age = age(p.last_modified).map_or_else(
            || "?".into(),
            |d| {
                humantime::format_duration(Duration::from_secs(d.as_secs() / 3600 * 3600))
                    .to_string()
            },
        );
        println!(
            "pr-{:<6} https://{:<40} {state:<24} changed {age} ago",
            p.pr, p.domain
        );
    }
    Ok(())
}

async fn sweep(
    repo: &RepoFlags,
    target: Option<&str>,
    older_than: Option<u64>,
    dry_run: bool,
) -> anyhow::Result<()> {
    let ws = Workspace::open(repo)?;
    let (env, target) = preview_target(&ws, target)?;
    let ctx = ws.connect_checked(&env).await?;
    let clients = PreviewClients::new(&ctx.sdk);
    if dry_run {
        return sweep_dry_run(&clients, &ws.config.project.name, older_than).await;
    }
    if let Some(days) = older_than {
        let site = filled(&ctx, target).await?;
        for p in preview::list(&clients, &ws.config.project.name).await? {
            let old = age(p.last_modified).is_some_and(|a| a >= Duration::from_secs(days * 86_400));
            if old && p.enabled {
                let report = preview::down(&clients, &settings(&ws, &ctx, &site, p.pr)?).await?;
                println!(
                    "pr-{}: taken down (unchanged for over {days} days): {}",
                    p.pr,
                    report.removed.join(", ")
                );
                for left in &report.pending {
                    println!("pr-{}: {left}", p.pr);
                }
            }
        }
    }
    let swept = preview::sweep(&clients, &ws.config.project.name).await?;
    for d in &swept.deleted {
        println!("deleted distribution {d}");
    }
    for w in &swept.waiting {
        println!("distribution {w} is still being disabled by CloudFront; sweep again later");
    }
    for l in &swept.left {
        println!("{l}");
    }
    if swept.deleted.is_empty() && swept.waiting.is_empty() {
        println!("nothing to sweep");
    }
    Ok(())
}

/// What `sweep` would do, from the previews' tags and CloudFront's states.
async fn sweep_dry_run(
    clients: &PreviewClients,
    project: &str,
    older_than: Option<u64>,
) -> anyhow::Result<()> {
    let mut any = false;
    for p in preview::list(clients, project).await? {
        let days = age(p.last_modified).map(|a| a.as_secs() / 86_400);
        if p.pending_delete {
            any = true;
            if p.status == "Deployed" && !p.enabled {
                println!(
                    "dry run: would delete distribution {} (pr-{})",
                    p.distribution_id, p.pr
                );
            } else {
                println!(
                    "dry run: distribution {} (pr-{}) is still being disabled; a sweep would wait",
                    p.distribution_id, p.pr
                );
            }
        } else if let (Some(limit), Some(days)) = (older_than, days) {
            if p.enabled && days >= limit {
                any = true;
                println!(
                    "dry run: would take down pr-{} (unchanged for {days} days): its DNS record, bucket and distribution",
                    p.pr
                );
            }
        }
    }
    if !any {
        println!("dry run: nothing to sweep");
    }
    Ok(())
}

fn age(at: Option<SystemTime>) -> Option<Duration> {
    SystemTime::now().duration_since(at?).ok()
}

/// The site a preview deploys: the target's build into the preview's bucket
/// behind its own distribution; built already, and verified by nothing (the
/// target's checks are of its environment, not of the preview).
fn preview_site(
    site: SiteSettings,
    settings: &PreviewSettings,
    made: &preview::PreviewReport,
) -> SiteSettings {
    SiteSettings {
        site: web_deployer::SiteSettings {
            bucket: settings.bucket.clone(),
            distribution_id: Some(made.distribution_id.clone()),
            ..site.site
        },
        build: None,
        verify: None,
        ..site
    }
}

/// A preview error; bad input stays bad input.
fn explain(ctx: &EnvContext, e: preview::PreviewError) -> anyhow::Error {
    if let preview::PreviewError::WrongRegion { region, .. } = &e {
        return BadInput(format!(
            "{e}; environment {env} (project.preview_environment) uses {here}: set region = \"{region}\" under [environments.{env}] in {file}, or check preview_bucket there",
            env = ctx.env.name,
            here = ctx.env.region,
            file = ctx.config_file,
        ))
        .into();
    }
    if e.is_bad_input() {
        BadInput(format!("{e} (check preview_bucket in {})", ctx.config_file)).into()
    } else {
        anyhow::Error::new(e)
    }
}
