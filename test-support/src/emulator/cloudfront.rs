//! CloudFront in the front (`aws_front/cloudfront_*.py`): invalidations that
//! take time and their limits, someone else's invalidations in flight, the
//! edge caches' stale keys, and paged lists.

use super::control::query_escape;
use super::Emulator;
use std::time::Duration;

/// Invalidations in flight on a distribution that are not the test's own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Busy {
    /// File paths (of the 3,000 CloudFront allows in progress).
    pub file_paths: u32,
    /// Wildcard paths (of the 15).
    pub wildcard_paths: u32,
    /// How long they stay in progress.
    pub for_: Duration,
}

impl Emulator {
    /// From now on, `distribution`'s invalidations stay InProgress for `takes`
    /// (and count against CloudFront's limits meanwhile).
    pub fn invalidations_take(&self, distribution: &str, takes: Duration) {
        let body = serde_json::json!({
            "distribution": distribution,
            "takes_ms": takes.as_millis() as u64,
        });
        self.control("POST", "/cloudfront/invalidations", &body.to_string());
    }

    /// Someone else's invalidations are in flight on `distribution`.
    pub fn invalidations_busy(&self, distribution: &str, busy: Busy) {
        let body = serde_json::json!({
            "distribution": distribution,
            "file_paths": busy.file_paths,
            "wildcard_paths": busy.wildcard_paths,
            "for_ms": busy.for_.as_millis() as u64,
        });
        self.control("POST", "/cloudfront/busy", &body.to_string());
    }

    /// The keys of `distribution`'s origin bucket whose edge copies are stale:
    /// overwritten or deleted since the last invalidation that covers their
    /// URL as CloudFront matches it.
    pub fn stale_keys(&self, distribution: &str) -> Vec<String> {
        let path = format!(
            "/cloudfront/stale?distribution={}",
            query_escape(distribution)
        );
        let answer = self.control("GET", &path, "");
        serde_json::from_str(&answer)
            .unwrap_or_else(|e| panic!("aws front: stale keys are not a JSON list ({e}): {answer}"))
    }

    /// Every page of ListOriginAccessControls holds at most `max_items` (0:
    /// as many as asked); it stays for the test process.
    pub fn cloudfront_page_size(&self, max_items: u32) {
        let body = serde_json::json!({ "max_items": max_items });
        self.control("POST", "/cloudfront/page-size", &body.to_string());
    }
}
