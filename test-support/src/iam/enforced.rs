//! moto's own IAM enforcement. By default moto authorizes nothing (every
//! request passes); moto server's `POST /moto-api/reset-auth` with a count N
//! lets N more requests pass and then checks every request: its SigV4
//! signature against the secret of the access key that signed it, and its
//! action against the policies of the IAM user owning the key. moto matches S3
//! requests against the bucket and key ARN; for the other services it checks
//! the action against resource `*` and, unlike AWS, treats a statement whose
//! `Condition` it cannot evaluate as a deny.
//!
//! The users are made with IAM's Query API, sent straight to moto (while
//! enforcement is off), and their keys are given to the front, which signs
//! again what it changes on the way (`aws_front/signing.py`). Turning
//! enforcement on affects every request to the emulator: a test that uses it
//! lives in a test binary of its own (one emulator per test process).

use super::super::emulator::{http_with, query_escape};
use crate::Emulator;

/// An IAM user in moto with one inline policy and an access key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamUser {
    pub name: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl Emulator {
    /// Creates IAM user `name` holding exactly `policy` (one inline policy),
    /// with an access key the front may sign again with. Call it while IAM
    /// enforcement is off. Panics with moto's answer if moto refuses.
    pub fn create_iam_user(&self, name: &str, policy: &serde_json::Value) -> IamUser {
        self.iam_query(&[("Action", "CreateUser"), ("UserName", name)]);
        let document = policy.to_string();
        self.iam_query(&[
            ("Action", "PutUserPolicy"),
            ("UserName", name),
            ("PolicyName", "rendered-by-xtask-iam"),
            ("PolicyDocument", &document),
        ]);
        let answer = self.iam_query(&[("Action", "CreateAccessKey"), ("UserName", name)]);
        let field = |tag: &str| {
            let open = format!("<{tag}>");
            let start = answer
                .find(&open)
                .unwrap_or_else(|| panic!("moto CreateAccessKey: no {tag} in {answer}"))
                + open.len();
            let end = answer[start..].find('<').expect("a closing tag") + start;
            answer[start..end].to_string()
        };
        let user = IamUser {
            name: name.to_string(),
            access_key_id: field("AccessKeyId"),
            secret_access_key: field("SecretAccessKey"),
        };
        let body = serde_json::json!({
            "access_key_id": user.access_key_id,
            "secret_access_key": user.secret_access_key,
        });
        self.control("POST", "/credentials", &body.to_string());
        user
    }

    /// Turns moto's IAM enforcement on (from the next request on, every
    /// request is authenticated and authorized) or off.
    pub fn enforce_iam(&self, on: bool) {
        let count = if on { "0" } else { "inf" };
        match http_with(
            self.moto_port(),
            "POST",
            "/moto-api/reset-auth",
            &["Content-Type: text/plain"],
            count,
        ) {
            Ok((200, _)) => {}
            other => panic!("moto reset-auth {count}: {other:?}"),
        }
    }

    fn iam_query(&self, params: &[(&str, &str)]) -> String {
        let body = params
            .iter()
            .chain([("Version", "2010-05-08")].iter())
            .map(|(k, v)| format!("{k}={}", query_escape(v)))
            .collect::<Vec<_>>()
            .join("&");
        // moto routes by the signature's credential scope; with enforcement
        // off it checks nothing else.
        let headers = [
            "Content-Type: application/x-www-form-urlencoded; charset=utf-8",
            "X-Amz-Date: 20250101T000000Z",
            "Authorization: AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=0",
        ];
        match http_with(self.moto_port(), "POST", "/", &headers, &body) {
            Ok((200, answer)) => answer,
            other => panic!("moto IAM {:?}: {other:?}", params.first()),
        }
    }
}
