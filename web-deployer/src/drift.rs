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
    /// Kept for the grace period from an earlier release, but other content
    /// in the bucket than that release had (the next deploy deletes it).
    KeptChanged,
    /// In the bucket, neither in the release nor kept from an earlier one:
    /// no release had it (the next deploy deletes it).
    Added,
    /// In the release, not in the bucket.
    Removed,
}

impl KeyChange {
    pub fn as_str(&self) -> &'static str {
        match self {
            KeyChange::Changed => "changed",
            KeyChange::KeptChanged => "kept-changed",
            KeyChange::Added => "added",
            KeyChange::Removed => "removed",
        }
    }
}

/// A file of an earlier release the bucket still serves for the grace period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptKey {
    pub key: String,
    /// How many releases ago it left the build.
    pub releases_since: u32,
}

/// The bucket against a release manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteDrift {
    /// Keys that differ, sorted by key.
    pub keys: Vec<KeyDrift>,
    /// Keys kept for the grace period and still there as kept, sorted by key.
    pub kept: Vec<KeptKey>,
}

/// Where `bucket` differs from `manifest`, and the files it keeps for the
/// grace period. Objects the manifest keeps are expected (present with the
/// content it recorded, or already gone).
pub async fn drift(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    manifest: &Manifest,
) -> Result<SiteDrift, WebError> {
    let listed = list(s3, bucket).await?;
    Ok(compare(manifest, &listed))
}

fn compare(manifest: &Manifest, listed: &HashMap<String, Listed>) -> SiteDrift {
    let mut out = SiteDrift::default();
    for (key, entry) in &manifest.files {
        match listed.get(key) {
            None => out.keys.push(KeyDrift {
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
                    out.keys.push(KeyDrift {
                        key: key.clone(),
                        how: KeyChange::Changed,
                        since: l.modified,
                    });
                }
            }
        }
    }
    for (key, l) in listed {
        if manifest.files.contains_key(key) {
            continue;
        }
        let how = match manifest.retained.get(key) {
            None => KeyChange::Added,
            Some(r) if r.etag.as_ref().is_some_and(|t| *t != l.etag) => KeyChange::KeptChanged,
            Some(r) => {
                out.kept.push(KeptKey {
                    key: key.clone(),
                    releases_since: r.releases_since,
                });
                continue;
            }
        };
        out.keys.push(KeyDrift {
            key: key.clone(),
            how,
            since: l.modified,
        });
    }
    out.keys.sort_by(|a, b| a.key.cmp(&b.key));
    out.kept.sort_by(|a, b| a.key.cmp(&b.key));
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
        let retained = |etag: &str, since| Retained {
            releases_since: since,
            version_id: None,
            etag: Some(etag.into()),
            headers: None,
        };
        manifest
            .retained
            .insert("assets/kept.js".into(), retained(md5, 2));
        manifest
            .retained
            .insert("assets/swapped.js".into(), retained(md5, 1));
        manifest
            .retained
            .insert("assets/gone.js".into(), retained(md5, 1));
        let mut bucket = HashMap::new();
        bucket.insert("same".to_string(), listed(md5, 3));
        bucket.insert("changed".to_string(), listed(other, 3));
        bucket.insert("resized".to_string(), listed(md5, 4));
        bucket.insert("old-same".to_string(), listed(md5, 3));
        bucket.insert("old-changed".to_string(), listed(other, 3));
        bucket.insert("assets/old.js".to_string(), listed(other, 9));
        bucket.insert("stray.html".to_string(), listed(other, 1));
        bucket.insert("assets/kept.js".to_string(), listed(md5, 3));
        bucket.insert("assets/swapped.js".to_string(), listed(other, 3));
        let drift = compare(&manifest, &bucket);
        let found: Vec<(String, &str)> = drift
            .keys
            .into_iter()
            .map(|d| (d.key, d.how.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("assets/swapped.js".to_string(), "kept-changed"),
                ("changed".to_string(), "changed"),
                ("gone".to_string(), "removed"),
                ("old-changed".to_string(), "changed"),
                ("resized".to_string(), "changed"),
                ("stray.html".to_string(), "added"),
            ]
        );
        // Kept files still there as kept are listed with their age; one kept
        // and already gone is expected, and not listed.
        let kept: Vec<(&str, u32)> = drift
            .kept
            .iter()
            .map(|k| (k.key.as_str(), k.releases_since))
            .collect();
        assert_eq!(kept, [("assets/kept.js", 2), ("assets/old.js", 1)]);
    }
}
