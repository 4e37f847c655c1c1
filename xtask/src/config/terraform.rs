//! A `terraform` target's keys: a root module, where its state lives, and the
//! network plan (checked in `network.rs`).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

use super::rules;

/// A Terraform root module, applied only with approval.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TerraformTarget {
    /// The root module's folder, relative to the repository root.
    pub dir: String,
    /// Whether `apply` needs an explicit approval.
    #[serde(default = "yes")]
    pub approval: bool,
    /// Where the stack keeps its state, so others can read its outputs.
    #[serde(default)]
    pub state_bucket: Option<String>,
    #[serde(default)]
    pub state_key: Option<String>,
    /// The network plan, all four or none (checked in `network.rs`): the VPC's
    /// CIDR block, its availability zones, and one public and one private
    /// subnet per zone, in the order of `azs`.
    #[serde(default)]
    pub vpc_cidr: Option<String>,
    #[serde(default)]
    pub azs: Option<Vec<String>>,
    #[serde(default)]
    pub public_subnets: Option<Vec<String>>,
    #[serde(default)]
    pub private_subnets: Option<Vec<String>>,
    /// Values for the root module's input variables, e.g. other stacks' outputs:
    /// `vars = { vpc_id = "{shared.vpc_id}", private_subnet_ids = "{shared.private_subnet_ids}" }`
    /// (a string that is just `{TARGET.OUTPUT}` passes the output as it is: a
    /// list stays a list). Passed to terraform in a private `-var-file`.
    #[serde(default)]
    pub vars: BTreeMap<String, serde_json::Value>,
}

fn yes() -> bool {
    true
}

impl TerraformTarget {
    /// What loading checks beyond the types. The key (below the target's) and
    /// the message of the first problem.
    pub(super) fn check(&self) -> Result<(), (String, String)> {
        rules::check_key("dir", &self.dir)?;
        if self.state_bucket.is_some() != self.state_key.is_some() {
            return Err((
                "state_key".into(),
                "`state_bucket` and `state_key` go together: give both or neither".into(),
            ));
        }
        for (key, value) in [
            ("state_bucket", &self.state_bucket),
            ("state_key", &self.state_key),
        ] {
            if let Some(v) = value {
                rules::check_key(key, v)?;
            }
        }
        for name in self.vars.keys() {
            rules::check(&format!("vars.{name}"), name, rules::terraform_variable)?;
        }
        Ok(())
    }

    /// Where the stack's state is, when the target says; `region` is the
    /// environment's.
    pub fn state(&self, region: &str) -> Option<shared_infra::StateLocation> {
        Some(shared_infra::StateLocation {
            bucket: self.state_bucket.clone()?,
            key: self.state_key.clone()?,
            region: region.to_string(),
        })
    }

    /// The crate's settings for this stack; `root` is the repository's, which
    /// `dir` is relative to; `region` the environment's.
    pub fn stack(&self, root: &Path, region: &str) -> shared_infra::StackSettings {
        shared_infra::StackSettings {
            dir: root.join(&self.dir),
            approval_required: self.approval,
            state: self.state(region),
        }
    }
}
