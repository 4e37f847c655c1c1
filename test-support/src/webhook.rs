//! A stand-in for a Slack incoming webhook on 127.0.0.1: it records every
//! request and answers as Slack's documentation says its webhooks answer —
//! `200 ok`; `400 invalid_payload` for a body that is not JSON; `400 no_text`
//! without `text` or `blocks`; `400 invalid_blocks` for blocks past Block
//! Kit's limits (see [`block_kit_problems`]); `404 no_service` on any other
//! path (a revoked webhook) — or what a test scripts instead ([`Reply`]): a
//! 5xx, a 429 with `Retry-After`, an answer that comes too late.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// What the endpoint received, in order.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub content_type: Option<String>,
    /// The body, as sent.
    pub body: String,
    /// When, from the endpoint's start.
    pub at: Duration,
}

impl Received {
    /// The body as JSON; panics when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| {
            panic!(
                "the webhook got a body that is not JSON ({e}): {}",
                self.body
            )
        })
    }
}

/// A scripted answer to one request.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub retry_after: Option<u64>,
    /// Held this long before answering (a slow or hung Slack).
    pub delay: Duration,
}

impl Reply {
    pub fn status(status: u16, body: &str) -> Reply {
        Reply {
            status,
            body: body.into(),
            retry_after: None,
            delay: Duration::ZERO,
        }
    }

    /// `429 Too Many Requests` with `Retry-After: seconds`, as Slack rate-limits.
    pub fn rate_limited(seconds: u64) -> Reply {
        Reply {
            retry_after: Some(seconds),
            ..Reply::status(429, "rate_limited")
        }
    }

    /// `200 ok`, after `delay`.
    pub fn late(delay: Duration) -> Reply {
        Reply {
            delay,
            ..Reply::status(200, "ok")
        }
    }
}

/// `http://127.0.0.1:PORT/services/T.../B.../SECRET`, on a thread of its own.
pub struct SlackWebhook {
    /// The webhook's URL: a secret, as Slack's are.
    pub url: String,
    /// The URL's secret part, to look for in what the tool emitted.
    pub secret: String,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    received: Vec<Received>,
    script: VecDeque<Reply>,
}

impl SlackWebhook {
    pub fn start() -> SlackWebhook {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local address").port();
        let secret = format!("xoxwebhook{}secret{}", std::process::id(), port);
        let path = format!("/services/T0TESTTEAM/B0TESTHOOK/{secret}");
        let state = Arc::new(Mutex::new(State::default()));
        let (s, p, started) = (state.clone(), path.clone(), Instant::now());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (s, p) = (s.clone(), p.clone());
                // One thread per connection: a held answer does not stop the next.
                std::thread::spawn(move || serve(stream, &s, &p, started));
            }
        });
        SlackWebhook {
            url: format!("http://127.0.0.1:{port}{path}"),
            secret,
            state,
        }
    }

    /// The next requests get these answers, in order; then `200 ok` again.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.state.lock().unwrap().script.extend(replies);
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// The one message received; panics with what came when not exactly one.
    pub fn only_message(&self) -> Value {
        let received = self.received();
        assert_eq!(
            received.len(),
            1,
            "expected exactly one message, got {}: {received:#?}",
            received.len()
        );
        received[0].json()
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>, path: &str, started: Instant) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (
        parts.next().unwrap_or_default().to_string(),
        parts.next().unwrap_or_default().to_string(),
    );
    let (mut length, mut content_type) = (0usize, None);
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
        if let Some((name, value)) = line.split_once(':') {
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                "content-type" => content_type = Some(value.trim().to_string()),
                _ => {}
            }
        }
        line.clear();
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let body = String::from_utf8_lossy(&body).into_owned();
    let scripted = {
        let mut s = state.lock().unwrap();
        s.received.push(Received {
            method: method.clone(),
            path: target.clone(),
            content_type,
            body: body.clone(),
            at: started.elapsed(),
        });
        s.script.pop_front()
    };
    let reply = scripted.unwrap_or_else(|| slack_answer(&method, &target, path, &body));
    std::thread::sleep(reply.delay);
    let retry_after = reply
        .retry_after
        .map(|s| format!("Retry-After: {s}\r\n"))
        .unwrap_or_default();
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {} Test\r\nContent-Type: text/html\r\nContent-Length: {}\r\n{retry_after}Connection: close\r\n\r\n{}",
        reply.status,
        reply.body.len(),
        reply.body
    );
}

/// What Slack answers to this request.
fn slack_answer(method: &str, target: &str, path: &str, body: &str) -> Reply {
    if method != "POST" || target != path {
        return Reply::status(404, "no_service");
    }
    let Ok(payload) = serde_json::from_str::<Value>(body) else {
        return Reply::status(400, "invalid_payload");
    };
    let has = |k: &str| payload.get(k).is_some_and(|v| !v.is_null());
    if !has("text") && !has("blocks") {
        return Reply::status(400, "no_text");
    }
    if !block_kit_problems(&payload).is_empty() {
        return Reply::status(400, "invalid_blocks");
    }
    Reply::status(200, "ok")
}

/// Where `payload` breaks Block Kit's documented limits for a message: at
/// most 50 blocks; a header's text `plain_text`, at most 150 characters; a
/// section's text at most 3,000, its fields at most 10 of 2,000; a context
/// block's elements at most 10; `text` (the fallback) a string of at most
/// 40,000; every text object of type `plain_text` or `mrkdwn`.
pub fn block_kit_problems(payload: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let chars = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    match payload.get("text") {
        Some(Value::String(t)) if t.chars().count() > 40_000 => {
            problems.push(format!("text: {} characters", t.chars().count()))
        }
        Some(Value::String(_)) | None => {}
        Some(other) => problems.push(format!("text is not a string: {other}")),
    }
    let blocks = match payload.get("blocks") {
        None => return problems,
        Some(Value::Array(b)) => b,
        Some(other) => {
            problems.push(format!("blocks is not an array: {other}"));
            return problems;
        }
    };
    if blocks.len() > 50 {
        problems.push(format!("{} blocks", blocks.len()));
    }
    let text_object = |at: &str, t: &Value, max: usize, problems: &mut Vec<String>| {
        let kind = t.get("type").and_then(Value::as_str).unwrap_or_default();
        if !matches!(kind, "plain_text" | "mrkdwn") {
            problems.push(format!("{at}: text object of type {kind:?}"));
        }
        let n = chars(&t["text"]);
        if n == 0 || n > max {
            problems.push(format!("{at}: {n} characters (1 to {max})"));
        }
    };
    for (i, block) in blocks.iter().enumerate() {
        let at = format!("blocks[{i}]");
        match block.get("type").and_then(Value::as_str) {
            Some("header") => {
                if block["text"]["type"] != "plain_text" {
                    problems.push(format!("{at}: a header's text must be plain_text"));
                }
                text_object(&at, &block["text"], 150, &mut problems);
            }
            Some("section") => {
                if let Some(t) = block.get("text") {
                    text_object(&at, t, 3000, &mut problems);
                }
                let fields = block.get("fields").and_then(Value::as_array);
                if let Some(fields) = fields {
                    if fields.len() > 10 {
                        problems.push(format!("{at}: {} fields", fields.len()));
                    }
                    for f in fields {
                        text_object(&at, f, 2000, &mut problems);
                    }
                }
                if block.get("text").is_none() && fields.is_none() {
                    problems.push(format!("{at}: a section needs text or fields"));
                }
            }
            Some("context") => {
                let elements = block["elements"].as_array().cloned().unwrap_or_default();
                if elements.is_empty() || elements.len() > 10 {
                    problems.push(format!("{at}: {} context elements", elements.len()));
                }
                for e in &elements {
                    text_object(&at, e, 3000, &mut problems);
                }
            }
            Some("divider") => {}
            other => problems.push(format!("{at}: block type {other:?}")),
        }
    }
    problems
}

/// A message's sections' text, joined: what a reader of the channel sees.
pub fn sections(message: &Value) -> String {
    message["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .filter(|b| b["type"] == "section")
        .map(|b| b["text"]["text"].as_str().unwrap_or_default().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A message's header (its first block's text).
pub fn header(message: &Value) -> String {
    message["blocks"][0]["text"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Slack's own checks, and the shape of the tool's messages: a header, a
/// section per target, a context line, and a `text` fallback.
pub fn assert_slack_shape(message: &Value, targets: usize) {
    let problems = block_kit_problems(message);
    assert!(problems.is_empty(), "{problems:?} in {message:#}");
    let blocks = message["blocks"].as_array().expect("blocks");
    assert_eq!(blocks[0]["type"], "header", "{message:#}");
    assert_eq!(blocks.last().unwrap()["type"], "context", "{message:#}");
    assert_eq!(blocks.len(), targets + 2, "{message:#}");
    assert!(
        !message["text"].as_str().unwrap_or_default().is_empty(),
        "a text fallback: {message:#}"
    );
}
