//! `cargo xtask rollback TARGET ENV`: put a target back on what ran before.
//! `all` rolls back every ECS and static-site target (API, then web), each with
//! its own lock and ledger record; one failing does not stop the others, and
//! the summary and exit code say which failed. A terraform target is rolled back
//! by a `git revert` prepared on a new branch (`--commit`), never by `all`.

use crate::config::{TargetKind, TargetSettings};
use crate::context::{EnvContext, TargetResult};
use crate::error::BadInput;
use crate::flags::RollbackFlags;
use crate::output::Section;
use crate::workspace::Workspace;

pub async fn run(flags: &RollbackFlags) -> anyhow::Result<()> {
    if flags.format == crate::flags::Format::Json {
        crate::output::keep_stdout_for_json();
    }
    let ws = Workspace::open(&flags.repo)?;
    ws.environment(&flags.env)?;
    let names: Vec<String> = if flags.target == "all" {
        // The seeds' rollback-all.sh: the API (ECS targets), then the web
        // (static sites); each group in run order. Never terraform targets.
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
            return Err(BadInput(format!(
                "rollback all: {} has no ECS or static-site target to roll back",
                ws.config.file.display()
            ))
            .into());
        }
        names
    } else {
        match ws.config.target(&flags.target) {
            Some(t) => vec![t.name.clone()],
            None => {
                return Err(BadInput(format!(
                    "unknown target `{}` (expected `all` or one of: {})",
                    flags.target,
                    ws.config
                        .targets
                        .iter()
                        .map(|t| t.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
                .into())
            }
        }
    };
    if flags.to.is_some() && names.len() != 1 {
        return Err(BadInput(
            "--to: names a version of one target; it cannot go with `all`".into(),
        )
        .into());
    }
    // A terraform target rolls back by a git revert: no AWS call, no lock.
    if let [name] = names.as_slice() {
        let target = ws.config.target(name).expect("checked above");
        if target.kind == TargetKind::Terraform {
            if flags.to.is_some() {
                return Err(BadInput(format!("--to: {name} is a terraform target, rolled back by reverting a commit: pass --commit SHA")).into());
            }
            let opts = crate::terraform::RollbackOptions {
                commit: flags.commit.clone(),
                push: flags.push,
                dry_run: flags.dry_run,
            };
            let result = crate::terraform::rollback(&ws, target, &flags.env, &opts)?;
            return super::finish("rollback", &flags.env, &[result], flags.format);
        }
    }
    if flags.commit.is_some() || flags.push {
        return Err(BadInput(
            "--commit and --push: only for terraform targets, which are rolled back by a git revert".into(),
        )
        .into());
    }
    let ctx = EnvContext::new(&ws, &flags.env).await?;
    let opts = crate::ecs::RollbackOptions {
        to: flags.to.clone(),
        dry_run: flags.dry_run,
        force_unlock: flags.force_unlock,
        watch: super::watch_settings(&flags.watch),
    };
    let site_opts = crate::static_site::RollbackOptions {
        to: flags.to.clone(),
        site: crate::static_site::SiteOptions::from_flags(
            &flags.site,
            &flags.watch,
            flags.dry_run,
            flags.force_unlock,
        ),
    };

    let mut results = Vec::new();
    for name in &names {
        let target = ws.config.target(name).expect("checked above");
        let section = Section::start(format!(
            "rollback {name} ({}) in {}",
            target.kind, flags.env
        ));
        // With `all`, one target's failure must not stop the others.
        let result = match &target.settings[&flags.env] {
            TargetSettings::Ecs(ecs) => crate::ecs::rollback(&ctx, target, ecs, &opts).await,
            TargetSettings::StaticSite(site) => {
                crate::static_site::rollback(&ctx, target, site, &site_opts).await
            }
            TargetSettings::Terraform(_) => Ok(TargetResult::failed(
                name,
                "shared infrastructure is rolled back with git: git revert -m 1 <merge-commit-sha>, push, and let the deploy run",
            )),
        };
        let mut result = match result {
            Ok(r) => r,
            Err(e) if names.len() > 1 => TargetResult::failed(name, crate::error::one_line(&e)),
            Err(e) => {
                return Err(super::fail_alone(
                    "rollback",
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
    if flags.target == "all" {
        for t in ws
            .config
            .targets
            .iter()
            .filter(|t| t.kind == TargetKind::Terraform)
        {
            crate::output::detail(&format!(
                "{} (terraform) is never rolled back by `all`; if it needs it, prepare the git revert of the change: cargo xtask rollback {} {} --commit <merge-sha>\n",
                t.name, t.name, flags.env
            ));
        }
    }
    super::finish("rollback", &flags.env, &results, flags.format)
}
