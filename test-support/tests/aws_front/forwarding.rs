//! S3 through the front: the GetBucketVersioning correction, and plain
//! forwarding of large and chunked bodies.

use std::io::{Read, Write};
use test_support::{emulator, unique_name};

#[tokio::test]
async fn get_bucket_versioning_parses_through_the_proxy_not_straight_from_moto() {
    let sdk = emulator().sdk_config().await;
    let s3 = aws_sdk_s3::Client::new(&sdk);
    let bucket = unique_name("versioning");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();

    // Never versioned: moto answers an empty, self-closing root element.
    let never = s3.get_bucket_versioning().bucket(&bucket).send().await;
    assert_eq!(never.expect("parses through the proxy").status(), None);

    s3.put_bucket_versioning()
        .bucket(&bucket)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let got = s3
        .get_bucket_versioning()
        .bucket(&bucket)
        .send()
        .await
        .expect("parses through the proxy");
    assert_eq!(
        got.status(),
        Some(&aws_sdk_s3::types::BucketVersioningStatus::Enabled)
    );

    // moto's own answer is what the proxy corrects: the SDK rejects it.
    let direct = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .endpoint_url(emulator().moto_endpoint())
            .build(),
    );
    let err = direct
        .get_bucket_versioning()
        .bucket(&bucket)
        .send()
        .await
        .expect_err("moto's GetBucketVersioningResponse root is rejected");
    let err = format!("{err:?}");
    assert!(err.contains("VersioningConfiguration"), "{err}");
}

#[tokio::test]
async fn large_bodies_and_head_requests_pass_through_unchanged() {
    let sdk = emulator().sdk_config().await;
    let s3 = aws_sdk_s3::Client::new(&sdk);
    let bucket = unique_name("large-body");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let data: Vec<u8> = (0..3 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    s3.put_object()
        .bucket(&bucket)
        .key("big.bin")
        .body(data.clone().into())
        .send()
        .await
        .unwrap();
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("big.bin")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length(), Some(data.len() as i64));
    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("big.bin")
        .send()
        .await
        .unwrap();
    let body = got.body.collect().await.unwrap().into_bytes();
    assert_eq!(body.len(), data.len());
    assert!(body[..] == data[..], "the body comes back byte for byte");
}

#[tokio::test]
async fn a_chunked_request_body_is_forwarded_whole() {
    let sdk = emulator().sdk_config().await;
    let s3 = aws_sdk_s3::Client::new(&sdk);
    let bucket = unique_name("chunked");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();

    // moto does not check signatures; the Authorization header names the account.
    let port = emulator()
        .endpoint()
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    let mut stream = std::net::TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    let request = format!(
        "PUT /{bucket}/chunked.txt HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
         6\r\nhello \r\n6;ext=1\r\nchunky\r\n1\r\n!\r\n0\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("chunked.txt")
        .send()
        .await
        .unwrap();
    let body = got.body.collect().await.unwrap().into_bytes();
    assert_eq!(&body[..], b"hello chunky!");
}
