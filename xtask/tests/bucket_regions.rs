//! Buckets in another region than the environment's, as S3 answers for them
//! (through the AWS front): 301 PermanentRedirect with `x-amz-bucket-region`,
//! which the AWS SDK does not follow. The tool names the region and the key to
//! set, writes nothing, and never takes the answer for "no such bucket".

use aws_config::Region;
use test_support::cli::{all_output, text};
use test_support::{emulator, Fault, FaultKind, PreviewSite, StaticSite};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

/// An S3 client that signs for `region`, as a user there would.
async fn s3_in(region: &'static str) -> aws_sdk_s3::Client {
    let sdk = emulator().sdk_config().await;
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .region(Region::new(region))
            .build(),
    )
}

#[tokio::test]
async fn a_site_bucket_in_another_region_is_bad_input_naming_the_key() {
    let s = StaticSite::versioned(XTASK).await;
    emulator().place_bucket(&s.bucket, "eu-west-1");
    let out = s.deploy(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("bucket {} is in region eu-west-1", s.bucket))
            && err.contains("region = \"eu-west-1\"")
            && err.contains("[environments.prod]"),
        "{err}"
    );
    assert!(s.history().is_empty(), "no ledger record");
    assert!(s
        .state_keys()
        .await
        .iter()
        .all(|k| !k.starts_with("locks/")));
}

#[tokio::test]
async fn a_state_bucket_in_another_region_names_the_region_and_the_key() {
    let s = StaticSite::versioned(XTASK).await;
    emulator().place_bucket(&s.state_bucket, "ap-southeast-2");
    let before = s.calls().len();
    let out = s.deploy(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "state bucket {} is in region ap-southeast-2",
            s.state_bucket
        )) && err.contains("[environments.prod]"),
        "{err}"
    );
    assert_eq!(s.calls().len(), before, "the site was not touched");
}

#[tokio::test]
async fn preview_down_leaves_a_bucket_in_another_region_and_says_why() {
    let f = PreviewSite::new(XTASK).await;
    let out = f.xtask(&["preview", "up", "--pr", "21"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let bucket = f.bucket(21);
    emulator().place_bucket(&bucket, "eu-central-1");
    let out = f.xtask(&["preview", "down", "--pr", "21"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("bucket {bucket} is in region eu-central-1"))
            && err.contains("[environments.staging]"),
        "{err}"
    );
    // The bucket and its content are still there, for a down in the right region.
    let there = s3_in("eu-central-1").await;
    let listed = there
        .list_object_versions()
        .bucket(&bucket)
        .send()
        .await
        .expect("the bucket is still there");
    assert!(!listed.versions().is_empty());
}

#[tokio::test]
async fn preview_down_does_not_take_a_failed_look_at_the_bucket_for_gone() {
    let f = PreviewSite::new(XTASK).await;
    let out = f.xtask(&["preview", "up", "--pr", "22"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let bucket = f.bucket(22);
    emulator().inject(&Fault::s3(&bucket, "HeadBucket", FaultKind::Error, 1));
    let out = f
        .command(&["preview", "down", "--pr", "22"])
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    assert!(f.bucket_exists(22).await, "not removed, not forgotten");
    assert!(
        all_output(&out).contains("S3 HeadBucket") && all_output(&out).contains("run it again"),
        "{}",
        all_output(&out)
    );
    // Once S3 answers, down removes it.
    let out = f.xtask(&["preview", "down", "--pr", "22"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(!f.bucket_exists(22).await);
}
