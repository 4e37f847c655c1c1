//! Choosing a plan's targets: the ones whose paths (or settings) changed, all,
//! or the ones named; then their waves.

use std::collections::BTreeMap;

use crate::changes::ChangedPaths;
use crate::config::{Config, Env, Target};
use crate::workspace::Workspace;

use super::{NotPlanned, Outputs, Plan, PlannedTarget, Settings, Since, Why};

/// One target's own range and what it changed: what `deploy --changed --env`
/// compares from when the ledger knows what is deployed of the target.
#[derive(Debug, Clone)]
pub struct TargetRange {
    pub changes: ChangedPaths,
    /// Why a change to deploy.toml in this range changed its settings.
    pub settings: Option<String>,
}

/// Which targets to plan.
#[derive(Debug, Clone)]
pub enum Selection {
    /// The targets whose paths changed, and those whose settings a change to
    /// deploy.toml changed (target name → why): in `changes`, or in the
    /// target's own range when it has one in `own` (from what is deployed of
    /// it in the environment).
    Changed {
        changes: ChangedPaths,
        settings: BTreeMap<String, String>,
        own: BTreeMap<String, TargetRange>,
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
            own: Default::default(),
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

impl Plan<()> {
    /// The plan of `selection`, its targets without settings (for showing it).
    pub fn new(
        config: &Config,
        selection: &Selection,
        head: Option<String>,
        env: Option<&str>,
    ) -> Result<Plan<()>, UnknownTarget> {
        Plan::with(config, selection, head, env, |_| ())
    }
}

impl Plan<Settings> {
    /// The plan of `selection` in `env`, each target with its settings there,
    /// resolved from the workspace.
    pub fn for_env(
        ws: &Workspace,
        selection: &Selection,
        head: Option<String>,
        env: &Env,
    ) -> Result<Plan<Settings>, UnknownTarget> {
        Plan::with(&ws.config, selection, head, Some(&env.name), |t| {
            Settings::resolve(&ws.config, t, env, &ws.repo, &ws.root)
        })
    }
}

impl<S> Plan<S> {
    /// The plan of `selection`; `settings` gives what each target carries.
    pub fn with(
        config: &Config,
        selection: &Selection,
        head: Option<String>,
        env: Option<&str>,
        mut settings: impl FnMut(&Target) -> S,
    ) -> Result<Plan<S>, UnknownTarget> {
        let mut chosen: Vec<(&Target, Vec<String>, Why, Option<Since>)> = Vec::new();
        let mut not_planned = Vec::new();
        let (base, why) = match selection {
            Selection::Changed {
                changes,
                settings,
                own,
            } => {
                for target in &config.targets {
                    let (range, settings_why) = match own.get(&target.name) {
                        Some(own) => (&own.changes, own.settings.as_ref()),
                        None => (changes, settings.get(&target.name)),
                    };
                    let mut paths: Vec<String> = range
                        .paths
                        .iter()
                        .filter(|p| target.paths.matches(p))
                        .cloned()
                        .collect();
                    if let Some(why) = settings_why {
                        paths.push(why.clone());
                    }
                    let since = Since {
                        base: range.base.map(|b| b.to_string()),
                        why: range.why.clone(),
                    };
                    if range.everything {
                        chosen.push((target, paths, Why::BaseUnknown, Some(since)));
                    } else if !paths.is_empty() {
                        chosen.push((target, paths, Why::Changed, Some(since)));
                    } else {
                        not_planned.push(NotPlanned {
                            name: target.name.clone(),
                            since,
                        });
                    }
                }
                (changes.base.map(|b| b.to_string()), changes.why.clone())
            }
            Selection::All => {
                chosen.extend(
                    config
                        .targets
                        .iter()
                        .map(|t| (t, Vec::new(), Why::All, None)),
                );
                (None, "--all: every target".to_string())
            }
            Selection::Named(names) => {
                if let Some(name) = names.iter().find(|n| config.target(n).is_none()) {
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
                chosen.extend(
                    config
                        .targets
                        .iter()
                        .filter(|t| names.contains(&t.name))
                        .map(|t| (t, Vec::new(), Why::Named, None)),
                );
                (None, "targets named on the command line".to_string())
            }
        };
        // `after` only orders what is in this plan; the config lists targets in
        // run order, so each target's `after` is placed before it.
        let names: Vec<&str> = chosen.iter().map(|(t, ..)| t.name.as_str()).collect();
        let mut targets: Vec<PlannedTarget<S>> = Vec::new();
        for (target, paths, why, since) in chosen {
            let after: Vec<String> = target
                .after
                .iter()
                .filter(|a| names.contains(&a.as_str()))
                .cloned()
                .collect();
            let wave = targets
                .iter()
                .filter(|t| after.contains(&t.name))
                .map(|t| t.wave + 1)
                .max()
                .unwrap_or(0);
            targets.push(PlannedTarget {
                name: target.name.clone(),
                kind: target.kind,
                paths,
                after,
                wave,
                why,
                since,
                settings: settings(target),
                outputs: env.map_or_else(Outputs::default, |e| Outputs::of(config, target, e)),
            });
        }
        Ok(Plan {
            base,
            head,
            why,
            env: env.map(str::to_owned),
            targets,
            not_planned,
        })
    }
}
