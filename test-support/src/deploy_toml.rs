//! deploy.toml as the end-to-end tests write it into their repositories.

/// The head of a deploy.toml: project `name` in us-east-1, its ledger and
/// locks in `state_bucket`, and environment `prod` deployed from `main`. The
/// targets' tables follow it.
pub fn project(name: &str, state_bucket: &str) -> String {
    format!(
        r#"[project]
name = "{name}"
region = "us-east-1"
state_bucket = "{state_bucket}"

[environments.prod]
branch = "main"
"#
    )
}
