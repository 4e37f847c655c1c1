//! An IAM policy document read as IAM reads it, as far as the tests need: does
//! it allow this action on this resource? Statements' `Action`/`NotAction` and
//! `Resource`/`NotResource` are matched with IAM's wildcards (`*`, `?`;
//! actions case-insensitively, resources case-sensitively), `${aws:PrincipalAccount}`
//! is the account the request was made in, and an explicit `Deny` wins.
//! `Condition` blocks are not evaluated: a conditional `Allow` counts as an
//! allow (the policy's conditions narrow it on AWS; this check is about the
//! actions and resources it names).

use serde_json::Value;

/// One policy document (`{"Version": ..., "Statement": [...]}`).
#[derive(Debug, Clone)]
pub struct Policy {
    statements: Vec<Statement>,
}

#[derive(Debug, Clone)]
struct Statement {
    allow: bool,
    actions: Matcher,
    resources: Matcher,
}

/// A statement's `Action` or `NotAction` (likewise resources).
#[derive(Debug, Clone)]
enum Matcher {
    Any(Vec<String>),
    AnyBut(Vec<String>),
}

impl Policy {
    /// Reads a policy document; the error says which part is not one.
    pub fn from_json(doc: &Value) -> Result<Policy, String> {
        let statements = match &doc["Statement"] {
            Value::Array(items) => items.iter().collect::<Vec<_>>(),
            item @ Value::Object(_) => vec![item],
            other => return Err(format!("no Statement list in the policy: {other}")),
        };
        let statements = statements
            .into_iter()
            .map(|s| {
                let allow = match s["Effect"].as_str() {
                    Some("Allow") => true,
                    Some("Deny") => false,
                    other => return Err(format!("Effect must be Allow or Deny, got {other:?}")),
                };
                Ok(Statement {
                    allow,
                    actions: matcher(s, "Action", "NotAction")?,
                    resources: matcher(s, "Resource", "NotResource")?,
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Policy { statements })
    }

    /// Whether the policy allows `action` (`s3:PutObject`) on `resource` (an
    /// ARN, or `*`) for a principal of `account`.
    pub fn allows(&self, action: &str, resource: &str, account: &str) -> bool {
        let applies = |s: &Statement| {
            s.actions.matches(action, account, false)
                && s.resources.matches(resource, account, true)
        };
        let denied = self.statements.iter().any(|s| !s.allow && applies(s));
        !denied && self.statements.iter().any(|s| s.allow && applies(s))
    }
}

fn matcher(statement: &Value, plain: &str, not: &str) -> Result<Matcher, String> {
    let strings = |v: &Value| -> Result<Vec<String>, String> {
        match v {
            Value::String(s) => Ok(vec![s.clone()]),
            Value::Array(items) => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| format!("{plain}: not a string: {i}"))
                })
                .collect(),
            other => Err(format!("{plain}: expected a string or a list, got {other}")),
        }
    };
    match (&statement[plain], &statement[not]) {
        (Value::Null, Value::Null) => Err(format!("a statement without {plain} or {not}")),
        (v, Value::Null) => Ok(Matcher::Any(strings(v)?)),
        (Value::Null, v) => Ok(Matcher::AnyBut(strings(v)?)),
        _ => Err(format!("a statement with both {plain} and {not}")),
    }
}

impl Matcher {
    fn matches(&self, value: &str, account: &str, case_sensitive: bool) -> bool {
        let hit = |patterns: &[String]| {
            patterns.iter().any(|p| {
                let p = p.replace("${aws:PrincipalAccount}", account);
                if case_sensitive {
                    glob(&p, value)
                } else {
                    glob(&p.to_ascii_lowercase(), &value.to_ascii_lowercase())
                }
            })
        };
        match self {
            Matcher::Any(patterns) => hit(patterns),
            Matcher::AnyBut(patterns) => !hit(patterns),
        }
    }
}

/// IAM's wildcard match: `*` any run of characters (`/` and `:` included),
/// `?` any one character, over the whole value.
pub fn glob(pattern: &str, value: &str) -> bool {
    let (p, v): (Vec<char>, Vec<char>) = (pattern.chars().collect(), value.chars().collect());
    let (mut pi, mut vi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == v[vi]) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, vi));
            pi += 1;
        } else if let Some((sp, sv)) = star {
            pi = sp + 1;
            vi = sv + 1;
            star = Some((sp, sv + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wildcards_match_as_iam_does() {
        assert!(glob(
            "arn:aws:s3:::site-*/*",
            "arn:aws:s3:::site-1/a/b.html"
        ));
        assert!(!glob("arn:aws:s3:::site-*/*", "arn:aws:s3:::site-1"));
        assert!(glob("arn:aws:s3:::site-?", "arn:aws:s3:::site-1"));
        assert!(glob("*", ""));
        assert!(!glob("a", "ab"));
    }

    #[test]
    fn allows_what_it_names_and_denies_win() {
        let policy = Policy::from_json(&json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject", "ecs:Describe*"],
                 "Resource": ["arn:aws:s3:::b/*", "arn:aws:ecs:us-east-1:${aws:PrincipalAccount}:service/c/*"]},
                {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/secret"}
            ]
        }))
        .unwrap();
        let account = "123456789012";
        assert!(policy.allows("s3:GetObject", "arn:aws:s3:::b/k", account));
        assert!(policy.allows("S3:getobject", "arn:aws:s3:::b/k", account));
        assert!(!policy.allows("s3:GetObject", "arn:aws:s3:::b/secret", account));
        assert!(!policy.allows("s3:PutObject", "arn:aws:s3:::b/k", account));
        assert!(!policy.allows("s3:GetObject", "arn:aws:s3:::other/k", account));
        assert!(policy.allows(
            "ecs:DescribeServices",
            "arn:aws:ecs:us-east-1:123456789012:service/c/s",
            account
        ));
        assert!(!policy.allows(
            "ecs:DescribeServices",
            "arn:aws:ecs:us-east-1:999999999999:service/c/s",
            account
        ));
    }
}
