//! What the bucket serves against a release manifest, from the listing alone:
//! ListObjectsV2 gives every key's ETag, size and time (1,000 keys a request),
//! the manifest every key's ETag and size, so no object is read.

use std::collections::HashMap;
use std::time::SystemTime;

use crate::error::WebError;
use crate::manifest::Manifest;
use crate::remote::{list, Listed};

/// One key that differs from the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDrift {
    pub key: String,
    pub how: KeyChange,
    /// When the object the bucket holds now was written (none for a removed key).
    pub since: Option<SystemTime>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyChange {
    /// In the release, but other content in the bucket (ETag or size differ).
    Changed,
    /// In the bucket, neither in the release nor kept from an earlier one.
    Added,
    /// In the release, not in the bucket.
    Removed,
}

impl KeyChange {
    pub fn as_str(&self) -> &'static str {
        match self {
            KeyChange::Changed => "changed",
            KeyChange::Added => "added",
            KeyChange::Removed => "removed",
        }
    }
}

/// The keys of `bucket` that differ from `manifest`, sorted by key. Objects the
/// manifest keeps for the grace period are expected (present or already gone).
pub async fn drift(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    manifest: &Manifest,
) -> Result<Vec<KeyDrift>, WebError> {
    let listed = list(s3, bucket).await?;
    Ok(compare(manifest, &listed))
}

fn compare(manifest: &Manifest, listed: &HashMap<String, Listed>) -> Vec<KeyDrift> {
    let mut out = Vec::new();
    for (key, entry) in &manifest.files {
        match listed.get(key) {
            None => out.push(KeyDrift {
                key: key.clone(),
                how: KeyChange::Removed,
                since: None,
            }),
            Some(l) => {
                let same = match &entry.etag {
                    Some(etag) => *etag == l.etag && entry.size == l.size,
                    // Older manifests without ETags: the size, and the ETag
                    // where it is a plain MD5.
                    None => entry.size == l.size && l.plain_md5().is_none_or(|m| m == entry.md5),
                };
                if !same {
                    out.push(KeyDrift {
                        key: key.clone(),
                        how: KeyChange::Changed,
                        since: l.modified,
                    });
                }
            }
        }
    }
    for (key, l) in listed {
        if !manifest.files.contains_key(key) && !manifest.retained.contains_key(key) {
            out.push(KeyDrift {
                key: key.clone(),
                how: KeyChange::Added,
                since: l.modified,
            });
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headers::Headers;
    use crate::manifest::{Entry, Retained};
    use std::collections::BTreeMap;
    use std::sync::Arc;

    fn entry(etag: Option<&str>, md5: &str, size: u64) -> Entry {
        Entry {
            version_id: None,
            md5: md5.into(),
            size,
            etag: etag.map(str::to_owned),
            headers: Arc::new(Headers {
                content_type: "text/plain".into(),
                cache_control: None,
                content_encoding: None,
            }),
        }
    }

    fn listed(etag: &str, size: u64) -> Listed {
        Listed {
            etag: etag.into(),
            size,
            modified: None,
        }
    }

    #[test]
    fn keys_changed_added_removed_and_grace_objects_expected() {
        let md5 = "900150983cd24fb0d6963f7d28e17f72";
        let other = "0cc175b9c0f1b6a831c399e269772661";
        let mut manifest = Manifest {
            release: "r".into(),
            bucket: "b".into(),
            files: BTreeMap::new(),
            retained: BTreeMap::new(),
        };
        manifest
            .files
            .insert("same".into(), entry(Some(md5), md5, 3));
        manifest
            .files
            .insert("changed".into(), entry(Some(md5), md5, 3));
        manifest
            .files
            .insert("resized".into(), entry(Some(md5), md5, 3));
        manifest
            .files
            .insert("gone".into(), entry(Some(md5), md5, 3));
        // An old manifest without ETags: the size and a plain-MD5 ETag decide.
        manifest
            .files
            .insert("old-same".into(), entry(None, md5, 3));
        manifest
            .files
            .insert("old-changed".into(), entry(None, md5, 3));
        manifest.retained.insert(
            "assets/old.js".into(),
            Retained {
                releases_since: 1,
                version_id: None,
                etag: None,
                headers: None,
            },
        );
        let mut bucket = HashMap::new();
        bucket.insert("same".to_string(), listed(md5, 3));
        bucket.insert("changed".to_string(), listed(other, 3));
        bucket.insert("resized".to_string(), listed(md5, 4));
        bucket.insert("old-same".to_string(), listed(md5, 3));
        bucket.insert("old-changed".to_string(), listed(other, 3));
        bucket.insert("assets/old.js".to_string(), listed(other, 9));
        bucket.insert("stray.html".to_string(), listed(other, 1));
        let found: Vec<(String, &str)> = compare(&manifest, &bucket)
            .into_iter()
            .map(|d| (d.key, d.how.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("changed".to_string(), "changed"),
                ("gone".to_string(), "removed"),
                ("old-changed".to_string(), "changed"),
                ("resized".to_string(), "changed"),
                ("stray.html".to_string(), "added"),
            ]
        );
    }
}
