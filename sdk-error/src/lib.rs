//! An AWS SDK error as a person reads it, on one line.
//!
//! The SDK's own `Display` says "service error" or "dispatch failure", and
//! `DisplayErrorContext` adds every cause — down to structures printed with
//! `Debug` (`Error { code: .., .. }`, `hyper_util::client::legacy::Error(..)`).
//! Here: the service's code and message when it answered (`NoSuchBucket: The
//! specified bucket does not exist`); otherwise what happened on the wire, from
//! the innermost cause that reads as a sentence (`the request did not get
//! through: connection reset by peer (os error 104)`). After [`set_verbose`]
//! (xtask's `-v`) it is the whole cause chain instead, Debug structures and all.
//!
//! Shared by the deploy crates the way `path-filter` is: it knows no service.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::error::ErrorMetadata;
use std::error::Error;
use std::sync::atomic::{AtomicBool, Ordering};

static VERBOSE: AtomicBool = AtomicBool::new(false);

/// From now on, [`describe`] gives every cause, as the SDK prints them.
pub fn set_verbose() {
    VERBOSE.store(true, Ordering::Relaxed);
}

/// `err` (an SDK error, or any error with one among its causes) in plain words.
pub fn describe<E: Error + 'static>(err: &E) -> String {
    describe_dyn(err)
}

fn describe_dyn(err: &(dyn Error + 'static)) -> String {
    if VERBOSE.load(Ordering::Relaxed) {
        let mut all = err.to_string();
        let mut cause = err.source();
        while let Some(e) = cause {
            all.push_str(&format!(": {e} [{e:?}]"));
            cause = e.source();
        }
        return all;
    }
    // A service's answer: its code and message, wherever the SDK keeps them.
    let mut cause: Option<&(dyn Error + 'static)> = Some(err);
    while let Some(e) = cause {
        if let Some(code) = e.downcast_ref::<ErrorMetadata>().and_then(|m| m.code()) {
            let meta = e.downcast_ref::<ErrorMetadata>().expect("checked above");
            return match meta.message() {
                Some(message) if !message.is_empty() => format!("{code}: {message}"),
                _ => code.to_string(),
            };
        }
        cause = e.source();
    }
    let mut chain: Vec<String> = Vec::new();
    let mut cause: Option<&(dyn Error + 'static)> = Some(err);
    while let Some(e) = cause {
        let text = e.to_string();
        if !reads_as_debug(&text) && chain.last() != Some(&text) {
            chain.push(text);
        }
        cause = e.source();
    }
    let what = match chain.first().map(String::as_str) {
        Some("dispatch failure") => "the request did not get through",
        Some("response error") => "the answer could not be read",
        Some("timeout error") => "the request timed out",
        Some("service error") => "the service refused the request",
        Some("failed to construct request") => "the request could not be made",
        Some(other) => other,
        None => "the request failed",
    };
    match chain.last() {
        Some(inner) if chain.len() > 1 => format!("{what}: {}", lowercase_first(inner)),
        _ => what.to_string(),
    }
}

/// The HTTP status of the service's answer, when one came.
pub fn status<E>(err: &SdkError<E, HttpResponse>) -> Option<u16> {
    err.raw_response().map(|r| r.status().as_u16())
}

/// The service's error code (`NoSuchBucket`, `TooManyInvalidationsInProgress`),
/// when it answered with one.
pub fn code<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Option<&str> {
    err.as_service_error().and_then(|e| e.code())
}

/// The region S3 says a bucket is in, when it refused a request sent to another
/// region: 301 PermanentRedirect with `x-amz-bucket-region` (a HEAD gets the
/// header and no body). The SDK does not follow that redirect.
pub fn bucket_region<E>(err: &SdkError<E, HttpResponse>) -> Option<String> {
    let answer = err.raw_response()?;
    if answer.status().as_u16() != 301 {
        return None;
    }
    answer
        .headers()
        .get("x-amz-bucket-region")
        .map(str::to_owned)
}

/// Whether a cause's `Display` is a Rust structure rather than a sentence.
fn reads_as_debug(text: &str) -> bool {
    text.contains("Some(")
        || text.contains("{ ")
        || text.contains("Error(")
        || text.contains("::")
        || text.starts_with("unhandled error")
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        // Keep acronyms and names ("IO error", "TLS ...") as they are.
        Some(c) if c.is_uppercase() && !chars.clone().next().is_some_and(char::is_uppercase) => {
            c.to_lowercase().chain(chars).collect()
        }
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<dyn Error + 'static>>);
    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl Error for Layer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            self.1.as_deref()
        }
    }

    #[test]
    fn a_connection_reset_reads_as_a_sentence() {
        let io = std::io::Error::from_raw_os_error(104);
        let err = Layer(
            "dispatch failure",
            Some(Box::new(Layer(
                "io error",
                Some(Box::new(Layer(
                    "hyper_util::client::legacy::Error(SendRequest, hyper::Error(Io, Os { code: 104 }))",
                    Some(Box::new(io)),
                ))),
            ))),
        );
        assert_eq!(
            describe(&err),
            "the request did not get through: connection reset by peer (os error 104)"
        );
    }

    #[test]
    fn a_service_error_is_its_code_and_message() {
        let meta = ErrorMetadata::builder()
            .code("NoSuchBucket")
            .message("The specified bucket does not exist")
            .build();
        let err = Layer(
            "service error",
            Some(Box::new(Layer(
                "unhandled error (NoSuchBucket)",
                Some(Box::new(meta)),
            ))),
        );
        assert_eq!(
            describe(&err),
            "NoSuchBucket: The specified bucket does not exist"
        );
    }
}
