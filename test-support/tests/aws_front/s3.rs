//! S3 as AWS answers where moto does not: a bucket in another region (301
//! PermanentRedirect with `x-amz-bucket-region`), and a conditional write
//! that meets a concurrent one (409 ConditionalRequestConflict).

use aws_config::Region;
use test_support::{emulator, unique_name, Fault, FaultKind, FaultScope};

async fn client(region: &'static str) -> aws_sdk_s3::Client {
    let sdk = emulator().sdk_config().await;
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .region(Region::new(region))
            .build(),
    )
}

#[tokio::test]
async fn a_bucket_in_another_region_answers_301_with_its_region() {
    let here = client("us-east-1").await;
    let bucket = unique_name("elsewhere");
    here.create_bucket().bucket(&bucket).send().await.unwrap();
    emulator().place_bucket(&bucket, "eu-west-1");
    let head = here.head_bucket().bucket(&bucket).send().await.unwrap_err();
    let get = here
        .get_object()
        .bucket(&bucket)
        .key("k")
        .send()
        .await
        .unwrap_err();
    for (status, region) in [
        (sdk_error::status(&head), sdk_error::bucket_region(&head)),
        (sdk_error::status(&get), sdk_error::bucket_region(&get)),
    ] {
        assert_eq!(status, Some(301));
        assert_eq!(region.as_deref(), Some("eu-west-1"));
    }
    assert_eq!(sdk_error::code(&get), Some("PermanentRedirect"));
    // Signed for its region, it answers as any bucket.
    let there = client("eu-west-1").await;
    there
        .head_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("in its region");
}

#[tokio::test]
async fn a_conflict_fault_answers_conditional_writes_only() {
    let s3 = client("us-east-1").await;
    let bucket = unique_name("conflict");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    emulator().inject(&Fault::s3(&bucket, "PutObject", FaultKind::Conflict, 1));
    s3.put_object()
        .bucket(&bucket)
        .key("plain")
        .body(b"x".to_vec().into())
        .send()
        .await
        .expect("an unconditional write is not a conflict");
    let err = s3
        .put_object()
        .bucket(&bucket)
        .key("lock")
        .if_none_match("*")
        .body(b"x".to_vec().into())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 409);
    assert_eq!(sdk_error::code(&err), Some("ConditionalRequestConflict"));
    assert_eq!(
        emulator().faults_fired(&FaultScope::Bucket(bucket.clone())),
        1
    );
    // Nothing was written: the retry takes the key.
    s3.put_object()
        .bucket(&bucket)
        .key("lock")
        .if_none_match("*")
        .body(b"x".to_vec().into())
        .send()
        .await
        .expect("the retry");
}
