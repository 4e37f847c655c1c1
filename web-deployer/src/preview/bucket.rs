//! The preview bucket: private, versioned, tagged, readable only by its own
//! distribution.

use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, Delete,
    ObjectIdentifier, PublicAccessBlockConfiguration, Tag, Tagging, VersioningConfiguration,
};

use super::{s3_error, PreviewError, PreviewSettings, PREVIEW_TAG, PROJECT_TAG};

pub async fn ensure(
    s3: &aws_sdk_s3::Client,
    s: &PreviewSettings,
    changed: &mut Vec<String>,
) -> Result<(), PreviewError> {
    let b = &s.bucket;
    changed.extend(ensure_private_versioned(s3, b, &s.region).await?);
    let tag = |k: &str, v: &str| {
        Tag::builder()
            .key(k)
            .value(v)
            .build()
            .expect("key and value set")
    };
    s3.put_bucket_tagging()
        .bucket(b)
        .tagging(
            Tagging::builder()
                .tag_set(tag(PREVIEW_TAG, &s.pr.to_string()))
                .tag_set(tag(PROJECT_TAG, &s.project))
                .build()
                .expect("tag set given"),
        )
        .send()
        .await
        .map_err(s3_error("S3 PutBucketTagging", b))?;
    Ok(())
}

/// Creates `bucket` if missing, blocks public access and turns versioning on;
/// says what it changed. Shared by previews and `bootstrap`.
pub async fn ensure_private_versioned(
    s3: &aws_sdk_s3::Client,
    b: &str,
    region: &str,
) -> Result<Vec<String>, PreviewError> {
    let mut changed = Vec::new();
    if !exists(s3, b).await? {
        let mut create = s3.create_bucket().bucket(b);
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
            .map_err(s3_error("S3 CreateBucket", b))?;
        changed.push(format!("bucket {b}"));
    }
    // Each setting is put every time: the calls are idempotent and cheap, and a
    // setting someone changed by hand is put right.
    s3.put_public_access_block()
        .bucket(b)
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
        .map_err(s3_error("S3 PutPublicAccessBlock", b))?;
    let versioning = s3
        .get_bucket_versioning()
        .bucket(b)
        .send()
        .await
        .map_err(s3_error("S3 GetBucketVersioning", b))?;
    if versioning.status() != Some(&BucketVersioningStatus::Enabled) {
        s3.put_bucket_versioning()
            .bucket(b)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .map_err(s3_error("S3 PutBucketVersioning", b))?;
        changed.push(format!("versioning on {b}"));
    }
    Ok(changed)
}

/// The policy that lets only this preview's distribution read the bucket.
pub fn policy(bucket: &str, distribution_arn: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "CloudFrontReadsThroughOAC",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": format!("arn:aws:s3:::{bucket}/*"),
            "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}}
        }]
    })
    .to_string()
}

pub async fn ensure_policy(
    s3: &aws_sdk_s3::Client,
    s: &PreviewSettings,
    distribution_arn: &str,
    changed: &mut Vec<String>,
) -> Result<(), PreviewError> {
    let wanted = policy(&s.bucket, distribution_arn);
    let current = match s3.get_bucket_policy().bucket(&s.bucket).send().await {
        Ok(current) => current.policy().map(str::to_owned),
        Err(e) if sdk_error::code(&e) == Some("NoSuchBucketPolicy") => None,
        Err(e) => return Err(s3_error("S3 GetBucketPolicy", &s.bucket)(e)),
    };
    let same = current.and_then(|p| serde_json::from_str::<serde_json::Value>(&p).ok())
        == serde_json::from_str::<serde_json::Value>(&wanted).ok();
    if !same {
        s3.put_bucket_policy()
            .bucket(&s.bucket)
            .policy(wanted)
            .send()
            .await
            .map_err(s3_error("S3 PutBucketPolicy", &s.bucket))?;
        changed.push(format!(
            "bucket policy of {} (read by its distribution only)",
            s.bucket
        ));
    }
    Ok(())
}

/// Whether `bucket` exists, as HeadBucket says: only 404 is "no such bucket";
/// a bucket in another region (301), one we may not look at (403) or a failure
/// on the way is an error, never "gone".
async fn exists(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<bool, PreviewError> {
    match s3.head_bucket().bucket(bucket).send().await {
        Ok(_) => Ok(true),
        Err(e) if sdk_error::status(&e) == Some(404) => Ok(false),
        Err(e) => Err(s3_error("S3 HeadBucket", bucket)(e)),
    }
}

/// How many object versions and delete markers the bucket holds; `None` when
/// there is no such bucket.
pub async fn count_versions(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
) -> Result<Option<usize>, PreviewError> {
    if !exists(s3, bucket).await? {
        return Ok(None);
    }
    let (mut count, mut key_marker, mut version_marker) = (0, None::<String>, None::<String>);
    loop {
        let page = s3
            .list_object_versions()
            .bucket(bucket)
            .set_key_marker(key_marker.clone())
            .set_version_id_marker(version_marker.clone())
            .send()
            .await
            .map_err(s3_error("S3 ListObjectVersions", bucket))?;
        count += page.versions().len() + page.delete_markers().len();
        if !page.is_truncated().unwrap_or(false) {
            return Ok(Some(count));
        }
        key_marker = page.next_key_marker().map(str::to_owned);
        version_marker = page.next_version_id_marker().map(str::to_owned);
    }
}

/// Deletes every object version and delete marker, then the bucket. `None`
/// when the bucket was already gone; else how many versions were deleted.
pub async fn remove(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<Option<usize>, PreviewError> {
    if !exists(s3, bucket).await? {
        return Ok(None);
    }
    let mut deleted = 0;
    loop {
        // Listing from the start each round: deleting changes the listing.
        let page = s3
            .list_object_versions()
            .bucket(bucket)
            .max_keys(1000)
            .send()
            .await
            .map_err(s3_error("S3 ListObjectVersions", bucket))?;
        let ids: Vec<ObjectIdentifier> = page
            .versions()
            .iter()
            .map(|v| (v.key(), v.version_id()))
            .chain(
                page.delete_markers()
                    .iter()
                    .map(|m| (m.key(), m.version_id())),
            )
            .filter_map(|(k, v)| {
                ObjectIdentifier::builder()
                    .key(k?)
                    .set_version_id(v.map(str::to_owned))
                    .build()
                    .ok()
            })
            .collect();
        if ids.is_empty() {
            break;
        }
        deleted += ids.len();
        let out = s3
            .delete_objects()
            .bucket(bucket)
            .delete(
                Delete::builder()
                    .set_objects(Some(ids))
                    .quiet(true)
                    .build()
                    .expect("objects set"),
            )
            .send()
            .await
            .map_err(s3_error("S3 DeleteObjects", bucket))?;
        if let Some(e) = out.errors().first() {
            return Err(PreviewError::Aws {
                operation: "S3 DeleteObjects",
                resource: format!("{bucket}/{}", e.key().unwrap_or_default()),
                message: e.message().unwrap_or_default().to_string(),
            });
        }
    }
    s3.delete_bucket()
        .bucket(bucket)
        .send()
        .await
        .map_err(s3_error("S3 DeleteBucket", bucket))?;
    Ok(Some(deleted))
}
