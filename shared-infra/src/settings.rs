use std::path::PathBuf;

/// Which Terraform stack to run, resolved for one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackSettings {
    /// The root module's folder.
    pub dir: PathBuf,
    /// Whether `apply` needs an explicit approval.
    pub approval_required: bool,
    /// Where the stack's remote state lives, for reading its outputs.
    pub state: Option<StateLocation>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateLocation {
    pub bucket: String,
    pub key: String,
}
