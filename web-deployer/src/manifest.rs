//! A release manifest: what a deploy (or rollback) left the bucket serving,
//! key by key — the S3 version id to restore it from, its MD5, size, ETag and
//! headers — plus the objects of earlier releases still kept for the grace
//! period. The caller stores it (this crate never decides where) and hands the
//! last one back on the next deploy: it answers "unchanged?" for every key in
//! one read instead of one HEAD per object.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::headers::Headers;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The release id the caller chose (e.g. time and git sha).
    pub release: String,
    pub bucket: String,
    /// Every key of the release.
    pub files: BTreeMap<String, Entry>,
    /// Objects not in this release, still in the bucket for the grace period.
    #[serde(default)]
    pub retained: BTreeMap<String, Retained>,
}

/// One key of a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The S3 object version holding this content (what a rollback copies).
    pub version_id: Option<String>,
    /// Lowercase hex MD5 of the content.
    pub md5: String,
    pub size: u64,
    /// The ETag S3 gave the object, unquoted: matching it against a listing
    /// tells whether the object is still this version without a HEAD.
    #[serde(default)]
    pub etag: Option<String>,
    /// Shared between the keys that have the same (there are a handful).
    #[serde(flatten)]
    pub headers: Arc<Headers>,
}

/// An object that left the build and is kept for the grace period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retained {
    /// How many releases ago it left the build (1: the release before this one
    /// still had it).
    pub releases_since: u32,
    #[serde(default)]
    pub version_id: Option<String>,
    #[serde(default)]
    pub etag: Option<String>,
    /// The headers it was served with, when known (to skip invalidating an
    /// immutable asset when it is finally deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Arc<Headers>>,
}

/// One `Arc` per distinct set of headers.
#[derive(Debug, Default)]
pub struct SharedHeaders(HashMap<Arc<Headers>, ()>);

impl SharedHeaders {
    pub fn get(&mut self, headers: &Headers) -> Arc<Headers> {
        if let Some((h, _)) = self.0.get_key_value(headers) {
            return h.clone();
        }
        let h = Arc::new(headers.clone());
        self.0.insert(h.clone(), ());
        h
    }
}

impl Manifest {
    /// The headers a key was last served with, if this release knows them.
    pub fn headers_of(&self, key: &str) -> Option<&Headers> {
        self.files
            .get(key)
            .map(|e| &*e.headers)
            .or_else(|| self.retained.get(key).and_then(|r| r.headers.as_deref()))
    }

    /// Makes equal headers one shared value again (after reading a manifest,
    /// each entry has its own copy).
    pub fn share_headers(&mut self) {
        let mut shared = SharedHeaders::default();
        for e in self.files.values_mut() {
            e.headers = shared.get(&e.headers);
        }
        for r in self.retained.values_mut() {
            if let Some(h) = &r.headers {
                r.headers = Some(shared.get(h));
            }
        }
    }

    /// Total bytes of the release's files.
    pub fn bytes(&self) -> u64 {
        self.files.values().map(|e| e.size).sum()
    }
}
