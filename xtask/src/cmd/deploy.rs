//! `cargo xtask deploy`: the plan's targets, wave by wave (a wave's targets at
//! the same time), each through the target pipeline. Between waves, the next
//! wave's `{TARGET.OUTPUT}`s are filled from the states the waves before left.
//! A target whose `after` failed is skipped. Before any of it, the ledger's
//! guards (`plan/guards.rs`): no target moved backwards, none deployed over a
//! rollback made after `--planned-at`.

use crate::flags::{DeployFlags, Format};
use crate::output::Section;
use crate::plan::{PlanRequest, PlannedTarget, Settings};
use crate::targets::{self, Run, TargetResult};
use crate::workspace::Workspace;

pub async fn run(flags: &DeployFlags) -> anyhow::Result<()> {
    if flags.format == Format::Json {
        crate::output::keep_stdout_for_json();
    }
    let ws = Workspace::open(&flags.repo)?;
    let ctx = ws.connect(&flags.env).await?;
    let chosen = flags.chosen()?;
    let env = ctx.env.clone();
    let request = PlanRequest {
        command: "deploy",
        chosen,
        change: &flags.change,
        ledger: Some(&ctx),
    };
    let plan = crate::plan::make(&ws, &request, Some(&env.name), |t| {
        Settings::resolve(&ws.config, t, &env, &ws.repo, &ws.root)
    })
    .await?;
    let ending = super::Ending {
        command: "deploy",
        ws: &ws,
        env: &env.name,
        format: flags.format,
        notify: super::Ending::notify_mode(flags.no_notify, flags.mode()),
    };
    if plan.targets.is_empty() {
        if flags.format == Format::Json {
            return super::finish(&ending, &[]).await;
        }
        println!(
            "nothing to deploy to {}: no target's paths changed",
            env.name
        );
        return Ok(());
    }
    ctx.require_state_bucket().await?;
    // The ledger's word on each target, before any lock: not backwards, and
    // not over a rollback made while this run waited.
    let names = plan.target_names();
    if let Some(planned) = &flags.planned_at {
        crate::plan::guards::not_rolled_back_since(&ctx, &names, planned).await?;
    }
    if let (Some(head), false) = (plan.head.as_deref(), flags.allow_rewind) {
        crate::plan::guards::no_rewind(&ws, &ctx, &names, head).await?;
    }
    // Outputs of stacks this run does not deploy: checked before anything runs.
    crate::plan::outputs::check_before(&ctx, &plan).await?;
    let opts = options(flags, plan.head.as_deref())?;

    let several = plan.targets.len() > 1;
    let mut results: Vec<TargetResult> = Vec::new();
    for mut wave in plan.into_waves() {
        let together = wave.len() > 1;
        if together {
            let names: Vec<&str> = wave.iter().map(|t| t.name.as_str()).collect();
            eprintln!("==> at the same time: {}", names.join(", "));
        }
        let mut runnable = Vec::new();
        for t in wave.drain(..) {
            match failed_dependency(&t, &results) {
                Some(failed) => results.push(TargetResult::skipped(
                    &t.name,
                    format!("skipped: {failed}, which it runs after, failed"),
                )),
                None => runnable.push(t),
            }
        }
        let filled = crate::plan::outputs::fill_wave(&ctx, &mut runnable).await;
        let (ctx, opts) = (&ctx, &opts);
        let runs = runnable
            .into_iter()
            .zip(filled)
            .map(|(t, filled)| async move {
                let section = Section::start_with(
                    format!("deploy {} ({}) to {}", t.name, t.kind, ctx.env.name),
                    !together,
                );
                let what = Run::Deploy {
                    opts,
                    alone: !together,
                };
                let result = super::run_target(ctx, &t, filled, what).await;
                (section, t.name, result)
            });
        for (section, name, result) in futures_util::future::join_all(runs).await {
            // One target's error does not stop targets that do not depend on
            // it; alone, it is the command's error (and keeps its exit code).
            let mut result = super::outcome(&ending, several, &name, result).await?;
            section.finish(&mut result);
            results.push(result);
        }
    }
    super::finish(&ending, &results).await
}

/// What every target's deploy takes from the flags; `head` names the image tag
/// when `--image-tag` does not.
fn options(flags: &DeployFlags, head: Option<&str>) -> anyhow::Result<targets::DeployOptions> {
    let image_tag = match (&flags.image_tag, head) {
        (Some(tag), _) => tag.clone(),
        (None, Some(head)) => head[..7].to_string(),
        (None, None) => {
            return Err(crate::error::BadInput::error(
                "--image-tag: required when the repository has no commit",
            ))
        }
    };
    Ok(targets::DeployOptions {
        mode: flags.mode(),
        ecs: targets::ecs::DeployOptions {
            image_tag,
            build_image: !flags.site.no_build,
            rollback_on_failure: !flags.no_rollback,
            watch: flags.watch.settings(),
        },
        site: flags.site.options(&flags.watch),
        terraform: targets::terraform::DeployOptions {
            approve: flags.approve,
            expect_plan: flags.expect_plan.clone(),
        },
        build: !flags.site.no_build,
    })
}

/// The target of `t`'s `after` that failed, if one did.
fn failed_dependency(t: &PlannedTarget, results: &[TargetResult]) -> Option<String> {
    t.after
        .iter()
        .find(|a| results.iter().any(|r| &r.target == *a && !r.ok))
        .cloned()
}
