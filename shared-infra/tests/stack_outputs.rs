//! Any stack's outputs by name, from a state written by a real Terraform:
//! every shape of value, the sensitive flag, and the errors a caller shows.

use shared_infra::{
    read_stack_outputs, Clients, InfraError, OutputValue, StackOutputs, StateLocation,
};
use test_support::{emulator, state_bucket, unique_name};

fn fixture() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/real-outputs.tfstate"
    ))
    .unwrap()
}

fn location() -> StateLocation {
    StateLocation {
        bucket: "connect2-terraform-state-local".into(),
        key: "api/terraform.tfstate".into(),
        region: "us-east-1".into(),
    }
}

#[test]
fn every_output_is_there_by_name_typed_as_the_state_has_it() {
    let outputs = StackOutputs::from_state(&location(), &fixture()).unwrap();
    assert_eq!(
        outputs.names(),
        [
            "azs",
            "cpu_share",
            "db",
            "db_endpoint",
            "db_password",
            "db_port",
            "mixed",
            "multi_az",
            "nested",
            "no_subnets",
            "ports",
            "private_subnet_ids",
            "security_group_ids",
            "tags"
        ]
    );
    let value = |name: &str| outputs.get(name).unwrap().value.clone();
    assert_eq!(
        value("db_endpoint"),
        OutputValue::String("connect2-api-db-local.c1x2y3z4.us-east-1.rds.amazonaws.com".into())
    );
    // Numbers and bools as Terraform prints them.
    assert_eq!(outputs.text("db_port").unwrap(), "5432");
    assert_eq!(outputs.text("cpu_share").unwrap(), "0.25");
    assert_eq!(outputs.text("multi_az").unwrap(), "false");
    assert_eq!(value("db_port"), OutputValue::Number("5432".into()));
    assert_eq!(value("multi_az"), OutputValue::Bool(false));
    // Lists, tuples and sets of scalars are lists of texts.
    assert_eq!(
        outputs.list("security_group_ids").unwrap(),
        ["sg-0123456789abcdef0", "sg-0fedcba9876543210"]
    );
    assert_eq!(
        outputs.list("private_subnet_ids").unwrap(),
        ["subnet-0aaa", "subnet-0bbb"]
    );
    assert_eq!(outputs.list("azs").unwrap(), ["us-east-1a", "us-east-1b"]);
    assert_eq!(outputs.list("ports").unwrap(), ["80", "443"]);
    assert_eq!(outputs.list("mixed").unwrap(), ["a", "1", "true"]);
    assert!(outputs.list("no_subnets").unwrap().is_empty());
    // Maps, objects and nested collections stay JSON.
    assert_eq!(
        value("db"),
        OutputValue::Structured(serde_json::json!({
            "host": "connect2-api-db-local.c1x2y3z4.us-east-1.rds.amazonaws.com",
            "port": 5432
        }))
    );
    assert_eq!(
        value("nested"),
        OutputValue::Structured(serde_json::json!([["a"], ["b"]]))
    );
    assert_eq!(value("tags").kind(), "a map or object");
    // As JSON again, e.g. for another stack's input variables.
    assert_eq!(value("db_port").to_json(), serde_json::json!(5432));
    assert_eq!(value("cpu_share").to_json(), serde_json::json!(0.25));
    assert_eq!(value("multi_az").to_json(), serde_json::json!(false));
    assert_eq!(
        value("private_subnet_ids").to_json(),
        serde_json::json!(["subnet-0aaa", "subnet-0bbb"])
    );
    assert_eq!(
        value("tags").to_json(),
        serde_json::json!({"team": "api", "env": "local"})
    );

    let secret = outputs.get("db_password").unwrap();
    assert!(secret.sensitive);
    assert_eq!(
        secret.value.as_text(),
        Some("s3cr3t-p4ss"),
        "raw access keeps it"
    );
    assert!(outputs
        .names()
        .iter()
        .filter(|n| **n != "db_password")
        .all(|n| !outputs.get(n).unwrap().sensitive));
    let shown = format!("{outputs:?}");
    assert!(!shown.contains("s3cr3t"), "{shown}");
    assert!(shown.contains("<sensitive a string>"), "{shown}");
}

#[test]
fn what_cannot_be_used_as_asked_is_refused_with_the_reason() {
    let outputs = StackOutputs::from_state(&location(), &fixture()).unwrap();
    let refused = |e: InfraError| {
        assert!(e.is_bad_input(), "{e}");
        assert!(matches!(e, InfraError::Output { .. }), "{e}");
        e.to_string()
    };
    let unknown = refused(outputs.text("site_bucket").unwrap_err());
    assert!(
        unknown.starts_with("state s3://connect2-terraform-state-local/api/terraform.tfstate: output `site_bucket`: not in the state (it has: azs, cpu_share, db, "),
        "{unknown}"
    );
    let secret = refused(outputs.text("db_password").unwrap_err());
    assert!(
        secret.contains("output `db_password`: marked sensitive"),
        "{secret}"
    );
    assert!(!secret.contains("s3cr3t"), "{secret}");
    assert!(refused(outputs.list("db_password").unwrap_err()).contains("marked sensitive"));
    let map = refused(outputs.text("tags").unwrap_err());
    assert!(
        map.contains("output `tags`: a map or object, which has no single text value"),
        "{map}"
    );
    let list = refused(outputs.text("security_group_ids").unwrap_err());
    assert!(
        list.contains("a list, which has no single text value"),
        "{list}"
    );
    let nested = refused(outputs.list("nested").unwrap_err());
    assert!(
        nested.contains("a list holding collections or nulls, not a list of strings"),
        "{nested}"
    );
    let scalar = refused(outputs.list("db_endpoint").unwrap_err());
    assert!(scalar.contains("a string, not a list"), "{scalar}");

    let empty = StackOutputs::from_state(&location(), br#"{"version": 4, "outputs": {}}"#).unwrap();
    assert!(empty.names().is_empty());
    assert!(refused(empty.text("vpc_id").unwrap_err())
        .contains("not in the state, which has no outputs"));
}

#[test]
fn no_output_is_required_and_a_bad_file_is_a_state_error() {
    // A state with resources and no outputs at all is a stack's state like any other.
    let bare = br#"{"version": 4, "terraform_version": "1.11.4", "serial": 1, "lineage": "x", "resources": []}"#;
    assert!(StackOutputs::from_state(&location(), bare)
        .unwrap()
        .names()
        .is_empty());
    for (bytes, says) in [
        (&b"<html>"[..], "not a Terraform state file"),
        (
            &br#"{"version": 3, "outputs": {}}"#[..],
            "state format version 3 is not supported",
        ),
    ] {
        let err = StackOutputs::from_state(&location(), bytes).unwrap_err();
        assert!(matches!(err, InfraError::State { .. }), "{err}");
        assert!(err.to_string().contains(says), "{err}");
    }
}

#[tokio::test]
async fn a_missing_state_object_is_its_own_error_and_a_present_one_reads() {
    let clients = Clients::new(&emulator().sdk_config().await);
    let bucket = state_bucket(&clients.s3).await;
    let location = StateLocation {
        bucket: bucket.clone(),
        ..location()
    };
    let err = read_stack_outputs(&clients, &location).await.unwrap_err();
    assert!(
        matches!(&err, InfraError::StateNotFound { bucket: b, key } if *b == bucket && key == "api/terraform.tfstate"),
        "{err}"
    );

    clients
        .s3
        .put_object()
        .bucket(&bucket)
        .key(&location.key)
        .body(fixture().into())
        .send()
        .await
        .unwrap();
    let outputs = read_stack_outputs(&clients, &location).await.unwrap();
    assert_eq!(outputs.location(), &location);
    assert_eq!(outputs.text("db_port").unwrap(), "5432");

    // No bucket at all is not "not deployed yet": the state cannot be read.
    let gone = StateLocation {
        bucket: unique_name("tf-no-such-bucket"),
        ..location
    };
    let err = read_stack_outputs(&clients, &gone).await.unwrap_err();
    assert!(matches!(err, InfraError::Aws { .. }), "{err}");
}
