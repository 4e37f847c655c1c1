//! The plan summary from `terraform show -json`, on plan documents in
//! Terraform's real format (two written by a real Terraform).

use shared_infra::{ChangeKind, PlanSummary};
use test_support::terraform_fixture;

fn summary(fixture: &str) -> PlanSummary {
    PlanSummary::parse(&std::fs::read_to_string(terraform_fixture(fixture)).unwrap()).unwrap()
}

#[test]
fn a_real_plan_counts_as_terraform_does() {
    // Terraform printed: "Plan: 2 to add, 1 to change, 2 to destroy."
    let s = summary("real-plan-terraform-data.json");
    assert_eq!(s.terraform_version, "1.11.4");
    assert_eq!((s.to_add(), s.to_change(), s.to_destroy()), (2, 1, 2));
    assert_eq!(s.to_replace(), 1);
    let kinds: Vec<(&str, ChangeKind)> = s
        .changes
        .iter()
        .map(|c| (c.address.as_str(), c.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("terraform_data.cluster", ChangeKind::Update),
            ("terraform_data.old_topic", ChangeKind::Delete),
            ("terraform_data.vpc", ChangeKind::Replace),
            ("terraform_data.zone", ChangeKind::Create),
        ]
    );
    let vpc = &s.changes[2];
    assert_eq!(vpc.forced_by, ["triggers_replace"]);
    assert_eq!(vpc.reason.as_deref(), Some("replace_because_cannot_update"));
    assert!(
        s.dangerous().is_empty(),
        "no networking resource types here"
    );
    assert_eq!(
        s.headline(),
        "Plan: 2 to add, 1 to change, 2 to destroy (1 replaced)."
    );
}

#[test]
fn a_real_plan_of_no_ops_has_no_changes() {
    let s = summary("real-plan-no-changes.json");
    assert!(!s.has_changes());
    assert!(s.changes.is_empty());
    assert!(s.headline().starts_with("No changes"), "{}", s.headline());
}

#[test]
fn destroying_or_replacing_networking_is_called_out() {
    let s = summary("aws-plan-replaces-vpc.json");
    // Reads of data sources and no-ops are not changes.
    assert_eq!(s.changes.len(), 6);
    assert_eq!((s.to_add(), s.to_change(), s.to_destroy()), (4, 1, 4));
    let dangerous: Vec<(&str, ChangeKind)> = s
        .dangerous()
        .iter()
        .map(|c| (c.address.as_str(), c.kind))
        .collect();
    assert_eq!(
        dangerous,
        [
            ("module.networking.aws_vpc.main", ChangeKind::Replace),
            (
                "module.networking.aws_subnet.private[0]",
                ChangeKind::Replace
            ),
            // create_before_destroy: ["create","delete"] is a replacement too.
            (
                "module.networking.aws_subnet.private[1]",
                ChangeKind::Replace
            ),
            (
                "module.networking.aws_nat_gateway.main[\"us-west-2b\"]",
                ChangeKind::Delete
            ),
        ]
    );
    assert_eq!(s.dangerous()[0].forced_by, ["cidr_block"]);
    // An update of the cluster is not dangerous; a new topic is not either.
    assert!(s
        .changes
        .iter()
        .any(|c| c.resource_type == "aws_ecs_cluster" && !c.is_dangerous()));
    assert_eq!(s.outputs_changed, ["vpc_id"]);
}

#[test]
fn adding_networking_is_not_dangerous() {
    let s = summary("aws-plan-adds-nat.json");
    assert_eq!((s.to_add(), s.to_change(), s.to_destroy()), (2, 1, 0));
    assert!(s.dangerous().is_empty());
}

#[test]
fn unreadable_plans_are_errors() {
    let bad = |json: &str| PlanSummary::parse(json).unwrap_err().to_string();
    assert!(bad("not json").contains("terraform show -json"));
    assert!(bad(r#"{"format_version":"2.0"}"#).contains("format_version 2.0 is not supported"));
    assert!(bad(r#"{"format_version":"1.2","errored":true}"#).contains("errored"));
    let odd = r#"{"format_version":"1.2","resource_changes":[{"address":"a.b","mode":"managed","type":"a","name":"b","change":{"actions":["explode"]}}]}"#;
    assert!(bad(odd).contains("a.b: unknown actions"));
    // A configuration with no resources at all has no resource_changes key.
    let empty =
        PlanSummary::parse(r#"{"format_version":"1.2","terraform_version":"1.11.4"}"#).unwrap();
    assert!(!empty.has_changes());
}

#[test]
fn the_fingerprint_names_the_changes_and_their_values() {
    let a = summary("real-plan-terraform-data.json");
    assert_eq!(
        a.fingerprint,
        summary("real-plan-terraform-data.json").fingerprint
    );
    assert_eq!(a.fingerprint.len(), 32);
    assert!(a.fingerprint.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_ne!(a.fingerprint, summary("aws-plan-adds-nat.json").fingerprint);
    assert_eq!(summary("real-plan-no-changes.json").fingerprint, "");

    // Same resources and actions, one planned value different: another plan.
    let text = std::fs::read_to_string(terraform_fixture("aws-plan-adds-nat.json")).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let rc = doc["resource_changes"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|rc| rc["change"]["actions"] != serde_json::json!(["no-op"]))
        .unwrap();
    rc["change"]["after"]["tags"] = serde_json::json!({"changed": "yes"});
    let edited = PlanSummary::parse(&doc.to_string()).unwrap();
    assert_eq!(
        edited.changes.len(),
        summary("aws-plan-adds-nat.json").changes.len()
    );
    assert_ne!(
        edited.fingerprint,
        summary("aws-plan-adds-nat.json").fingerprint
    );
    // Run-specific fields (the time it was made) are not part of it.
    let mut timed: serde_json::Value = serde_json::from_str(&text).unwrap();
    timed["timestamp"] = serde_json::json!("2030-01-01T00:00:00Z");
    assert_eq!(
        PlanSummary::parse(&timed.to_string()).unwrap().fingerprint,
        summary("aws-plan-adds-nat.json").fingerprint
    );
}
