//! The workflow files, rendered as text: a fixed, readable layout is easier to
//! review in a pull request than a YAML serializer's, and every value that comes
//! from the config is quoted.
//!
//! Security choices (what zizmor checks): actions pinned to commit SHAs, no
//! persisted checkout credentials, read-only default permissions with
//! `id-token: write` only on jobs that assume an AWS role, and no `${{ }}`
//! expression inside a `run:` script — event data reaches scripts through `env:`.

use std::fmt::Write;

use super::{Workflow, AWS_CREDENTIALS, CACHE, CHECKOUT, HEADER};
use crate::config::{Config, Target, TargetSettings};

fn header(out: &mut String) {
    out.push_str(HEADER);
    out.push_str("\n# edit deploy.toml and run it again. `cargo xtask ci check` fails when this file is stale.\n");
}

/// A YAML single-quoted scalar.
fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Cargo's downloads and build folder, kept between runs: `cargo xtask` builds
/// the toolkit (the AWS SDK crates take minutes) before every job otherwise.
/// Caches are per branch on GitHub, so a pull request cannot fill the cache a
/// deploy from the environment's branch restores.
fn cargo_cache(out: &mut String) {
    let _ = write!(
        out,
        "      - uses: {CACHE}
        with:
          path: |
            ~/.cargo/registry
            ~/.cargo/git
            target
          key: cargo-${{{{ runner.os }}}}-${{{{ hashFiles('**/Cargo.lock') }}}}
          restore-keys: cargo-${{{{ runner.os }}}}-
"
    );
}

/// The steps every AWS job starts with: checkout, the Cargo cache, then OIDC
/// credentials.
fn aws_steps(out: &mut String, config: &Config, env: &str) {
    let environment = &config.environments[env];
    let role = environment
        .aws_role_arn
        .as_deref()
        .map_or_else(|| "${{ vars.AWS_ROLE_ARN }}".to_string(), q);
    let _ = write!(
        out,
        "      - uses: {CHECKOUT}
        with:
          persist-credentials: false
"
    );
    cargo_cache(out);
    let _ = write!(
        out,
        "      - uses: {AWS_CREDENTIALS}
        with:
          role-to-assume: {role}
          aws-region: {}
",
        q(config.region(env))
    );
}

/// The GitHub environment a target's deploy job runs in: the environment's
/// name, or `<env>-approval` for targets that need a person to approve (give that
/// GitHub environment required reviewers).
pub fn github_environment(target: &Target, env: &str) -> String {
    match &target.settings[env] {
        TargetSettings::Terraform(t) if t.approval => format!("{env}-approval"),
        _ => env.to_string(),
    }
}

pub fn deploy(config: &Config, target: &Target, env: &str, branch: &str) -> Workflow {
    let name = &target.name;
    let mut out = String::new();
    header(&mut out);
    let _ = writeln!(out, "name: {}", q(&format!("deploy {name} to {env}")));
    out.push_str("on:\n  push:\n    branches:\n");
    let _ = writeln!(out, "      - {}", q(branch));
    out.push_str("    paths:\n");
    for p in target.paths.patterns() {
        let _ = writeln!(out, "      - {}", q(p));
    }
    if let Some(file) = config_trigger(config, target) {
        let _ = writeln!(out, "      - {}", q(&file));
    }
    out.push_str("  workflow_dispatch: {}\npermissions:\n  contents: read\n");
    let _ = write!(
        out,
        "concurrency:
  group: {}
  cancel-in-progress: false
jobs:
",
        q(&format!("deploy-{name}-{env}")),
    );
    match &target.settings[env] {
        TargetSettings::Terraform(t) if t.approval => plan_then_apply(
            &mut out,
            config,
            name,
            env,
            &github_environment(target, env),
        ),
        _ => {
            job_head(
                &mut out,
                "deploy",
                &format!("deploy {name} to {env}"),
                env,
                None,
            );
            aws_steps(&mut out, config, env);
            let _ = writeln!(
                out,
                "      - name: deploy\n        run: cargo xtask deploy {name} --env {env}"
            );
        }
    }
    Workflow {
        file_name: format!("deploy-{name}-{env}.yml"),
        contents: out,
    }
}

/// deploy.toml itself, for targets whose settings live in it and whose deploy
/// of an unchanged target is a no-op (terraform: a plan without changes; a
/// static site: nothing to upload), so that a change to their settings there
/// (a network CIDR, a cache rule) runs them. Not for ECS targets: their deploy
/// of a new commit builds and rolls out a new image; a settings-only change to
/// one deploys with `deploy --changed` or the workflow run by hand.
fn config_trigger(config: &Config, target: &Target) -> Option<String> {
    match target.kind {
        crate::config::TargetKind::Terraform | crate::config::TargetKind::StaticSite => config
            .file
            .file_name()
            .map(|f| f.to_string_lossy().into_owned()),
        crate::config::TargetKind::Ecs => None,
    }
}

/// A job's first lines, up to its `steps:`.
fn job_head(out: &mut String, id: &str, title: &str, environment: &str, extra: Option<&str>) {
    let _ = write!(
        out,
        "  {id}:
    name: {}
    runs-on: ubuntu-latest
    environment: {}
{}    permissions:
      contents: read
      id-token: write
    steps:
",
        q(title),
        q(environment),
        extra.unwrap_or_default(),
    );
}

/// A Terraform target that needs approval: a `plan` job shows the plan (and its
/// fingerprint) to the reviewers; the `apply` job waits behind the approval
/// gate, plans again and applies only a plan with the reviewed fingerprint, so
/// what was approved is what is applied (no plan file crosses jobs: it would
/// hold the planned values, secrets included, as an artifact). Nothing to
/// change: no fingerprint, no apply job.
fn plan_then_apply(out: &mut String, config: &Config, name: &str, env: &str, gate: &str) {
    let output = crate::targets::terraform::FINGERPRINT_OUTPUT;
    job_head(
        out,
        "plan",
        &format!("plan {name} for {env}"),
        env,
        Some(&format!(
            "    outputs:\n      fingerprint: ${{{{ steps.plan.outputs.{output} }}}}\n"
        )),
    );
    aws_steps(out, config, env);
    let _ = writeln!(
        out,
        "      - name: plan\n        id: plan\n        run: cargo xtask deploy {name} --env {env} --dry-run"
    );
    job_head(
        out,
        "apply",
        &format!("apply {name} to {env}"),
        gate,
        Some("    needs: plan\n    if: needs.plan.outputs.fingerprint != ''\n"),
    );
    aws_steps(out, config, env);
    // The GitHub environment's reviewers are the approval: the job says which
    // gate it ran behind, and the ledger records it.
    let _ = writeln!(
        out,
        "      - name: apply
        env:
          {}: {}
          XTASK_EXPECT_PLAN: ${{{{ needs.plan.outputs.fingerprint }}}}
        run: cargo xtask deploy {name} --env {env} --expect-plan \"$XTASK_EXPECT_PLAN\"",
        crate::targets::terraform::GATE_VAR,
        q(gate)
    );
}

/// PR previews, when a static-site target has a preview bucket and the project
/// names the environment previews run in.
pub fn pr_preview(config: &Config) -> Option<Workflow> {
    let env = config.project.preview_environment.as_deref()?;
    let has_previews = config.targets.iter().any(
        |t| matches!(&t.settings[env], TargetSettings::StaticSite(s) if s.preview_bucket.is_some()),
    );
    if !has_previews {
        return None;
    }
    let mut out = String::new();
    header(&mut out);
    out.push_str(
        "name: 'PR preview'
on:
  pull_request:
    types: [opened, synchronize, reopened, closed]
permissions:
  contents: read
concurrency:
  group: preview-${{ github.event.pull_request.number }}
  cancel-in-progress: false
jobs:
",
    );
    for (job, condition, command) in [
        ("up", "github.event.action != 'closed'", "up"),
        ("down", "github.event.action == 'closed'", "down"),
    ] {
        // Only `up` comments on the pull request.
        let comment = if command == "up" {
            "      pull-requests: write\n"
        } else {
            ""
        };
        let _ = write!(
            out,
            "  {job}:
    if: {condition}
    runs-on: ubuntu-latest
    environment: {}
    permissions:
      contents: read
      id-token: write
{comment}    steps:
",
            q(env)
        );
        aws_steps(&mut out, config, env);
        if command == "up" {
            out.push_str(
                "      - id: preview
        name: preview up
        env:
          PR_NUMBER: ${{ github.event.pull_request.number }}
        run: cargo xtask preview up --pr \"$PR_NUMBER\" --format github
      - name: comment the URL
        env:
          GH_TOKEN: ${{ github.token }}
          PR_NUMBER: ${{ github.event.pull_request.number }}
          PREVIEW_URL: ${{ steps.preview.outputs.url }}
        run: |
          gh pr comment \"$PR_NUMBER\" --repo \"$GITHUB_REPOSITORY\" --edit-last --create-if-none \\
            --body \"Preview: $PREVIEW_URL\"
",
            );
        } else {
            out.push_str(
                "      - name: preview down
        env:
          PR_NUMBER: ${{ github.event.pull_request.number }}
        run: cargo xtask preview down --pr \"$PR_NUMBER\"
",
            );
        }
    }
    Some(Workflow {
        file_name: "pr-preview.yml".into(),
        contents: out,
    })
}

/// A manual rollback: pick the target and the environment. One job per
/// environment, so each runs in its own GitHub environment with its own role.
pub fn rollback(config: &Config) -> Option<Workflow> {
    let targets: Vec<&str> = config
        .targets
        .iter()
        .filter(|t| {
            !t.settings
                .values()
                .all(|s| matches!(s, TargetSettings::Terraform(_)))
        })
        .map(|t| t.name.as_str())
        .collect();
    if targets.is_empty() {
        return None;
    }
    // Environments without a branch (e.g. `local`) are not deployed from CI.
    let envs: Vec<&String> = config
        .environments
        .iter()
        .filter(|(_, e)| e.branch.is_some())
        .map(|(name, _)| name)
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
        let _ = writeln!(out, "          - {}", q(t));
    }
    out.push_str(
        "      env:
        description: 'The environment'
        required: true
        type: choice
        options:
",
    );
    for e in &envs {
        let _ = writeln!(out, "          - {}", q(e));
    }
    out.push_str(
        "permissions:
  contents: read
concurrency:
  group: rollback-${{ inputs.env }}
  cancel-in-progress: false
jobs:
",
    );
    for env in envs {
        let _ = write!(
            out,
            "  rollback-{env}:
    if: inputs.env == {}
    runs-on: ubuntu-latest
    environment: {}
    permissions:
      contents: read
      id-token: write
    steps:
",
            q(env),
            q(env)
        );
        aws_steps(&mut out, config, env);
        let _ = write!(
            out,
            "      - name: rollback
        env:
          TARGET: ${{{{ inputs.target }}}}
        run: cargo xtask rollback \"$TARGET\" {env}
"
        );
    }
    Some(Workflow {
        file_name: "rollback.yml".into(),
        contents: out,
    })
}

/// The toolkit's own checks in the monorepo: formatting, lints, tests, and
/// that these workflows match deploy.toml.
pub fn ci() -> Workflow {
    let mut out = String::new();
    header(&mut out);
    let _ = write!(
        out,
        "name: 'deploy toolkit ci'
on:
  push: {{}}
  pull_request: {{}}
permissions:
  contents: read
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: {CHECKOUT}
        with:
          persist-credentials: false
"
    );
    cargo_cache(&mut out);
    out.push_str(
        "      - run: cargo fmt --all -- --check
      - run: cargo clippy --workspace --all-targets -- -D warnings
      - run: scripts/test.sh
      - run: cargo xtask ci check
",
    );
    Workflow {
        file_name: "ci.yml".into(),
        contents: out,
    }
}
