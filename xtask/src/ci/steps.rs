//! The pieces every generated workflow is made of: the header, quoting, and the
//! steps jobs share (checkout, the Cargo cache, OIDC credentials, the xtask
//! binary built once per run and handed to the other jobs).

use std::fmt::Write;

use super::{AWS_CREDENTIALS, CACHE, CHECKOUT, DOWNLOAD_ARTIFACT, HEADER, UPLOAD_ARTIFACT};
use crate::config::Config;

/// The artifact the `build` job uploads, and the folder deploy jobs put it in.
pub const XTASK_ARTIFACT: &str = "xtask";
/// How a job that downloaded the artifact runs xtask.
pub const XTASK: &str = ".xtask/xtask";

pub fn header(out: &mut String) {
    out.push_str(HEADER);
    out.push_str("\n# edit deploy.toml and run it again. `cargo xtask ci check` fails when this file is stale.\n");
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

/// Cargo's downloads and build folder, kept between runs: the AWS SDK crates
/// take minutes to build. Caches are per branch on GitHub, so a pull request
/// cannot fill the cache a deploy from the environment's branch restores.
pub fn cargo_cache(out: &mut String) {
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

/// The steps of a job that runs `cargo xtask` itself: checkout, the Cargo
/// cache, then OIDC credentials (a workflow with one job: it builds once).
pub fn aws_steps(out: &mut String, config: &Config, env: &str) {
    checkout(out, None);
    cargo_cache(out);
    aws_credentials(out, config, env);
}

/// The `build` job: xtask built once (a debug build without debug info: the
/// quickest to build, and small enough to hand on), uploaded for the other
/// jobs of the run, which then start in seconds instead of compiling.
pub fn build_job(out: &mut String) {
    out.push_str(
        "  build:
    name: 'build xtask'
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
",
    );
    checkout(out, None);
    cargo_cache(out);
    let _ = write!(
        out,
        "      - name: build xtask
        env:
          CARGO_PROFILE_DEV_DEBUG: '0'
        run: cargo build --locked --package xtask
      - uses: {UPLOAD_ARTIFACT}
        with:
          name: {XTASK_ARTIFACT}
          path: target/debug/xtask
          retention-days: 1
          if-no-files-found: error
"
    );
}

/// The built xtask, from the `build` job, at [`XTASK`].
pub fn download_xtask(out: &mut String) {
    let _ = write!(
        out,
        "      - uses: {DOWNLOAD_ARTIFACT}
        with:
          name: {XTASK_ARTIFACT}
          path: .xtask
      - name: make xtask executable
        run: chmod +x {XTASK}
"
    );
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
