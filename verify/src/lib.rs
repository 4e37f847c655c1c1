//! Verifies a deploy after its rollout: an HTTP smoke check, retried until it
//! answers the expected status or its time is up, then CloudWatch alarms
//! watched for a bake period.
//!
//! Design choices:
//! - The caller reads the alarms' states before the deploy ([`alarms_before`]):
//!   one already in ALARM then is reported up front and not blamed on the
//!   deploy (it does not fail the bake); any other alarm in ALARM during the
//!   bake fails the verification at once. Only that fails it: a read CloudWatch
//!   does not answer is reported and read again at the next poll.
//! - Alarms are read as DescribeAlarms serves them: metric, composite and log
//!   alarms (`AlarmTypes`; metric alarms only without it), page after page.
//! - The smoke check runs first: a service that does not answer is not worth
//!   baking. It follows no redirects (a 301 is a status like any other) and
//!   reads no more of the body than it takes to end the request.
//! - This crate knows nothing of git, the config file, the ledger, or what was
//!   deployed: it checks and says how it went; rolling back is the caller's.

mod alarms;
mod error;
mod smoke;

pub use alarms::{alarms_before, AlarmState};
pub use error::VerifyError;
pub use smoke::{smoke_check, SmokeCheck};

use std::time::Duration;

/// What to check after a rollout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifySettings {
    pub smoke: Option<SmokeCheck>,
    pub alarms: Vec<String>,
    /// How long the alarms are watched.
    pub bake: Duration,
    /// Between two polls of the URL or the alarms.
    pub poll_interval: Duration,
}

/// How a verification ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    /// The smoke check never answered `expected` within its time.
    SmokeFailed {
        url: String,
        expected: u16,
        /// The last answer: `503`, or why there was none.
        last: String,
        after: Duration,
    },
    /// An alarm went into ALARM during the bake.
    AlarmFired {
        alarm: String,
        reason: String,
    },
}

impl Verdict {
    pub fn passed(&self) -> bool {
        *self == Verdict::Passed
    }

    /// One line naming the check and what it saw.
    pub fn describe(&self) -> String {
        match self {
            Verdict::Passed => "passed".into(),
            Verdict::SmokeFailed {
                url,
                expected,
                last,
                after,
            } => format!(
                "smoke check {url} did not answer {expected} within {}s (last: {last})",
                after.as_secs()
            ),
            Verdict::AlarmFired { alarm, reason } => {
                format!("alarm {alarm} went into ALARM during the bake ({reason})")
            }
        }
    }
}

/// Progress for the caller to show.
#[derive(Debug, Clone)]
pub enum Progress<'a> {
    /// One smoke attempt: the status, or why there was none.
    Smoke {
        url: &'a str,
        answer: &'a str,
    },
    SmokePassed {
        url: &'a str,
        status: u16,
    },
    BakeStarted {
        alarms: &'a [String],
        bake: Duration,
    },
    BakePassed,
    /// A read of the alarms during the bake got no answer; the next poll
    /// reads again (it is no verdict on the release).
    AlarmsUnreadable {
        error: &'a str,
    },
}

/// Runs the smoke check, then watches the alarms for the bake; `ignored` are
/// the alarms already in ALARM before the deploy.
pub async fn verify(
    sdk: &aws_config::SdkConfig,
    settings: &VerifySettings,
    ignored: &[String],
    mut on_progress: impl FnMut(Progress<'_>),
) -> Result<Verdict, VerifyError> {
    if let Some(smoke) = &settings.smoke {
        let verdict = smoke::smoke_check(smoke, settings.poll_interval, &mut on_progress).await?;
        if !verdict.passed() {
            return Ok(verdict);
        }
    }
    if settings.alarms.is_empty() {
        return Ok(Verdict::Passed);
    }
    on_progress(Progress::BakeStarted {
        alarms: &settings.alarms,
        bake: settings.bake,
    });
    let cloudwatch = aws_sdk_cloudwatch::Client::new(sdk);
    let verdict = alarms::bake(&cloudwatch, settings, ignored, &mut on_progress).await?;
    if verdict.passed() {
        on_progress(Progress::BakePassed);
    }
    Ok(verdict)
}
