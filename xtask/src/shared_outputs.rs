//! Filling `{TARGET.OUTPUT}` in a target's settings with the outputs of a
//! terraform target, read from its state in S3 when the target runs (the config
//! checked the names when it loaded: see `config/outputs.rs`).

use anyhow::Context;
use serde::{de::DeserializeOwned, Serialize};
use std::collections::BTreeMap;

use crate::config::{outputs::references, TargetSettings};
use crate::context::EnvContext;
use crate::error::BadInput;

/// `settings` with every `{TARGET.OUTPUT}` replaced by its value; the same
/// settings when there is none. `name` is the target they belong to.
pub async fn fill<T: Serialize + DeserializeOwned>(
    ctx: &EnvContext<'_>,
    name: &str,
    settings: &T,
) -> anyhow::Result<T> {
    let mut value = serde_json::to_value(settings).expect("plain data serializes");
    let refs = references(&value);
    if refs.is_empty() {
        return Ok(serde_json::from_value(value).expect("round trip"));
    }
    let mut outputs = BTreeMap::new();
    for (_, source, _) in &refs {
        if outputs.contains_key(source) {
            continue;
        }
        let location = state_location(ctx, source)?;
        let read = shared_infra::read_outputs(&shared_infra::Clients::new(&ctx.sdk), &location)
            .await
            .map_err(|e| {
                let message = format!("{name}: reading the outputs of {source}: {e}");
                if e.is_bad_input() {
                    anyhow::Error::new(BadInput(message))
                } else {
                    anyhow::anyhow!(message)
                }
            })?;
        outputs.insert(source.clone(), (location, read));
    }
    for (path, source, output) in &refs {
        let (location, read) = &outputs[source];
        let Some(v) = read.get(output) else {
            return Err(BadInput(format!(
                "{name}: targets.{name}.{path} uses {{{source}.{output}}}, but the state s3://{}/{} has no output `{output}`: declare it in {source}'s Terraform and deploy {source}",
                location.bucket, location.key
            ))
            .into());
        };
        eprintln!(
            "{name}: {{{source}.{output}}} = {v} (from s3://{}/{})",
            location.bucket, location.key
        );
    }
    replace_strings(&mut value, &|s| {
        let mut s = s.to_string();
        for (source, (_, read)) in &outputs {
            for output in shared_infra::SCALAR_OUTPUTS {
                if let Some(v) = read.get(output) {
                    s = s.replace(&format!("{{{source}.{output}}}"), v);
                }
            }
        }
        s
    });
    serde_json::from_value(value).with_context(|| format!("{name}: filling outputs"))
}

fn state_location(
    ctx: &EnvContext<'_>,
    source: &str,
) -> anyhow::Result<shared_infra::StateLocation> {
    let target = ctx
        .ws
        .config
        .target(source)
        .with_context(|| format!("unknown target {source} (checked at load)"))?;
    let TargetSettings::Terraform(tf) = &target.settings[&ctx.env] else {
        anyhow::bail!("{source} is not a terraform target (checked at load)");
    };
    crate::settings::terraform_stack(&ctx.ws.root, tf, ctx.ws.config.region(&ctx.env))
        .state
        .with_context(|| format!("{source} has no state location (checked at load)"))
}

fn replace_strings(value: &mut serde_json::Value, f: &impl Fn(&str) -> String) {
    match value {
        serde_json::Value::String(s) => *s = f(s),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| replace_strings(v, f)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|v| replace_strings(v, f)),
        _ => {}
    }
}
