//! The workflow files, rendered as text: a fixed, readable layout is easier to
//! review in a pull request than a YAML serializer's, and every value that comes
//! from the config is quoted.
//!
//! Security choices (what zizmor checks): actions pinned to commit SHAs, no
//! persisted checkout credentials, read-only default permissions with
//! `id-token: write` only on jobs that assume an AWS role, and no `${{ }}`
//! expression inside a `run:` script — event data reaches scripts through `env:`.

//!
//! The deploy pipeline is in `pipeline.rs`, previews in `preview.rs`, the
//! rollback in `rollback.rs`, the drift check in `drift.rs`; this is the
//! check workflow (its job restores xtask from the binary cache, or builds it).

use std::fmt::Write;

use super::job::Job;
use super::steps::{cached_xtask, checkout, header, EXEC_XTASK};
use super::{timeouts, Workflow};
use crate::config::Config;

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
"
    );
    Job::new(
        "check",
        "deploy.toml and workflows",
        timeouts::SHORT + timeouts::BUILD,
    )
    .render(&mut out);
    checkout(&mut out, None);
    cached_xtask(&mut out, config);
    let _ = write!(
        out,
        "      - name: ci check
        run: {EXEC_XTASK} ci check
"
    );
    Workflow {
        file_name: CHECK_FILE.into(),
        contents: out,
    }
}
