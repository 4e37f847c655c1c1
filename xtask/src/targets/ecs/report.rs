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

/// Progress lines on stderr: each change of counts once, each service event once.
pub(super) struct ProgressPrinter {
    name: String,
    last: Option<(i32, i32, i32, i32, String)>,
    registered: bool,
}

impl ProgressPrinter {
    pub(super) fn new(name: &str) -> ProgressPrinter {
        ProgressPrinter {
            name: name.into(),
            last: None,
            registered: false,
        }
    }

    /// Whether a new revision was registered: the deploy's first write.
    pub(super) fn registered(&self) -> bool {
        self.registered
    }

    pub(super) fn show(&mut self, event: api::DeployEvent<'_>) {
        let name = &self.name;
        match event {
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
