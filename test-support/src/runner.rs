//! What a runner does with the steps of a job that only move files about —
//! checkout, the Actions cache, artifacts, building and `chmod`ing xtask — so a
//! test can see whether a job gets its xtask binary, and how, on any day after
//! its run started. The job's own work (AWS) stays the test's to say, as in
//! [`crate::actions`].
//!
//! The rules, as GitHub documents them:
//! - Artifacts are kept `retention-days` after upload, then expire: a download
//!   fails ("Artifact not found"). *Re-run failed jobs* re-runs the failed jobs
//!   and what needs them, in the run's original commit; a `build` job that
//!   succeeded is not re-run, so its artifact is the first run's
//!   (docs.github.com: "Storing and sharing data from a workflow", "Re-running
//!   workflows and jobs").
//! - The cache: `actions/cache` restores an entry whose key matches exactly
//!   (`cache-hit` is `'true'`), and on a miss saves the path at the job's end if
//!   the job succeeded; an entry not accessed for 7 days is evicted
//!   (docs.github.com: "Caching dependencies to speed up workflows").
//! - Steps: a step runs when every step before it succeeded (a failed step
//!   with `continue-on-error: true` has outcome `failure` and conclusion
//!   `success`) and its `if:` holds; `steps.<id>.outcome` and
//!   `steps.<id>.outputs.cache-hit` are what later `if:`s read.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;

use crate::actions::{eval, interpolate, Workflow};

/// Days since the run started, as a fraction.
pub type Day = f64;

/// A repository's Actions storage: artifacts of the run, cache entries.
#[derive(Debug, Clone, Default)]
pub struct Storage {
    /// Artifact name → (uploaded on day, retention in days).
    pub artifacts: BTreeMap<String, (Day, f64)>,
    /// Cache key → the day it was last restored or saved.
    pub cache: BTreeMap<String, Day>,
}

/// How a job's setup went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setup {
    /// Every setup step succeeded: the job has its binary at `.xtask/xtask`.
    pub ok: bool,
    /// A `cargo build` ran in it.
    pub compiled: bool,
    /// The steps that ran, `uses:` or `run:` first words, with their outcome.
    pub steps: Vec<(String, String)>,
}

impl Storage {
    fn cache_hit(&mut self, key: &str, day: Day) -> bool {
        self.cache.retain(|_, used| day - *used <= 7.0);
        match self.cache.get_mut(key) {
            Some(used) => {
                *used = day;
                true
            }
            None => false,
        }
    }
}

/// Runs `job`'s steps up to the first one that does AWS work (a `run:` that is
/// neither a build nor a `chmod`), on `day`, in the checkout `workspace`
/// (for `hashFiles`). Uploads, and cache saves of a job that set up, go to
/// `storage`.
pub fn set_up(
    wf: &Workflow,
    job: &str,
    workspace: &Path,
    day: Day,
    storage: &mut Storage,
) -> Setup {
    let mut steps_ctx = serde_json::Map::new();
    let mut ctx = json!({
        "github": { "workspace": workspace.to_str().unwrap() },
        "runner": { "os": "Linux", "arch": "X64" },
        "steps": {},
    });
    let mut have_binary = false;
    let mut compiled = false;
    let mut failed = false;
    let mut ran = Vec::new();
    let mut saves: Vec<String> = Vec::new();
    for step in wf.job(job)["steps"].as_sequence().unwrap() {
        ctx["steps"] = Value::Object(steps_ctx.clone());
        let uses = step["uses"]
            .as_str()
            .map(|u| u.split('@').next().unwrap().to_string());
        let run = step["run"].as_str().map(str::to_string);
        let is_setup = match (&uses, &run) {
            (Some(_), _) => true,
            (None, Some(r)) => r.contains("cargo build") || r.contains("chmod +x"),
            _ => false,
        };
        if !is_setup {
            break;
        }
        let wanted = match step["if"].as_str() {
            Some(cond) => !failed && crate::actions::truthy_value(&eval(cond, &ctx)),
            None => !failed,
        };
        let id = step["id"].as_str().map(str::to_string);
        if !wanted {
            if let Some(id) = &id {
                steps_ctx.insert(
                    id.clone(),
                    json!({ "outcome": "skipped", "conclusion": "skipped", "outputs": {} }),
                );
            }
            continue;
        }
        let with = &step["with"];
        let mut outputs = json!({});
        let outcome_ok = match (uses.as_deref(), &run) {
            (Some("actions/checkout"), _)
            | (Some("aws-actions/configure-aws-credentials"), _)
            | (Some("hashicorp/setup-terraform"), _) => true,
            (Some("actions/cache") | Some("actions/cache/restore"), _) => {
                let key = interpolate(with["key"].as_str().unwrap(), &ctx);
                let path = with["path"].as_str().unwrap_or_default();
                let hit = storage.cache_hit(&key, day);
                outputs = json!({ "cache-hit": if hit { "true" } else { "false" } });
                if path.trim() == ".xtask/xtask" {
                    if hit {
                        have_binary = true;
                    } else if uses.as_deref() == Some("actions/cache") {
                        saves.push(key);
                    }
                }
                true
            }
            (Some("actions/download-artifact"), _) => {
                let name = with["name"].as_str().unwrap();
                let alive = storage
                    .artifacts
                    .get(name)
                    .is_some_and(|(at, keep)| day - at <= *keep);
                have_binary |= alive;
                alive
            }
            (Some("actions/upload-artifact"), _) => {
                let keep = with["retention-days"].as_f64().unwrap_or(90.0);
                if have_binary {
                    storage
                        .artifacts
                        .insert(with["name"].as_str().unwrap().to_string(), (day, keep));
                }
                have_binary
            }
            (None, Some(r)) if r.contains("cargo build") => {
                compiled = true;
                have_binary = true;
                true
            }
            (None, Some(_)) => have_binary,
            (Some(other), _) => panic!("{job}: no rule for {other}"),
            (None, None) => unreachable!("a step without uses: or run: is not set-up"),
        };
        let continue_on_error = step["continue-on-error"].as_bool().unwrap_or(false);
        let outcome = if outcome_ok { "success" } else { "failure" };
        let conclusion = if outcome_ok || continue_on_error {
            "success"
        } else {
            "failure"
        };
        if conclusion == "failure" {
            failed = true;
        }
        ran.push((
            uses.clone()
                .unwrap_or_else(|| run.clone().unwrap_or_default()),
            outcome.to_string(),
        ));
        if let Some(id) = &id {
            steps_ctx.insert(
                id.clone(),
                json!({ "outcome": outcome, "conclusion": conclusion, "outputs": outputs }),
            );
        }
    }
    let ok = !failed && have_binary;
    if ok {
        for key in saves {
            storage.cache.insert(key, day);
        }
    }
    Setup {
        ok,
        compiled,
        steps: ran,
    }
}
