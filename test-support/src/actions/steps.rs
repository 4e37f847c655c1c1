//! A job's `run:` steps run with bash, as a runner would: the script written
//! to a file and run as `bash -e {0}` (GitHub's default shell on Linux; a
//! file, not `bash -c`, which would `exec` a lone command by itself), the
//! step's `env:` expressions filled in, `$GITHUB_OUTPUT` and
//! `$GITHUB_STEP_SUMMARY` files.

use super::expressions::interpolate;
use super::{Run, Workflow};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

impl Workflow {
    /// The `env:` of a job's step `name` (by `id` or `name`), its expressions
    /// filled from `context` (with the job's `needs` from `run`).
    pub fn step_env(
        &self,
        job: &str,
        step: &str,
        context: &Value,
        run: &Run,
    ) -> BTreeMap<String, String> {
        let mut ctx = context.clone();
        ctx["needs"] = Value::Object(
            self.needs(job)
                .iter()
                .filter_map(|n| Some((n.clone(), run.needs.get(n)?.clone())))
                .collect(),
        );
        let step = self.step(job, step);
        step["env"]
            .as_mapping()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let v = match v {
                            serde_yaml_ng::Value::String(s) => interpolate(s, &ctx),
                            other => serde_yaml_ng::to_string(other).unwrap().trim().to_string(),
                        };
                        (k.as_str().unwrap().to_string(), v)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Runs step `step` of `job` with bash in `dir`, its `env:` filled in and
    /// `extra_env` added; returns the command's output and what it wrote to
    /// `$GITHUB_OUTPUT`.
    pub fn run_step(
        &self,
        job: &str,
        step: &str,
        dir: &Path,
        context: &Value,
        run: &Run,
        extra_env: &[(&str, &str)],
    ) -> (std::process::Output, BTreeMap<String, String>) {
        let script = self.step(job, step)["run"].as_str().unwrap().to_string();
        let outputs = tempfile::NamedTempFile::new().unwrap();
        let summary = tempfile::NamedTempFile::new().unwrap();
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), &script).unwrap();
        let out = std::process::Command::new("bash")
            .arg("-e")
            .arg(file.path())
            .current_dir(dir)
            .envs(self.step_env(job, step, context, run))
            .envs(extra_env.iter().copied())
            .env("GITHUB_OUTPUT", outputs.path())
            .env("GITHUB_STEP_SUMMARY", summary.path())
            .output()
            .unwrap();
        let written = std::fs::read_to_string(outputs.path()).unwrap();
        let pairs = written
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        (out, pairs)
    }
}
