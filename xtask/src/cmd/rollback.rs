//! `cargo xtask rollback TARGET ENV`: put a target back on what ran before.
//! `all` rolls back every ECS and static-site target (API, then web), each with
//! its own lock and ledger record; one failing does not stop the others, and
//! the summary and exit code say which failed. A terraform target is rolled back
//! by a `git revert` prepared on a new branch (`--commit`), never by `all`.

use crate::config::{Env, TargetKind};
use crate::error::BadInput;
use crate::flags::{Format, RollbackFlags, RollbackTarget};
use crate::output::Section;
use crate::plan::{Plan, Selection, Settings};
use crate::targets::{self, Run};
use crate::workspace::Workspace;

pub async fn run(flags: &RollbackFlags) -> anyhow::Result<()> {
    if flags.format == Format::Json {
        crate::output::keep_stdout_for_json();
    }
    let ws = Workspace::open(&flags.repo)?;
    let ctx = ws.connect(&flags.env).await?;
    let env = ctx.env.name.clone();
    let plan = plan(&ws, &ctx.env, &flags.target)?;
    check_flags(flags, &plan)?;
    // A terraform target rolls back by a git revert: no AWS call.
    let git_only = plan.targets.iter().all(|t| t.kind == TargetKind::Terraform);
    if !git_only {
        ctx.require_state_bucket().await?;
    }
    let opts = options(&ws, flags);
    let ending = super::Ending {
        command: "rollback",
        ws: &ws,
        env: &env,
        format: flags.format,
        notify: super::Ending::notify_mode(flags.no_notify, flags.mode()),
    };

    let several = plan.targets.len() > 1;
    let mut results = Vec::new();
    for mut target in plan.targets {
        let name = target.name.clone();
        let section = Section::start(format!("rollback {name} ({}) in {env}", target.kind));
        // With `all`, one target's failure must not stop the others.
        let filled = match target.kind {
            TargetKind::Terraform => Ok(()),
            _ => crate::plan::outputs::fill_one(&ctx, &mut target).await,
        };
        let result = super::run_target(&ctx, &target, filled, Run::Rollback(&opts)).await;
        let mut result = super::outcome(&ending, several, &name, result).await?;
        if let Some(revert) = &result.revert {
            crate::output::detail(&crate::revert::hint(&ws.repo, &ctx.env, &name, revert));
        }
        section.finish(&mut result);
        results.push(result);
    }
    if flags.target == RollbackTarget::All {
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
    super::finish(&ending, &results).await
}

/// Flags that only some kinds take, refused before anything runs.
fn check_flags(flags: &RollbackFlags, plan: &Plan) -> Result<(), BadInput> {
    if flags.to.is_some() && plan.targets.len() != 1 {
        return Err(BadInput(
            "--to: names a version of one target; it cannot go with `all`".into(),
        ));
    }
    match plan.targets.as_slice() {
        [target] if target.kind == TargetKind::Terraform => match &flags.to {
            Some(_) => Err(BadInput(format!("--to: {} is a terraform target, rolled back by reverting a commit: pass --commit SHA", target.name))),
            None => Ok(()),
        },
        _ if flags.commit.is_some() || flags.push => Err(BadInput(
            "--commit and --push: only for terraform targets, which are rolled back by a git revert".into(),
        )),
        _ => Ok(()),
    }
}

fn options(ws: &Workspace, flags: &RollbackFlags) -> targets::RollbackOptions {
    targets::RollbackOptions {
        mode: flags.mode(),
        ecs: targets::ecs::RollbackOptions {
            to: flags.to.clone(),
            watch: flags.watch.settings(),
        },
        site: targets::static_site::RollbackOptions {
            to: flags.to.clone(),
            site: flags.site.options(&flags.watch),
        },
        terraform: targets::terraform::RollbackOptions {
            commit: flags.commit.clone(),
            push: flags.push,
            repo_root: ws.root.clone(),
            paths: ws
                .config
                .targets
                .iter()
                .map(|t| (t.name.clone(), t.paths.clone()))
                .collect(),
        },
    }
}

/// The targets to roll back: the one named, or with `all` every ECS target
/// and then every static site (the seeds' rollback-all.sh: API, then web),
/// each group in run order; never terraform targets.
fn plan(ws: &Workspace, env: &Env, target: &RollbackTarget) -> anyhow::Result<Plan> {
    let names: Vec<String> = match target {
        RollbackTarget::All => {
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
        }
        RollbackTarget::One(name) => vec![name.clone()],
    };
    let mut plan =
        Plan::for_env(ws, &Selection::Named(names), ws.head_sha(), env).map_err(|e| {
            BadInput::error(format!(
                "unknown target `{}` (expected `all` or one of: {})",
                e.name, e.known
            ))
        })?;
    // One at a time, API before web.
    plan.targets.sort_by_key(|t| match t.settings {
        Settings::Ecs(_) => 0,
        Settings::StaticSite(_) => 1,
        Settings::Terraform(_) => 2,
    });
    Ok(plan)
}
