//! The harness reaches a real emulator with this crate's clients: a bucket, an
//! object written and read back, and CloudFront answering.

use test_support::{emulator, unique_name};

#[tokio::test]
async fn s3_and_cloudfront_round_trip_through_moto() {
    let sdk = emulator().sdk_config().await;
    let clients = web_deployer::Clients::new(&sdk);
    let bucket = unique_name("web-round-trip");
    clients
        .s3
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    clients
        .s3
        .put_object()
        .bucket(&bucket)
        .key("index.html")
        .content_type("text/html; charset=utf-8")
        .cache_control("no-cache")
        .body(b"<h1>hello</h1>".to_vec().into())
        .send()
        .await
        .unwrap();
    let got = clients
        .s3
        .get_object()
        .bucket(&bucket)
        .key("index.html")
        .send()
        .await
        .unwrap();
    assert_eq!(got.cache_control(), Some("no-cache"));
    assert_eq!(got.content_type(), Some("text/html; charset=utf-8"));
    let body = got.body.collect().await.unwrap().into_bytes();
    assert_eq!(&body[..], b"<h1>hello</h1>");

    let list = clients
        .cloudfront
        .list_distributions()
        .send()
        .await
        .unwrap();
    assert!(
        list.distribution_list().is_some(),
        "CloudFront answers with a list"
    );
}
