use std::path::PathBuf;
use std::time::Duration;

/// What can go wrong deploying or rolling back a site, in the crate's own terms
/// (the caller, which knows where the settings came from, says what to change).
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("build folder {}: does not exist", .0.display())]
    BuildDirMissing(PathBuf),
    #[error("build folder {}: is not a folder", .0.display())]
    BuildDirNotAFolder(PathBuf),
    #[error("build folder {}: holds no file to upload", .0.display())]
    BuildDirEmpty(PathBuf),
    #[error("{}: a symlink to {}, outside the build folder; copy the file into the build instead", path.display(), target.display())]
    SymlinkEscapes { path: PathBuf, target: PathBuf },
    #[error("{}: a symlink whose target does not exist", .0.display())]
    BrokenSymlink(PathBuf),
    #[error("{}: a {kind}, not a regular file; only regular files (and symlinks to them inside the build) are uploaded", path.display())]
    SpecialFile { path: PathBuf, kind: &'static str },
    #[error("cache rule {index}: {message}")]
    BadCacheRule { index: usize, message: String },
    #[error("{}: the file name is not UTF-8, so it cannot be an S3 key", .0.display())]
    NotUtf8(PathBuf),
    #[error("{}: the file name has a control character ({name:?}); S3 lists such keys in XML that clients cannot read: rename it", path.display())]
    ControlCharacter { path: PathBuf, name: String },
    #[error("{}: {message}", path.display())]
    Io { path: PathBuf, message: String },
    #[error("{}: changed while it was being deployed (its MD5 is not the one compared); run the deploy again once the build is finished", .0.display())]
    FileChanged(PathBuf),
    #[error("bucket {0} does not exist")]
    BucketNotFound(String),
    #[error("bucket {bucket} has versioning {status}: rollback restores earlier object versions, so deploys need it on. Enable it with `aws s3api put-bucket-versioning --bucket {bucket} --versioning-configuration Status=Enabled` (or `versioning {{ enabled = true }}` in Terraform), then deploy again")]
    VersioningOff { bucket: String, status: String },
    #[error("CloudFront distribution {0} does not exist")]
    DistributionNotFound(String),
    #[error(
        "this would delete {count} objects from bucket {bucket}, more than the limit of {limit}"
    )]
    TooManyDeletes {
        bucket: String,
        count: usize,
        limit: usize,
    },
    #[error(
        "release {release}: {key} has no version id in its manifest, so it cannot be restored"
    )]
    NoVersion { release: String, key: String },
    #[error(
        "the invalidation {id} did not complete within {timeout:?} (it goes on in CloudFront)"
    )]
    InvalidationTimeout { id: String, timeout: Duration },
    #[error("CloudFront distribution {distribution} still had too many invalidations in progress after {}s (TooManyInvalidationsInProgress: at most 3,000 file paths and 15 wildcard paths at a time)", waited.as_secs())]
    InvalidationsBusy {
        distribution: String,
        waited: Duration,
    },
    #[error("bucket {bucket} is in region {region}, not the one these requests went to (S3 answered 301 PermanentRedirect)")]
    WrongRegion { bucket: String, region: String },
    #[error("{operation} {key}: {message}")]
    Aws {
        operation: &'static str,
        key: String,
        message: String,
    },
}

impl WebError {
    /// Whether the caller gave something wrong (nothing was written), as opposed
    /// to a failure on the way.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            WebError::BuildDirMissing(_)
                | WebError::BuildDirNotAFolder(_)
                | WebError::BuildDirEmpty(_)
                | WebError::SymlinkEscapes { .. }
                | WebError::BrokenSymlink(_)
                | WebError::SpecialFile { .. }
                | WebError::NotUtf8(_)
                | WebError::ControlCharacter { .. }
                | WebError::BadCacheRule { .. }
                | WebError::BucketNotFound(_)
                | WebError::WrongRegion { .. }
                | WebError::VersioningOff { .. }
                | WebError::DistributionNotFound(_)
                | WebError::TooManyDeletes { .. }
                | WebError::NoVersion { .. }
        )
    }
}

/// An S3 error with the operation and key it came from; S3's answer that the
/// bucket lives in another region becomes [`WebError::WrongRegion`].
pub(crate) fn s3_error<E>(
    operation: &'static str,
    bucket: &str,
    key: &str,
) -> impl FnOnce(aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> WebError
where
    E: std::error::Error + 'static,
{
    let (bucket, key) = (bucket.to_string(), key.to_string());
    move |e| match sdk_error::bucket_region(&e) {
        Some(region) => WebError::WrongRegion { bucket, region },
        None => aws(operation, &key)(e),
    }
}

/// Wraps an SDK error with the operation and key it came from, on one line.
pub(crate) fn aws<E>(operation: &'static str, key: &str) -> impl FnOnce(E) -> WebError
where
    E: std::error::Error + 'static,
{
    let key = key.to_string();
    move |e| WebError::Aws {
        operation,
        key,
        message: sdk_error::describe(&e),
    }
}

pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> WebError + '_ {
    move |e| WebError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}
