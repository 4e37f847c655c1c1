//! The pieces every generated workflow is made of: the header, quoting, and the
//! steps jobs share (checkout, OIDC credentials, and how a job gets the xtask
//! binary).
//!
//! How a job gets xtask (docs/ADOPTING.md, docs/DEPLOYMENT.md):
//! - The binary is cached under a key made from the toolkit's own sources
//!   ([`binary_key`]: its Cargo.lock, manifests and crates' `src/`), so a push
//!   that does not touch the toolkit restores it instead of compiling it. It is
//!   built where the toolkit lives (`project.toolkit`, e.g. the vendored
//!   `tools/deploy`), with `--manifest-path`, never at the repository root.
//! - In the deploy pipeline the `build` job restores or builds it once and
//!   uploads it as the run's artifact; every other job downloads the artifact.
//!   An artifact outlives neither its retention (an approval can wait 30 days)
//!   nor a re-run of failed jobs days later (a `build` that succeeded is not
//!   re-run), so a job whose download fails restores the binary from the cache,
//!   and builds it when the cache has lost it too.
//! - Workflows of one job restore it from the cache, or build it.

use std::fmt::Write;

use super::job::Job;
use super::{
    timeouts, AWS_CREDENTIALS, CACHE, CHECKOUT, DOWNLOAD_ARTIFACT, HEADER, SETUP_TERRAFORM,
    UPLOAD_ARTIFACT,
};
use crate::config::Config;

/// The artifact the `build` job uploads.
pub const XTASK_ARTIFACT: &str = "xtask";
/// Where every job puts the binary, and how it runs it.
pub const XTASK: &str = ".xtask/xtask";
/// The runner every generated job runs on: a pinned image, never
/// `ubuntu-latest`, which moves between images gradually (a binary built on
/// the newer one can fail on the older: glibc). Part of the binary's cache key,
/// so a binary built on one image is never restored on another. It has no
/// terraform on PATH (actions/runner-images #9848, #10796): jobs that run
/// terraform set it up ([`setup_terraform`]).
pub const RUNNER: &str = "ubuntu-24.04";
/// How a step runs xtask: `exec`, so that on a cancel the runner's SIGINT
/// reaches xtask (which releases its locks) instead of the shell, which does
/// not pass it on to a child it waits for.
pub const EXEC_XTASK: &str = "exec .xtask/xtask";
/// The terraform every job that runs it sets up (deploy.toml names none).
pub const TERRAFORM_VERSION: &str = "1.10.5";
/// Kept short: the binary cache, and a rebuild after it, cover a job that
/// runs after the artifact expired.
pub const ARTIFACT_RETENTION_DAYS: u32 = 1;

pub fn header(out: &mut String) {
    out.push_str(HEADER);
    out.push_str("\n# edit deploy.toml and run it again. `cargo xtask ci check` fails when this file is stale.\n");
}

/// The head of a scheduled workflow (also run by hand): the header, its name,
/// its cron line (UTC), read-only contents and one concurrency group.
pub fn scheduled_head(
    out: &mut String,
    name: &str,
    cron: &str,
    group: &str,
    cancel_in_progress: bool,
) {
    header(out);
    let _ = write!(
        out,
        "name: {}
on:
  schedule:
    - cron: {}
  workflow_dispatch: {{}}
permissions:
  contents: read
concurrency:
  group: {}
  cancel-in-progress: {cancel_in_progress}
jobs:
",
        q(name),
        q(cron),
        q(group)
    );
}

/// A YAML single-quoted scalar.
pub fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub fn checkout(out: &mut String, fetch_depth: Option<u32>) {
    let _ = write!(
        out,
        "      - uses: {CHECKOUT}
        with:
          persist-credentials: false
"
    );
    if let Some(depth) = fetch_depth {
        let _ = writeln!(out, "          fetch-depth: {depth}");
    }
}

/// OIDC credentials for the environment's role.
pub fn aws_credentials(out: &mut String, config: &Config, env: &str) {
    let environment = &config.environments[env];
    let role = environment
        .aws_role_arn
        .as_deref()
        .map_or_else(|| "${{ vars.AWS_ROLE_ARN }}".to_string(), q);
    let _ = write!(
        out,
        "      - uses: {AWS_CREDENTIALS}
        with:
          role-to-assume: {role}
          aws-region: {}
",
        q(&region(config, env))
    );
}

/// Terraform on PATH, at [`TERRAFORM_VERSION`], without HashiCorp's wrapper
/// script (it turns terraform's exit codes and JSON output into its own).
pub fn setup_terraform(out: &mut String) {
    let _ = write!(
        out,
        "      - uses: {SETUP_TERRAFORM}
        with:
          terraform_version: {}
          terraform_wrapper: false
",
        q(TERRAFORM_VERSION)
    );
}

/// Where the toolkit lives, as the workflows name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toolkit {
    /// Relative to the repository root; `.` for the root itself.
    dir: String,
}

impl Toolkit {
    pub fn of(config: &Config) -> Toolkit {
        Toolkit {
            dir: config.toolkit().to_string(),
        }
    }

    /// `rel` inside the toolkit's folder, as a path from the repository root.
    pub fn path(&self, rel: &str) -> String {
        if self.dir == "." {
            rel.to_string()
        } else {
            format!("{}/{rel}", self.dir)
        }
    }

    /// The commands that build xtask and put it at [`XTASK`]: run as written
    /// at the repository root, they produce the file the upload step names.
    pub fn build_script(&self) -> String {
        format!(
            "cargo build --locked --manifest-path {} --package xtask\nmkdir -p .xtask\ncp {} {XTASK}\n",
            self.path("Cargo.toml"),
            self.path("target/debug/xtask"),
        )
    }

    /// The binary's cache key: the runner, and a hash of what the binary is
    /// built from — the lockfile, the manifests, the crates' sources and a
    /// pinned toolchain — and of nothing else in the repository.
    pub fn binary_key(&self) -> String {
        let files: Vec<String> = [
            "Cargo.lock",
            "Cargo.toml",
            "*/Cargo.toml",
            "*/build.rs",
            "*/src/**",
            "rust-toolchain.toml",
            "rust-toolchain",
        ]
        .iter()
        .map(|f| q(&self.path(f)))
        .collect();
        format!(
            "xtask-{RUNNER}-${{{{ runner.arch }}}}-${{{{ hashFiles({}) }}}}",
            files.join(", ")
        )
    }
}

/// Cargo's downloads and the toolkit's build folder, for a build that the
/// binary cache could not spare: the AWS SDK crates take minutes to build.
/// Caches are per branch on GitHub, so a pull request cannot fill the cache a
/// deploy from the environment's branch restores.
fn cargo_cache(out: &mut String, toolkit: &Toolkit, condition: &str) {
    let _ = write!(
        out,
        "      - if: {condition}
        uses: {CACHE}
        with:
          path: |
            ~/.cargo/registry
            ~/.cargo/git
            {}
          key: cargo-${{{{ runner.os }}}}-${{{{ hashFiles({}) }}}}
          restore-keys: cargo-${{{{ runner.os }}}}-
",
        toolkit.path("target"),
        q(&toolkit.path("Cargo.lock")),
    );
}

/// The build of xtask (a debug build without debug info: the quickest to
/// build, and small enough to hand on), when `condition` holds.
fn build(out: &mut String, toolkit: &Toolkit, title: &str, condition: &str) {
    cargo_cache(out, toolkit, condition);
    let _ = write!(
        out,
        "      - name: {}
        if: {condition}
        env:
          CARGO_PROFILE_DEV_DEBUG: '0'
        run: |
",
        q(title)
    );
    for line in toolkit.build_script().lines() {
        let _ = writeln!(out, "          {line}");
    }
}

/// The binary cache step, with id `xtask-cache`: restores [`XTASK`] on a
/// hit, saves it at the job's end on a miss.
fn binary_cache(out: &mut String, toolkit: &Toolkit, condition: Option<&str>) {
    out.push_str("      - id: xtask-cache\n");
    if let Some(condition) = condition {
        let _ = writeln!(out, "        if: {condition}");
    }
    let _ = write!(
        out,
        "        uses: {CACHE}
        with:
          path: {XTASK}
          key: {}
",
        toolkit.binary_key()
    );
}

/// The `build` job: xtask restored from the binary cache, else built, then
/// uploaded for the other jobs of the run, which start in seconds instead of
/// compiling.
/// `branch_guard` is its `if:` (the environment's branch): a run on another
/// branch builds nothing, and so deploys nothing.
pub fn build_job(out: &mut String, config: &Config, branch_guard: &str) {
    let toolkit = Toolkit::of(config);
    Job::new("build", "build xtask", timeouts::BUILD)
        .when(branch_guard)
        .render(out);
    checkout(out, None);
    binary_cache(out, &toolkit, None);
    build(
        out,
        &toolkit,
        "build xtask",
        "steps.xtask-cache.outputs.cache-hit != 'true'",
    );
    let _ = write!(
        out,
        "      - uses: {UPLOAD_ARTIFACT}
        with:
          name: {XTASK_ARTIFACT}
          path: {XTASK}
          retention-days: {ARTIFACT_RETENTION_DAYS}
          if-no-files-found: error
"
    );
}

/// A pipeline job's xtask at [`XTASK`]: the `build` job's artifact; when it
/// is gone (expired, or a re-run days later), the binary cache; when that is
/// gone too, a build.
pub fn download_xtask(out: &mut String, config: &Config) {
    let toolkit = Toolkit::of(config);
    let _ = write!(
        out,
        "      - id: xtask-artifact
        continue-on-error: true
        uses: {DOWNLOAD_ARTIFACT}
        with:
          name: {XTASK_ARTIFACT}
          path: .xtask
"
    );
    let missing = "steps.xtask-artifact.outcome != 'success'";
    binary_cache(out, &toolkit, Some(missing));
    build(
        out,
        &toolkit,
        "build xtask (no artifact, no cached binary)",
        &format!("{missing} && steps.xtask-cache.outputs.cache-hit != 'true'"),
    );
    make_executable(out);
}

/// A one-job workflow's xtask at [`XTASK`]: from the binary cache, else built.
pub fn cached_xtask(out: &mut String, config: &Config) {
    let toolkit = Toolkit::of(config);
    binary_cache(out, &toolkit, None);
    build(
        out,
        &toolkit,
        "build xtask",
        "steps.xtask-cache.outputs.cache-hit != 'true'",
    );
    make_executable(out);
}

/// An artifact loses the executable bit on the way.
fn make_executable(out: &mut String) {
    let _ = write!(
        out,
        "      - name: make xtask executable
        run: chmod +x {XTASK}
"
    );
}

/// The steps of a one-job workflow that runs xtask with the environment's
/// role: checkout, xtask, then OIDC credentials.
pub fn aws_steps(out: &mut String, config: &Config, env: &str) {
    checkout(out, None);
    cached_xtask(out, config);
    aws_credentials(out, config, env);
}

/// The `env:` lines (under a step's `env:`) that hand the step the Slack
/// webhooks `[notify]` names for `env`, from the repository's secrets of the
/// same names: their URLs never appear in the workflow.
pub fn webhook_secrets(out: &mut String, config: &Config, env: &str) {
    for webhook in config.notify.get(env).map_or(&[][..], |n| &n.slack) {
        let name = &webhook.url_env;
        let _ = writeln!(out, "          {name}: ${{{{ secrets.{name} }}}}");
    }
}

/// The region of `env`, an environment of `config` (the workflows are rendered
/// for the config's own environments).
pub(super) fn region(config: &Config, env: &str) -> String {
    config
        .environment(env)
        .expect("workflows are rendered for the config's environments")
        .region
}
