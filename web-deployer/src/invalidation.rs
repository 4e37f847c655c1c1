//! CloudFront invalidations: create one for the planned paths and, when asked,
//! wait until CloudFront reports it Completed.

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

/// Creates the invalidation; its id.
pub async fn create(
    cloudfront: &aws_sdk_cloudfront::Client,
    distribution: &str,
    paths: &[String],
    caller_reference: &str,
) -> Result<String, WebError> {
    let batch = InvalidationBatch::builder()
        .caller_reference(caller_reference)
        .paths(
            Paths::builder()
                .quantity(paths.len() as i32)
                .set_items(Some(paths.to_vec()))
                .build()
                .map_err(aws("CloudFront CreateInvalidation", distribution))?,
        )
        .build()
        .map_err(aws("CloudFront CreateInvalidation", distribution))?;
    let out = cloudfront
        .create_invalidation()
        .distribution_id(distribution)
        .invalidation_batch(batch)
        .send()
        .await
        .map_err(aws("CloudFront CreateInvalidation", distribution))?;
    Ok(out
        .invalidation()
        .map(|i| i.id().to_string())
        .unwrap_or_default())
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
