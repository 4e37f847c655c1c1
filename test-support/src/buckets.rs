//! S3 buckets as the deploy tests need them.

/// Turns versioning on for `bucket` (static-site deploys refuse a bucket
/// without it). Panics if the emulator refuses.
pub async fn enable_versioning(s3: &aws_sdk_s3::Client, bucket: &str) {
    s3.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PutBucketVersioning {bucket}: {}",
                aws_sdk_s3::error::DisplayErrorContext(e)
            )
        });
}
