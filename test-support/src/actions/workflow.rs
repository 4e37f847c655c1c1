//! A workflow file as GitHub reads it: its push triggers (branch and path
//! filters), its jobs and their `needs`, and its steps.
//!
//! The path filter reads what GitHub reads: "Diffs are limited to 300 files.
//! If there are files changed that aren't matched in the first 300 files
//! returned by the filter, the workflow will not run" (docs.github.com,
//! "Workflow syntax for GitHub Actions", `on.<push>.paths`).

use std::path::Path;

/// How many of a push's changed files GitHub matches against `paths`.
pub const PATHS_DIFF_LIMIT: usize = 300;

/// A workflow file, parsed.
pub struct Workflow {
    pub(super) doc: serde_yaml_ng::Value,
}

impl Workflow {
    pub fn load(path: &Path) -> Workflow {
        let text = std::fs::read_to_string(path).unwrap();
        Workflow {
            doc: serde_yaml_ng::from_str(&text).unwrap(),
        }
    }

    /// Whether a push of `paths` (in the order GitHub lists the push's
    /// changed files) to `branch` starts the workflow.
    pub fn runs_on_push(&self, branch: &str, paths: &[&str]) -> bool {
        let push = &self.doc["on"]["push"];
        if push.is_null() {
            return false;
        }
        let list = |key: &str| -> Option<Vec<String>> {
            serde_yaml_ng::from_value(push.get(key)?.clone()).ok()
        };
        if let Some(branches) = list("branches") {
            let filter = path_filter::PathFilter::new(&branches).unwrap();
            if !filter.matches(branch) {
                return false;
            }
        }
        match list("paths") {
            Some(patterns) => {
                let filter = path_filter::PathFilter::new(&patterns).unwrap();
                paths
                    .iter()
                    .take(PATHS_DIFF_LIMIT)
                    .any(|p| filter.matches(p))
            }
            None => true,
        }
    }

    /// The job ids, in file order.
    pub fn jobs(&self) -> Vec<String> {
        self.doc["jobs"]
            .as_mapping()
            .unwrap()
            .keys()
            .map(|k| k.as_str().unwrap().to_string())
            .collect()
    }

    pub fn job(&self, id: &str) -> &serde_yaml_ng::Value {
        &self.doc["jobs"][id]
    }

    pub fn needs(&self, id: &str) -> Vec<String> {
        match &self.job(id)["needs"] {
            serde_yaml_ng::Value::Null => Vec::new(),
            serde_yaml_ng::Value::String(s) => vec![s.clone()],
            other => serde_yaml_ng::from_value(other.clone()).unwrap(),
        }
    }

    /// The `run:` scripts of a job's steps.
    pub fn scripts(&self, id: &str) -> Vec<String> {
        self.job(id)["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(|s| s["run"].as_str().map(str::to_owned))
            .collect()
    }

    /// The `uses:` of a job's steps.
    pub fn uses(&self, id: &str) -> Vec<String> {
        self.job(id)["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(|s| s["uses"].as_str().map(str::to_owned))
            .collect()
    }

    /// A job's `runs-on` label.
    pub fn runs_on(&self, id: &str) -> String {
        self.job(id)["runs-on"]
            .as_str()
            .unwrap_or_else(|| panic!("{id}: runs-on is not one label"))
            .to_string()
    }

    /// The GitHub environment a job runs in.
    pub fn environment(&self, id: &str) -> Option<String> {
        let env = &self.job(id)["environment"];
        env.as_str()
            .or_else(|| env["name"].as_str())
            .map(str::to_string)
    }

    /// The permission `scope` a job's token has: the job's `permissions`, else
    /// the workflow's, else none (`permissions: {}` or a scope not listed).
    pub fn permission(&self, id: &str, scope: &str) -> Option<String> {
        let own = &self.job(id)["permissions"];
        let perms = if own.is_null() {
            &self.doc["permissions"]
        } else {
            own
        };
        perms[scope].as_str().map(str::to_string)
    }

    /// The document, for what the other modules read.
    pub fn doc(&self) -> &serde_yaml_ng::Value {
        &self.doc
    }

    pub(super) fn step(&self, job: &str, step: &str) -> &serde_yaml_ng::Value {
        self.job(job)["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|s| s["id"].as_str() == Some(step) || s["name"].as_str() == Some(step))
            .unwrap_or_else(|| panic!("no step {step} in job {job}"))
    }
}
