//! The plan: which targets run, in which order (waves), why, and — for an
//! environment — with which settings. Plain data, worked out before anything
//! acts; every command starts from one, and nothing goes back to the config
//! once it is made.
//!
//! ```text
//! Config + Selection ──Plan::new──> Plan { targets: [PlannedTarget { wave, why, settings }] }
//!                                     │ waves(): targets of a wave run at the same time
//!                                     └─ between waves: outputs::fill (the {TARGET.OUTPUT}s
//!                                        of the next wave, from the states the last one left)
//! ```

pub mod deployed;
mod fetch;
pub mod guards;
mod make;
pub mod outputs;
mod select;
mod settings;

use serde::Serialize;
use std::collections::BTreeMap;

use crate::config::{outputs::OutputRef, Config, Target, TargetKind, TargetSettings};

pub use make::{make, short, PlanRequest};
pub use select::{Selection, TargetRange, UnknownTarget};
pub use settings::{
    BuildStep, EcsSettings, GeneratedFile, ImageBuild, PreviewTemplate, Settings, SiteSettings,
    StackSettings, Uncommitted,
};

/// The plan of a run. `S` is what each target carries besides its name and
/// place: its [`Settings`] resolved for an environment, `()` for a plan
/// without one.
#[derive(Debug, Clone, Serialize)]
pub struct Plan<S = Settings> {
    /// The commit compared from; `None` for `--all`, named targets, or an
    /// unknown base planned with `--all-if-unknown`.
    pub base: Option<String>,
    /// The commit compared to (or deployed), when there is a repository head.
    pub head: Option<String>,
    /// How the range was chosen, or why every target runs.
    pub why: String,
    pub env: Option<String>,
    /// In run order.
    pub targets: Vec<PlannedTarget<S>>,
    /// `--changed`: the targets nothing changed for, each with the range it
    /// was compared in.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_planned: Vec<NotPlanned>,
}

/// The range a target was compared in (`--changed`): its base and why that
/// base — the push, the merge-base, or what is deployed of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Since {
    pub base: Option<String>,
    pub why: String,
}

/// A target `--changed` did not plan: nothing of it changed since `since`.
#[derive(Debug, Clone, Serialize)]
pub struct NotPlanned {
    pub name: String,
    pub since: Since,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedTarget<S = Settings> {
    pub name: String,
    pub kind: TargetKind,
    /// The changed paths that selected this target (empty when it was named or
    /// everything runs); a change to its settings in deploy.toml is one line here.
    pub paths: Vec<String>,
    /// The targets of this plan it must wait for.
    pub after: Vec<String>,
    /// Its wave: 0 for targets that wait for none, else one more than the
    /// latest wave it runs after.
    pub wave: usize,
    pub why: Why,
    /// `--changed`: the range this target was compared in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Since>,
    #[serde(skip)]
    pub settings: S,
    /// The `{TARGET.OUTPUT}`s in `settings` (none without an environment).
    #[serde(skip)]
    pub outputs: Outputs,
}

/// Why a target is in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Why {
    /// Its paths changed, or its settings in deploy.toml did.
    Changed,
    /// The base was unknown and `--all-if-unknown` plans everything.
    BaseUnknown,
    /// `--all`.
    All,
    /// Named on the command line.
    Named,
}

/// The `{TARGET.OUTPUT}`s a target's settings use, and where each terraform
/// target they name keeps its state.
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    pub refs: Vec<OutputRef>,
    pub states: BTreeMap<String, shared_infra::StateLocation>,
}

impl Outputs {
    /// The outputs `target` uses in `env` (an environment of `config`).
    pub fn of(config: &Config, target: &Target, env: &str) -> Outputs {
        let refs = crate::config::outputs::references(&target.settings[env]);
        let mut states = BTreeMap::new();
        for source in refs.iter().map(|r| r.source.as_str()) {
            // The config checked that a source is a terraform target with a state.
            let location = config.target(source).and_then(|t| match &t.settings[env] {
                TargetSettings::Terraform(tf) => tf.state(config.region(env)),
                _ => None,
            });
            if let Some(location) = location {
                states.insert(source.to_string(), location);
            }
        }
        Outputs { refs, states }
    }
}

impl<S> Plan<S> {
    pub fn target_names(&self) -> Vec<&str> {
        self.targets.iter().map(|t| t.name.as_str()).collect()
    }

    /// The targets, wave by wave.
    pub fn into_waves(self) -> Vec<Vec<PlannedTarget<S>>> {
        let mut waves: Vec<Vec<PlannedTarget<S>>> = Vec::new();
        for t in self.targets {
            if waves.len() <= t.wave {
                waves.resize_with(t.wave + 1, Vec::new);
            }
            waves[t.wave].push(t);
        }
        waves
    }
}
