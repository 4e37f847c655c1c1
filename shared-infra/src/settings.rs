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
    /// `-backend-config=...` arguments for `terraform init`.
    pub fn backend_config_args(&self) -> Vec<String> {
        vec![
            format!("-backend-config=bucket={}", self.bucket),
            format!("-backend-config=key={}", self.key),
            format!("-backend-config=region={}", self.region),
        ]
    }
}
