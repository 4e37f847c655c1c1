//! `cargo xtask rollback TARGET ENV`: put a target back on what ran before.
//! `all` rolls back every ECS and static-site target (API, then web), each with
//! its own lock and ledger record; one failing does not stop the others, and
//! the summary and exit code say which failed. A terraform target is rolled back
//! by a `git revert` prepared on a new branch (`--commit`), never by `all`.

use crate::config::TargetKind;
use crate::context::EnvContext;
use crate::error::BadInput;
use crate::flags::RollbackFlags;
use crate::output::Section;
use crate::plan::{Plan, Selection};
use crate::targets::{self, TargetResult};
use crate::workspace::Workspace;

pub async fn run(flags: &RollbackFlags) -> anyhow::Result<()> {
    if flags.format == crate::flags::Format::Json {
        crate::output::keep_stdout_for_json();
    }
    let ws = Workspace::open(&flags.repo)?;
    ws.environment(&flags.env)?;
    let env = flags.env.as_str();
    let plan = plan(&ws, flags)?;
    if flags.to.is_some() && plan.targets.len() != 1 {
        return Err(BadInput::error(
            "--to: names a version of one target; it cannot go with `all`",
        ));
    }
    // A terraform target rolls back by a git revert: no AWS call, no lock.
    if let [target] = plan.targets.as_slice() {
        if target.kind == TargetKind::Terraform {
            let name = &target.name;
            if flags.to.is_some() {
                return Err(BadInput::error(format!("--to: {name} is a terraform target, rolled back by reverting a commit: pass --commit SHA")));
            }
            let opts = targets::terraform::RollbackOptions {
                commit: flags.commit.clone(),
                push: flags.push,
                dry_run: flags.dry_run,
            };
            let result = targets::terraform::rollback(&ws, name, env, &opts)?;
            return super::finish("rollback", env, &[result], flags.format);
        }
    }
    if flags.commit.is_some() || flags.push {
        return Err(BadInput::error(
            "--commit and --push: only for terraform targets, which are rolled back by a git revert",
        ));
    }
    let ctx = EnvContext::new(&ws, env).await?;
    let opts = targets::RollbackOptions {
        ecs: targets::ecs::RollbackOptions {
            to: flags.to.clone(),
            dry_run: flags.dry_run,
            force_unlock: flags.force_unlock,
            watch: super::watch_settings(&flags.watch),
        },
        site: targets::static_site::RollbackOptions {
            to: flags.to.clone(),
            site: targets::static_site::SiteOptions::from_flags(
                &flags.site,
                &flags.watch,
                flags.dry_run,
                flags.force_unlock,
            ),
        },
    };

    let several = plan.targets.len() > 1;
    let mut results = Vec::new();
    for mut target in plan.targets {
        let name = target.name.clone();
        let section = Section::start(format!("rollback {name} ({}) in {env}", target.kind));
        // With `all`, one target's failure must not stop the others.
        let result = match crate::plan::outputs::fill_one(&ctx, &mut target).await {
            Ok(()) => targets::rollback(&ctx, &target, &opts).await,
            Err(e) => Err(e),
        };
        let mut result = match result {
            Ok(r) => r,
            Err(e) if several => TargetResult::failed(&name, crate::error::one_line(&e)),
            Err(e) => return Err(super::fail_alone("rollback", env, &name, flags.format, e)),
        };
        section.finish(&mut result);
        results.push(result);
    }
    if flags.target == "all" {
        for t in ws
            .config
            .targets
            .iter()
            .filter(|t| t.kind == TargetKind::Terraform)
        {
            crate::output::detail(&format!(
                "{} (terraform) is never rolled back by `all`; if it needs it, prepare the git revert of the change: cargo xtask rollback {} {} --commit <merge-sha>\n",
                t.name, t.name, env
            ));
        }
    }
    super::finish("rollback", env, &results, flags.format)
}

/// The targets to roll back: the one named, or with `all` every ECS target
/// and then every static site (the seeds' rollback-all.sh: API, then web),
/// each group in run order; never terraform targets.
fn plan(ws: &Workspace, flags: &RollbackFlags) -> anyhow::Result<Plan> {
    let env = flags.env.as_str();
    let names: Vec<String> = if flags.target == "all" {
        let of_kind = |kind: TargetKind| {
            ws.config
                .targets
                .iter()
                .filter(move |t| t.kind == kind)
                .map(|t| t.name.clone())
        };
        let names: Vec<String> = of_kind(TargetKind::Ecs)
            .chain(of_kind(TargetKind::StaticSite))
            .collect();
        if names.is_empty() {
            return Err(BadInput::error(format!(
                "rollback all: {} has no ECS or static-site target to roll back",
                ws.config.file.display()
            )));
        }
        names
    } else {
        vec![flags.target.clone()]
    };
    let mut plan = Plan::for_env(&ws.config, &Selection::Named(names), ws.head_sha(), env)
        .map_err(|e| {
            BadInput::error(format!(
                "unknown target `{}` (expected `all` or one of: {})",
                e.name, e.known
            ))
        })?;
    // One at a time, API before web.
    plan.targets.sort_by_key(|t| match t.kind {
        TargetKind::Ecs => 0,
        TargetKind::StaticSite => 1,
        TargetKind::Terraform => 2,
    });
    Ok(plan)
}
