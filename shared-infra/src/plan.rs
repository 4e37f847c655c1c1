//! The summary of a saved plan, from `terraform show -json PLANFILE`: what is
//! added, changed, destroyed and replaced, and which of those are networking
//! resources whose loss takes every service down with them.
//!
//! Counts follow Terraform's own "Plan: X to add, Y to change, Z to destroy": a
//! replacement (`["delete","create"]`, or `["create","delete"]` with
//! create_before_destroy) counts once to add and once to destroy, and is also
//! listed as a replacement. Data-source reads and no-ops are not changes.

use serde::Deserialize;

use crate::error::InfraError;

/// Resource types whose destruction or replacement cuts the network (or the
/// cluster, or DNS) from under every service: a plan that does it is called out.
pub const NETWORKING_TYPES: &[&str] = &[
    "aws_vpc",
    "aws_vpc_ipv4_cidr_block_association",
    "aws_subnet",
    "aws_internet_gateway",
    "aws_egress_only_internet_gateway",
    "aws_nat_gateway",
    "aws_eip",
    "aws_route_table",
    "aws_route_table_association",
    "aws_route",
    "aws_main_route_table_association",
    "aws_network_acl",
    "aws_vpc_endpoint",
    "aws_vpc_peering_connection",
    "aws_ec2_transit_gateway_vpc_attachment",
    "aws_ecs_cluster",
    "aws_route53_zone",
    "aws_route53_record",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Create,
    Update,
    Delete,
    /// Destroy and create (either order).
    Replace,
    /// Removed from the state without being destroyed (a `removed` block).
    Forget,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Create => "create",
            ChangeKind::Update => "update",
            ChangeKind::Delete => "destroy",
            ChangeKind::Replace => "replace",
            ChangeKind::Forget => "forget",
        }
    }
}

/// One managed resource the plan changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceChange {
    /// `module.networking.aws_vpc.main`, as Terraform prints it.
    pub address: String,
    /// `aws_vpc`.
    pub resource_type: String,
    pub kind: ChangeKind,
    /// Terraform's reason, e.g. `replace_because_cannot_update`.
    pub reason: Option<String>,
    /// For a replacement: the attributes that force it, e.g. `cidr_block`.
    pub forced_by: Vec<String>,
}

impl ResourceChange {
    /// A destroy or replacement of a networking resource.
    pub fn is_dangerous(&self) -> bool {
        matches!(self.kind, ChangeKind::Delete | ChangeKind::Replace)
            && NETWORKING_TYPES.contains(&self.resource_type.as_str())
    }
}

/// What a saved plan would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanSummary {
    pub terraform_version: String,
    /// Managed resources that change, in the plan's order.
    pub changes: Vec<ResourceChange>,
    /// Root outputs whose value changes.
    pub outputs_changed: Vec<String>,
    /// A digest of every planned change with its values (address, actions,
    /// before, after, what is known only after apply; the same for outputs):
    /// two plans with the same fingerprint make the same changes. A CI plan job
    /// shows a plan to its reviewers; the apply job behind their approval applies
    /// its own plan only when the fingerprints agree. Empty when nothing changes.
    pub fingerprint: String,
}

impl PlanSummary {
    /// Parses `terraform show -json PLANFILE` (plan format 1.x).
    pub fn parse(json: &str) -> Result<PlanSummary, InfraError> {
        let raw: RawPlan =
            serde_json::from_str(json).map_err(|e| InfraError::PlanJson(e.to_string()))?;
        if !raw.format_version.starts_with("1.") {
            return Err(InfraError::PlanJson(format!(
                "plan format_version {} is not supported (expected 1.x)",
                raw.format_version
            )));
        }
        if raw.errored {
            return Err(InfraError::PlanJson(
                "the plan errored: it cannot be applied (see terraform's output above)".into(),
            ));
        }
        let mut changes = Vec::new();
        let mut material = Vec::new();
        for rc in raw.resource_changes {
            if rc.mode != "managed" {
                continue;
            }
            let actions: Vec<&str> = rc.change.actions.iter().map(String::as_str).collect();
            if !matches!(actions.as_slice(), ["no-op"] | ["read"]) {
                material.push(serde_json::json!({
                    "address": rc.address,
                    "actions": actions,
                    "before": rc.change.before,
                    "after": rc.change.after,
                    "after_unknown": rc.change.after_unknown,
                }));
            }
            let kind = match actions.as_slice() {
                ["no-op"] | ["read"] => continue,
                ["create"] => ChangeKind::Create,
                ["update"] => ChangeKind::Update,
                ["delete"] => ChangeKind::Delete,
                ["delete", "create"] | ["create", "delete"] => ChangeKind::Replace,
                ["forget"] => ChangeKind::Forget,
                other => {
                    return Err(InfraError::PlanJson(format!(
                        "{}: unknown actions {other:?}",
                        rc.address
                    )))
                }
            };
            changes.push(ResourceChange {
                address: rc.address,
                resource_type: rc.resource_type,
                kind,
                reason: rc.action_reason,
                forced_by: rc
                    .change
                    .replace_paths
                    .iter()
                    .map(|path| {
                        path.iter()
                            .map(|step| match step {
                                serde_json::Value::String(s) => s.clone(),
                                other => other.to_string(),
                            })
                            .collect::<Vec<_>>()
                            .join(".")
                    })
                    .collect(),
            });
        }
        let mut outputs_changed = Vec::new();
        for (name, change) in raw.output_changes {
            if change.actions.iter().all(|a| a == "no-op") {
                continue;
            }
            material.push(serde_json::json!({
                "output": name,
                "actions": change.actions,
                "before": change.before,
                "after": change.after,
                "after_unknown": change.after_unknown,
            }));
            outputs_changed.push(name);
        }
        Ok(PlanSummary {
            terraform_version: raw.terraform_version,
            changes,
            outputs_changed,
            fingerprint: fingerprint(&material),
        })
    }

    fn count(&self, kinds: &[ChangeKind]) -> usize {
        self.changes
            .iter()
            .filter(|c| kinds.contains(&c.kind))
            .count()
    }

    /// Creates, replacements included (as Terraform counts).
    pub fn to_add(&self) -> usize {
        self.count(&[ChangeKind::Create, ChangeKind::Replace])
    }

    pub fn to_change(&self) -> usize {
        self.count(&[ChangeKind::Update])
    }

    /// Destroys, replacements included (as Terraform counts).
    pub fn to_destroy(&self) -> usize {
        self.count(&[ChangeKind::Delete, ChangeKind::Replace])
    }

    pub fn to_replace(&self) -> usize {
        self.count(&[ChangeKind::Replace])
    }

    pub fn to_forget(&self) -> usize {
        self.count(&[ChangeKind::Forget])
    }

    /// Whether applying would change anything (resources or outputs).
    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty() || !self.outputs_changed.is_empty()
    }

    /// Destroys and replacements of networking resources.
    pub fn dangerous(&self) -> Vec<&ResourceChange> {
        self.changes.iter().filter(|c| c.is_dangerous()).collect()
    }

    /// `Plan: 4 to add, 1 to change, 4 to destroy (3 replaced).`
    pub fn headline(&self) -> String {
        if !self.has_changes() {
            return "No changes: the infrastructure matches the configuration.".into();
        }
        let mut extra = Vec::new();
        if self.to_replace() > 0 {
            extra.push(format!("{} replaced", self.to_replace()));
        }
        if self.to_forget() > 0 {
            extra.push(format!("{} to forget", self.to_forget()));
        }
        if !self.outputs_changed.is_empty() {
            extra.push(format!("{} outputs change", self.outputs_changed.len()));
        }
        let extra = if extra.is_empty() {
            String::new()
        } else {
            format!(" ({})", extra.join(", "))
        };
        format!(
            "Plan: {} to add, {} to change, {} to destroy{extra}.",
            self.to_add(),
            self.to_change(),
            self.to_destroy()
        )
    }
}

#[derive(Deserialize)]
struct RawPlan {
    format_version: String,
    #[serde(default)]
    terraform_version: String,
    #[serde(default)]
    resource_changes: Vec<RawResourceChange>,
    #[serde(default)]
    output_changes: std::collections::BTreeMap<String, RawChange>,
    #[serde(default)]
    errored: bool,
}

#[derive(Deserialize)]
struct RawResourceChange {
    address: String,
    mode: String,
    #[serde(rename = "type")]
    resource_type: String,
    change: RawChange,
    #[serde(default)]
    action_reason: Option<String>,
}

#[derive(Deserialize)]
struct RawChange {
    actions: Vec<String>,
    #[serde(default)]
    replace_paths: Vec<Vec<serde_json::Value>>,
    #[serde(default)]
    before: serde_json::Value,
    #[serde(default)]
    after: serde_json::Value,
    #[serde(default)]
    after_unknown: serde_json::Value,
}

/// The first 128 bits of the SHA-256 of the changes as canonical JSON (serde_json
/// sorts object keys), in hex; empty for no changes. Sensitive values go into
/// the digest, never out of it.
fn fingerprint(material: &[serde_json::Value]) -> String {
    use sha2::{Digest, Sha256};
    if material.is_empty() {
        return String::new();
    }
    let bytes = serde_json::to_vec(material).expect("JSON values serialize");
    Sha256::digest(&bytes)[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
