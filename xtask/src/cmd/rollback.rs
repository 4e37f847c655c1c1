//! `cargo xtask rollback TARGET ENV`: put a target back on what ran before.
//! `all` rolls back every ECS and static-site target (API, then web), each with
//! its own lock and ledger record; shared infrastructure is rolled back by a
//! `git revert`, never by `all`.

use crate::config::TargetSettings;
use crate::context::{EnvContext, TargetResult};
use crate::error::BadInput;
use crate::flags::RollbackFlags;
use crate::output::Section;
use crate::workspace::Workspace;

pub async fn run(flags: &RollbackFlags) -> anyhow::Result<()> {
    let ws = Workspace::open(&flags.repo)?;
    ws.environment(&flags.env)?;
    let names: Vec<String> = if flags.target == "all" {
        ws.config
            .targets
            .iter()
            .filter(|t| !matches!(t.settings[&flags.env], TargetSettings::Terraform(_)))
            .map(|t| t.name.clone())
            .collect()
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
            Err(e) => return Err(e),
        };
        section.finish(&mut result);
        results.push(result);
    }
    if flags.target == "all" {
        println!("If shared infrastructure also needs rolling back: git revert -m 1 <commit-sha>, push, and let its deploy run (terraform, with approval).");
    }
    super::finish("rollback", &flags.env, &results)
}
