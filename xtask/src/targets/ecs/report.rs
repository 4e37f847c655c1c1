//! What an ECS run shows: progress lines while it rolls out (counts, the
//! lifecycle stage, the traffic each revision takes, the bake left), and how
//! a failed rollout ended.

use std::time::Duration;

/// How a failed rollout of `to` ended, and what runs now.
pub(super) fn rollout_failure(
    to: &api::Revision,
    end: &api::RolloutEnd,
    recovery: &api::Recovery,
    from: &api::Revision,
) -> String {
    let now = match recovery {
        api::Recovery::RolledBack(back) => super::in_flight::rolled_back(back),
        api::Recovery::NotAsked => format!(
            "--no-rollback: left as it is ({} may still be rolling out)",
            to.short()
        ),
        api::Recovery::LeftToEcs => match end {
            api::RolloutEnd::Superseded { .. } => {
                "nothing of ours was sent: the newer deployment goes on".to_string()
            }
            _ => format!(
                "nothing of ours was sent: ECS's own rollback stands ({} ran before)",
                from.short()
            ),
        },
    };
    format!("rollout of {} {}; {now}", to.short(), end.describe())
}

/// What stopped a failed rollout, and who put back what ran before, for the
/// notice: ECS's own rollback (its alarms, the circuit breaker, a hook), a
/// newer deployment, or the tool's rollback after a failure or the timeout.
pub(super) fn stopped(end: &api::RolloutEnd, recovery: &api::Recovery) -> crate::notify::Stopped {
    use crate::notify::{Check, PutBackBy, Stopped};
    // ECS says why in its own words (the service deployment's statusReason).
    let check_of = |reason: &str| {
        let reason = reason.to_ascii_lowercase();
        if reason.contains("alarm") {
            Check::Alarm
        } else if reason.contains("circuit breaker") {
            Check::CircuitBreaker
        } else {
            Check::Rollout
        }
    };
    let by_tool = match recovery {
        api::Recovery::RolledBack(back) => back.end.succeeded().then_some(PutBackBy::Tool),
        _ => None,
    };
    match end {
        api::RolloutEnd::Superseded { by } => Stopped {
            check: Check::Rollout,
            put_back_by: None,
            superseded_by: Some(by.clone()),
        },
        api::RolloutEnd::RolledBackByEcs { reason, .. } => Stopped {
            check: check_of(reason),
            put_back_by: Some(PutBackBy::Ecs),
            superseded_by: None,
        },
        api::RolloutEnd::Failed { reason } => Stopped {
            check: check_of(reason),
            put_back_by: by_tool,
            superseded_by: None,
        },
        api::RolloutEnd::Completed | api::RolloutEnd::TimedOut { .. } => Stopped {
            check: Check::Rollout,
            put_back_by: by_tool,
            superseded_by: None,
        },
    }
}

/// What the last progress line said, so an unchanged poll prints nothing.
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    counts: (i32, i32, i32, i32),
    state: String,
    stage: Option<String>,
    traffic: Option<(i64, Option<i64>)>,
    /// Tens of seconds of bake left.
    bake: Option<u64>,
}

/// Progress lines on stderr: each change of counts once, each service event once.
#[derive(Debug, Clone)]
pub(super) struct ProgressPrinter {
    name: String,
    /// The environment's region, for the commands printed.
    region: String,
    last: Option<Shown>,
    registered: Option<String>,
    /// The last event was the one-off task's: the service is not touched yet.
    in_before_rollout: bool,
    /// A rollback (or a stop) has begun.
    rolling_back: bool,
}

impl ProgressPrinter {
    pub(super) fn new(name: &str, region: &str) -> ProgressPrinter {
        ProgressPrinter {
            name: name.into(),
            region: region.into(),
            last: None,
            registered: None,
            in_before_rollout: false,
            rolling_back: false,
        }
    }

    /// Whether the deploy was running its `before_rollout` task (and had not
    /// touched the service yet).
    pub(super) fn in_before_rollout(&self) -> bool {
        self.in_before_rollout
    }

    /// Whether a new revision was registered: the deploy's first write.
    pub(super) fn registered(&self) -> bool {
        self.registered.is_some()
    }

    /// The image the new revision names.
    pub(super) fn registered_image(&self) -> Option<&str> {
        self.registered.as_deref()
    }

    /// Whether the run is putting the previous revision back.
    pub(super) fn rolling_back(&self) -> bool {
        self.rolling_back
    }

    pub(super) fn show(&mut self, event: api::DeployEvent<'_>) {
        let name = &self.name;
        self.in_before_rollout = matches!(event, api::DeployEvent::BeforeRollout(_));
        match event {
            api::DeployEvent::BeforeRollout(p) => {
                eprintln!(
                    "{name}: {}",
                    super::before_rollout::progress_line(&p, &self.region)
                );
            }
            api::DeployEvent::Registered { revision, image } => {
                self.registered = Some(image.to_string());
                eprintln!("{name}: registered {}", revision.short())
            }
            api::DeployEvent::Updated(rollout) => {
                self.last = None;
                eprintln!(
                    "{name}: updated the service to {}: ECS deploys it {}",
                    rollout.revision.short(),
                    rollout.describe()
                );
            }
            api::DeployEvent::RollingBack { from, to } => {
                self.last = None;
                self.rolling_back = true;
                eprintln!(
                    "{name}: rolling back from {} to {}",
                    from.short(),
                    to.short()
                )
            }
            api::DeployEvent::Stopping(rollout) => {
                self.last = None;
                self.rolling_back = true;
                eprintln!(
                    "{name}: rolling back: StopServiceDeployment(ROLLBACK) of {}: ECS shifts the traffic back to {}",
                    rollout
                        .service_deployment
                        .as_deref()
                        .unwrap_or("the deployment"),
                    rollout
                        .source
                        .as_ref()
                        .map_or_else(|| "the revision before".into(), |r| r.short())
                );
            }
            api::DeployEvent::RegisteredAgain { from, to } => eprintln!(
                "{name}: {} is INACTIVE (deregistered): registered its definition again as {} (the same image)",
                from.short(),
                to.short()
            ),
            api::DeployEvent::Rollout(_, p) if p.retrying.is_some() => {
                eprintln!("{name}: {}", p.retrying.as_deref().unwrap_or_default());
            }
            api::DeployEvent::Rollout(rev, p) => {
                if let Some(note) = &p.note {
                    eprintln!("{name}: {note}");
                }
                for e in &p.new_events {
                    eprintln!("{name}: event: {e}");
                }
                let now = Shown {
                    counts: (p.running, p.pending, p.desired, p.failed),
                    state: p.state.clone(),
                    stage: p.stage.clone(),
                    traffic: p
                        .traffic
                        .as_ref()
                        .map(|t| (t.new_production.round() as i64, t.new_test.map(|t| t.round() as i64))),
                    bake: p.bake_left.map(|b| b.as_secs() / 10),
                };
                if self.last.as_ref() != Some(&now) {
                    eprintln!("{name}: {}", line(rev, p));
                    self.last = Some(now);
                }
            }
        }
    }
}

/// `fam:2 2/2 running, 0 pending, 0 failed [IN_PROGRESS BAKE_TIME]; traffic:
/// production 100% new, 0% old, test 100% new; bake: 40s left`.
fn line(rev: &api::Revision, p: &api::Progress) -> String {
    let mut line = format!(
        "{} {}/{} running, {} pending, {} failed",
        rev.short(),
        p.running,
        p.desired,
        p.pending,
        p.failed
    );
    let state: Vec<&str> = [Some(p.state.as_str()), p.stage.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect();
    if !state.is_empty() {
        line.push_str(&format!(" [{}]", state.join(" ")));
    }
    if let Some(t) = &p.traffic {
        line.push_str(&format!(
            "; traffic: production {}% new",
            percent(t.new_production)
        ));
        if let Some(old) = t.old_production {
            line.push_str(&format!(", {}% old", percent(old)));
        }
        if let Some(test) = t.new_test {
            line.push_str(&format!(", test {}% new", percent(test)));
        }
    }
    if let Some(left) = p.bake_left {
        line.push_str(&format!(
            "; bake: {} left",
            humantime::format_duration(Duration::from_secs(left.as_secs()))
        ));
    }
    line
}

/// `12.5` → `12.5`, `100.0` → `100`.
fn percent(p: f64) -> String {
    if p.fract() == 0.0 {
        format!("{p:.0}")
    } else {
        format!("{p:.1}")
    }
}
