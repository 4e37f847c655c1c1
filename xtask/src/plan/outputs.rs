//! Filling `{TARGET.OUTPUT}` in the settings of a wave's targets, between waves:
//! each terraform target a wave's settings name is read once from its state in
//! S3 — after the waves before it ran, so a stack deployed earlier in the same
//! run gives its fresh outputs — and every placeholder is replaced in place in
//! the typed settings. The config checked the names when it loaded (see
//! `config/outputs.rs`); what only the state can tell (an output it does not
//! have) fails the target that uses it, before it acts.

use std::collections::BTreeMap;

use crate::config::outputs::Slot;
use crate::context::EnvContext;
use crate::error::BadInput;

use super::{PlannedTarget, Settings};

/// One output's value, as settings take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputValue {
    Text(String),
    List(Vec<String>),
}

/// The outputs of one terraform target, read from its state.
#[derive(Debug, Clone)]
pub struct StackOutputs {
    pub location: shared_infra::StateLocation,
    pub values: BTreeMap<String, OutputValue>,
}

/// A state that could not be read: the message, and whether the user can fix it.
#[derive(Debug, Clone)]
pub struct ReadFailure {
    message: String,
    bad_input: bool,
}

type Read = BTreeMap<String, Result<StackOutputs, ReadFailure>>;

/// Fills the `{TARGET.OUTPUT}`s of every target of `wave`, reading each state
/// they name once. A target whose outputs cannot be filled gets its error
/// (the others go on); its settings are then left as they were.
pub async fn fill_wave(
    ctx: &EnvContext<'_>,
    wave: &mut [PlannedTarget],
) -> Vec<anyhow::Result<()>> {
    let mut read: Read = BTreeMap::new();
    for target in wave.iter() {
        for (source, location) in &target.settings.states {
            if !read.contains_key(source) {
                read.insert(source.clone(), read_state(ctx, location).await);
            }
        }
    }
    wave.iter_mut()
        .map(|t| fill(&t.name, &mut t.settings, &read))
        .collect()
}

/// Fills one target's settings (the same settings when they use no output).
pub async fn fill_one(ctx: &EnvContext<'_>, target: &mut PlannedTarget) -> anyhow::Result<()> {
    let mut results = fill_wave(ctx, std::slice::from_mut(target)).await;
    results.pop().unwrap_or(Ok(()))
}

async fn read_state(
    ctx: &EnvContext<'_>,
    location: &shared_infra::StateLocation,
) -> Result<StackOutputs, ReadFailure> {
    let read = shared_infra::read_outputs(&shared_infra::Clients::new(&ctx.sdk), location).await;
    match read {
        Ok(outputs) => Ok(StackOutputs {
            location: location.clone(),
            values: shared_infra::SCALAR_OUTPUTS
                .iter()
                .filter_map(|name| {
                    let value = outputs.get(name)?;
                    Some((name.to_string(), OutputValue::Text(value.to_string())))
                })
                .collect(),
        }),
        Err(e) => Err(ReadFailure {
            message: e.to_string(),
            bad_input: e.is_bad_input(),
        }),
    }
}

fn fill(name: &str, settings: &mut Settings, read: &Read) -> anyhow::Result<()> {
    if settings.outputs.is_empty() {
        return Ok(());
    }
    let mut used: BTreeMap<String, &StackOutputs> = BTreeMap::new();
    for r in &settings.outputs {
        let Some(result) = read.get(&r.source) else {
            continue;
        };
        let outputs = match result {
            Ok(outputs) => outputs,
            Err(failure) => {
                let message = format!(
                    "{name}: reading the outputs of {}: {}",
                    r.source, failure.message
                );
                return Err(if failure.bad_input {
                    BadInput::error(message)
                } else {
                    anyhow::anyhow!(message)
                });
            }
        };
        let Some(value) = outputs.values.get(&r.output) else {
            return Err(BadInput::error(format!(
                "{name}: targets.{name}.{} uses {{{}.{}}}, but the state s3://{}/{} has no output `{}`: declare it in {}'s Terraform and deploy {}",
                r.key, r.source, r.output, outputs.location.bucket, outputs.location.key, r.output, r.source, r.source
            )));
        };
        eprintln!(
            "{name}: {{{}.{}}} = {} (from s3://{}/{})",
            r.source,
            r.output,
            describe(value),
            outputs.location.bucket,
            outputs.location.key
        );
        used.insert(r.source.clone(), outputs);
    }
    let replace = |s: &str| {
        let mut s = s.to_string();
        for (source, outputs) in &used {
            for (output, value) in &outputs.values {
                if let OutputValue::Text(v) = value {
                    s = s.replace(&format!("{{{source}.{output}}}"), v);
                }
            }
        }
        s
    };
    for (_, slot) in settings.values.slots() {
        match slot {
            Slot::Text(s) => *s = replace(s),
            Slot::List(items) => items.iter_mut().for_each(|s| *s = replace(s)),
        }
    }
    Ok(())
}

fn describe(value: &OutputValue) -> String {
    match value {
        OutputValue::Text(s) => s.clone(),
        OutputValue::List(items) => format!("[{}]", items.join(", ")),
    }
}
