//! Who may assume each role: GitHub Actions jobs of one repository, by the
//! OIDC token's subject, which for a job with an environment is
//! `repo:OWNER/NAME:environment:ENV` (GitHub's "About security hardening with
//! OpenID Connect"). Only these subjects are trusted:
//!
//! - the deploy and drift roles: `environment:<env>`, where the deploy jobs,
//!   the rollback and the drift check run. Not `<env>-approval`: the approval
//!   job only waits for reviewers and gets no credentials, so an approval
//!   environment's variables can never hand it a role;
//! - the preview role: `environment:<preview_environment>-preview`, where pull
//!   request previews run, with a policy of previews only.
//!
//! IAM takes no policy variable in a `Principal`: the OIDC provider's ARN
//! names the account outright (`--account`, else `ACCOUNT_ID` to fill in).

use serde_json::{json, Value};

use super::Arns;

/// GitHub's OIDC issuer, as the IAM identity provider is named after it.
const ISSUER: &str = "token.actions.githubusercontent.com";
/// What an account id is written as when none is known.
pub const ACCOUNT_PLACEHOLDER: &str = "ACCOUNT_ID";
/// What the repository is written as without `--github-repo`.
pub const REPO_PLACEHOLDER: &str = "OWNER/REPO";

/// A role's trust policy for jobs in the GitHub environment `environment`.
pub fn github_environment(arns: &Arns, repo: &str, environment: &str) -> Value {
    let account = if arns.account == super::ANY_ACCOUNT {
        ACCOUNT_PLACEHOLDER
    } else {
        arns.account.as_str()
    };
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "GitHubActions",
            "Effect": "Allow",
            "Principal": {
                "Federated": format!("arn:{}:iam::{account}:oidc-provider/{ISSUER}", arns.partition)
            },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    format!("{ISSUER}:aud"): "sts.amazonaws.com",
                    format!("{ISSUER}:sub"): format!("repo:{repo}:environment:{environment}")
                }
            }
        }]
    })
}

/// A trust policy as IAM's JSON, indented, in IAM's usual key order.
pub fn to_pretty(doc: &Value) -> String {
    let s = &doc["Statement"][0];
    let field = |v: &Value| {
        serde_json::to_string_pretty(v)
            .expect("JSON values serialize")
            .replace('\n', "\n      ")
    };
    format!(
        "{{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {{\n      \"Sid\": {},\n      \"Effect\": {},\n      \"Principal\": {},\n      \"Action\": {},\n      \"Condition\": {}\n    }}\n  ]\n}}",
        field(&s["Sid"]),
        field(&s["Effect"]),
        field(&s["Principal"]),
        field(&s["Action"]),
        field(&s["Condition"]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subject_is_the_environment_s_and_the_account_is_written_out() {
        let arns = Arns::new("us-west-2", super::super::ANY_ACCOUNT);
        let doc = github_environment(&arns, "acme/connect2", "prod");
        let statement = &doc["Statement"][0];
        assert_eq!(
            statement["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"],
            "repo:acme/connect2:environment:prod"
        );
        assert_eq!(
            statement["Principal"]["Federated"],
            "arn:aws:iam::ACCOUNT_ID:oidc-provider/token.actions.githubusercontent.com"
        );
        let pretty: Value = serde_json::from_str(&to_pretty(&doc)).unwrap();
        assert_eq!(pretty, doc, "the text is the same document");
        let gov = Arns::new("us-gov-west-1", "123456789012");
        let doc = github_environment(&gov, "a/b", "staging-preview");
        assert_eq!(
            doc["Statement"][0]["Principal"]["Federated"],
            "arn:aws-us-gov:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
        );
    }
}
