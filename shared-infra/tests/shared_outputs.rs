//! The shared stack's outputs, read from a state object in S3 (the emulator),
//! written in Terraform's real state format (version 4).

use shared_infra::{read_outputs, Clients, InfraError, SharedOutputs, StateLocation};
use test_support::{emulator, terraform_fixture, unique_name};

async fn bucket_with(key: &str, body: Option<Vec<u8>>) -> (Clients, StateLocation) {
    let sdk = emulator().sdk_config().await;
    let clients = Clients::new(&sdk);
    let bucket = unique_name("tf-state");
    clients
        .s3
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    if let Some(body) = body {
        clients
            .s3
            .put_object()
            .bucket(&bucket)
            .key(key)
            .body(body.into())
            .send()
            .await
            .unwrap();
    }
    let location = StateLocation {
        bucket,
        key: key.into(),
        region: "us-east-1".into(),
    };
    (clients, location)
}

#[tokio::test]
async fn outputs_are_read_from_a_real_state_file_in_s3() {
    let state = std::fs::read(terraform_fixture("real-shared.tfstate")).unwrap();
    let (clients, location) = bucket_with("shared/terraform.tfstate", Some(state)).await;
    let outputs = read_outputs(&clients, &location).await.unwrap();
    assert_eq!(
        outputs,
        SharedOutputs {
            vpc_id: "vpc-0a1b2c3d4e5f60718".into(),
            public_subnet_ids: vec![
                "subnet-0aaa1111bbbb2222c".into(),
                "subnet-0ddd3333eeee4444f".into()
            ],
            private_subnet_ids: vec![
                "subnet-0123456789abcdef0".into(),
                "subnet-0fedcba9876543210".into()
            ],
            ecs_cluster_arn: "arn:aws:ecs:us-west-2:123456789012:cluster/connect2-cluster-prod"
                .into(),
            ecs_cluster_name: "connect2-cluster-prod".into(),
            hosted_zone_id: Some("Z0123456789ABCDEFGHIJ".into()),
            alert_topic_arn: Some("arn:aws:sns:us-west-2:123456789012:connect2-alerts-prod".into()),
        }
    );
    assert_eq!(
        outputs.get("ecs_cluster_name"),
        Some("connect2-cluster-prod")
    );
    assert_eq!(outputs.get("db_password"), None, "only the typed outputs");
}

#[tokio::test]
async fn a_missing_state_object_says_to_deploy_first() {
    let (clients, location) = bucket_with("shared/terraform.tfstate", None).await;
    let err = read_outputs(&clients, &location).await.unwrap_err();
    assert!(matches!(err, InfraError::StateNotFound { .. }), "{err}");
    assert!(err.is_bad_input());
    assert!(
        err.to_string().contains(&format!(
            "no state at s3://{}/shared/terraform.tfstate",
            location.bucket
        )),
        "{err}"
    );
}

#[test]
fn wrong_or_missing_outputs_name_the_output() {
    let location = StateLocation {
        bucket: "b".into(),
        key: "k".into(),
        region: "us-west-2".into(),
    };
    let real: serde_json::Value =
        serde_json::from_slice(&std::fs::read(terraform_fixture("real-shared.tfstate")).unwrap())
            .unwrap();
    let parse = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut state = real.clone();
        edit(&mut state);
        SharedOutputs::from_state(&location, &serde_json::to_vec(&state).unwrap())
    };

    // No cluster name output: the name comes from the ARN. No zone: None.
    let outputs = parse(&|s| {
        let o = s["outputs"].as_object_mut().unwrap();
        o.remove("ecs_cluster_name");
        o.remove("hosted_zone_id");
    })
    .unwrap();
    assert_eq!(outputs.ecs_cluster_name, "connect2-cluster-prod");
    assert_eq!(outputs.hosted_zone_id, None);

    let err = parse(&|s| {
        s["outputs"].as_object_mut().unwrap().remove("vpc_id");
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("output `vpc_id`: missing; the shared stack must declare `output \"vpc_id\"`"),
        "{err}"
    );
    let err = parse(&|s| s["outputs"]["private_subnet_ids"]["value"] = "subnet-1".into())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("private_subnet_ids`: expected a list of strings, found a string"),
        "{err}"
    );
    let err = parse(&|s| s["version"] = 3.into()).unwrap_err().to_string();
    assert!(
        err.contains("state format version 3 is not supported"),
        "{err}"
    );
    let err = SharedOutputs::from_state(&location, b"<html>")
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a Terraform state file"), "{err}");
}
