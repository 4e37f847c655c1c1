//! The AWS SDK configuration: the standard chain (`AWS_PROFILE`, `AWS_ACCESS_KEY_ID`,
//! `AWS_ENDPOINT_URL`, ...) for credentials and endpoint; the region from
//! deploy.toml, because that is where the targets live.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::ProvideCredentials;

use crate::error::BadInput;

pub async fn sdk_config(region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
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
