use std::path::PathBuf;

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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheRule {
    /// A pattern over keys relative to the build folder.
    pub glob: String,
    pub cache_control: String,
}
