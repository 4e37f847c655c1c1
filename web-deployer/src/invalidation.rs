//! CloudFront invalidations: the paths as CloudFront matches them, creating one
//! (waiting while CloudFront has too many in progress) and, when asked,
//! waiting until CloudFront reports it Completed.

use aws_sdk_cloudfront::operation::create_invalidation::CreateInvalidationError;
use aws_sdk_cloudfront::types::{InvalidationBatch, Paths};
use std::time::{Duration, Instant};

use crate::error::{aws, WebError};

/// How to wait for an invalidation (`--wait`).
#[derive(Debug, Clone)]
pub struct WaitSettings {
    pub timeout: Duration,
    pub poll_interval: Duration,
}

impl Default for WaitSettings {
    fn default() -> Self {
        WaitSettings {
            timeout: Duration::from_secs(15 * 60),
            poll_interval: Duration::from_secs(5),
        }
    }
}

/// A key's path for an invalidation. CloudFront matches invalidation paths as
/// written: only non-ASCII characters and RFC 1738's unsafe ones may be
/// percent-encoded ("if you URL-encode any other characters, CloudFront will
/// not invalidate the old version", CloudFront developer guide). `?` is
/// encoded too: a raw one would start a query string. `a+b.html` stays
/// `/a+b.html`; `page (1).html` is `/page%20(1).html`.
pub fn path(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 1);
    out.push('/');
    for b in key.bytes() {
        let unsafe_ = matches!(
            b,
            b' ' | b'"'
                | b'<'
                | b'>'
                | b'#'
                | b'%'
                | b'{'
                | b'}'
                | b'|'
                | b'\\'
                | b'^'
                | b'~'
                | b'['
                | b']'
                | b'`'
                | b'?'
        );
        if !(0x21..0x7f).contains(&b) || unsafe_ {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(b as char);
        }
    }
    out
}

/// An invalidation CloudFront took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub id: String,
    /// The paths sent: the planned ones, or `/*` when CloudFront's file-path
    /// limit was full and its wildcard one was not.
    pub paths: Vec<String>,
    /// How long CloudFront's in-progress limit held it back.
    pub waited: Duration,
}

/// Past this, one wait between two tries while CloudFront is busy.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Creates the invalidation. While CloudFront answers
/// TooManyInvalidationsInProgress (at most 3,000 file paths and 15 wildcard
/// paths in progress per distribution, counted apart), it tries the paths
/// folded into `/*` (one wildcard path), then waits and tries again, backing
/// off, for up to `busy_timeout`.
pub async fn create(
    cloudfront: &aws_sdk_cloudfront::Client,
    distribution: &str,
    paths: &[String],
    caller_reference: &str,
    busy_timeout: Duration,
) -> Result<Created, WebError> {
    let started = Instant::now();
    let everything = vec!["/*".to_string()];
    let mut backoff = Duration::from_secs(1);
    let mut attempt = 0;
    loop {
        let mut tries = vec![paths];
        if paths != everything.as_slice() {
            tries.push(&everything);
        }
        for batch in tries {
            attempt += 1;
            let reference = format!("{caller_reference}-{attempt}");
            match send(cloudfront, distribution, batch, &reference).await? {
                Some(id) => {
                    return Ok(Created {
                        id,
                        paths: batch.to_vec(),
                        waited: started.elapsed(),
                    })
                }
                None => continue,
            }
        }
        let left = busy_timeout.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err(WebError::InvalidationsBusy {
                distribution: distribution.to_string(),
                waited: started.elapsed(),
            });
        }
        tokio::time::sleep(backoff.min(left)).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One CreateInvalidation: its id, or `None` when CloudFront has too many in
/// progress.
async fn send(
    cloudfront: &aws_sdk_cloudfront::Client,
    distribution: &str,
    paths: &[String],
    reference: &str,
) -> Result<Option<String>, WebError> {
    let batch = InvalidationBatch::builder()
        .caller_reference(reference)
        .paths(
            Paths::builder()
                .quantity(paths.len() as i32)
                .set_items(Some(paths.to_vec()))
                .build()
                .map_err(aws("CloudFront CreateInvalidation", distribution))?,
        )
        .build()
        .map_err(aws("CloudFront CreateInvalidation", distribution))?;
    match cloudfront
        .create_invalidation()
        .distribution_id(distribution)
        .invalidation_batch(batch)
        .send()
        .await
    {
        Ok(out) => Ok(Some(
            out.invalidation()
                .map(|i| i.id().to_string())
                .unwrap_or_default(),
        )),
        Err(e)
            if e.as_service_error()
                .is_some_and(CreateInvalidationError::is_too_many_invalidations_in_progress) =>
        {
            Ok(None)
        }
        Err(e) => Err(aws("CloudFront CreateInvalidation", distribution)(e)),
    }
}

/// Polls until the invalidation is Completed; false after the timeout.
pub async fn wait(
    cloudfront: &aws_sdk_cloudfront::Client,
    distribution: &str,
    id: &str,
    settings: &WaitSettings,
) -> Result<bool, WebError> {
    let deadline = Instant::now() + settings.timeout;
    loop {
        let out = cloudfront
            .get_invalidation()
            .distribution_id(distribution)
            .id(id)
            .send()
            .await
            .map_err(aws("CloudFront GetInvalidation", id))?;
        if out
            .invalidation()
            .is_some_and(|i| i.status().eq_ignore_ascii_case("completed"))
        {
            return Ok(true);
        }
        if Instant::now() + settings.poll_interval > deadline {
            return Ok(false);
        }
        tokio::time::sleep(settings.poll_interval).await;
    }
}

/// The command that makes the invalidation by hand, each path quoted for the
/// shell (`/*` unquoted would be expanded by it).
pub fn by_hand(distribution: &str, paths: &[String]) -> String {
    let quoted: Vec<String> = paths
        .iter()
        .map(|p| format!("'{}'", p.replace('\'', r"'\''")))
        .collect();
    format!(
        "aws cloudfront create-invalidation --distribution-id {distribution} --paths {}",
        quoted.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_encode_only_what_cloudfront_decodes() {
        assert_eq!(path("a+b.html"), "/a+b.html");
        assert_eq!(path("img/logo@2x.png"), "/img/logo@2x.png");
        assert_eq!(path("page (1).html"), "/page%20(1).html");
        assert_eq!(path("ü/x;y=z&$!'*,:.js"), "/%C3%BC/x;y=z&$!'*,:.js");
        assert_eq!(path("a%b#c?d~e"), "/a%25b%23c%3Fd%7Ee");
        assert_eq!(path("tab\there"), "/tab%09here");
    }

    #[test]
    fn the_command_by_hand_quotes_each_path() {
        assert_eq!(
            by_hand("E1", &["/*".into(), "/it's.html".into()]),
            r"aws cloudfront create-invalidation --distribution-id E1 --paths '/*' '/it'\''s.html'"
        );
    }
}
