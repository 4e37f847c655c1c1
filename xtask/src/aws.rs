//! The AWS SDK configuration: the standard chain (`AWS_PROFILE`, `AWS_ACCESS_KEY_ID`,
//! `AWS_ENDPOINT_URL`, ...) for credentials and endpoint; the region from
//! deploy.toml, because that is where the targets live.

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::ProvideCredentials;
use std::time::Duration;

use crate::error::BadInput;

/// Attempts per request (the SDK's default is 3): on a bad network (a fifth of
/// the connections reset, a tenth of the answers lost) three tries of one
/// request out of a thousand all fail. Every call the deploys make is safe to
/// repeat — uploads and copies write the same bytes, deletes and invalidations
/// (one caller reference) are idempotent, the lock recognises its own write —
/// so retrying more costs only time, which the backoff bounds: at most
/// `MAX_BACKOFF` between tries, about half a minute per request in all.
pub const MAX_ATTEMPTS: u32 = 8;
const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

pub async fn sdk_config(region: &str) -> SdkConfig {
    let mut retry = RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(INITIAL_BACKOFF)
        .with_max_backoff(MAX_BACKOFF);
    // The standard variable still decides when set (e.g. 1 to see the first
    // failure as it is).
    if let Some(n) = std::env::var("AWS_MAX_ATTEMPTS")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .filter(|n| *n > 0)
    {
        retry = retry.with_max_attempts(n);
    }
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .retry_config(retry)
        .load()
        .await
}

/// Fails with one clear line when there are no credentials, before any call.
pub async fn check_credentials(sdk: &SdkConfig) -> Result<(), BadInput> {
    let provider = sdk.credentials_provider().ok_or_else(|| {
        BadInput("no AWS credentials provider: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into())
    })?;
    provider.provide_credentials().await.map(|_| ()).map_err(|e| {
        BadInput(format!(
            "no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY ({})",
            aws_sdk_s3::error::DisplayErrorContext(&e)
        ))
    })
}
