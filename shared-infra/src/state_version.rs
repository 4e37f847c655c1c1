//! Which version of a stack's state object S3 holds now: one HeadObject, so a
//! caller can tell whether anything wrote the state since it last looked (an
//! apply from a laptop, `terraform state rm`, an import).

use std::time::SystemTime;

use crate::error::InfraError;
use crate::{Clients, StateLocation};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateObjectVersion {
    /// The S3 version id, when the bucket keeps versions.
    pub version_id: Option<String>,
    /// Unquoted.
    pub etag: String,
    pub last_modified: Option<SystemTime>,
}

impl StateObjectVersion {
    /// Whether `other` is the same object version: by version id when both
    /// have one, else by ETag (the content).
    pub fn same_as(&self, other: &StateObjectVersion) -> bool {
        match (&self.version_id, &other.version_id) {
            (Some(a), Some(b)) if a != "null" && b != "null" => a == b,
            _ => self.etag == other.etag,
        }
    }
}

/// The state object's current version; `None` when there is no state object.
pub async fn state_version(
    clients: &Clients,
    location: &StateLocation,
) -> Result<Option<StateObjectVersion>, InfraError> {
    match clients
        .s3
        .head_object()
        .bucket(&location.bucket)
        .key(&location.key)
        .send()
        .await
    {
        Ok(out) => Ok(Some(StateObjectVersion {
            version_id: out.version_id().map(str::to_owned),
            etag: out
                .e_tag()
                .unwrap_or_default()
                .trim_matches('"')
                .to_string(),
            last_modified: out
                .last_modified()
                .and_then(|t| SystemTime::try_from(*t).ok()),
        })),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
        Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => Ok(None),
        Err(e) => Err(InfraError::Aws {
            operation: "S3 HeadObject (terraform state)",
            message: crate::state::described(&e, &location.bucket),
        }),
    }
}
