//! A workflow file as GitHub reads it: its push triggers (branch and path
//! filters), its jobs and their `needs`, and its steps.

use std::path::Path;

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

    /// Whether a push of `paths` to `branch` starts the workflow.
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
                paths.iter().any(|p| filter.matches(p))
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

    pub(super) fn step(&self, job: &str, step: &str) -> &serde_yaml_ng::Value {
        self.job(job)["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|s| s["id"].as_str() == Some(step) || s["name"].as_str() == Some(step))
            .unwrap_or_else(|| panic!("no step {step} in job {job}"))
    }
}
