//! Release manifests of static-site targets, beside the ledger:
//!
//! ```text
//! releases/<target>/<release>.json                      what a deploy made
//! releases/<target>/<release>.rollback-<time>.json      the bucket after a rollback to it
//! ```
//!
//! (A deploy whose verification failed and restored the release before writes
//! the second kind too: the bucket after that restore.)
//!
//! A ledger record's `detail` names the manifest of the state it left, so the
//! next deploy compares with what the bucket really serves.

use web_deployer::Manifest;

use super::{StateError, StateStore};

/// Where the manifest a deploy of `release` wrote lives.
pub fn release_key(target: &str, release: &str) -> String {
    format!("releases/{target}/{release}.json")
}

/// Where the manifest of the bucket after a rollback to `release` lives.
pub fn rollback_key(target: &str, release: &str, at: &str) -> String {
    let compact: String = at.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    format!("releases/{target}/{release}.rollback-{compact}.json")
}

/// Whether `key` is a manifest of the bucket after a rollback (or a restore).
pub fn is_rollback_key(key: &str) -> bool {
    key.starts_with("releases/") && key.contains(".rollback-")
}

impl StateStore {
    /// Writes a manifest (compact JSON: it holds every key of the site).
    pub async fn put_manifest(&self, key: &str, manifest: &Manifest) -> Result<(), StateError> {
        let body = serde_json::to_vec(manifest).expect("plain data serializes");
        self.put_bytes(key, body).await
    }

    /// A manifest, if it exists.
    pub async fn manifest(&self, key: &str) -> Result<Option<Manifest>, StateError> {
        self.get_json(key).await
    }
}
