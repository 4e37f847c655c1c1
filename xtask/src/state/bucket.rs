//! Creating the state bucket: `cargo xtask bootstrap`.

use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration,
    PublicAccessBlockConfiguration, VersioningConfiguration,
};

use super::{StateError, StateStore};

impl StateStore {
    /// Creates the bucket if it is missing, private and versioned (an overwritten
    /// ledger or lock object can be recovered). Returns whether it was created.
    /// Whether the state bucket exists (and we may read it).
    pub async fn bucket_exists(&self) -> bool {
        self.s3
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .is_ok()
    }

    /// Whether S3 says the state bucket does not exist (404); other answers
    /// (no permission to look, a passing failure) are left to the calls that follow.
    pub async fn bucket_missing(&self) -> bool {
        match self.s3.head_bucket().bucket(&self.bucket).send().await {
            Ok(_) => false,
            Err(e) => e.raw_response().is_some_and(|r| r.status().as_u16() == 404),
        }
    }

    pub async fn ensure_bucket(&self, region: &str) -> Result<bool, StateError> {
        let bucket = &self.bucket;
        if self.s3.head_bucket().bucket(bucket).send().await.is_ok() {
            return Ok(false);
        }
        let mut create = self.s3.create_bucket().bucket(bucket);
        // us-east-1 is the one region that must not be named.
        if region != "us-east-1" {
            create = create.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(region))
                    .build(),
            );
        }
        create
            .send()
            .await
            .map_err(self.error("CreateBucket", ""))?;
        self.s3
            .put_public_access_block()
            .bucket(bucket)
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(true)
                    .ignore_public_acls(true)
                    .block_public_policy(true)
                    .restrict_public_buckets(true)
                    .build(),
            )
            .send()
            .await
            .map_err(self.error("PutPublicAccessBlock", ""))?;
        self.s3
            .put_bucket_versioning()
            .bucket(bucket)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .map_err(self.error("PutBucketVersioning", ""))?;
        Ok(true)
    }
}
