use std::path::PathBuf;
use std::time::Duration;

/// Which site to deploy, resolved for one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteSettings {
    /// The build output folder to upload.
    pub build_dir: PathBuf,
    pub bucket: String,
    /// The CloudFront distribution in front of the bucket, if any.
    pub distribution_id: Option<String>,
    /// Cache-Control for each uploaded key: the first rule whose glob matches.
    pub cache_rules: Vec<CacheRule>,
    /// Upload dotfiles and dot-folders too. `.well-known/` is always uploaded.
    pub include_hidden: bool,
    /// How many releases a non-HTML file that left the build stays in the
    /// bucket, so that tabs still open on an older release can load its chunks.
    pub grace_releases: u32,
    /// Refuse a deploy or rollback that would delete more objects than this.
    pub max_deletes: usize,
    /// Past this many paths, one invalidation of `/*` instead.
    pub invalidation_max_paths: usize,
    /// How long to keep trying while CloudFront has too many invalidations in
    /// progress on the distribution (another deploy's, a person's).
    pub invalidation_busy_timeout: Duration,
}

impl SiteSettings {
    pub const DEFAULT_GRACE_RELEASES: u32 = 2;
    pub const DEFAULT_MAX_DELETES: usize = 256;
    pub const DEFAULT_INVALIDATION_MAX_PATHS: usize = 20;
    pub const DEFAULT_INVALIDATION_BUSY_TIMEOUT: Duration = Duration::from_secs(10 * 60);

    /// Settings with the defaults for everything but the three that name the site.
    pub fn new(build_dir: impl Into<PathBuf>, bucket: impl Into<String>) -> SiteSettings {
        SiteSettings {
            build_dir: build_dir.into(),
            bucket: bucket.into(),
            distribution_id: None,
            cache_rules: Vec::new(),
            include_hidden: false,
            grace_releases: Self::DEFAULT_GRACE_RELEASES,
            max_deletes: Self::DEFAULT_MAX_DELETES,
            invalidation_max_paths: Self::DEFAULT_INVALIDATION_MAX_PATHS,
            invalidation_busy_timeout: Self::DEFAULT_INVALIDATION_BUSY_TIMEOUT,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheRule {
    /// A pattern over keys relative to the build folder, with GitHub's `paths`
    /// rules (`*` within a folder, `**` across folders).
    pub glob: String,
    pub cache_control: String,
}
