//! A `static-site` target's keys: a build folder uploaded to S3 behind
//! CloudFront, its cache rules, and its PR previews.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

use super::{ConfigDuration, SmokeConfig};

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
        super::verify::check(&self.verify, &self.alarms, &self.bake)?;
        super::verify::check_url("url", self.url.as_deref())?;
        for (i, rule) in self.cache.iter().enumerate() {
            path_filter::single(&rule.glob)
                .map_err(|e| (format!("cache[{i}].glob"), e.to_string()))?;
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
        }
    }
}
