//! How ECS deploys a service, read from the service before anything is
//! written: its deployment controller (only ECS's own lets UpdateService change
//! the task definition) and its strategy (`deploymentConfiguration.strategy`
//! ROLLING, BLUE_GREEN, LINEAR or CANARY), with the bakes the strategy adds to
//! a rollout's time.

use aws_sdk_ecs::types::{DeploymentConfiguration, DeploymentControllerType, Service};
use std::time::Duration;

use crate::error::ApiError;
use crate::ServiceSettings;

/// A service's deployment strategy and the time it bakes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Strategy {
    /// `ROLLING`, `BLUE_GREEN`, `LINEAR`, `CANARY` (ROLLING when ECS names none).
    pub name: String,
    /// `bakeTimeInMinutes`: both revisions run after the production shift.
    pub bake: Duration,
    /// LINEAR's bakes between steps (none after 100%), CANARY's after the
    /// canary step.
    pub step_bakes: Duration,
}

impl Strategy {
    pub fn rolling() -> Strategy {
        Strategy {
            name: "ROLLING".into(),
            bake: Duration::ZERO,
            step_bakes: Duration::ZERO,
        }
    }

    /// BLUE_GREEN, LINEAR and CANARY: the old revision keeps running beside
    /// the new one until the bake ends, and traffic shifts between them.
    pub fn shifts_traffic(&self) -> bool {
        matches!(self.name.as_str(), "BLUE_GREEN" | "LINEAR" | "CANARY")
    }

    /// What a rollout of this strategy adds to its own time: every bake.
    pub fn bakes(&self) -> Duration {
        self.bake + self.step_bakes
    }

    /// `BLUE_GREEN (bake 5m)`, `ROLLING`.
    pub fn describe(&self) -> String {
        if self.bakes().is_zero() {
            return self.name.clone();
        }
        let mut parts = vec![format!("bake {}", minutes(self.bake))];
        if !self.step_bakes.is_zero() {
            parts.push(format!("step bakes {}", minutes(self.step_bakes)));
        }
        format!("{} ({})", self.name, parts.join(", "))
    }

    /// From a service's (or a service deployment's) deployment configuration.
    pub fn of(config: Option<&DeploymentConfiguration>) -> Strategy {
        let Some(config) = config else {
            return Strategy::rolling();
        };
        let name = config
            .strategy()
            .map_or_else(|| "ROLLING".to_string(), |s| s.as_str().to_string());
        let minutes = |m: Option<i32>| Duration::from_secs(60 * m.unwrap_or(0).max(0) as u64);
        let step_bakes = match name.as_str() {
            "LINEAR" => {
                let linear = config.linear_configuration();
                // API defaults: 10% steps, 6 minutes between them; no bake
                // after the step that reaches 100%.
                let step = linear.and_then(|l| l.step_percent()).unwrap_or(10.0);
                let steps = if step > 0.0 {
                    (100.0 / step).ceil() as u32
                } else {
                    1
                };
                let bake = linear
                    .and_then(|l| l.step_bake_time_in_minutes())
                    .or(Some(6));
                minutes(bake) * steps.saturating_sub(1)
            }
            "CANARY" => minutes(
                config
                    .canary_configuration()
                    .and_then(|c| c.canary_bake_time_in_minutes())
                    .or(Some(10)),
            ),
            _ => Duration::ZERO,
        };
        Strategy {
            bake: minutes(config.bake_time_in_minutes()),
            step_bakes,
            name,
        }
    }
}

/// `5m`, `90s`.
fn minutes(d: Duration) -> String {
    if d.as_secs().is_multiple_of(60) {
        format!("{}m", d.as_secs() / 60)
    } else {
        format!("{}s", d.as_secs())
    }
}

/// Only ECS's own deployment controller lets UpdateService change the task
/// definition; CODE_DEPLOY and EXTERNAL services are refused before anything
/// is written.
pub fn check_controller(service: &Service, settings: &ServiceSettings) -> Result<(), ApiError> {
    match service.deployment_controller().map(|c| c.r#type()) {
        None | Some(DeploymentControllerType::Ecs) => Ok(()),
        Some(other) => Err(ApiError::UnsupportedController {
            service: settings.service.clone(),
            controller: other.as_str().to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecs::types::{CanaryConfiguration, DeploymentStrategy, LinearConfiguration};

    #[test]
    fn bakes_by_strategy() {
        let blue_green = DeploymentConfiguration::builder()
            .strategy(DeploymentStrategy::BlueGreen)
            .bake_time_in_minutes(5)
            .build();
        let s = Strategy::of(Some(&blue_green));
        assert!(s.shifts_traffic());
        assert_eq!(s.bakes(), Duration::from_secs(300));
        assert_eq!(s.describe(), "BLUE_GREEN (bake 5m)");

        // 25% steps: 4 steps, 3 bakes between them.
        let linear = DeploymentConfiguration::builder()
            .strategy(DeploymentStrategy::Linear)
            .bake_time_in_minutes(1)
            .linear_configuration(
                LinearConfiguration::builder()
                    .step_percent(25.0)
                    .step_bake_time_in_minutes(2)
                    .build(),
            )
            .build();
        assert_eq!(
            Strategy::of(Some(&linear)).bakes(),
            Duration::from_secs(7 * 60)
        );

        let canary = DeploymentConfiguration::builder()
            .strategy(DeploymentStrategy::Canary)
            .canary_configuration(CanaryConfiguration::builder().canary_percent(10.0).build())
            .build();
        assert_eq!(
            Strategy::of(Some(&canary)).step_bakes,
            Duration::from_secs(600),
            "the API's default canary bake"
        );

        let rolling = Strategy::of(None);
        assert!(!rolling.shifts_traffic());
        assert_eq!(rolling.describe(), "ROLLING");
    }
}
