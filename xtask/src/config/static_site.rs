//! A `static-site` target's keys: a build folder uploaded to S3 behind
//! CloudFront, its cache rules, and its PR previews.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

use super::{rules, ConfigDuration, SmokeConfig};

/// A static build uploaded to S3 behind CloudFront.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StaticSiteTarget {
    /// The build output folder, relative to the repository root.
    pub build_dir: String,
    pub bucket: String,
    /// The CloudFront distribution id in front of the bucket.
    #[serde(default)]
    pub distribution: Option<String>,
    /// Cache-Control by the first matching rule.
    #[serde(default)]
    pub cache: Vec<CacheRule>,
    /// PR previews: the bucket name, with `{pr}`.
    #[serde(default)]
    pub preview_bucket: Option<String>,
    /// PR previews: the domain name, with `{pr}`.
    #[serde(default)]
    pub preview_domain: Option<String>,
    /// PR previews: the Route53 hosted zone for `preview_domain`'s alias record
    /// (e.g. `{shared.hosted_zone_id}`); without it, previews use the
    /// distribution's own `*.cloudfront.net` name.
    #[serde(default)]
    pub preview_zone_id: Option<String>,
    /// PR previews: an ACM certificate (in us-east-1) for `preview_domain`.
    #[serde(default)]
    pub preview_certificate_arn: Option<String>,
    /// The command that builds `build_dir`, run with `sh -c` at the repository
    /// root before each deploy (and preview); none: `build_dir` is deployed as it is.
    #[serde(default)]
    pub build: Option<String>,
    /// Variables for `build`, e.g. the API URL the build bakes in; set them per
    /// environment (`[targets.web.env.staging] build_env = {...}`): previews
    /// build with the preview environment's.
    #[serde(default)]
    pub build_env: BTreeMap<String, String>,
    /// Upload dotfiles and dot-folders too (`.well-known/` always is).
    #[serde(default)]
    pub include_hidden: bool,
    /// How many releases a non-HTML file that left the build stays in the
    /// bucket, so tabs still open on an older release can load its chunks.
    #[serde(default = "default_grace_releases")]
    pub grace_releases: u32,
    /// A deploy or rollback that would delete more objects is refused
    /// (`--max-deletes N` allows it once).
    #[serde(default = "default_max_deletes")]
    pub max_deletes: usize,
    /// Past this many changed paths, one invalidation of `/*`.
    #[serde(default = "default_invalidation_max_paths")]
    pub invalidation_max_paths: usize,
    /// How long a deploy or rollback keeps trying while CloudFront has too many
    /// invalidations in progress on the distribution (default 10m).
    #[serde(default)]
    pub invalidation_busy_timeout: Option<ConfigDuration>,
    /// An HTTP smoke check after the deploy; a failure restores the release before.
    #[serde(default)]
    pub verify: Option<SmokeConfig>,
    /// CloudWatch alarms watched for `bake` after the deploy.
    #[serde(default)]
    pub alarms: Vec<String>,
    #[serde(default)]
    pub bake: Option<ConfigDuration>,
    /// Where people reach it (`https://app.{env}.example.com`): the generated
    /// deploy job's GitHub environment URL [default: `verify.url`]. Not
    /// serialized: the settings' JSON is what a deploy.toml change is compared
    /// by, and a new address deploys nothing.
    #[serde(default, skip_serializing)]
    pub url: Option<String>,
}

/// More releases than this is a typo, not a grace period.
const MAX_GRACE_RELEASES: u32 = 100;

fn default_grace_releases() -> u32 {
    web_deployer::SiteSettings::DEFAULT_GRACE_RELEASES
}

fn default_max_deletes() -> usize {
    web_deployer::SiteSettings::DEFAULT_MAX_DELETES
}

fn default_invalidation_max_paths() -> usize {
    web_deployer::SiteSettings::DEFAULT_INVALIDATION_MAX_PATHS
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CacheRule {
    /// A path pattern with the same rules as `paths`, relative to `build_dir`.
    pub glob: String,
    pub cache_control: String,
}

impl StaticSiteTarget {
    /// What loading checks beyond the types: each cache rule's pattern. The key
    /// (below the target's) and the message of the first problem.
    /// What to verify after the deploy, polling every `poll_interval`.
    pub fn verification(
        &self,
        poll_interval: std::time::Duration,
    ) -> Option<verify::VerifySettings> {
        super::verify::settings(&self.verify, &self.alarms, &self.bake, poll_interval)
    }

    /// Its address: `url`, else the smoke check's URL.
    pub fn address(&self) -> Option<&str> {
        super::verify::address(self.url.as_deref(), &self.verify)
    }

    pub(super) fn check(&self) -> Result<(), (String, String)> {
        super::verify::check_url("url", self.url.as_deref())?;
        self.check_preview_certificate()?;
        let optional = [
            ("distribution", &self.distribution),
            ("preview_bucket", &self.preview_bucket),
            ("preview_domain", &self.preview_domain),
            ("preview_zone_id", &self.preview_zone_id),
            ("preview_certificate_arn", &self.preview_certificate_arn),
            ("build", &self.build),
        ];
        let texts = [
            ("build_dir", Some(&self.build_dir)),
            ("bucket", Some(&self.bucket)),
        ]
        .into_iter()
        .chain(optional.map(|(k, v)| (k, v.as_ref())));
        for (key, value) in texts {
            if let Some(v) = value {
                rules::check_key(key, v)?;
            }
        }
        super::verify::check(&self.verify, &self.alarms, &self.bake)?;
        // CloudFront takes at most 3,000 paths in one invalidation (413
        // BatchTooLarge) and in progress at once.
        if !(1..=3000).contains(&self.invalidation_max_paths) {
            return Err((
                "invalidation_max_paths".into(),
                format!(
                    "expected 1 to 3000 (CloudFront invalidates at most 3,000 paths at a time), got {}",
                    self.invalidation_max_paths
                ),
            ));
        }
        for (i, rule) in self.cache.iter().enumerate() {
            rules::check_key(&format!("cache[{i}].glob"), &rule.glob)?;
            rules::check_key(&format!("cache[{i}].cache_control"), &rule.cache_control)?;
        }
        for (name, value) in &self.build_env {
            let key = format!("build_env.{name}");
            rules::check(&key, name, rules::variable_name)?;
            rules::check_key(&key, value)?;
        }
        if self.grace_releases > MAX_GRACE_RELEASES {
            return Err((
                "grace_releases".into(),
                format!(
                    "expected 0 to {MAX_GRACE_RELEASES} releases, got {}",
                    self.grace_releases
                ),
            ));
        }
        Ok(())
    }

    /// CloudFront serves an alternate domain name only with a certificate that
    /// covers it, and takes ACM certificates from us-east-1 only (CloudFront
    /// API reference, ViewerCertificate): a preview domain without one would
    /// get a DNS record to a distribution that refuses it.
    fn check_preview_certificate(&self) -> Result<(), (String, String)> {
        let domain = self.preview_domain.as_deref();
        let certificate = self.preview_certificate_arn.as_deref();
        if domain.is_some() && certificate.is_none() {
            return Err((
                "preview_domain".into(),
                "needs preview_certificate_arn: CloudFront serves a preview's own domain only with a certificate covering it (an ACM certificate in us-east-1); without preview_domain, previews use their *.cloudfront.net address".into(),
            ));
        }
        // A `{TARGET.OUTPUT}` is only known when it is filled.
        if let Some(arn) = certificate.filter(|a| !a.contains('{')) {
            let region = arn.split(':').nth(3).unwrap_or_default();
            if !arn.starts_with("arn:aws") || arn.split(':').nth(2) != Some("acm") {
                return Err((
                    "preview_certificate_arn".into(),
                    format!("{arn:?} is not an ACM certificate ARN (arn:aws:acm:us-east-1:ACCOUNT:certificate/ID)"),
                ));
            }
            if region != "us-east-1" {
                return Err((
                    "preview_certificate_arn".into(),
                    format!("{arn:?} is in {region}; CloudFront uses ACM certificates from us-east-1 only: request or import it there"),
                ));
            }
        }
        Ok(())
    }

    /// The crate's settings for this site; `root` is the repository's, which
    /// `build_dir` is relative to.
    pub fn site(&self, root: &Path) -> web_deployer::SiteSettings {
        web_deployer::SiteSettings {
            build_dir: root.join(&self.build_dir),
            bucket: self.bucket.clone(),
            distribution_id: self.distribution.clone(),
            cache_rules: self
                .cache
                .iter()
                .map(|r| web_deployer::CacheRule {
                    glob: r.glob.clone(),
                    cache_control: r.cache_control.clone(),
                })
                .collect(),
            include_hidden: self.include_hidden,
            grace_releases: self.grace_releases,
            max_deletes: self.max_deletes,
            invalidation_max_paths: self.invalidation_max_paths,
            invalidation_busy_timeout: self.invalidation_busy_timeout.map_or(
                web_deployer::SiteSettings::DEFAULT_INVALIDATION_BUSY_TIMEOUT,
                |t| t.0,
            ),
        }
    }
}
