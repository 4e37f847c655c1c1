//! CloudWatch alarms: their states before the deploy, and the bake.

use aws_sdk_cloudwatch::types::{AlarmType, StateValue};
use std::time::{Duration, Instant};

use crate::{Progress, Verdict, VerifyError, VerifySettings};

/// An alarm's state as DescribeAlarms reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmState {
    pub name: String,
    /// `OK`, `ALARM` or `INSUFFICIENT_DATA`.
    pub state: String,
    pub reason: String,
}

impl AlarmState {
    pub fn in_alarm(&self) -> bool {
        self.state == StateValue::Alarm.as_str()
    }

    fn new(name: Option<&str>, state: Option<&StateValue>, reason: Option<&str>) -> AlarmState {
        AlarmState {
            name: name.unwrap_or_default().to_string(),
            state: state.map_or_else(|| "UNKNOWN".into(), |s| s.as_str().to_string()),
            reason: reason.unwrap_or_default().to_string(),
        }
    }
}

/// The states of `names`, which must all exist.
pub async fn alarms_before(
    sdk: &aws_config::SdkConfig,
    names: &[String],
) -> Result<Vec<AlarmState>, VerifyError> {
    let states = describe(&aws_sdk_cloudwatch::Client::new(sdk), names).await?;
    let missing: Vec<String> = names
        .iter()
        .filter(|n| !states.iter().any(|s| &s.name == *n))
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(VerifyError::AlarmsNotFound { names: missing });
    }
    Ok(states)
}

/// Reads of the alarms tried after the bake's time is up, while CloudWatch
/// does not answer, before the verification gives up (an error, not a verdict).
const FINAL_READS: u32 = 5;

/// Watches the alarms for the bake: the first one in ALARM (not `ignored`)
/// fails it. A read CloudWatch does not answer (throttled past the SDK's
/// retries, a dropped connection) is no verdict on the release: it is said,
/// and the next poll reads again; the bake ends on a read that answered.
pub(crate) async fn bake(
    cloudwatch: &aws_sdk_cloudwatch::Client,
    settings: &VerifySettings,
    ignored: &[String],
    on_progress: &mut impl FnMut(Progress<'_>),
) -> Result<Verdict, VerifyError> {
    let started = Instant::now();
    let mut failed_after_bake = 0;
    loop {
        match describe(cloudwatch, &settings.alarms).await {
            Ok(states) => {
                if let Some(fired) = states
                    .iter()
                    .find(|s| s.in_alarm() && !ignored.contains(&s.name))
                {
                    return Ok(Verdict::AlarmFired {
                        alarm: fired.name.clone(),
                        reason: fired.reason.clone(),
                    });
                }
                if started.elapsed() >= settings.bake {
                    return Ok(Verdict::Passed);
                }
            }
            Err(e) => {
                on_progress(Progress::AlarmsUnreadable {
                    error: &e.to_string(),
                });
                if started.elapsed() >= settings.bake {
                    failed_after_bake += 1;
                    if failed_after_bake >= FINAL_READS {
                        return Err(e);
                    }
                }
            }
        }
        let left = settings.bake.saturating_sub(started.elapsed());
        let pause = if left.is_zero() {
            settings.poll_interval.max(Duration::from_secs(1))
        } else {
            settings.poll_interval.min(left)
        };
        tokio::time::sleep(pause).await;
    }
}

/// The states of `names`: metric, composite and log alarms alike (without
/// `AlarmTypes`, DescribeAlarms returns metric alarms only), every page.
async fn describe(
    cloudwatch: &aws_sdk_cloudwatch::Client,
    names: &[String],
) -> Result<Vec<AlarmState>, VerifyError> {
    let mut states = Vec::new();
    // DescribeAlarms takes up to 100 names at a time.
    for chunk in names.chunks(100) {
        let mut token: Option<String> = None;
        loop {
            let answer = cloudwatch
                .describe_alarms()
                .set_alarm_names(Some(chunk.to_vec()))
                .alarm_types(AlarmType::MetricAlarm)
                .alarm_types(AlarmType::CompositeAlarm)
                .alarm_types(AlarmType::LogAlarm)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| VerifyError::CloudWatch(sdk_error::describe(&e)))?;
            states.extend(
                answer
                    .metric_alarms()
                    .iter()
                    .map(|a| AlarmState::new(a.alarm_name(), a.state_value(), a.state_reason())),
            );
            states.extend(
                answer
                    .composite_alarms()
                    .iter()
                    .map(|a| AlarmState::new(a.alarm_name(), a.state_value(), a.state_reason())),
            );
            states.extend(
                answer
                    .log_alarms()
                    .iter()
                    .map(|a| AlarmState::new(a.alarm_name(), a.state_value(), a.state_reason())),
            );
            match answer.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => break,
            }
        }
    }
    Ok(states)
}
