//! A job's head — everything up to its `steps:` — written one way for every
//! generated workflow, so no job can miss the pinned runner, a
//! `timeout-minutes`, or its permissions.
//!
//! Why each line is there (#25):
//! - `runs-on` is [`RUNNER`], a pinned image: `ubuntu-latest` moves between
//!   images gradually, so `build` and a deploy job could land on different ones
//!   (a binary linked against the newer glibc fails on the older).
//! - `timeout-minutes` on every job: GitHub's default is 360, so a hung step
//!   would hold its target's concurrency group for six hours. A job that
//!   waits for an environment's reviewers is not running yet: the wait is not
//!   counted (GitHub fails a deployment left unreviewed for 30 days).
//! - `concurrency` on the job that changes a target, never on the workflow:
//!   a run waiting for one target's approval must not hold back another.

use std::fmt::Write;

use super::steps::{q, RUNNER};

/// The head of one job.
#[derive(Debug, Clone, Default)]
pub struct Job {
    pub id: String,
    pub title: String,
    pub needs: Vec<String>,
    /// The job's `if:`, as written (with or without `${{ }}`).
    pub condition: Option<String>,
    pub outputs: Vec<(String, String)>,
    /// The GitHub environment, and the address GitHub shows for it.
    pub environment: Option<(String, Option<String>)>,
    /// A concurrency group that queues (`cancel-in-progress: false`).
    pub concurrency: Option<String>,
    pub timeout_minutes: u32,
    /// `(scope, level)`; none at all renders `permissions: {}`.
    pub permissions: Vec<(&'static str, &'static str)>,
}

/// Read access to the repository's contents: what every job with a checkout needs.
pub const READ: &[(&str, &str)] = &[("contents", "read")];
/// [`READ`], and an OIDC token for the AWS role.
pub const AWS: &[(&str, &str)] = &[("contents", "read"), ("id-token", "write")];

impl Job {
    pub fn new(id: impl Into<String>, title: impl Into<String>, timeout_minutes: u32) -> Job {
        Job {
            id: id.into(),
            title: title.into(),
            timeout_minutes,
            permissions: READ.to_vec(),
            ..Job::default()
        }
    }

    pub fn needs(mut self, needs: &[String]) -> Job {
        self.needs = needs.to_vec();
        self
    }

    pub fn when(mut self, condition: impl Into<String>) -> Job {
        self.condition = Some(condition.into());
        self
    }

    pub fn output(mut self, name: &str, value: impl Into<String>) -> Job {
        self.outputs.push((name.to_string(), value.into()));
        self
    }

    pub fn environment(mut self, name: &str, url: Option<&str>) -> Job {
        self.environment = Some((name.to_string(), url.map(str::to_string)));
        self
    }

    pub fn concurrency(mut self, group: impl Into<String>) -> Job {
        self.concurrency = Some(group.into());
        self
    }

    pub fn permissions(mut self, permissions: &[(&'static str, &'static str)]) -> Job {
        self.permissions = permissions.to_vec();
        self
    }

    /// Writes the head, ending with `steps:`.
    pub fn render(&self, out: &mut String) {
        let _ = writeln!(out, "  {}:\n    name: {}", self.id, q(&self.title));
        match self.needs.as_slice() {
            [] => {}
            [one] => {
                let _ = writeln!(out, "    needs: {one}");
            }
            many => {
                let _ = writeln!(out, "    needs: [{}]", many.join(", "));
            }
        }
        if let Some(condition) = &self.condition {
            let _ = writeln!(out, "    if: {condition}");
        }
        if !self.outputs.is_empty() {
            out.push_str("    outputs:\n");
            for (name, value) in &self.outputs {
                let _ = writeln!(out, "      {name}: {value}");
            }
        }
        let _ = writeln!(out, "    runs-on: {RUNNER}");
        let _ = writeln!(out, "    timeout-minutes: {}", self.timeout_minutes);
        match &self.environment {
            Some((name, Some(url))) => {
                let _ = writeln!(
                    out,
                    "    environment:\n      name: {}\n      url: {}",
                    q(name),
                    q(url)
                );
            }
            Some((name, None)) => {
                let _ = writeln!(out, "    environment: {}", q(name));
            }
            None => {}
        }
        if let Some(group) = &self.concurrency {
            let _ = writeln!(
                out,
                "    concurrency:\n      group: {}\n      cancel-in-progress: false",
                q(group)
            );
        }
        if self.permissions.is_empty() {
            out.push_str("    permissions: {}\n");
        } else {
            out.push_str("    permissions:\n");
            for (scope, level) in &self.permissions {
                let _ = writeln!(out, "      {scope}: {level}");
            }
        }
        out.push_str("    steps:\n");
    }
}
