//! The scheduled drift check: once a day, per environment with a branch,
//! `cargo xtask status --env ENV --notify` from that branch, with read-only
//! credentials. It exits 3 when what runs differs from the ledger, which fails
//! the job (each drift is also a `::warning::` annotation); and it sends the
//! drift through `[notify]`, with the webhooks the deploy's report job has:
//! GitHub's own failed-run email of a scheduled workflow reaches only the user
//! who last edited its cron line.

use std::fmt::Write;

use super::job::{self, Job};
use super::steps::{cached_xtask, q, scheduled_head, webhook_secrets, EXEC_XTASK};
use super::{timeouts, Workflow, AWS_CREDENTIALS, CHECKOUT};
use crate::config::Config;

/// When it runs: daily, at a minute off the hour (GitHub delays the full hours).
pub const SCHEDULE: &str = "17 6 * * *";

/// The GitHub variable holding the read-only role when deploy.toml names none.
pub const READONLY_ROLE_VAR: &str = "AWS_READONLY_ROLE_ARN";

/// `None` when no environment has a branch.
pub fn drift(config: &Config) -> Option<Workflow> {
    let envs: Vec<(&String, &String)> = config
        .environments
        .iter()
        .filter_map(|(name, e)| e.branch.as_ref().map(|b| (name, b)))
        .collect();
    if envs.is_empty() {
        return None;
    }
    let mut out = String::new();
    scheduled_head(&mut out, "drift", SCHEDULE, "drift", true);
    for (env, branch) in envs {
        let environment = &config.environments[env];
        let role = environment
            .aws_readonly_role_arn
            .as_deref()
            .map_or_else(|| format!("${{{{ vars.{READONLY_ROLE_VAR} }}}}"), q);
        Job::new(
            format!("drift-{env}"),
            format!("drift in {env}"),
            timeouts::SHORT + timeouts::BUILD,
        )
        .environment(env, None)
        .permissions(job::AWS)
        .render(&mut out);
        let _ = write!(
            out,
            "      - uses: {CHECKOUT}
        with:
          ref: {}
          persist-credentials: false
",
            q(branch),
        );
        cached_xtask(&mut out, config);
        let _ = write!(
            out,
            "      - uses: {AWS_CREDENTIALS}
        with:
          role-to-assume: {role}
          aws-region: {}
      - name: status
",
            q(&super::steps::region(config, env)),
        );
        let notify = config
            .notify
            .get(env.as_str())
            .is_some_and(|n| !n.slack.is_empty());
        if notify {
            out.push_str("        env:\n");
            webhook_secrets(&mut out, config, env);
        }
        let _ = writeln!(out, "        run: {EXEC_XTASK} status --env {env} --notify");
    }
    Some(Workflow {
        file_name: "drift.yml".into(),
        contents: out,
    })
}
