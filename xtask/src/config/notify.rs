//! `[notify]`: who hears of a deploy or rollback — Slack incoming webhooks,
//! each named by the environment variable that holds its URL (in GitHub
//! Actions, a secret of that name), never by the URL: a webhook URL is a
//! secret, so it is neither in the file nor in any message about the file.
//!
//! ```toml
//! [notify]
//! timeout = "10s"                       # each attempt [default: 10s]
//! [[notify.slack]]
//! url_env = "SLACK_WEBHOOK_DEPLOYS"
//! environments = ["staging", "prod"]    # [default: every environment]
//! outcomes = "all"                      # or "failed" [default: all]
//! [notify.env.local]                    # an environment's own keys
//! slack = []
//! ```

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

use super::load::Loader;
use super::{ConfigDuration, ConfigError, Environment};

/// How long one attempt to post may take, unless `timeout` says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// `[notify]` resolved for one environment: the webhooks that hear of its runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notify {
    /// Only the webhooks whose `environments` include this one.
    pub slack: Vec<SlackWebhook>,
    /// Each attempt's limit.
    pub timeout: Duration,
}

/// `[[notify.slack]]`: one Slack incoming webhook.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SlackWebhook {
    /// The environment variable holding the webhook's URL.
    pub url_env: String,
    /// The environments whose runs it hears of; empty: every one.
    #[serde(default)]
    pub environments: Vec<String>,
    #[serde(default)]
    pub outcomes: Outcomes,
}

/// Which runs a webhook hears of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcomes {
    /// Every deploy and rollback that did something, or failed.
    #[default]
    All,
    /// Only runs in which a target failed (rolled back, superseded, skipped included).
    Failed,
}

/// The keys `[notify]` and `[notify.env.ENV]` hold.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Keys {
    #[serde(default)]
    slack: Option<Vec<SlackWebhook>>,
    #[serde(default)]
    timeout: Option<ConfigDuration>,
}

/// `[notify]` (absent: nobody is told), checked and resolved for every
/// environment; `env` tables override its keys one by one.
pub(super) fn resolve(
    loader: &Loader<'_>,
    table: Option<&toml::Table>,
    environments: &BTreeMap<String, Environment>,
) -> Result<BTreeMap<String, Notify>, ConfigError> {
    let mut base_table = table.cloned().unwrap_or_default();
    let overrides = match base_table.remove("env") {
        Some(v) => typed::<BTreeMap<String, toml::Table>>(loader, "notify.env", v)?,
        None => BTreeMap::new(),
    };
    let base: Keys = typed(loader, "notify", toml::Value::Table(base_table))?;
    check(loader, "notify", &base, environments)?;
    let mut own = BTreeMap::new();
    for (env, table) in overrides {
        let key = format!("notify.env.{env}");
        if !environments.contains_key(&env) {
            return Err(loader.error(key, unknown(&env, environments)));
        }
        let keys: Keys = typed(loader, &key, toml::Value::Table(table))?;
        check(loader, &key, &keys, environments)?;
        own.insert(env, keys);
    }
    Ok(environments
        .keys()
        .map(|env| {
            let over = own.get(env).cloned().unwrap_or_default();
            let slack = over
                .slack
                .or_else(|| base.slack.clone())
                .unwrap_or_default();
            let timeout = over
                .timeout
                .or(base.timeout)
                .map_or(DEFAULT_TIMEOUT, |t| t.0);
            let slack = slack
                .into_iter()
                .filter(|w| w.environments.is_empty() || w.environments.contains(env))
                .collect();
            (env.clone(), Notify { slack, timeout })
        })
        .collect())
}

fn check(
    loader: &Loader<'_>,
    key: &str,
    keys: &Keys,
    environments: &BTreeMap<String, Environment>,
) -> Result<(), ConfigError> {
    if keys.timeout.is_some_and(|t| t.0.is_zero()) {
        return Err(loader.error(format!("{key}.timeout"), "expected more than 0s"));
    }
    let webhooks = keys.slack.as_deref().unwrap_or_default();
    for (i, webhook) in webhooks.iter().enumerate() {
        let at = format!("{key}.slack[{i}]");
        check_variable(&webhook.url_env).map_err(|m| loader.error(format!("{at}.url_env"), m))?;
        if webhooks[..i].iter().any(|w| w.url_env == webhook.url_env) {
            return Err(loader.error(
                format!("{at}.url_env"),
                format!(
                    "{} names the same webhook as an earlier one: list each webhook once",
                    webhook.url_env
                ),
            ));
        }
        for env in &webhook.environments {
            if !environments.contains_key(env) {
                return Err(loader.error(format!("{at}.environments"), unknown(env, environments)));
            }
        }
    }
    Ok(())
}

/// An environment variable's name, which GitHub also takes as a secret's:
/// `A-Z`, `0-9`, `_`, not starting with a digit nor `GITHUB_`. The value is
/// never repeated in the message: it may be the URL, pasted by mistake.
fn check_variable(name: &str) -> Result<(), String> {
    const EXPECTED: &str = "expected the name of the environment variable that holds the webhook URL (in GitHub Actions, a secret of that name): A-Z, 0-9 and _, not starting with a digit or GITHUB_, e.g. \"SLACK_WEBHOOK_DEPLOYS\"";
    if name.contains("://") {
        return Err(format!(
            "this looks like a URL; a webhook URL is a secret and never goes in deploy.toml: {EXPECTED}"
        ));
    }
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && !name.starts_with("GITHUB_");
    if ok {
        Ok(())
    } else {
        Err(EXPECTED.into())
    }
}

fn unknown(env: &str, environments: &BTreeMap<String, Environment>) -> String {
    let known: Vec<&str> = environments.keys().map(String::as_str).collect();
    format!(
        "unknown environment `{env}` (expected one of: {})",
        known.join(", ")
    )
}

/// [`Loader::typed`], with any URL in the message left out: a value in the
/// wrong place may be a webhook URL.
fn typed<T: serde::de::DeserializeOwned>(
    loader: &Loader<'_>,
    key: &str,
    value: toml::Value,
) -> Result<T, ConfigError> {
    loader.typed(key, value).map_err(|mut e| {
        e.message = without_urls(&e.message);
        e
    })
}

/// `text` with every `scheme://...` word replaced.
pub(crate) fn without_urls(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let start = rest[..i]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.'))
            .map_or(0, |j| j + 1);
        out.push_str(&rest[..start]);
        out.push_str("(a URL, left out)");
        let after = &rest[i + 3..];
        let end = after
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | ')' | ','))
            .unwrap_or(after.len());
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_left_out_of_messages() {
        assert_eq!(
            without_urls("invalid type: string \"https://hooks.slack.com/services/T0/B0/x\", expected a sequence"),
            "invalid type: string \"(a URL, left out)\", expected a sequence"
        );
        assert_eq!(without_urls("no url here"), "no url here");
    }

    #[test]
    fn variable_names() {
        assert!(check_variable("SLACK_WEBHOOK_DEPLOYS").is_ok());
        assert!(check_variable("_X1").is_ok());
        for bad in [
            "",
            "slack",
            "1X",
            "GITHUB_TOKEN",
            "A-B",
            "https://hooks.slack.com/services/T/B/s3cr3t",
        ] {
            let e = check_variable(bad).unwrap_err();
            assert!(!e.contains("s3cr3t"), "{e}");
        }
    }
}
