//! The headers each key is served with: Content-Type from its extension
//! (`mime_guess`), with `charset=utf-8` for text; Cache-Control from the first
//! matching rule (none when no rule matches: CloudFront's default TTL applies);
//! Content-Encoding for precompressed variants (`app.js.gz` next to `app.js` is
//! served as `application/javascript` with `Content-Encoding: gzip`).

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

use crate::error::WebError;
use crate::CacheRule;

/// What S3 serves a key with; part of each manifest entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Headers {
    pub content_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
}

impl Headers {
    /// `immutable` in Cache-Control: never worth invalidating.
    pub fn is_immutable(&self) -> bool {
        self.cache_control.as_deref().is_some_and(|c| {
            c.split(',')
                .any(|d| d.trim().eq_ignore_ascii_case("immutable"))
        })
    }
}

/// The compiled cache rules.
#[derive(Debug, Clone)]
pub struct HeaderRules {
    rules: Vec<(path_filter::PathFilter, String)>,
}

impl HeaderRules {
    pub fn new(rules: &[CacheRule]) -> Result<HeaderRules, WebError> {
        let rules = rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                path_filter::single(&r.glob)
                    .map(|f| (f, r.cache_control.clone()))
                    .map_err(|e| WebError::BadCacheRule {
                        index: i,
                        message: e.to_string(),
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(HeaderRules { rules })
    }

    /// The headers of `key`; `keys` is every key of the build (to recognise a
    /// precompressed variant by its uncompressed sibling).
    pub fn headers(&self, key: &str, keys: &HashSet<&str>) -> Headers {
        let cache_control = self
            .rules
            .iter()
            .find(|(f, _)| f.matches(key))
            .map(|(_, c)| c.clone());
        let compressed = [(".gz", "gzip"), (".br", "br")]
            .iter()
            .find_map(|(ext, enc)| {
                key.strip_suffix(ext)
                    .filter(|plain| keys.contains(plain))
                    .map(|plain| (plain, *enc))
            });
        let (typed_as, content_encoding) = match compressed {
            Some((plain, enc)) => (plain, Some(enc.to_string())),
            None => (key, None),
        };
        Headers {
            content_type: content_type(typed_as),
            cache_control,
            content_encoding,
        }
    }
}

/// Content-Type by extension; text types get `charset=utf-8`.
pub fn content_type(key: &str) -> String {
    let mime = mime_guess::from_path(key).first_or_octet_stream();
    let essence = mime.essence_str();
    let textual = mime.type_() == mime_guess::mime::TEXT
        || mime.suffix().is_some_and(|s| s == "json" || s == "xml")
        || matches!(
            essence,
            "application/javascript" | "application/json" | "application/xml" | "image/svg+xml"
        );
    if textual && mime.get_param("charset").is_none() {
        format!("{essence}; charset=utf-8")
    } else {
        mime.to_string()
    }
}

/// HTML pages are uploaded after everything they may reference.
pub fn is_html(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    lower.ends_with(".html") || lower.ends_with(".htm")
}

/// The upload phase of a key: assets (0), then pages (1), then the root
/// `index.html` (2), so no page is served before what it references.
pub fn phase(key: &str) -> u8 {
    if key == "index.html" {
        2
    } else if is_html(key) {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_by_extension() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("a/b.css"), "text/css; charset=utf-8");
        assert!(content_type("app.js").ends_with("javascript; charset=utf-8"));
        assert_eq!(content_type("data.json"), "application/json; charset=utf-8");
        assert_eq!(content_type("logo.svg"), "image/svg+xml; charset=utf-8");
        assert_eq!(content_type("logo.png"), "image/png");
        assert_eq!(content_type("font.woff2"), "font/woff2");
        assert_eq!(content_type("blob.unknownext"), "application/octet-stream");
        assert_eq!(content_type("LICENSE"), "application/octet-stream");
    }

    #[test]
    fn first_matching_rule_wins_and_precompressed_variants_keep_their_type() {
        let rules = HeaderRules::new(&[
            CacheRule {
                glob: "index.html".into(),
                cache_control: "no-cache".into(),
            },
            CacheRule {
                glob: "assets/**".into(),
                cache_control: "public, max-age=31536000, immutable".into(),
            },
            CacheRule {
                glob: "**".into(),
                cache_control: "public, max-age=300".into(),
            },
        ])
        .unwrap();
        let keys: HashSet<&str> =
            ["index.html", "assets/app.js", "assets/app.js.gz", "x.gz"].into();
        let h = rules.headers("index.html", &keys);
        assert_eq!(h.cache_control.as_deref(), Some("no-cache"));
        assert!(!h.is_immutable());
        let h = rules.headers("assets/app.js.gz", &keys);
        assert!(h.content_type.contains("javascript"), "{h:?}");
        assert_eq!(h.content_encoding.as_deref(), Some("gzip"));
        assert!(h.is_immutable());
        // No sibling: an ordinary gzip file.
        let h = rules.headers("x.gz", &keys);
        assert_eq!(h.content_encoding, None);
        assert_eq!(h.cache_control.as_deref(), Some("public, max-age=300"));
        assert!(HeaderRules::new(&[])
            .unwrap()
            .headers("a.txt", &keys)
            .cache_control
            .is_none());
    }

    #[test]
    fn phases_put_pages_after_assets_and_the_root_index_last() {
        assert_eq!(phase("assets/a.js"), 0);
        assert_eq!(phase("about/index.html"), 1);
        assert_eq!(phase("404.HTM"), 1);
        assert_eq!(phase("index.html"), 2);
    }
}
