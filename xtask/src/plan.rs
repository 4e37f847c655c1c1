//! The plan: which targets run, in which order, and why. Plain data, worked out
//! before anything acts; every command that deploys starts from one.

use serde::Serialize;

use crate::changes::ChangedPaths;
use crate::config::{Config, TargetKind};

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The commit compared from; `None` for `--all`, named targets, or an
    /// unknown base planned with `--all-if-unknown`.
    pub base: Option<String>,
    /// The commit compared to (or deployed), when there is a repository head.
    pub head: Option<String>,
    /// How the range was chosen, or why every target runs.
    pub why: String,
    pub env: Option<String>,
    /// In run order.
    pub targets: Vec<PlannedTarget>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedTarget {
    pub name: String,
    pub kind: TargetKind,
    /// The changed paths that selected this target (empty when it was named or
    /// everything runs).
    pub paths: Vec<String>,
    /// The targets of this plan it must wait for.
    pub after: Vec<String>,
}

/// Which targets to plan.
#[derive(Debug, Clone)]
pub enum Selection {
    /// The targets whose paths changed, and those whose settings a change to
    /// deploy.toml changed (target name → why).
    Changed {
        changes: ChangedPaths,
        settings: std::collections::BTreeMap<String, String>,
    },
    All,
    /// Named on the command line; checked against the config by [`Plan::new`].
    Named(Vec<String>),
}

impl Selection {
    /// The targets whose paths changed (no deploy.toml settings compared).
    pub fn changed(changes: ChangedPaths) -> Selection {
        Selection::Changed {
            changes,
            settings: Default::default(),
        }
    }
}

/// A target named on the command line that the config does not have.
#[derive(Debug, thiserror::Error)]
#[error("unknown target `{name}` (expected one of: {known})")]
pub struct UnknownTarget {
    pub name: String,
    pub known: String,
}

impl Plan {
    pub fn new(
        config: &Config,
        selection: &Selection,
        head: Option<String>,
        env: Option<&str>,
    ) -> Result<Plan, UnknownTarget> {
        let mut chosen: Vec<PlannedTarget> = Vec::new();
        let (base, why) = match selection {
            Selection::Changed { changes, settings } => {
                for target in &config.targets {
                    let mut paths: Vec<String> = changes
                        .paths
                        .iter()
                        .filter(|p| target.paths.matches(p))
                        .cloned()
                        .collect();
                    if let Some(why) = settings.get(&target.name) {
                        paths.push(why.clone());
                    }
                    if changes.everything || !paths.is_empty() {
                        chosen.push(planned(target, paths));
                    }
                }
                (changes.base.map(|b| b.to_string()), changes.why.clone())
            }
            Selection::All => {
                chosen.extend(config.targets.iter().map(|t| planned(t, Vec::new())));
                (None, "--all: every target".to_string())
            }
            Selection::Named(names) => {
                for name in names {
                    if config.target(name).is_none() {
                        return Err(UnknownTarget {
                            name: name.clone(),
                            known: config
                                .targets
                                .iter()
                                .map(|t| t.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                        });
                    }
                }
                chosen.extend(
                    config
                        .targets
                        .iter()
                        .filter(|t| names.contains(&t.name))
                        .map(|t| planned(t, Vec::new())),
                );
                (None, "targets named on the command line".to_string())
            }
        };
        // `after` only orders what is in this plan.
        let names: Vec<String> = chosen.iter().map(|t| t.name.clone()).collect();
        for t in &mut chosen {
            t.after.retain(|a| names.contains(a));
        }
        Ok(Plan {
            base,
            head,
            why,
            env: env.map(str::to_owned),
            targets: chosen,
        })
    }

    pub fn target_names(&self) -> Vec<&str> {
        self.targets.iter().map(|t| t.name.as_str()).collect()
    }
}

fn planned(target: &crate::config::Target, paths: Vec<String>) -> PlannedTarget {
    PlannedTarget {
        name: target.name.clone(),
        kind: target.kind,
        paths,
        after: target.after.clone(),
    }
}
