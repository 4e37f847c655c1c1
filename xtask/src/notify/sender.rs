//! Posting a message to an incoming webhook, as Slack documents it: a JSON
//! POST answered `200 ok`; `429 Too Many Requests` with `Retry-After` (seconds)
//! when posting too fast; other 4xx (`invalid_payload`, `no_service`,
//! `channel_not_found`, ...) mean the request or the webhook is wrong, and are
//! not retried; 5xx and no answer may pass, and are.
//!
//! Bounded, so a deploy never waits long on Slack: at most [`ATTEMPTS`]
//! attempts, each within the configured timeout, 1 s then 2 s apart (or what
//! `Retry-After` asks, up to [`MAX_RETRY_AFTER`]). Every message this returns
//! has the URL taken out, should an error ever quote it.

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use std::time::Duration;

pub(super) const ATTEMPTS: u32 = 3;
/// The waits after a failure that may pass, by attempt.
const BACKOFF: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(2)];
/// A longer `Retry-After` is not waited for: the message is dropped (a warning).
pub(super) const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// How much of an error answer's body is read, and shown.
const BODY_READ: usize = 16 * 1024;
const BODY_SHOWN: usize = 200;

/// How one attempt went.
enum Answer {
    Ok,
    /// 429: wait, then try again.
    RateLimited {
        retry_after: Option<Duration>,
    },
    /// 5xx, a timeout, a dropped connection: may pass.
    Passing(String),
    /// Any other answer: trying again would not help.
    Refused(String),
}

/// Posts `body` to `url`; the number of attempts it took, or why it was not
/// delivered. `on_retry` hears each failure that is tried again.
pub(super) async fn post(
    url: &str,
    body: &[u8],
    timeout: Duration,
    mut on_retry: impl FnMut(&str),
) -> Result<u32, String> {
    let uri: hyper::Uri = url
        .parse()
        .ok()
        .filter(|u: &hyper::Uri| {
            matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some()
        })
        .ok_or_else(|| "it does not hold an http:// or https:// URL".to_string())?;
    let client = client().map_err(|e| scrub(&e, url))?;
    let body = Bytes::copy_from_slice(body);
    let mut attempt = 1;
    loop {
        let (why, wait) = match once(&client, &uri, body.clone(), timeout).await {
            Answer::Ok => return Ok(attempt),
            Answer::Refused(why) => return Err(scrub(&why, url)),
            Answer::RateLimited { retry_after } => {
                let wait = retry_after.unwrap_or(Duration::from_secs(1));
                if wait > MAX_RETRY_AFTER {
                    return Err(format!(
                        "HTTP 429: rate limited for {}s (Retry-After), longer than the {}s a deploy waits",
                        wait.as_secs(),
                        MAX_RETRY_AFTER.as_secs()
                    ));
                }
                ("HTTP 429: rate limited".to_string(), wait)
            }
            Answer::Passing(why) => {
                let wait = BACKOFF[(attempt as usize - 1).min(BACKOFF.len() - 1)];
                (scrub(&why, url), wait)
            }
        };
        if attempt >= ATTEMPTS {
            return Err(format!("{why} (after {ATTEMPTS} attempts)"));
        }
        on_retry(&format!(
            "{why}; trying again in {}s (attempt {} of {ATTEMPTS})",
            wait.as_secs_f64(),
            attempt + 1
        ));
        tokio::time::sleep(wait).await;
        attempt += 1;
    }
}

type Client = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    Full<Bytes>,
>;

/// The verify crate's client (rustls with aws-lc, the platform's roots); the
/// GitHub approval check uses it too.
pub(crate) fn client() -> Result<Client, String> {
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(provider)
        .map_err(|e| format!("TLS set-up: {e}"))?
        .https_or_http()
        .enable_http1()
        .build();
    Ok(
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(https),
    )
}

async fn once(client: &Client, uri: &hyper::Uri, body: Bytes, timeout: Duration) -> Answer {
    let request = match hyper::Request::post(uri.clone())
        .header("content-type", "application/json; charset=utf-8")
        .header("user-agent", "xtask-notify")
        .body(Full::new(body))
    {
        Ok(r) => r,
        Err(e) => return Answer::Refused(format!("the request could not be made: {e}")),
    };
    let answer = tokio::time::timeout(timeout, async {
        let response = client.request(request).await.map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = match Limited::new(response.into_body(), BODY_READ)
            .collect()
            .await
        {
            Ok(b) => String::from_utf8_lossy(&b.to_bytes()).trim().to_string(),
            Err(_) => String::new(),
        };
        Ok::<_, String>((status, retry_after, text))
    })
    .await;
    match answer {
        Err(_) => Answer::Passing(format!("no answer within {}s", timeout.as_secs_f64())),
        Ok(Err(why)) => Answer::Passing(why),
        Ok(Ok((status, _, _))) if (200..300).contains(&status) => Answer::Ok,
        Ok(Ok((429, retry_after, _))) => Answer::RateLimited { retry_after },
        Ok(Ok((status, _, text))) => {
            let why = format!("HTTP {status}{}", shown(&text));
            if status >= 500 {
                Answer::Passing(why)
            } else {
                Answer::Refused(why)
            }
        }
    }
}

/// An answer's body, one line and short: Slack's is an error code (`no_service`).
fn shown(text: &str) -> String {
    let line: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(BODY_SHOWN)
        .collect();
    if line.is_empty() {
        String::new()
    } else {
        format!(": {line}")
    }
}

/// An error and its causes on one line.
pub(crate) fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `text` without the URL, nor its path and query (the secret part of a
/// Slack webhook URL), should anything have quoted them.
fn scrub(text: &str, url: &str) -> String {
    let mut out = text.replace(url, "(the webhook URL)");
    if let Ok(uri) = url.parse::<hyper::Uri>() {
        if let Some(pq) = uri
            .path_and_query()
            .map(|p| p.as_str())
            .filter(|p| p.len() > 1)
        {
            out = out.replace(pq, "(the webhook URL's path)");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_takes_out_the_url_and_its_path() {
        let url = "https://hooks.slack.com/services/T0/B0/s3cr3t";
        let text = format!("error for {url} and /services/T0/B0/s3cr3t");
        let clean = scrub(&text, url);
        assert!(!clean.contains("s3cr3t"), "{clean}");
    }

    #[test]
    fn bodies_are_one_short_line() {
        assert_eq!(shown("no_service\n"), ": no_service");
        assert_eq!(shown(""), "");
        assert_eq!(shown(&"x".repeat(500)).len(), 2 + BODY_SHOWN);
    }
}
