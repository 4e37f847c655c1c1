//! CloudWatch alarms: their states before the deploy, and the bake.

use aws_sdk_cloudwatch::types::StateValue;
use std::time::Instant;

use crate::{Verdict, VerifyError, VerifySettings};

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

/// Watches the alarms for the bake: the first one in ALARM (not `ignored`) fails it.
pub(crate) async fn bake(
    cloudwatch: &aws_sdk_cloudwatch::Client,
    settings: &VerifySettings,
    ignored: &[String],
) -> Result<Verdict, VerifyError> {
    let started = Instant::now();
    loop {
        let states = describe(cloudwatch, &settings.alarms).await?;
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
        let left = settings.bake.saturating_sub(started.elapsed());
        tokio::time::sleep(settings.poll_interval.min(left)).await;
    }
}

async fn describe(
    cloudwatch: &aws_sdk_cloudwatch::Client,
    names: &[String],
) -> Result<Vec<AlarmState>, VerifyError> {
    let mut states = Vec::new();
    // DescribeAlarms takes up to 100 names at a time.
    for chunk in names.chunks(100) {
        let answer = cloudwatch
            .describe_alarms()
            .set_alarm_names(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| VerifyError::CloudWatch(sdk_error::describe(&e)))?;
        states.extend(answer.metric_alarms().iter().map(|a| {
            AlarmState {
                name: a.alarm_name().unwrap_or_default().to_string(),
                state: a
                    .state_value()
                    .map_or_else(|| "UNKNOWN".into(), |s| s.as_str().to_string()),
                reason: a.state_reason().unwrap_or_default().to_string(),
            }
        }));
        states.extend(answer.composite_alarms().iter().map(|a| {
            AlarmState {
                name: a.alarm_name().unwrap_or_default().to_string(),
                state: a
                    .state_value()
                    .map_or_else(|| "UNKNOWN".into(), |s| s.as_str().to_string()),
                reason: a.state_reason().unwrap_or_default().to_string(),
            }
        }));
    }
    Ok(states)
}
