//! The network plan in deploy.toml: a terraform target's `vpc_cidr`, `azs`,
//! `public_subnets` and `private_subnets`, per environment (usually in
//! `[targets.NAME.env.ENV]`). Checked when the file loads — each network on its
//! own, then every VPC against every other, across environments and targets —
//! so a bad layout fails before anything runs, naming the key.

use shared_infra::{NetworkInput, NetworkLayout};

use super::load::{Loader, RawConfig};
use super::{ConfigError, Target, TargetSettings, TerraformTarget};

const KEYS: [&str; 4] = ["vpc_cidr", "azs", "public_subnets", "private_subnets"];

impl TerraformTarget {
    /// The network plan, when the target has one.
    pub fn network(&self) -> Option<NetworkLayout> {
        Some(NetworkLayout {
            vpc_cidr: self.vpc_cidr.clone()?,
            azs: self.azs.clone()?,
            public_subnets: self.public_subnets.clone()?,
            private_subnets: self.private_subnets.clone()?,
        })
    }
}

pub(super) fn check(
    loader: &Loader<'_>,
    targets: &[Target],
    raw: &RawConfig,
) -> Result<(), ConfigError> {
    // The key of a value: under the environment's override when it sets it.
    let key = |target: &str, env: &str, field: &str, top: &str| -> (String, String) {
        let overridden = raw.targets[target]
            .get("env")
            .and_then(|e| e.get(env))
            .and_then(|o| o.get(top))
            .is_some();
        if overridden {
            (format!("targets.{target}.env.{env}.{field}"), String::new())
        } else {
            (
                format!("targets.{target}.{field}"),
                format!(" (environment {env})"),
            )
        }
    };

    let mut found: Vec<(&str, &str, String, NetworkLayout)> = Vec::new();
    for target in targets {
        for (env, settings) in &target.settings {
            let TargetSettings::Terraform(tf) = settings else {
                continue;
            };
            let present = [
                tf.vpc_cidr.is_some(),
                tf.azs.is_some(),
                tf.public_subnets.is_some(),
                tf.private_subnets.is_some(),
            ];
            if present.iter().all(|p| !p) {
                continue;
            }
            if let Some(i) = present.iter().position(|p| !p) {
                let (k, env_note) = key(&target.name, env, KEYS[i], KEYS[i]);
                return Err(loader.error(
                    k,
                    format!("missing{env_note}: `vpc_cidr`, `azs`, `public_subnets` and `private_subnets` go together (give all four, usually per environment in [targets.{}.env.{env}])", target.name),
                ));
            }
            let region = raw.environments[env]
                .region
                .clone()
                .unwrap_or_else(|| raw.project.region.clone());
            found.push((
                &target.name,
                env,
                region,
                tf.network().expect("all four present"),
            ));
        }
    }
    let several_targets = found.windows(2).any(|w| w[0].0 != w[1].0);
    let labels: Vec<String> = found
        .iter()
        .map(|(target, env, _, _)| {
            if several_targets {
                format!("{target} in {env}")
            } else {
                env.to_string()
            }
        })
        .collect();
    let inputs: Vec<NetworkInput<'_>> = found
        .iter()
        .zip(&labels)
        .map(|((_, _, region, layout), label)| NetworkInput {
            label,
            region,
            layout,
        })
        .collect();
    shared_infra::check_networks(&inputs).map_err(|problem| {
        let (target, env, _, _) = &found[problem.network];
        let (k, env_note) = key(target, env, &problem.field.key(), problem.field.top_key());
        loader.error(k, format!("{}{env_note}", problem.message))
    })?;
    Ok(())
}
