//! `rollback.yml`: a manual rollback, the target and the environment chosen
//! by hand.
//!
//! One job per environment and target, `rollback-<env>-<target>`, so that each
//! holds exactly the concurrency group that target's deploy job holds
//! (`deploy-<env>-<target>`): a rollback waits for a deploy of its target
//! that is running, and the deploy of a run that was waiting (for an approval,
//! for the group) starts after the rollback and refuses to undo it
//! (`--planned-at`). `all` runs every target's job of the environment, ECS
//! services first, then static sites, as `rollback all` orders them; one
//! failing does not stop the others. (One job for `all` could hold only one
//! group, leaving the other targets' deploys free to interleave with it; the
//! price of a job per target is a notification per target instead of one.)
//!
//! Each job runs in its environment's GitHub environment with its role, and
//! only when the workflow runs from that environment's branch; on any other
//! branch `wrong-branch` fails saying why.

use std::fmt::Write;

use super::job::{self, Job};
use super::pipeline::{group, off_branch, on_branch, wrong_branch_job};
use super::steps::{aws_steps, header, q, webhook_secrets, EXEC_XTASK};
use super::{timeouts, Workflow};
use crate::config::{Config, Target, TargetKind};

pub fn rollback(config: &Config) -> Option<Workflow> {
    // ECS services first, then static sites; never terraform (a git revert).
    let targets: Vec<&Target> = [TargetKind::Ecs, TargetKind::StaticSite]
        .iter()
        .flat_map(|kind| config.targets.iter().filter(move |t| t.kind == *kind))
        .collect();
    if targets.is_empty() {
        return None;
    }
    // Environments without a branch (e.g. `local`) are not deployed from CI.
    let envs: Vec<(&String, &String)> = config
        .environments
        .iter()
        .filter_map(|(name, e)| e.branch.as_ref().map(|b| (name, b)))
        .collect();
    let mut out = String::new();
    header(&mut out);
    out.push_str(
        "name: 'rollback'
on:
  workflow_dispatch:
    inputs:
      target:
        description: 'What to roll back (all: every service; shared infrastructure is rolled back with git revert)'
        required: true
        type: choice
        options:
          - 'all'
",
    );
    for t in &targets {
        let _ = writeln!(out, "          - {}", q(&t.name));
    }
    out.push_str(
        "      env:
        description: 'The environment'
        required: true
        type: choice
        options:
",
    );
    for (e, _) in &envs {
        let _ = writeln!(out, "          - {}", q(e));
    }
    out.push_str("permissions:\n  contents: read\njobs:\n");
    // The environment chosen, on another branch than its own.
    let wrong: Vec<String> = envs
        .iter()
        .map(|(env, branch)| format!("(inputs.env == {} && {})", q(env), off_branch(branch)))
        .collect();
    wrong_branch_job(
        &mut out,
        &wrong.join(" || "),
        &[("ENVIRONMENT", "${{ inputs.env }}".to_string())],
        "a rollback of $ENVIRONMENT runs from its branch only (see deploy-$ENVIRONMENT.yml); this run is on $GITHUB_REF, so it rolls back nothing.",
    );
    for (env, branch) in &envs {
        let mut before: Option<String> = None;
        for target in &targets {
            let id = format!("rollback-{env}-{}", target.name);
            let chosen = format!(
                "inputs.env == {} && {} && (inputs.target == 'all' || inputs.target == {})",
                q(env),
                on_branch(branch),
                q(&target.name)
            );
            let mut head = Job::new(
                &id,
                format!("roll back {} in {env}", target.name),
                timeouts::deploy(target, env) + timeouts::BUILD,
            )
            .environment(env, None)
            .concurrency(group(env, &target.name))
            .permissions(job::AWS);
            // After the one before it in `all`'s order, whatever became of it.
            head = match &before {
                Some(prev) => head
                    .needs(std::slice::from_ref(prev))
                    .when(format!("${{{{ !cancelled() && {chosen} }}}}")),
                None => head.when(chosen),
            };
            head.render(&mut out);
            aws_steps(&mut out, config, env);
            out.push_str("      - name: rollback\n        env:\n");
            out.push_str("          GITHUB_TOKEN: ${{ github.token }}\n");
            webhook_secrets(&mut out, config, env);
            let _ = writeln!(
                out,
                "        run: {EXEC_XTASK} rollback {} {env}",
                target.name
            );
            before = Some(id);
        }
    }
    Some(Workflow {
        file_name: "rollback.yml".into(),
        contents: out,
    })
}
