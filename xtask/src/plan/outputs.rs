//! Filling `{TARGET.OUTPUT}` in the planned targets' typed settings: any output
//! of any terraform target, by name, read from its state in S3.
//!
//! - Before anything runs ([`check_before`]): every output a target uses from a
//!   stack this run does not deploy is looked up in that stack's state now, so
//!   a wrong name fails (exit 2, naming the outputs the state has) before the
//!   first wave touches anything.
//! - Between waves ([`fill_wave`]): each state a wave's settings name is read
//!   once, after the waves before it ran, so a stack deployed earlier in the
//!   same run gives its fresh outputs; every placeholder is replaced in place.
//!
//! Strings, numbers and bools fill as text; a list fills a list setting (an
//! item that is just `{TARGET.OUTPUT}` becomes the list's items); a terraform
//! target's `vars` take any output as its JSON value. A `sensitive` output is
//! never used (it would show in logs and records).

use std::collections::BTreeMap;

use shared_infra::{InfraError, StackOutputs};

use crate::config::outputs::{OutputRef, Slot};
use crate::config::rules;
use crate::context::EnvContext;
use crate::error::BadInput;

use super::{Outputs, Plan, PlannedTarget, Settings};

/// The states read for a step, by terraform target; a read that failed keeps its
/// error for every target that needs it.
type Read = BTreeMap<String, Result<StackOutputs, InfraError>>;

/// Checks, before anything runs, the outputs each target uses from stacks this
/// plan does not deploy (those states will not change during the run).
pub async fn check_before(ctx: &EnvContext, plan: &Plan) -> anyhow::Result<()> {
    let planned: Vec<&str> = plan.target_names();
    let mut read = Read::new();
    for target in &plan.targets {
        let outputs = &target.outputs;
        let outside: Vec<&OutputRef> = outputs
            .refs
            .iter()
            .filter(|r| !planned.contains(&r.source.as_str()))
            .collect();
        for r in &outside {
            if let (false, Some(location)) =
                (read.contains_key(&r.source), outputs.states.get(&r.source))
            {
                read.insert(r.source.clone(), read_state(ctx, location).await);
            }
        }
        let mut trial = target.settings.clone();
        let mut trial_outputs = outputs.clone();
        trial_outputs.refs.retain(|r| outside.contains(&r));
        let file = &ctx.config_file;
        fill(file, &target.name, &mut trial, &trial_outputs, &read, false)?;
    }
    Ok(())
}

/// Fills the `{TARGET.OUTPUT}`s of every target of `wave`, reading each state
/// they name once. A target whose outputs cannot be filled gets its error
/// (the others go on).
pub async fn fill_wave(ctx: &EnvContext, wave: &mut [PlannedTarget]) -> Vec<anyhow::Result<()>> {
    let mut read = Read::new();
    for target in wave.iter() {
        for (source, location) in &target.outputs.states {
            if !read.contains_key(source) {
                read.insert(source.clone(), read_state(ctx, location).await);
            }
        }
    }
    let file = &ctx.config_file;
    wave.iter_mut()
        .map(|t| fill(file, &t.name, &mut t.settings, &t.outputs, &read, true))
        .collect()
}

/// Fills one target's settings (the same settings when they use no output).
pub async fn fill_one(ctx: &EnvContext, target: &mut PlannedTarget) -> anyhow::Result<()> {
    let mut results = fill_wave(ctx, std::slice::from_mut(target)).await;
    results.pop().unwrap_or(Ok(()))
}

async fn read_state(
    ctx: &EnvContext,
    location: &shared_infra::StateLocation,
) -> Result<StackOutputs, InfraError> {
    shared_infra::read_stack_outputs(&shared_infra::Clients::new(&ctx.sdk), location).await
}

/// Replaces the placeholders of `outputs` in `settings` with the outputs in
/// `read`; `show` prints each value used.
fn fill(
    file: &str,
    name: &str,
    settings: &mut Settings,
    outputs: &Outputs,
    read: &Read,
    show: bool,
) -> anyhow::Result<()> {
    if outputs.refs.is_empty() {
        return Ok(());
    }
    let mut stacks: BTreeMap<&str, &StackOutputs> = BTreeMap::new();
    for r in &outputs.refs {
        let Some(result) = read.get(&r.source) else {
            continue;
        };
        match result {
            Ok(outputs) => {
                stacks.insert(&r.source, outputs);
            }
            Err(e) => {
                let message = format!(
                    "{name}: reading the outputs of {}: {}",
                    r.source,
                    match e {
                        InfraError::StateNotFound { .. } => format!(
                        "{e} (deploy {} first, or check its state_bucket and state_key in {file})",
                        r.source
                    ),
                        _ => e.to_string(),
                    }
                );
                return Err(if e.is_bad_input() {
                    BadInput::error(message)
                } else {
                    anyhow::anyhow!(message)
                });
            }
        }
    }
    let resolve = Resolver {
        name,
        stacks: &stacks,
    };
    let refs = &outputs.refs;
    for (key, slot) in settings.slots() {
        match slot {
            Slot::Text(s) => *s = resolve.text(&key, s, refs)?,
            Slot::Path(p) => {
                let text = p.to_string_lossy().into_owned();
                *p = resolve.text(&key, &text, refs)?.into();
            }
            Slot::List(items) => *items = resolve.list(&key, items, refs)?,
            Slot::Value(v) => resolve.value(&key, v, refs)?,
        }
    }
    // Filled values meet the rules deploy.toml's own values meet as it loads.
    for (key, slot) in settings.slots() {
        let from: Vec<&OutputRef> = refs
            .iter()
            .filter(|r| r.key == key || r.key.starts_with(&format!("{key}[")))
            .collect();
        if from.is_empty() {
            continue;
        }
        let parts: Vec<&str> = from
            .iter()
            .filter_map(|r| stacks.get(r.source.as_str())?.text(&r.output).ok())
            .collect();
        rules::check_filled(&key, &slot, &parts).map_err(|(key, message)| {
            let from: Vec<String> = from
                .iter()
                .map(|r| format!("{{{}.{}}}", r.source, r.output))
                .collect();
            let from = from.join(", ");
            BadInput::error(format!(
                "{file}: targets.{name}.{key}: {message} (filled from {from})"
            ))
        })?;
    }
    if show {
        for r in refs {
            if let Some(outputs) = stacks.get(r.source.as_str()) {
                if let Ok(value) = outputs.value(&r.output) {
                    let location = outputs.location();
                    eprintln!(
                        "{name}: {{{}.{}}} = {value} (from s3://{}/{})",
                        r.source, r.output, location.bucket, location.key
                    );
                }
            }
        }
    }
    Ok(())
}

/// Fills one target's strings from the stacks' outputs.
struct Resolver<'a> {
    name: &'a str,
    stacks: &'a BTreeMap<&'a str, &'a StackOutputs>,
}

impl Resolver<'_> {
    /// `s` with every placeholder of `refs` filled by its output as text.
    fn text(&self, key: &str, s: &str, refs: &[OutputRef]) -> anyhow::Result<String> {
        let mut out = s.to_string();
        for r in refs {
            let placeholder = format!("{{{}.{}}}", r.source, r.output);
            if !out.contains(&placeholder) {
                continue;
            }
            let Some(stack) = self.stacks.get(r.source.as_str()) else {
                continue;
            };
            let value = stack.text(&r.output).map_err(|e| self.refused(key, r, e))?;
            out = out.replace(&placeholder, value);
        }
        Ok(out)
    }

    /// A list setting: an item that is just a list output becomes its items.
    fn list(&self, key: &str, items: &[String], refs: &[OutputRef]) -> anyhow::Result<Vec<String>> {
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let key = format!("{key}[{i}]");
            match self.whole(item, refs) {
                Some((r, stack))
                    if stack
                        .get(&r.output)
                        .is_some_and(|o| o.value.as_list().is_some()) =>
                {
                    let list = stack
                        .list(&r.output)
                        .map_err(|e| self.refused(&key, r, e))?;
                    out.extend(list.iter().cloned());
                }
                _ => out.push(self.text(&key, item, refs)?),
            }
        }
        Ok(out)
    }

    /// A value passed on as JSON (a terraform variable): a string that is just
    /// `{TARGET.OUTPUT}` becomes the output's value, whatever its type; in a
    /// list, a list output's items take its place.
    fn value(
        &self,
        key: &str,
        v: &mut serde_json::Value,
        refs: &[OutputRef],
    ) -> anyhow::Result<()> {
        match v {
            serde_json::Value::String(s) => match self.whole(s, refs) {
                Some((r, stack)) => {
                    let value = stack
                        .value(&r.output)
                        .map_err(|e| self.refused(key, r, e))?;
                    *v = value.to_json();
                }
                None => *s = self.text(key, s, refs)?,
            },
            serde_json::Value::Array(items) => {
                let mut out = Vec::new();
                for (i, mut item) in std::mem::take(items).into_iter().enumerate() {
                    let key = format!("{key}[{i}]");
                    let is_list = |s: &str| {
                        self.whole(s, refs).is_some_and(|(r, stack)| {
                            matches!(
                                stack.value(&r.output),
                                Ok(shared_infra::OutputValue::List(_))
                            )
                        })
                    };
                    let splice = item.as_str().is_some_and(is_list);
                    self.value(&key, &mut item, refs)?;
                    match item {
                        serde_json::Value::Array(inner) if splice => out.extend(inner),
                        other => out.push(other),
                    }
                }
                *v = serde_json::Value::Array(out);
            }
            serde_json::Value::Object(map) => {
                for (k, item) in map.iter_mut() {
                    self.value(&format!("{key}.{k}"), item, refs)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The reference `s` is, when it is exactly one placeholder of a stack read.
    fn whole<'r>(&self, s: &str, refs: &'r [OutputRef]) -> Option<(&'r OutputRef, &StackOutputs)> {
        let r = refs
            .iter()
            .find(|r| s == format!("{{{}.{}}}", r.source, r.output))?;
        Some((r, self.stacks.get(r.source.as_str())?))
    }

    fn refused(&self, key: &str, r: &OutputRef, e: InfraError) -> anyhow::Error {
        let name = self.name;
        BadInput::error(format!(
            "{name}: targets.{name}.{key} uses {{{}.{}}}: {e}",
            r.source, r.output
        ))
    }
}
