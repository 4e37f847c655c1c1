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
//! again what it changes on the way (`aws_front/signing.py`); the front's own
//! questions to moto (its simulations') are signed as a user of its own that
//! may do anything, so moto holds only the tool's requests to the tool's
//! policy. Turning enforcement on affects every request to the emulator: a
//! test that uses it lives in a test binary of its own (one emulator per test
//! process).
//!
//! [`for_moto`] fits a rendered policy to how moto reads policies.

use serde_json::{json, Value};
use std::sync::OnceLock;

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
        if on {
            self.front_user();
        }
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

    /// The user the front's own calls are signed as (made once, may do anything).
    fn front_user(&self) -> &'static IamUser {
        static FRONT: OnceLock<IamUser> = OnceLock::new();
        FRONT.get_or_init(|| {
            let everything = json!({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
            });
            let user = self.create_iam_user("aws-front", &everything);
            let body = json!({
                "access_key_id": user.access_key_id,
                "secret_access_key": user.secret_access_key,
                "own_calls": true,
            });
            self.control("POST", "/credentials", &body.to_string());
            user
        })
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

/// `policy` (as `xtask iam` renders it) as moto can enforce it, changed only
/// where moto reads policies differently from AWS:
///
/// - moto checks every non-S3 action against resource `*` (it knows no ARNs of
///   ECS, ECR, CloudFront, Route53 or CloudWatch resources): those statements'
///   resources become `*` (which actions they allow stays as rendered; the
///   suite's audit checks their resources);
/// - moto denies a statement whose condition it has no value for (AWS
///   evaluates it): conditions are dropped;
/// - moto names some actions otherwise: the other services' by the API
///   operation (`cloudfront:CreateDistributionWithTags`; AWS:
///   cloudfront:CreateDistribution and cloudfront:TagResource) and the
///   signing name (`monitoring:DescribeAlarms`); HeadBucket `s3:HeadBucket` (AWS:
///   s3:ListBucket); PutPublicAccessBlock `s3:CreateBucket` (AWS:
///   s3:PutBucketPublicAccessBlock); DeleteObjects `s3:DeleteObject` on the
///   bucket's ARN (AWS: on each key's). Each gets moto's name beside AWS's.
pub fn for_moto(policy: &Value) -> Value {
    let statements = policy["Statement"].as_array().cloned().unwrap_or_default();
    let list = |v: &Value| -> Vec<String> {
        match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(items) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    };
    let fitted: Vec<Value> = statements
        .iter()
        .map(|s| {
            let mut actions = list(&s["Action"]);
            let mut resources = list(&s["Resource"]);
            let s3 = actions.iter().all(|a| a.starts_with("s3:"));
            let mut extra = Vec::new();
            for a in &actions {
                match a.as_str() {
                    "s3:ListBucket" => extra.push("s3:HeadBucket".to_string()),
                    "s3:PutBucketPublicAccessBlock" => extra.push("s3:CreateBucket".to_string()),
                    "cloudfront:CreateDistribution" => {
                        extra.push("cloudfront:CreateDistributionWithTags".to_string())
                    }
                    a if a.starts_with("cloudwatch:") => {
                        extra.push(a.replacen("cloudwatch:", "monitoring:", 1))
                    }
                    _ => {}
                }
            }
            if actions.iter().any(|a| a == "s3:DeleteObject") {
                let buckets: Vec<String> = resources
                    .iter()
                    .filter_map(|r| r.strip_suffix("/*").map(str::to_owned))
                    .collect();
                resources.extend(buckets);
            }
            actions.extend(extra);
            if !s3 {
                resources = vec!["*".into()];
            }
            json!({"Effect": "Allow", "Action": actions, "Resource": resources})
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": fitted})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moto_gets_star_for_non_s3_no_conditions_and_its_own_action_names() {
        let rendered = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "A", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": "arn:aws:s3:::b"},
            {"Sid": "B", "Effect": "Allow", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::b/*"},
            {"Sid": "C", "Effect": "Allow", "Action": "ecs:RunTask",
             "Resource": "arn:aws:ecs:us-east-1:1:task-definition/*",
             "Condition": {"ArnEquals": {"ecs:cluster": "x"}}},
            {"Sid": "D", "Effect": "Allow", "Action": "cloudwatch:DescribeAlarms", "Resource": "*"}
        ]});
        let moto = for_moto(&rendered);
        let s = moto["Statement"].as_array().unwrap();
        assert_eq!(s[0]["Action"], json!(["s3:ListBucket", "s3:HeadBucket"]));
        assert_eq!(s[0]["Resource"], json!(["arn:aws:s3:::b"]));
        assert_eq!(
            s[1]["Resource"],
            json!(["arn:aws:s3:::b/*", "arn:aws:s3:::b"])
        );
        assert_eq!(s[2]["Resource"], json!(["*"]));
        assert!(s[2]["Condition"].is_null());
        assert_eq!(
            s[3]["Action"],
            json!(["cloudwatch:DescribeAlarms", "monitoring:DescribeAlarms"])
        );
    }
}
