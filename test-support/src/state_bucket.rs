//! What a deploy left in its state bucket (ledger records, releases, locks),
//! read straight from S3: what the binary's own commands may not show, such as
//! a lock left behind.

/// Whether `target`'s lock (`locks/TARGET.json`) is in `state_bucket`.
pub async fn lock_exists(s3: &aws_sdk_s3::Client, state_bucket: &str, target: &str) -> bool {
    s3.head_object()
        .bucket(state_bucket)
        .key(format!("locks/{target}.json"))
        .send()
        .await
        .is_ok()
}

/// Every key in `state_bucket`. Panics if S3 cannot list it.
pub async fn keys(s3: &aws_sdk_s3::Client, state_bucket: &str) -> Vec<String> {
    keys_under(s3, state_bucket, "").await
}

/// The keys of the locks held in `state_bucket`.
pub async fn locks(s3: &aws_sdk_s3::Client, state_bucket: &str) -> Vec<String> {
    keys_under(s3, state_bucket, "locks/").await
}

async fn keys_under(s3: &aws_sdk_s3::Client, bucket: &str, prefix: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut pages = s3
        .list_objects_v2()
        .bucket(bucket)
        .prefix(prefix)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.unwrap_or_else(|e| {
            panic!(
                "ListObjectsV2 {bucket}/{prefix}: {}",
                aws_sdk_s3::error::DisplayErrorContext(e)
            )
        });
        keys.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_owned)),
        );
    }
    keys
}
