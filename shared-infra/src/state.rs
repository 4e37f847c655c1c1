//! A stack's state object in S3: fetched, and its outputs parsed from the state
//! format (version 4) that Terraform 0.12 and later write.

use serde::Deserialize;
use std::collections::BTreeMap;

use crate::error::InfraError;
use crate::{Clients, StateLocation};

/// One root output as the state holds it.
#[derive(Deserialize)]
pub(crate) struct RawOutput {
    pub value: serde_json::Value,
    #[serde(default)]
    pub sensitive: bool,
}

#[derive(Deserialize)]
struct RawState {
    version: u32,
    #[serde(default)]
    outputs: BTreeMap<String, RawOutput>,
}

/// The state object's bytes; [`InfraError::StateNotFound`] when there is none.
pub(crate) async fn fetch(
    clients: &Clients,
    location: &StateLocation,
) -> Result<Vec<u8>, InfraError> {
    let out = clients
        .s3
        .get_object()
        .bucket(&location.bucket)
        .key(&location.key)
        .send()
        .await
        .map_err(|e| match e.as_service_error() {
            Some(s) if s.is_no_such_key() => InfraError::StateNotFound {
                bucket: location.bucket.clone(),
                key: location.key.clone(),
            },
            _ => InfraError::Aws {
                operation: "S3 GetObject (terraform state)",
                message: described(&e, &location.bucket),
            },
        })?;
    Ok(out
        .body
        .collect()
        .await
        .map_err(|e| InfraError::Aws {
            operation: "S3 GetObject (terraform state)",
            message: e.to_string(),
        })?
        .into_bytes()
        .to_vec())
}

/// An S3 error in words; S3's 301 names the region the bucket is really in
/// (the SDK does not follow that redirect).
pub(crate) fn described<E: std::error::Error + 'static>(
    e: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
    bucket: &str,
) -> String {
    match sdk_error::bucket_region(e) {
        Some(region) => format!(
            "bucket {bucket} is in region {region}, not the one the request went to (S3 answered 301 PermanentRedirect)"
        ),
        None => sdk_error::describe(e),
    }
}

/// The root outputs of a state file, by name.
pub(crate) fn outputs(
    location: &StateLocation,
    bytes: &[u8],
) -> Result<BTreeMap<String, RawOutput>, InfraError> {
    let state_error = |message: String| InfraError::State {
        bucket: location.bucket.clone(),
        key: location.key.clone(),
        message,
    };
    let raw: RawState = serde_json::from_slice(bytes)
        .map_err(|e| state_error(format!("not a Terraform state file: {e}")))?;
    if raw.version != 4 {
        return Err(state_error(format!(
            "state format version {} is not supported (expected 4, written by Terraform 0.12 and later)",
            raw.version
        )));
    }
    Ok(raw.outputs)
}
