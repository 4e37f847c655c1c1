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

    /// What stops the state bucket from being used, as S3 says it: it does
    /// not exist (404), or it is in another region (301 with its region).
    /// Other answers (no permission to look, a passing failure) are left to
    /// the calls that follow.
    pub async fn bucket_problem(&self) -> Option<String> {
        let e = self
            .s3
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .err()?;
        if let Some(actual) = sdk_error::bucket_region(&e) {
            return Some(super::elsewhere(
                &self.bucket,
                &self.env,
                &self.region,
                &actual,
            ));
        }
        (sdk_error::status(&e) == Some(404)).then(|| self.missing_bucket_message())
    }

    pub async fn ensure_bucket(&self, region: &str) -> Result<bool, StateError> {
        let bucket = &self.bucket;
        match self.s3.head_bucket().bucket(bucket).send().await {
            Ok(_) => return Ok(false),
            // Only "no such bucket" is made; anything else is said as it is.
            Err(e) if sdk_error::status(&e) == Some(404) => {}
            Err(e) => return Err(self.sdk_error("HeadBucket", "")(e)),
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
            .map_err(self.sdk_error("CreateBucket", ""))?;
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
            .map_err(self.sdk_error("PutPublicAccessBlock", ""))?;
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
            .map_err(self.sdk_error("PutBucketVersioning", ""))?;
        Ok(true)
    }
}
