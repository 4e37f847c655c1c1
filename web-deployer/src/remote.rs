//! What the bucket and the distribution hold now: read-only calls.

use aws_sdk_s3::types::BucketVersioningStatus;
use std::collections::HashMap;

use crate::error::{aws, s3_error, WebError};
use crate::headers::Headers;
use crate::manifest::Entry;

/// The metadata key our MD5 is kept under (`x-amz-meta-md5`): an ETag is not
/// an MD5 for multipart or SSE-KMS objects.
pub const MD5_METADATA: &str = "md5";

/// One object as ListObjectsV2 shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Unquoted.
    pub etag: String,
    pub size: u64,
    /// When the object was written.
    pub modified: Option<std::time::SystemTime>,
}

impl Listed {
    /// A single-part upload's ETag is its MD5 (unless SSE-KMS, where it is some
    /// other 32 hex digits: it then never equals the file's MD5, which only
    /// costs an upload).
    pub fn plain_md5(&self) -> Option<&str> {
        (self.etag.len() == 32 && self.etag.bytes().all(|b| b.is_ascii_hexdigit()))
            .then_some(self.etag.as_str())
    }
}

/// The bucket must exist and have versioning Enabled: rollback restores
/// earlier object versions.
pub async fn check_versioning(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<(), WebError> {
    let out = s3
        .get_bucket_versioning()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| {
            if sdk_error::status(&e) == Some(404) {
                WebError::BucketNotFound(bucket.into())
            } else {
                s3_error("S3 GetBucketVersioning", bucket, bucket)(e)
            }
        })?;
    match out.status() {
        Some(BucketVersioningStatus::Enabled) => Ok(()),
        Some(other) => Err(WebError::VersioningOff {
            bucket: bucket.into(),
            status: format!("{:?}", other.as_str()).replace('"', ""),
        }),
        None => Err(WebError::VersioningOff {
            bucket: bucket.into(),
            status: "never enabled".into(),
        }),
    }
}

/// Every object in the bucket: 1,000 per request.
pub async fn list(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
) -> Result<HashMap<String, Listed>, WebError> {
    let mut objects = HashMap::new();
    let mut pages = s3.list_objects_v2().bucket(bucket).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(s3_error("S3 ListObjectsV2", bucket, bucket))?;
        for o in page.contents() {
            if let Some(key) = o.key() {
                objects.insert(
                    key.to_string(),
                    Listed {
                        etag: unquote(o.e_tag().unwrap_or_default()),
                        size: o.size().unwrap_or(0).max(0) as u64,
                        modified: o
                            .last_modified()
                            .and_then(|t| std::time::SystemTime::try_from(*t).ok()),
                    },
                );
            }
        }
    }
    Ok(objects)
}

/// One object's current version, headers and MD5 (ours from the metadata,
/// else a single-part ETag): only for keys neither the listing nor the last
/// manifest answers.
pub async fn head(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Result<Entry, WebError> {
    let out = s3
        .head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(s3_error("S3 HeadObject", bucket, key))?;
    let etag = out.e_tag().map(unquote);
    let md5 = out
        .metadata()
        .and_then(|m| m.get(MD5_METADATA))
        .cloned()
        .or_else(|| {
            etag.as_ref()
                .filter(|e| e.len() == 32 && e.bytes().all(|b| b.is_ascii_hexdigit()))
                .cloned()
        })
        .unwrap_or_default();
    Ok(Entry {
        version_id: out.version_id().map(str::to_owned),
        md5,
        size: out.content_length().unwrap_or(0).max(0) as u64,
        etag,
        headers: std::sync::Arc::new(Headers {
            content_type: out.content_type().unwrap_or_default().to_string(),
            cache_control: out.cache_control().map(str::to_owned),
            content_encoding: out.content_encoding().map(str::to_owned),
        }),
    })
}

/// The distribution must exist before anything is uploaded.
pub async fn check_distribution(
    cloudfront: &aws_sdk_cloudfront::Client,
    id: &str,
) -> Result<(), WebError> {
    cloudfront
        .get_distribution()
        .id(id)
        .send()
        .await
        .map_err(|e| {
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_distribution())
                || e.raw_response().is_some_and(|r| r.status().as_u16() == 404)
            {
                WebError::DistributionNotFound(id.into())
            } else {
                aws("CloudFront GetDistribution", id)(e)
            }
        })?;
    Ok(())
}

pub fn unquote(etag: &str) -> String {
    etag.trim_matches('"').to_string()
}

/// A key or path percent-encoded for a URL, `/` kept: for CopyObject's source
/// (CloudFront invalidation paths are encoded otherwise: `invalidation::path`).
pub fn encode_path(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_md5_etags_and_path_encoding() {
        let single = Listed {
            etag: "900150983cd24fb0d6963f7d28e17f72".into(),
            size: 3,
            modified: None,
        };
        assert!(single.plain_md5().is_some());
        let multi = Listed {
            etag: "900150983cd24fb0d6963f7d28e17f72-3".into(),
            size: 3,
            modified: None,
        };
        assert!(multi.plain_md5().is_none());
        assert_eq!(unquote("\"abc\""), "abc");
        assert_eq!(encode_path("a b/ü+x.js"), "a%20b/%C3%BC%2Bx.js");
    }
}
