//! PR preview environments: per pull request, a private versioned bucket, a
//! CloudFront distribution reading it through Origin Access Control, and an
//! optional Route53 alias — created by `up`, found again by name and tag, and
//! removed by `down` (with `sweep` finishing what must wait for CloudFront).
//!
//! The content itself is deployed by the ordinary [`crate::deploy`] into the
//! preview bucket; this module owns only the infrastructure around it.

mod bucket;
mod distribution;
mod dns;

use std::time::SystemTime;

pub use bucket::ensure_private_versioned;
pub use distribution::{CACHING_OPTIMIZED, SECURITY_HEADERS};

/// The tag every preview resource carries, with the PR number as its value.
pub const PREVIEW_TAG: &str = "deploy-toolkit:preview";
/// The tag naming the project the preview belongs to.
pub const PROJECT_TAG: &str = "deploy-toolkit:project";
/// The tag a disabled distribution carries until `sweep` can delete it.
pub const PENDING_DELETE_TAG: &str = "deploy-toolkit:pending-delete";

/// One preview, resolved from config templates by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewSettings {
    pub pr: u64,
    pub project: String,
    /// The preview's bucket (from `preview_bucket` with `{pr}` filled).
    pub bucket: String,
    pub region: String,
    /// The preview's host name (from `preview_domain`), when DNS is managed.
    pub domain: Option<String>,
    /// The Route53 hosted zone the domain's alias goes in.
    pub hosted_zone_id: Option<String>,
    /// An ACM certificate in us-east-1 covering the domain, for the alias.
    pub certificate_arn: Option<String>,
}

impl PreviewSettings {
    /// The distribution's comment: how `up` and `down` find it again by name.
    /// CloudFront takes comments of up to 128 characters.
    pub fn comment(&self) -> String {
        let rest = format!(" pr-{}", self.pr);
        let room = 128 - PREVIEW_TAG.len() - 1 - rest.len();
        format!("{PREVIEW_TAG} {}{rest}", fitted(&self.project, room))
    }

    /// The origin access control's name; CloudFront takes names of up to 64
    /// characters (API reference, OriginAccessControlConfig).
    pub fn oac_name(&self) -> String {
        let rest = format!("-pr-{}", self.pr);
        format!("{}{rest}", fitted(&self.project, 64 - rest.len()))
    }

    pub fn url(&self, distribution_domain: &str) -> String {
        match &self.domain {
            Some(d) if self.hosted_zone_id.is_some() => format!("https://{d}"),
            _ => format!("https://{distribution_domain}"),
        }
    }
}

/// `name` when it fits in `room` characters; else its start and a hash of the
/// whole (so two long names that start alike stay apart), `room` long.
fn fitted(name: &str, room: usize) -> String {
    if name.chars().count() <= room {
        return name.to_string();
    }
    // FNV-1a: stable across runs and builds, which the lookup by name needs.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let start: String = name.chars().take(room.saturating_sub(9)).collect();
    format!("{start}-{:08x}", hash as u32)
}

#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error("bucket name {bucket:?}: {reason}")]
    BadBucketName { bucket: String, reason: String },
    #[error("bucket {bucket} is in region {region} (S3 answered 301 PermanentRedirect: the requests went to another region)")]
    WrongRegion { bucket: String, region: String },
    #[error("{operation} {resource}: {message}")]
    Aws {
        operation: &'static str,
        resource: String,
        message: String,
    },
}

impl PreviewError {
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            PreviewError::BadBucketName { .. } | PreviewError::WrongRegion { .. }
        )
    }
}

pub(crate) fn aws<E: std::error::Error + 'static>(
    operation: &'static str,
    resource: &str,
) -> impl FnOnce(E) -> PreviewError {
    let resource = resource.to_string();
    move |e| PreviewError::Aws {
        operation,
        resource,
        message: sdk_error::describe(&e),
    }
}

/// An S3 error on `bucket`: S3's answer that the bucket lives in another
/// region becomes [`PreviewError::WrongRegion`].
pub(crate) fn s3_error<E: std::error::Error + 'static>(
    operation: &'static str,
    bucket: &str,
) -> impl FnOnce(aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> PreviewError
{
    let bucket = bucket.to_string();
    move |e| match sdk_error::bucket_region(&e) {
        Some(region) => PreviewError::WrongRegion { bucket, region },
        None => aws(operation, &bucket)(e),
    }
}

/// The clients previews use.
#[derive(Debug, Clone)]
pub struct PreviewClients {
    pub s3: aws_sdk_s3::Client,
    pub cloudfront: aws_sdk_cloudfront::Client,
    pub route53: aws_sdk_route53::Client,
}

impl PreviewClients {
    pub fn new(sdk: &aws_config::SdkConfig) -> PreviewClients {
        PreviewClients {
            s3: aws_sdk_s3::Client::new(sdk),
            cloudfront: aws_sdk_cloudfront::Client::new(sdk),
            route53: aws_sdk_route53::Client::new(sdk),
        }
    }
}

/// What `up` found or made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewReport {
    pub distribution_id: String,
    pub distribution_domain: String,
    pub url: String,
    /// What was created or changed; empty when everything was right already.
    pub changed: Vec<String>,
}

/// Creates (or finds) the preview's bucket, distribution and DNS record.
pub async fn up(c: &PreviewClients, s: &PreviewSettings) -> Result<PreviewReport, PreviewError> {
    check_bucket_name(&s.bucket)?;
    let mut changed = Vec::new();
    bucket::ensure(&c.s3, s, &mut changed).await?;
    let dist = distribution::ensure(&c.cloudfront, s, &mut changed).await?;
    bucket::ensure_policy(&c.s3, s, &dist.arn, &mut changed).await?;
    if let (Some(domain), Some(zone)) = (&s.domain, &s.hosted_zone_id) {
        dns::upsert_alias(&c.route53, zone, domain, &dist.domain, &mut changed).await?;
    }
    Ok(PreviewReport {
        url: s.url(&dist.domain),
        distribution_id: dist.id,
        distribution_domain: dist.domain,
        changed,
    })
}

/// What `down` did; `pending` names what is left: what `sweep` must finish,
/// and what could not be deleted (with the command that deletes it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DownReport {
    pub removed: Vec<String>,
    pub pending: Vec<String>,
}

/// Removes the preview: DNS record, every object version and the bucket, and the
/// distribution (disabled now, deleted once CloudFront has deployed that).
/// Whatever is already gone is skipped, so running it twice succeeds.
pub async fn down(c: &PreviewClients, s: &PreviewSettings) -> Result<DownReport, PreviewError> {
    let mut report = DownReport::default();
    if let (Some(domain), Some(zone)) = (&s.domain, &s.hosted_zone_id) {
        if dns::delete_alias(&c.route53, zone, domain).await? {
            report.removed.push(format!("DNS record {domain}"));
        }
    }
    if let Some(objects) = bucket::remove(&c.s3, &s.bucket).await? {
        report
            .removed
            .push(format!("bucket {} ({objects} object versions)", s.bucket));
    }
    distribution::retire(&c.cloudfront, &s.comment(), &mut report).await?;
    Ok(report)
}

/// What [`down`] would remove, read without changing anything (`--dry-run`).
pub async fn down_dry_run(
    c: &PreviewClients,
    s: &PreviewSettings,
) -> Result<Vec<String>, PreviewError> {
    let mut would = Vec::new();
    if let (Some(domain), Some(zone)) = (&s.domain, &s.hosted_zone_id) {
        if dns::find(&c.route53, zone, domain).await?.is_some() {
            would.push(format!("DNS record {domain}"));
        }
    }
    if let Some(objects) = bucket::count_versions(&c.s3, &s.bucket).await? {
        would.push(format!("bucket {} ({objects} object versions)", s.bucket));
    }
    if let Some((id, enabled)) = distribution::find(&c.cloudfront, &s.comment()).await? {
        would.push(format!(
            "distribution {id} ({}then delete it)",
            if enabled {
                "disable, "
            } else {
                "disabled already; "
            }
        ));
    }
    Ok(would)
}

/// A preview found by its tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewInfo {
    pub pr: u64,
    pub distribution_id: String,
    pub domain: String,
    /// `Deployed` or `InProgress`, as CloudFront says.
    pub status: String,
    pub enabled: bool,
    /// Disabled by `down`, waiting for `sweep`.
    pub pending_delete: bool,
    pub last_modified: Option<SystemTime>,
}

/// The project's previews, found by tag.
pub async fn list(c: &PreviewClients, project: &str) -> Result<Vec<PreviewInfo>, PreviewError> {
    distribution::list(&c.cloudfront, project).await
}

/// What `sweep` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Swept {
    /// Distributions deleted.
    pub deleted: Vec<String>,
    /// Distributions CloudFront is still disabling.
    pub waiting: Vec<String>,
    /// What could not be deleted after a distribution, and how to.
    pub left: Vec<String>,
}

/// Deletes the distributions `down` left disabled, once CloudFront has deployed
/// them, and their origin access controls.
pub async fn sweep(c: &PreviewClients, project: &str) -> Result<Swept, PreviewError> {
    distribution::sweep(&c.cloudfront, project).await
}

/// S3's bucket naming rules, checked before any call.
pub fn check_bucket_name(bucket: &str) -> Result<(), PreviewError> {
    let bad = |reason: &str| {
        Err(PreviewError::BadBucketName {
            bucket: bucket.into(),
            reason: reason.into(),
        })
    };
    if !(3..=63).contains(&bucket.len()) {
        return bad("must be 3 to 63 characters long");
    }
    if !bucket
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    {
        return bad("may hold only lowercase letters, digits, `-` and `.`");
    }
    let first = bucket.chars().next().expect("non-empty");
    let last = bucket.chars().last().expect("non-empty");
    if !first.is_ascii_alphanumeric() || !last.is_ascii_alphanumeric() {
        return bad("must begin and end with a letter or digit");
    }
    if bucket.contains("..") || bucket.contains(".-") || bucket.contains("-.") {
        return bad("must not have `..`, `.-` or `-.`");
    }
    if bucket.split('.').count() == 4 && bucket.split('.').all(|p| p.parse::<u8>().is_ok()) {
        return bad("must not look like an IP address");
    }
    // Prefixes and suffixes S3 reserves (the S3 user guide's bucket naming
    // rules): access point aliases, Object Lambda, Multi-Region Access
    // Points, directory and table buckets.
    let reserved_prefix = ["xn--", "sthree-", "amzn-s3-demo-"];
    let reserved_suffix = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];
    if reserved_prefix.iter().any(|p| bucket.starts_with(p))
        || reserved_suffix.iter().any(|s| bucket.ends_with(s))
    {
        return bad("uses a prefix or suffix S3 reserves");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_project_names_are_fitted_to_cloudfronts_limits() {
        let s = |project: &str| PreviewSettings {
            pr: 4_294_967_295,
            project: project.into(),
            bucket: "b".into(),
            region: "us-east-1".into(),
            domain: None,
            hosted_zone_id: None,
            certificate_arn: None,
        };
        assert_eq!(s("connect2").oac_name(), "connect2-pr-4294967295");
        let long = s(&"p".repeat(200));
        assert_eq!(long.oac_name().len(), 64);
        assert!(long.comment().len() <= 128);
        assert_ne!(
            long.oac_name(),
            s(&format!("{}q", "p".repeat(199))).oac_name()
        );
        assert_eq!(long.oac_name(), s(&"p".repeat(200)).oac_name(), "stable");
    }

    #[test]
    fn bucket_names_follow_s3s_rules() {
        for ok in ["pr-12-connect2-web", "a.b-c", "abc"] {
            assert!(check_bucket_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ab",
            "PR-1-web",
            "pr_1",
            "-pr",
            "pr-",
            "a..b",
            "192.168.1.1",
            "xn--pr",
            "amzn-s3-demo-x",
            "pr--x-s3",
            "pr.mrap",
            &"a".repeat(64),
        ] {
            assert!(check_bucket_name(bad).is_err(), "{bad}");
        }
    }
}
