//! `cargo xtask deploy`: the plan's targets, in order, each under its lock and
//! recorded in the ledger. A target whose `after` failed is skipped.

use crate::config::TargetSettings;
use crate::context::{EnvContext, TargetResult};
use crate::flags::DeployFlags;
use crate::output::Section;
use crate::workspace::Workspace;

pub async fn run(flags: &DeployFlags) -> anyhow::Result<()> {
    if flags.format == crate::flags::Format::Json {
        crate::output::keep_stdout_for_json();
    }
    let ws = Workspace::open(&flags.repo)?;
    ws.environment(&flags.env)?;
    let plan = super::plan::make_plan(
        &ws,
        "deploy",
        &flags.targets,
        flags.changed,
        flags.all,
        &flags.change,
        Some(&flags.env),
    )?;
    if plan.targets.is_empty() {
        if flags.format == crate::flags::Format::Json {
            return super::finish("deploy", &flags.env, &[], flags.format);
        }
        println!(
            "nothing to deploy to {}: no target's paths changed",
            flags.env
        );
        return Ok(());
    }
    let ctx = EnvContext::new(&ws, &flags.env).await?;
    let image_tag = match (&flags.image_tag, &plan.head) {
        (Some(tag), _) => tag.clone(),
        (None, Some(head)) => head[..7].to_string(),
        (None, None) => {
            return Err(crate::error::BadInput(
                "--image-tag: required when the repository has no commit".into(),
            )
            .into())
        }
    };
    let ecs_opts = crate::ecs::DeployOptions {
        image_tag,
        build_image: !flags.site.no_build,
        dry_run: flags.dry_run,
        rollback_on_failure: !flags.no_rollback,
        force_unlock: flags.force_unlock,
        watch: super::watch_settings(&flags.watch),
    };
    let site_opts = crate::static_site::SiteOptions::from_flags(
        &flags.site,
        &flags.watch,
        flags.dry_run,
        flags.force_unlock,
    );
    let terraform_opts = crate::terraform::DeployOptions {
        dry_run: flags.dry_run,
        approve: flags.approve,
        expect_plan: flags.expect_plan.clone(),
        force_unlock: flags.force_unlock,
    };

    // Wave by wave: each target in the first wave after every target it runs
    // `after`; the targets of one wave deploy at the same time.
    let several = plan.targets.len() > 1;
    let mut results: Vec<TargetResult> = Vec::new();
    for wave in waves(&plan.targets) {
        let together = wave.len() > 1;
        if together {
            let names: Vec<&str> = wave.iter().map(|t| t.name.as_str()).collect();
            eprintln!("==> at the same time: {}", names.join(", "));
        }
        let mut runs = Vec::new();
        for planned in wave {
            let name = planned.name.as_str();
            if let Some(failed) = planned
                .after
                .iter()
                .find(|a| results.iter().any(|r| &r.target == *a && !r.ok))
            {
                results.push(TargetResult::failed(
                    name,
                    format!("skipped: {failed}, which it runs after, failed"),
                ));
                continue;
            }
            let target = ws
                .config
                .target(name)
                .expect("planned targets are configured");
            let site_opts = crate::static_site::SiteOptions {
                progress_bar: !together,
                ..site_opts.clone()
            };
            let opts = Options {
                env: &flags.env,
                no_build: flags.site.no_build,
                ecs: &ecs_opts,
                site: site_opts,
                terraform: &terraform_opts,
            };
            let ctx = &ctx;
            runs.push(async move {
                let section = Section::start_with(
                    format!("deploy {name} ({}) to {}", target.kind, opts.env),
                    !together,
                );
                (section, name, deploy_target(ctx, target, &opts).await)
            });
        }
        for (section, name, result) in futures_util::future::join_all(runs).await {
            // One target's error does not stop targets that do not depend on
            // it; alone, it is the command's error (and keeps its exit code).
            let mut result = match result {
                Ok(r) => r,
                Err(e) if several => TargetResult::failed(name, crate::error::one_line(&e)),
                Err(e) => {
                    return Err(super::fail_alone(
                        "deploy",
                        &flags.env,
                        name,
                        flags.format,
                        e,
                    ))
                }
            };
            section.finish(&mut result);
            results.push(result);
        }
    }
    super::finish("deploy", &flags.env, &results, flags.format)
}

/// The plan's targets in waves: a target goes in the first wave after every
/// target of the plan it runs `after` (the plan lists them in run order).
fn waves(targets: &[crate::plan::PlannedTarget]) -> Vec<Vec<&crate::plan::PlannedTarget>> {
    let mut wave_of: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut waves: Vec<Vec<&crate::plan::PlannedTarget>> = Vec::new();
    for t in targets {
        let wave = t
            .after
            .iter()
            .filter_map(|a| wave_of.get(a.as_str()))
            .map(|w| w + 1)
            .max()
            .unwrap_or(0);
        wave_of.insert(&t.name, wave);
        if waves.len() <= wave {
            waves.resize_with(wave + 1, Vec::new);
        }
        waves[wave].push(t);
    }
    waves
}

/// What every target's deploy takes from the flags.
struct Options<'a> {
    env: &'a str,
    no_build: bool,
    ecs: &'a crate::ecs::DeployOptions,
    site: crate::static_site::SiteOptions,
    terraform: &'a crate::terraform::DeployOptions,
}

/// One target's deploy, by its kind; a static site with a `build` is built first.
async fn deploy_target(
    ctx: &EnvContext<'_>,
    target: &crate::config::Target,
    opts: &Options<'_>,
) -> anyhow::Result<TargetResult> {
    match &target.settings[opts.env] {
        TargetSettings::Ecs(ecs) => crate::ecs::deploy(ctx, target, ecs, opts.ecs).await,
        TargetSettings::StaticSite(site) => {
            if let (Some(build), false) = (&site.build, opts.no_build) {
                crate::build::run(&target.name, &ctx.ws.root, build, &site.build_env).await?;
            }
            crate::static_site::deploy(ctx, target, site, &opts.site).await
        }
        TargetSettings::Terraform(tf) => {
            crate::terraform::deploy(ctx, target, tf, opts.terraform).await
        }
    }
}
