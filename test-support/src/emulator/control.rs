//! The wire under the control API: one HTTP/1.0 request to 127.0.0.1, and the
//! little JSON the control calls need written and read.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// One HTTP/1.0 request to 127.0.0.1 (the server closes the connection after
/// answering): the status and the body.
pub(super) fn http(
    port: u16,
    method: &str,
    path: &str,
    body: &str,
) -> Result<(u16, String), String> {
    http_with(
        port,
        method,
        path,
        &["Content-Type: application/json"],
        body,
    )
}

/// [`http`] with the given header lines (`Name: value`).
pub(crate) fn http_with(
    port: u16,
    method: &str,
    path: &str,
    headers: &[&str],
    body: &str,
) -> Result<(u16, String), String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .map_err(|e| format!("cannot connect to 127.0.0.1:{port}: {e}"))?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let headers: String = headers.iter().map(|h| format!("{h}\r\n")).collect();
    let request = format!(
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("cannot send to 127.0.0.1:{port}: {e}"))?;
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .map_err(|e| format!("no answer from 127.0.0.1:{port}: {e}"))?;
    let answer = String::from_utf8_lossy(&answer);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .strip_prefix("HTTP/1.")
        .and_then(|rest| rest.get(2..5))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("not an HTTP answer from 127.0.0.1:{port}: {head:?}"))?;
    Ok((status, body.to_string()))
}

/// Whether the server on `port` answers `GET path` with 200.
pub(super) fn answers(port: u16, path: &str) -> bool {
    matches!(http(port, "GET", path, ""), Ok((200, _)))
}

/// `s` as a JSON string literal.
pub(super) fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(crate) fn query_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// A JSON list of operation names (letters and digits only), as the front
/// writes it: `["CreateCluster", "DescribeServices"]`.
pub(super) fn parse_names(json: &str) -> Vec<String> {
    let inner = json
        .trim()
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or_else(|| panic!("aws front: not a JSON list: {json}"));
    inner
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .filter(|name| name.chars().all(|c| c.is_ascii_alphanumeric()))
                .unwrap_or_else(|| panic!("aws front: not an operation name: {item} in {json}"))
                .to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_lists_and_json_strings() {
        assert_eq!(
            parse_names(r#"["CreateCluster", "DescribeServices"]"#),
            ["CreateCluster", "DescribeServices"]
        );
        assert!(parse_names("[]").is_empty());
        assert_eq!(json_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(query_escape("arn:aws/x y"), "arn%3Aaws%2Fx%20y");
    }
}
