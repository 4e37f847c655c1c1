//! The HTTP smoke check: GET the URL until it answers the expected status, or
//! its `within` is up.

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use std::time::{Duration, Instant};

use crate::{Progress, Verdict, VerifyError};

/// `verify = { url = "https://api.prod.example.com/health", expect_status = 200, within = "2m" }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmokeCheck {
    pub url: String,
    pub expect_status: u16,
    /// Retried until this long after the first attempt.
    pub within: Duration,
}

/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn smoke_check(
    check: &SmokeCheck,
    poll_interval: Duration,
    on_progress: &mut impl FnMut(Progress<'_>),
) -> Result<Verdict, VerifyError> {
    let uri: hyper::Uri = check.url.parse().map_err(|_| VerifyError::BadUrl {
        url: check.url.clone(),
    })?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
        return Err(VerifyError::BadUrl {
            url: check.url.clone(),
        });
    }
    let client = client()?;
    let started = Instant::now();
    loop {
        let answer = match attempt(&client, &uri).await {
            Ok(status) if status == check.expect_status => {
                on_progress(Progress::SmokePassed {
                    url: &check.url,
                    status,
                });
                return Ok(Verdict::Passed);
            }
            Ok(status) => status.to_string(),
            Err(why) => why,
        };
        on_progress(Progress::Smoke {
            url: &check.url,
            answer: &answer,
        });
        if started.elapsed() >= check.within {
            return Ok(Verdict::SmokeFailed {
                url: check.url.clone(),
                expected: check.expect_status,
                last: answer,
                after: check.within,
            });
        }
        tokio::time::sleep(poll_interval.min(check.within.saturating_sub(started.elapsed()))).await;
    }
}

type Client = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    Empty<Bytes>,
>;

fn client() -> Result<Client, VerifyError> {
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(provider)
        .map_err(|e| VerifyError::Tls(e.to_string()))?
        .https_or_http()
        .enable_http1()
        .build();
    Ok(
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(https),
    )
}

/// One GET: the status, or why there was none.
async fn attempt(client: &Client, uri: &hyper::Uri) -> Result<u16, String> {
    let request = hyper::Request::get(uri.clone())
        .header("user-agent", "xtask-verify")
        .body(Empty::<Bytes>::new())
        .map_err(|e| e.to_string())?;
    let answer = tokio::time::timeout(ATTEMPT_TIMEOUT, async {
        let response = client.request(request).await.map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        // Read the body so the connection ends cleanly; its content is not checked.
        let _ = response.into_body().collect().await;
        Ok(status)
    })
    .await;
    answer.unwrap_or_else(|_| Err(format!("no answer within {}s", ATTEMPT_TIMEOUT.as_secs())))
}

/// An error and its causes on one line ("connection refused", not a Debug dump).
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
