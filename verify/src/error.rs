/// What stops a verification from checking (as opposed to a check failing).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{url:?} is not an http:// or https:// URL")]
    BadUrl { url: String },
    #[error("CloudWatch alarm(s) not found: {}", names.join(", "))]
    AlarmsNotFound { names: Vec<String> },
    #[error("TLS set-up: {0}")]
    Tls(String),
    #[error("CloudWatch DescribeAlarms: {0}")]
    CloudWatch(String),
}

impl VerifyError {
    /// Whether the settings are wrong (nothing was checked), not a failure on the way.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            VerifyError::BadUrl { .. } | VerifyError::AlarmsNotFound { .. }
        )
    }
}
