//! What an ECS run shows: progress lines while it rolls out, and how a failed
//! rollout ended.

/// How a failed rollout of `to` ended, and what runs now.
pub(super) fn rollout_failure(
    to: &api::Revision,
    end: &api::RolloutEnd,
    rollback: &Option<api::RolloutEnd>,
    from: &api::Revision,
) -> String {
    let now = match rollback {
        Some(r) if r.succeeded() => format!("rolled back: {} runs again", from.short()),
        Some(r) => format!("the rollback to {} also {}", from.short(), r.describe()),
        None => format!(
            "--no-rollback: left as it is ({} may still be rolling out)",
            to.short()
        ),
    };
    format!("rollout of {} {}; {now}", to.short(), end.describe())
}

/// What stopped a failed rollout, and who put back what ran before: the
/// watch's reason (`api::RolloutEnd::Failed`) says when ECS's circuit breaker
/// failed the deployment, and when ECS's own rollback was under way (another
/// revision PRIMARY); else the tool put it back, if its rollback completed.
pub(super) fn stopped(
    end: &api::RolloutEnd,
    rollback: &Option<api::RolloutEnd>,
) -> crate::notify::Stopped {
    use crate::notify::{Check, PutBackBy, Stopped};
    let reason = match end {
        api::RolloutEnd::Failed { reason } => reason.as_str(),
        _ => "",
    };
    let by_ecs = reason.starts_with("ECS rolled the service back");
    let back = rollback.as_ref().is_some_and(api::RolloutEnd::succeeded);
    Stopped {
        check: if by_ecs || reason.contains("circuit breaker") {
            Check::CircuitBreaker
        } else {
            Check::Rollout
        },
        put_back_by: match (by_ecs, back) {
            (true, _) => Some(PutBackBy::Ecs),
            (false, true) => Some(PutBackBy::Tool),
            (false, false) => None,
        },
    }
}

/// Progress lines on stderr: each change of counts once, each service event once.
pub(super) struct ProgressPrinter {
    name: String,
    /// The environment's region, for the commands printed.
    region: String,
    last: Option<(i32, i32, i32, i32, String)>,
    registered: bool,
    /// The last event was the one-off task's: the service is not touched yet.
    in_before_rollout: bool,
}

impl ProgressPrinter {
    pub(super) fn new(name: &str, region: &str) -> ProgressPrinter {
        ProgressPrinter {
            name: name.into(),
            region: region.into(),
            last: None,
            registered: false,
            in_before_rollout: false,
        }
    }

    /// Whether the deploy was running its `before_rollout` task (and had not
    /// touched the service yet).
    pub(super) fn in_before_rollout(&self) -> bool {
        self.in_before_rollout
    }

    /// Whether a new revision was registered: the deploy's first write.
    pub(super) fn registered(&self) -> bool {
        self.registered
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
            api::DeployEvent::Registered(rev) => {
                self.registered = true;
                eprintln!("{name}: registered {}", rev.short())
            }
            api::DeployEvent::RollingBack { from, to } => {
                self.last = None;
                eprintln!(
                    "{name}: rolling back from {} to {}",
                    from.short(),
                    to.short()
                )
            }
            api::DeployEvent::Rollout(_, p) if p.retrying.is_some() => {
                eprintln!("{name}: {}", p.retrying.as_deref().unwrap_or_default());
            }
            api::DeployEvent::Rollout(rev, p) => {
                for e in &p.new_events {
                    eprintln!("{name}: event: {e}");
                }
                let now = (p.running, p.pending, p.desired, p.failed, p.state.clone());
                if self.last.as_ref() != Some(&now) {
                    eprintln!(
                        "{name}: {} {}/{} running, {} pending, {} failed{}",
                        rev.short(),
                        p.running,
                        p.desired,
                        p.pending,
                        p.failed,
                        if p.state.is_empty() {
                            String::new()
                        } else {
                            format!(" [{}]", p.state)
                        }
                    );
                    self.last = Some(now);
                }
            }
        }
    }
}
