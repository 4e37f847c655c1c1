//! The plan of a deploy or rollback, worked out in full before anything is
//! written: what to put (and from where), what is unchanged, what to delete,
//! what to keep for the grace period, and which paths to invalidate. A dry run
//! is this plan, reported.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use crate::headers::{is_html, phase, Headers};
use crate::manifest::{Entry, Manifest, Retained};
use crate::remote::Listed;
use crate::walk::LocalFile;

/// Why a key is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    /// Not in the bucket.
    New,
    /// Different content.
    Content,
    /// Same content, different headers (e.g. a changed cache rule).
    Headers,
}

/// Where a key's content comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A deploy: the build's file.
    File(LocalFile),
    /// A rollback: an earlier version of the same key, copied inside S3.
    Version {
        key: String,
        version_id: String,
        entry: Box<Entry>,
    },
}

#[derive(Debug, Clone)]
pub struct Transfer {
    pub source: Source,
    pub headers: Arc<Headers>,
    pub change: Change,
}

impl Transfer {
    pub fn key(&self) -> &str {
        match &self.source {
            Source::File(f) => &f.key,
            Source::Version { key, .. } => key,
        }
    }

    pub fn size(&self) -> u64 {
        match &self.source {
            Source::File(f) => f.size,
            Source::Version { entry, .. } => entry.size,
        }
    }

    pub fn md5(&self) -> &str {
        match &self.source {
            Source::File(f) => &f.md5,
            Source::Version { entry, .. } => &entry.md5,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// In upload order: assets, then pages, then the root `index.html`.
    pub transfers: Vec<Transfer>,
    /// Keys of the release already in place, as they are.
    pub unchanged: BTreeMap<String, Entry>,
    /// Keys to delete once every transfer is done.
    pub deletes: Vec<String>,
    /// Keys not in the release kept for the grace period.
    pub kept: BTreeMap<String, Retained>,
    /// What to invalidate afterwards (empty: no invalidation).
    pub invalidation_paths: Vec<String>,
}

impl Plan {
    pub fn transfer_bytes(&self) -> u64 {
        self.transfers.iter().map(Transfer::size).sum()
    }

    /// The last step of planning a deploy or rollback: what to invalidate
    /// (changed and deleted keys, with their headers from `current`, the
    /// manifest of what the bucket serves now), and the write order.
    pub(crate) fn finish(&mut self, settings: &crate::SiteSettings, current: Option<&Manifest>) {
        if settings.distribution_id.is_some() {
            let changed = self
                .transfers
                .iter()
                .filter(|t| t.change != Change::New)
                .map(|t| (t.key(), Some(&*t.headers)));
            let deleted = self
                .deletes
                .iter()
                .map(|k| (k.as_str(), current.and_then(|m| m.headers_of(k))));
            self.invalidation_paths =
                invalidation_paths(changed.chain(deleted), settings.invalidation_max_paths);
        }
        self.sort();
    }

    fn sort(&mut self) {
        self.transfers
            .sort_by(|a, b| (phase(a.key()), a.key()).cmp(&(phase(b.key()), b.key())));
        self.deletes.sort();
    }
}

/// What the last manifest knows of `key`, if the object is still that version
/// (same ETag and size in the listing).
pub fn known<'a>(previous: Option<&'a Manifest>, key: &str, listed: &Listed) -> Option<&'a Entry> {
    previous
        .and_then(|m| m.files.get(key))
        .filter(|e| e.etag.as_deref() == Some(listed.etag.as_str()) && e.size == listed.size)
}

/// The objects in the bucket that are not in the release: deleted, or kept
/// while they left the build at most `grace` releases ago. Pages are deleted
/// at once (an open tab needs old scripts and styles, not old pages), and so
/// is every object no release had ([`Stale::foreign`]): a key neither in
/// `previous` nor kept by it, or whose content is no longer what the release
/// that had it wrote (ETag and size). Grace is for files open pages may still
/// fetch, not for files put there out of band. Without a `previous` manifest
/// (the first deploy by this tool) nothing tells ours from others: what the
/// bucket holds is treated as an earlier release's and starts its grace now.
///
/// `releases` is how many releases pass: 1 for a deploy or rollback that
/// makes one; 0 for a clean-up that only deletes foreign objects (kept files
/// keep their age).
pub fn stale(
    listing: &HashMap<String, Listed>,
    release: &HashSet<&str>,
    previous: Option<&Manifest>,
    grace: u32,
    releases: u32,
) -> Stale {
    let mut out = Stale::default();
    for (key, listed) in listing {
        if release.contains(key.as_str()) {
            continue;
        }
        let from_files = previous
            .and_then(|m| m.files.get(key))
            .filter(|e| e.size == listed.size && e.etag.as_ref().is_none_or(|t| *t == listed.etag));
        let from_retained = previous
            .and_then(|m| m.retained.get(key))
            .filter(|r| r.etag.as_ref().is_none_or(|t| *t == listed.etag));
        let (since, version_id, headers) = match (from_files, from_retained) {
            (Some(e), _) => (releases, e.version_id.clone(), Some(e.headers.clone())),
            (None, Some(r)) => (
                r.releases_since + releases,
                r.version_id.clone(),
                r.headers.clone(),
            ),
            (None, None) if previous.is_none() => (1, None, None),
            (None, None) => {
                out.foreign.push(key.clone());
                out.deletes.push(key.clone());
                continue;
            }
        };
        if is_html(key) || since > grace {
            out.deletes.push(key.clone());
        } else {
            out.kept.insert(
                key.clone(),
                Retained {
                    releases_since: since.max(1),
                    version_id,
                    etag: Some(listed.etag.clone()),
                    headers,
                },
            );
        }
    }
    out.deletes.sort();
    out.foreign.sort();
    out
}

/// What [`stale`] found.
#[derive(Debug, Clone, Default)]
pub struct Stale {
    /// Every key to delete, sorted.
    pub deletes: Vec<String>,
    /// Keys kept for the grace period.
    pub kept: BTreeMap<String, Retained>,
    /// The deletes no release had, sorted.
    pub foreign: Vec<String>,
}

/// A kept object that left the build `releases_since` releases ago goes with
/// the n-th release from now (a deploy or rollback that writes one), as
/// [`stale`] counts: at least the next.
pub fn releases_left(releases_since: u32, grace: u32) -> u32 {
    (grace + 1).saturating_sub(releases_since).max(1)
}

/// The CloudFront paths to invalidate for the keys that changed: each key's
/// URL, and a folder's URL for its `index.html` (the URL S3 websites and
/// CloudFront serve it under). Immutable keys are skipped (their names change
/// with their content). Past `max_paths`, each top-level folder with several
/// changed URLs becomes one wildcard (`/docs/*`), so the rest of the site stays
/// cached; `/*` when that is still too many, or needs more wildcards than
/// CloudFront runs at once. CloudFront counts a wildcard as one path.
pub fn invalidation_paths<'a>(
    changed: impl IntoIterator<Item = (&'a str, Option<&'a Headers>)>,
    max_paths: usize,
) -> Vec<String> {
    let mut paths = BTreeSet::new();
    for (key, headers) in changed {
        if headers.is_some_and(Headers::is_immutable) {
            continue;
        }
        let path = crate::invalidation::path(key);
        // A folder's index is also served at the folder's own URL.
        if let Some(folder) = path.strip_suffix("/index.html") {
            paths.insert(format!("{folder}/"));
        }
        paths.insert(path);
    }
    if paths.len() <= max_paths {
        return paths.into_iter().collect();
    }
    by_folder(&paths, max_paths).unwrap_or_else(|| vec!["/*".to_string()])
}

/// CloudFront runs at most this many wildcard paths per distribution at once.
const MAX_WILDCARDS: usize = 15;

/// The paths with each top-level folder's several paths as one wildcard; `None`
/// when that is still more than `max_paths`, or more than [`MAX_WILDCARDS`].
fn by_folder(paths: &BTreeSet<String>, max_paths: usize) -> Option<Vec<String>> {
    let mut folders: std::collections::BTreeMap<&str, Vec<&String>> = Default::default();
    let mut out = BTreeSet::new();
    for path in paths {
        match path[1..].split_once('/') {
            Some((folder, _)) => folders.entry(folder).or_default().push(path),
            None => {
                out.insert(path.clone());
            }
        }
    }
    let mut wildcards = 0;
    for (folder, in_it) in folders {
        if in_it.len() == 1 {
            out.insert(in_it[0].clone());
        } else {
            out.insert(format!("/{folder}/*"));
            wildcards += 1;
        }
    }
    (out.len() <= max_paths && wildcards <= MAX_WILDCARDS).then(|| out.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headers::Headers;

    fn headers(cache: &str) -> Headers {
        Headers {
            content_type: "text/html".into(),
            cache_control: Some(cache.into()),
            content_encoding: None,
        }
    }

    #[test]
    fn invalidation_skips_immutable_adds_folders_and_collapses() {
        let mutable = headers("no-cache");
        let immutable = headers("public, max-age=31536000, immutable");
        let paths = invalidation_paths(
            [
                ("index.html", Some(&mutable)),
                ("docs/index.html", Some(&mutable)),
                ("assets/a-1.js", Some(&immutable)),
                ("robots.txt", None),
                ("a b.txt", None),
                ("blog/old-index.html", Some(&mutable)),
            ],
            10,
        );
        assert_eq!(
            paths,
            [
                "/",
                "/a%20b.txt",
                "/blog/old-index.html",
                "/docs/",
                "/docs/index.html",
                "/index.html",
                "/robots.txt"
            ]
        );
        assert_eq!(
            invalidation_paths([("a", None), ("b", None), ("c", None)], 2),
            ["/*"]
        );
        // Past the limit, a folder's several paths become one wildcard; a
        // folder with one changed path keeps it.
        let docs: Vec<String> = (0..30).map(|i| format!("docs/page-{i}.html")).collect();
        let mut changed: Vec<(&str, Option<&Headers>)> =
            docs.iter().map(|k| (k.as_str(), Some(&mutable))).collect();
        changed.extend([
            ("index.html", Some(&mutable)),
            ("blog/index.html", Some(&mutable)),
            ("assets/app-9.js", Some(&immutable)),
        ]);
        assert_eq!(
            invalidation_paths(changed.clone(), 10),
            ["/", "/blog/*", "/docs/*", "/index.html"]
        );
        assert_eq!(invalidation_paths(changed, 3), ["/*"]);
        // More folders than CloudFront runs wildcards at once: `/*`.
        let many: Vec<String> = (0..16)
            .flat_map(|f| [format!("f{f}/a.html"), format!("f{f}/b.html")])
            .collect();
        assert_eq!(
            invalidation_paths(many.iter().map(|k| (k.as_str(), None)), 20),
            ["/*"]
        );
        assert!(invalidation_paths([("a.js", Some(&immutable))], 2).is_empty());
    }

    #[test]
    fn stale_objects_are_kept_for_the_grace_then_deleted_and_pages_go_at_once() {
        let listed = |etag: &str| Listed {
            etag: etag.into(),
            size: 1,
            modified: None,
        };
        let listing: HashMap<String, Listed> = [
            ("index.html", listed("i")),
            ("old.html", listed("o")),
            ("assets/a-1.js", listed("a1")),
            ("assets/a-2.js", listed("a2")),
            ("assets/a-3.js", listed("a3")),
            ("stray.txt", listed("s")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let entry = Entry {
            version_id: Some("v".into()),
            md5: String::new(),
            size: 1,
            etag: None,
            headers: Arc::new(headers("x")),
        };
        let retained = |since| Retained {
            releases_since: since,
            version_id: None,
            etag: None,
            headers: None,
        };
        let previous = Manifest {
            release: "r2".into(),
            bucket: "b".into(),
            files: [
                ("index.html", &entry),
                ("old.html", &entry),
                ("assets/a-3.js", &entry),
            ]
            .into_iter()
            .map(|(k, e)| (k.to_string(), e.clone()))
            .collect(),
            retained: [
                ("assets/a-2.js", retained(1)),
                ("assets/a-1.js", retained(2)),
            ]
            .into_iter()
            .map(|(k, r)| (k.to_string(), r))
            .collect(),
        };
        let release: HashSet<&str> = ["index.html", "assets/a-4.js"].into();
        let Stale {
            deletes,
            kept,
            foreign,
        } = stale(&listing, &release, Some(&previous), 2, 1);
        assert_eq!(foreign, ["stray.txt"]);
        // stray.txt is in no release: it goes at once, not after the grace.
        assert_eq!(deletes, ["assets/a-1.js", "old.html", "stray.txt"]);
        let ages: Vec<(&str, u32)> = kept
            .iter()
            .map(|(k, r)| (k.as_str(), r.releases_since))
            .collect();
        assert_eq!(ages, [("assets/a-2.js", 2), ("assets/a-3.js", 1)]);
        assert_eq!(kept["assets/a-3.js"].version_id.as_deref(), Some("v"));
        assert_eq!(releases_left(2, 2), 1, "a-2 goes with the next release");
        assert_eq!(releases_left(1, 2), 2, "a-3 with the one after");
        assert_eq!(releases_left(5, 2), 1);

        let Stale { deletes, kept, .. } = stale(&listing, &release, Some(&previous), 0, 1);
        assert_eq!(deletes.len(), 5);
        assert!(kept.is_empty());

        // A clean-up (no release passes): only the foreign object goes, the
        // kept ones keep their age.
        let previous_of_4 = Manifest {
            files: [("index.html".to_string(), entry.clone())].into(),
            retained: [
                ("assets/a-2.js".to_string(), retained(2)),
                ("assets/a-3.js".to_string(), retained(1)),
            ]
            .into(),
            ..previous.clone()
        };
        let mut now = listing.clone();
        now.remove("assets/a-1.js");
        now.remove("old.html");
        let Stale { deletes, kept, .. } = stale(&now, &release, Some(&previous_of_4), 2, 0);
        assert_eq!(deletes, ["stray.txt"]);
        let ages: Vec<(&str, u32)> = kept
            .iter()
            .map(|(k, r)| (k.as_str(), r.releases_since))
            .collect();
        assert_eq!(ages, [("assets/a-2.js", 2), ("assets/a-3.js", 1)]);

        // Without a manifest (the first deploy by this tool), what the bucket
        // holds is an earlier release's: kept for the grace.
        let Stale { deletes, kept, .. } = stale(&listing, &release, None, 2, 1);
        assert_eq!(deletes, ["old.html"]);
        assert_eq!(kept.len(), 4);
    }

    #[test]
    fn a_file_whose_content_changed_out_of_band_is_not_kept() {
        let listed = |etag: &str| Listed {
            etag: etag.into(),
            size: 1,
            modified: None,
        };
        let listing: HashMap<String, Listed> = [
            ("assets/left.js", listed("other")),
            ("assets/kept.js", listed("other")),
            ("assets/fine.js", listed("f")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let entry = Entry {
            version_id: None,
            md5: String::new(),
            size: 1,
            etag: Some("l".into()),
            headers: Arc::new(headers("x")),
        };
        let retained = |etag: &str| Retained {
            releases_since: 1,
            version_id: None,
            etag: Some(etag.into()),
            headers: None,
        };
        let previous = Manifest {
            release: "r".into(),
            bucket: "b".into(),
            files: [("assets/left.js".to_string(), entry)].into(),
            retained: [
                ("assets/kept.js".to_string(), retained("k")),
                ("assets/fine.js".to_string(), retained("f")),
            ]
            .into(),
        };
        let Stale {
            deletes,
            kept,
            foreign,
        } = stale(&listing, &HashSet::new(), Some(&previous), 2, 1);
        assert_eq!(foreign, deletes);
        assert_eq!(deletes, ["assets/kept.js", "assets/left.js"]);
        assert_eq!(kept.keys().collect::<Vec<_>>(), ["assets/fine.js"]);
    }
}
