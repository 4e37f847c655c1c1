//! The shared stack's outputs, read from its remote state object in S3 (the
//! state format version 4 that Terraform writes), for the other targets to use —
//! what the API's and web's Terraform read through `terraform_remote_state`.

use std::collections::BTreeMap;

use crate::error::InfraError;
use crate::state::{self, RawOutput};
use crate::{Clients, StateLocation};

/// The shared stack's outputs, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedOutputs {
    pub vpc_id: String,
    pub public_subnet_ids: Vec<String>,
    pub private_subnet_ids: Vec<String>,
    pub ecs_cluster_arn: String,
    /// The `ecs_cluster_name` output, or the name in the cluster's ARN.
    pub ecs_cluster_name: String,
    /// `None` when the stack has no such output (e.g. no zone in dev).
    pub hosted_zone_id: Option<String>,
    pub alert_topic_arn: Option<String>,
}

/// The outputs a config string can use, by output name: the single values.
pub const SCALAR_OUTPUTS: &[&str] = &[
    "vpc_id",
    "ecs_cluster_arn",
    "ecs_cluster_name",
    "hosted_zone_id",
    "alert_topic_arn",
];

impl SharedOutputs {
    /// A single-valued output by name; `None` for an unknown name or an output
    /// the stack does not have.
    pub fn get(&self, name: &str) -> Option<&str> {
        match name {
            "vpc_id" => Some(&self.vpc_id),
            "ecs_cluster_arn" => Some(&self.ecs_cluster_arn),
            "ecs_cluster_name" => Some(&self.ecs_cluster_name),
            "hosted_zone_id" => self.hosted_zone_id.as_deref(),
            "alert_topic_arn" => self.alert_topic_arn.as_deref(),
            _ => None,
        }
    }

    /// Parses a state file (format version 4).
    pub fn from_state(location: &StateLocation, bytes: &[u8]) -> Result<SharedOutputs, InfraError> {
        let raw = state::outputs(location, bytes)?;
        let outputs = Outputs {
            location,
            outputs: &raw,
        };
        let ecs_cluster_arn = outputs.string("ecs_cluster_arn")?;
        let ecs_cluster_name = match outputs.optional_string("ecs_cluster_name")? {
            Some(name) => name,
            None => ecs_cluster_arn
                .rsplit_once(":cluster/")
                .map(|(_, name)| name.to_string())
                .ok_or_else(|| {
                    outputs.error(
                        "ecs_cluster_name",
                        format!("missing, and the cluster ARN {ecs_cluster_arn:?} holds no name"),
                    )
                })?,
        };
        Ok(SharedOutputs {
            vpc_id: outputs.string("vpc_id")?,
            public_subnet_ids: outputs.strings("public_subnet_ids")?,
            private_subnet_ids: outputs.strings("private_subnet_ids")?,
            ecs_cluster_arn,
            ecs_cluster_name,
            hosted_zone_id: outputs.optional_string("hosted_zone_id")?,
            alert_topic_arn: outputs.optional_string("alert_topic_arn")?,
        })
    }
}

/// Reads the state object and its outputs.
pub async fn read_outputs(
    clients: &Clients,
    location: &StateLocation,
) -> Result<SharedOutputs, InfraError> {
    let bytes = state::fetch(clients, location).await?;
    SharedOutputs::from_state(location, &bytes)
}

struct Outputs<'a> {
    location: &'a StateLocation,
    outputs: &'a BTreeMap<String, RawOutput>,
}

impl Outputs<'_> {
    fn error(&self, name: &str, message: impl Into<String>) -> InfraError {
        InfraError::output(self.location, name, message)
    }

    fn missing(&self, name: &str) -> InfraError {
        let have: Vec<&str> = self.outputs.keys().map(String::as_str).collect();
        self.error(
            name,
            format!(
                "missing; the shared stack must declare `output \"{name}\"` (it has: {})",
                if have.is_empty() {
                    "none".into()
                } else {
                    have.join(", ")
                }
            ),
        )
    }

    fn optional_string(&self, name: &str) -> Result<Option<String>, InfraError> {
        match self.outputs.get(name).map(|o| &o.value) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => {
                Err(self.error(name, format!("expected a string, found {}", kind(other))))
            }
        }
    }

    fn string(&self, name: &str) -> Result<String, InfraError> {
        self.optional_string(name)?
            .ok_or_else(|| self.missing(name))
    }

    fn strings(&self, name: &str) -> Result<Vec<String>, InfraError> {
        let value = &self
            .outputs
            .get(name)
            .ok_or_else(|| self.missing(name))?
            .value;
        let list = value.as_array().ok_or_else(|| {
            self.error(
                name,
                format!("expected a list of strings, found {}", kind(value)),
            )
        })?;
        list.iter()
            .map(|v| {
                v.as_str().map(str::to_owned).ok_or_else(|| {
                    self.error(
                        name,
                        format!(
                            "expected a list of strings, found an item that is {}",
                            kind(v)
                        ),
                    )
                })
            })
            .collect()
    }
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a bool",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}
