//! The workflow files, rendered as text: a fixed, readable layout is easier to
//! review in a pull request than a YAML serializer's, and every value that comes
//! from the config is quoted.
//!
//! Security choices (what zizmor checks): actions pinned to commit SHAs, no
//! persisted checkout credentials, read-only default permissions with
//! `id-token: write` only on jobs that assume an AWS role, and no `${{ }}`
//! expression inside a `run:` script — event data reaches scripts through `env:`.

//!
//! The deploy pipeline is in `pipeline.rs`; these are the workflows of one job
//! each (the job restores xtask from the binary cache, or builds it).

use std::fmt::Write;

use super::steps::{aws_steps, cached_xtask, checkout, header, q, RUNNER, XTASK};
use super::Workflow;
use crate::config::{Config, TargetSettings};

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
    runs-on: {RUNNER}
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
        run: .xtask/xtask preview up --pr \"$PR_NUMBER\" --format github
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
        run: .xtask/xtask preview down --pr \"$PR_NUMBER\"
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
    runs-on: {RUNNER}
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
"
        );
        super::steps::webhook_secrets(&mut out, config, env);
        let _ = writeln!(out, "        run: {XTASK} rollback \"$TARGET\" {env}");
    }
    Some(Workflow {
        file_name: "rollback.yml".into(),
        contents: out,
    })
}

/// The file name of [`check`]'s workflow: not `ci.yml`, which a monorepo
/// usually has already.
pub const CHECK_FILE: &str = "deploy-check.yml";

/// On every push and pull request: deploy.toml still loads, and these
/// workflows still match it. (The toolkit's own tests run in the toolkit's
/// repository, not in every monorepo that carries it.)
pub fn check(config: &Config) -> Workflow {
    let mut out = String::new();
    header(&mut out);
    let _ = write!(
        out,
        "name: 'deploy config'
on:
  push: {{}}
  pull_request: {{}}
permissions:
  contents: read
jobs:
  check:
    name: 'deploy.toml and workflows'
    runs-on: {RUNNER}
    permissions:
      contents: read
    steps:
"
    );
    checkout(&mut out, None);
    cached_xtask(&mut out, config);
    let _ = write!(
        out,
        "      - name: ci check
        run: {XTASK} ci check
"
    );
    Workflow {
        file_name: CHECK_FILE.into(),
        contents: out,
    }
}
