use std::path::PathBuf;

/// Which Terraform stack to run, resolved for one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackSettings {
    /// The root module's folder.
    pub dir: PathBuf,
    /// Whether `apply` needs an explicit approval.
    pub approval_required: bool,
    /// Where the stack's remote state lives: passed to `terraform init` as the S3
    /// backend's configuration, and read for the stack's outputs. `None`: the
    /// backend block in the module says it all.
    pub state: Option<StateLocation>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateLocation {
    pub bucket: String,
    pub key: String,
    /// The bucket's region.
    pub region: String,
}

impl StateLocation {
    /// `-backend-config=...` arguments for `terraform init`: the S3 backend's
    /// bucket, key and region, and Terraform's own lock in S3 (`use_lockfile`,
    /// Terraform 1.10+: a `KEY.tflock` object written with `If-None-Match`), so
    /// that a terraform run outside this crate cannot interleave with ours.
    pub fn backend_config_args(&self) -> Vec<String> {
        vec![
            format!("-backend-config=bucket={}", self.bucket),
            format!("-backend-config=key={}", self.key),
            format!("-backend-config=region={}", self.region),
            "-backend-config=use_lockfile=true".to_string(),
        ]
    }
}
