//! The harness reaches a real emulator with this crate's client: a Terraform
//! state object written to a bucket and read back.

use test_support::{emulator, unique_name};

#[tokio::test]
async fn state_object_round_trip_through_moto() {
    let sdk = emulator().sdk_config().await;
    let clients = shared_infra::Clients::new(&sdk);
    let bucket = unique_name("tf-state");
    clients
        .s3
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let state = r#"{"version":4,"outputs":{"vpc_id":{"value":"vpc-123","type":"string"}}}"#;
    clients
        .s3
        .put_object()
        .bucket(&bucket)
        .key("shared/terraform.tfstate")
        .body(state.as_bytes().to_vec().into())
        .send()
        .await
        .unwrap();
    let got = clients
        .s3
        .get_object()
        .bucket(&bucket)
        .key("shared/terraform.tfstate")
        .send()
        .await
        .unwrap();
    let body = got.body.collect().await.unwrap().into_bytes();
    assert_eq!(std::str::from_utf8(&body).unwrap(), state);
}
