//! Uploads a static build to S3 behind CloudFront, keeps releases, rolls back
//! from S3 object versions, and runs PR preview environments.
//!
//! Design choices:
//! - Compare by content, never by mtime: each object carries its MD5 in its
//!   metadata (`x-amz-meta-md5`; an ETag is no MD5 for multipart or SSE-KMS
//!   objects). "Unchanged?" is answered from one ListObjectsV2 page per 1,000
//!   keys plus the last release manifest; a HEAD only for keys neither answers,
//!   so a rebuild that changed nothing costs a handful of requests.
//! - Everything is planned ([`plan`]) before the first write; a dry run is the
//!   plan, and the bad-input checks (build folder, symlinks, versioning, the
//!   distribution, the delete guard) all run before it is carried out. The
//!   ones that need no plan are [`prepare`], which a caller that takes a lock
//!   runs first.
//! - Order: assets, then pages, then `index.html`; deletes only after all
//!   writes; non-HTML files that left the build stay `grace_releases` releases
//!   so open tabs can still load their chunks. A key no release had (or whose
//!   content changed since) is deleted at once: grace is for our own files.
//! - [`drift`] compares the bucket with a manifest from the listing alone,
//!   and lists the files kept for the grace.
//! - A release manifest ([`Manifest`]) records each key's version id, MD5,
//!   size, ETag and headers; a rollback copies those versions back inside S3.
//!   The caller decides where manifests live (xtask: the state bucket).
//!
//! This crate knows nothing of git, the config file, the ledger or the other
//! targets: the caller passes an `aws_config::SdkConfig`, [`SiteSettings`],
//! and the manifests it keeps.

mod deploy;
mod drift;
mod error;
mod headers;
mod invalidation;
mod manifest;
pub mod plan;
pub mod preview;
mod remote;
mod rollback;
mod settings;
mod transfer;
mod walk;

pub use deploy::{
    deploy, prepare, DeployRequest, Event, InvalidationReport, Prepared, SiteOutcome, SiteReport,
};
pub use drift::{drift, KeptKey, KeyChange, KeyDrift, SiteDrift};
pub use error::WebError;
pub use headers::{content_type, HeaderRules, Headers};
pub use invalidation::WaitSettings;
pub use manifest::{Entry, Manifest, Retained};
pub use plan::Change;
pub use remote::MD5_METADATA;
pub use rollback::{rollback, RollbackRequest};
pub use settings::{CacheRule, SiteSettings};
pub use transfer::{MULTIPART_THRESHOLD, PART_SIZE};
pub use walk::{walk, LocalFile};

/// The SDK clients this crate uses, built from one `SdkConfig`.
#[derive(Debug, Clone)]
pub struct Clients {
    pub s3: aws_sdk_s3::Client,
    pub cloudfront: aws_sdk_cloudfront::Client,
}

impl Clients {
    pub fn new(sdk: &aws_config::SdkConfig) -> Clients {
        Clients {
            s3: aws_sdk_s3::Client::new(sdk),
            cloudfront: aws_sdk_cloudfront::Client::new(sdk),
        }
    }
}
