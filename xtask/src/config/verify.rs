//! The verification keys an ECS or static-site target shares: `verify` (an
//! HTTP smoke check), `alarms` and `bake` (CloudWatch alarms watched after the
//! rollout).

use serde::{Deserialize, Serialize};
use std::time::Duration;

use super::{rules, ConfigDuration};

/// `verify = { url = "https://api.{env}.example.com/health", expect_status = 200, within = "2m" }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SmokeConfig {
    pub url: String,
    /// [default: 200]
    #[serde(default)]
    pub expect_status: Option<u16>,
    /// Retried until this long [default: 2m].
    #[serde(default)]
    pub within: Option<ConfigDuration>,
}

const DEFAULT_WITHIN: Duration = Duration::from_secs(120);
const DEFAULT_BAKE: Duration = Duration::from_secs(300);

/// The keys' checks: the key and the problem. Strings still holding a
/// `{TARGET.OUTPUT}` are checked once it is filled.
pub(super) fn check(
    smoke: &Option<SmokeConfig>,
    alarms: &[String],
    bake: &Option<ConfigDuration>,
) -> Result<(), (String, String)> {
    if let Some(s) = smoke {
        check_url("verify.url", Some(&s.url))?;
        if s.expect_status.is_some_and(|c| !(100..=599).contains(&c)) {
            return Err((
                "verify.expect_status".into(),
                "expected an HTTP status, 100 to 599".into(),
            ));
        }
        if let Some(within) = s.within {
            rules::duration(within.0, Duration::ZERO, rules::MAX_DURATION)
                .map_err(|m| ("verify.within".to_string(), m))?;
        }
    }
    // A `bake` without alarms watches nothing (an environment may set
    // `alarms = []`); it is not an error, but a bad one still is.
    if let Some(b) = bake {
        let zero_ok = alarms.is_empty() && b.0.is_zero();
        if !zero_ok {
            rules::duration(b.0, Duration::ZERO, rules::MAX_DURATION)
                .map_err(|m| ("bake".to_string(), m))?;
        }
    }
    if alarms.len() > rules::MAX_ALARMS {
        return Err(("alarms".into(), rules::too_many_alarms(alarms.len())));
    }
    for (i, a) in alarms.iter().enumerate() {
        rules::check_key(&format!("alarms[{i}]"), a)?;
    }
    Ok(())
}

/// `key`'s value, if set, is an http:// or https:// URL.
pub(super) fn check_url(key: &str, url: Option<&str>) -> Result<(), (String, String)> {
    match url {
        Some(u) => rules::check(key, u, rules::http_url),
        None => Ok(()),
    }
}

/// A target's address: its `url`, else its smoke check's.
pub(super) fn address<'a>(url: Option<&'a str>, smoke: &'a Option<SmokeConfig>) -> Option<&'a str> {
    url.or(smoke.as_ref().map(|s| s.url.as_str()))
}

/// The crate's settings, or `None` when the target verifies nothing.
pub(super) fn settings(
    smoke: &Option<SmokeConfig>,
    alarms: &[String],
    bake: &Option<ConfigDuration>,
    poll_interval: Duration,
) -> Option<verify::VerifySettings> {
    if smoke.is_none() && alarms.is_empty() {
        return None;
    }
    Some(verify::VerifySettings {
        smoke: smoke.as_ref().map(|s| verify::SmokeCheck {
            url: s.url.clone(),
            expect_status: s.expect_status.unwrap_or(200),
            within: s.within.map_or(DEFAULT_WITHIN, |w| w.0),
        }),
        alarms: alarms.to_vec(),
        bake: bake.map_or(DEFAULT_BAKE, |b| b.0),
        poll_interval,
    })
}
