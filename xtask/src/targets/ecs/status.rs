//! What an ECS service runs now, and where it differs from the ledger: another
//! task definition than the last successful deploy or rollback left, its
//! image's tag pushed again since (another digest), a deployment in progress, a rollback ECS made by itself (circuit breaker or
//! alarm) since the ledger's newest record.

use crate::context::EnvContext;
use crate::plan::EcsSettings;
use crate::state::ledger::{Action, Outcome, Record};
use crate::state::policy;
use crate::state::StateError;
use crate::targets::drift::{parse_time, rfc3339, Drift};
use crate::targets::Observed;

/// Why a service's status could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error(transparent)]
    Service(#[from] api::ApiError),
    #[error(transparent)]
    Ledger(#[from] StateError),
}

pub async fn status(
    ctx: &EnvContext,
    name: &str,
    s: &EcsSettings,
) -> Result<Observed, StatusError> {
    let settings = &s.service;
    let clients = api::Clients::new(&ctx.sdk);
    let seen = api::observe(&clients.ecs, settings).await?;
    // A pinned image (`tag@sha256:...`) whose tag names other bytes in ECR now.
    let pinned = api::status(&clients, settings).await?;
    let history = ctx
        .store
        .history_until(name, |read| policy::live(read).is_some())
        .await?;
    let mut drift = Vec::new();
    if let Some(live) = policy::live(&history) {
        if live.deployed == seen.revision.arn {
            if let Some(d) = moved_tag(ctx, name, &clients, settings, &seen, live).await {
                drift.push(d);
            }
        } else {
            drift.push(
                other_task_definition(ctx, name, &clients, settings, &seen, live, history.first())
                    .await,
            );
        }
    }
    if seen.rollout_in_progress() {
        drift.push(in_progress(ctx, name, &seen).await);
    }
    if let Some(event) = seen.automatic_rollback() {
        // One the ledger's newest record already saw (a deploy it watched) is not news.
        let newest = history.first().and_then(|r| parse_time(&r.finished_at));
        let after_ledger = match (event.at, newest) {
            (Some(at), Some(newest)) => at > newest,
            (_, None) => true,
            (None, Some(_)) => false,
        };
        if after_ledger {
            drift.push(Drift {
                kind: "automatic-rollback",
                what: format!(
                    "ECS rolled the service back by itself ({}); it runs {} now",
                    event.message.trim_end_matches('.'),
                    seen.revision.short()
                ),
                since: event.at.map(rfc3339),
                action: format!(
                    "nothing to put back if the ledger agrees above; find out why the deployment failed: {}",
                    super::events_hint(settings).trim_start_matches("See the service events: ")
                ),
            });
        }
    }
    Ok(Observed {
        running: seen.revision.short(),
        image: Some(seen.image.clone()),
        rollout_in_progress: Some(seen.rollout_in_progress()),
        deployment: seen.rollout_in_progress().then(|| deployment(&seen)),
        drift,
        kept: Vec::new(),
        image_tag_moved: pinned.tag_moved.map(|m| m.describe()),
    })
}

/// The service runs another task definition than the ledger's last successful
/// deploy or rollback left.
async fn other_task_definition(
    ctx: &EnvContext,
    name: &str,
    clients: &api::Clients,
    settings: &api::ServiceSettings,
    seen: &api::ServiceObservation,
    live: &Record,
    newest: Option<&Record>,
) -> Drift {
    let env = &ctx.env.name;
    let ours = api::Revision::parse(&live.deployed);
    let ours_short = ours
        .as_ref()
        .map_or_else(|| live.deployed.clone(), |r| r.short());
    let our_image = api::image_in(&clients.ecs, settings, &live.deployed)
        .await
        .ok();
    let how = match live.action {
        Action::Deploy => "deploy",
        Action::Rollback => "rollback",
    };
    let left_by_failed =
        newest.filter(|r| r.outcome == Outcome::Failed && r.deployed == seen.revision.arn);
    let what = match left_by_failed {
        Some(failed) => format!(
            "runs {} ({}), which the failed deploy at {} left; the ledger's last successful {how} left {ours_short}",
            seen.revision.short(),
            seen.image,
            failed.finished_at
        ),
        None => format!(
            "runs {} ({}), not {ours_short}{} that the ledger's last {how} left at {}",
            seen.revision.short(),
            seen.image,
            our_image.as_deref().map(|i| format!(" ({i})")).unwrap_or_default(),
            live.finished_at
        ),
    };
    let since = seen
        .deployments
        .iter()
        .find(|d| d.task_definition == seen.revision.arn)
        .and_then(|d| d.created_at)
        .map(rfc3339);
    // Another image: a deploy of ours makes a revision of what runs with our
    // image. The same image (other settings changed): back to our revision.
    let our_tag = our_image
        .as_deref()
        .and_then(|i| tag_of(i.split('@').next().unwrap_or(i)));
    let put_back = match (our_tag, &ours) {
        (Some(tag), _) if our_image.as_deref() != Some(seen.image.as_str()) => {
            format!("`cargo xtask deploy {name} --env {env} --image-tag {tag}`")
        }
        (_, Some(rev)) => format!("`cargo xtask rollback {name} {env} --to {}`", rev.number),
        (_, None) => format!("`cargo xtask deploy {name} --env {env}`"),
    };
    Drift {
        kind: "task-definition",
        what,
        since,
        action: format!(
            "put ours back: {put_back}; if the change was meant, nothing (the next deploy starts from what runs)"
        ),
    }
}

/// The service runs our revision, but its image's tag was pushed again after
/// our deploy: tasks ECS starts from now on (a scale-out, a replaced task) pull
/// other code than the tasks our deploy started.
async fn moved_tag(
    ctx: &EnvContext,
    name: &str,
    clients: &api::Clients,
    settings: &api::ServiceSettings,
    seen: &api::ServiceObservation,
    live: &Record,
) -> Option<Drift> {
    // A pinned image (`repo:tag@sha256:...`) runs its digest whatever the tag
    // names; the tag moved when ECR's digest for it is another one.
    let (reference, pinned) = match seen.image.split_once('@') {
        Some((reference, digest)) => (reference, Some(digest)),
        None => (seen.image.as_str(), None),
    };
    let tag = tag_of(reference)?;
    // Only an image of the target's own repository, which ECR can answer for.
    let repository_path = reference.rsplit_once(':')?.0;
    if !repository_path.ends_with(&format!("/{}", settings.ecr_repository)) {
        return None;
    }
    let pushed = api::pushed_image(&clients.ecr, settings, tag)
        .await
        .ok()??;
    let then = match pinned {
        // A pinned image keeps running its digest: what runs is what we
        // deployed. `status` warns that the tag moved (`image_tag_moved`).
        Some(_) => return None,
        None => {
            let deployed_at = parse_time(&live.finished_at)?;
            if pushed.pushed_at? <= deployed_at {
                return None;
            }
            "tasks started from now on run that image"
        }
    };
    let env = &ctx.env.name;
    Some(Drift {
        kind: "image-tag-moved",
        what: format!(
            "{} runs {}, but the tag {tag} was pushed again after the ledger's {} at {} and names {} now: {then}",
            seen.revision.short(),
            seen.image,
            match live.action {
                Action::Deploy => "deploy",
                Action::Rollback => "rollback",
            },
            live.finished_at,
            pushed.digest
        ),
        since: pushed.pushed_at.map(rfc3339),
        action: format!(
            "keep tags from moving: `aws ecr put-image-tag-mutability --repository-name {} --image-tag-mutability IMMUTABLE`, then push the image you mean under a tag of its own and deploy it with `cargo xtask deploy {name} --env {env} --image-tag` and that tag",
            settings.ecr_repository
        ),
    })
}

/// The deployment in progress, in one line: its strategy, status and
/// lifecycle stage, the traffic the new revision takes, its service
/// deployment (`BLUE_GREEN IN_PROGRESS BAKE_TIME, production 100% new,
/// service deployment arn:...`).
fn deployment(seen: &api::ServiceObservation) -> String {
    let Some(d) = seen.current_deployment.as_ref().filter(|d| d.in_flight()) else {
        let primary = seen.deployments.first();
        return format!(
            "{} {}",
            seen.strategy.name,
            primary
                .and_then(|p| p.rollout_state.as_deref())
                .unwrap_or("IN_PROGRESS")
        );
    };
    let strategy = d.strategy.as_ref().unwrap_or(&seen.strategy);
    let mut line = format!("{} {}", strategy.name, d.status);
    if let Some(stage) = &d.stage {
        line.push_str(&format!(" {stage}"));
    }
    if let Some(weight) = d.target.as_ref().and_then(|t| t.production) {
        line.push_str(&format!(", production {weight:.0}% new"));
    }
    line.push_str(&format!(", service deployment {}", d.arn));
    line
}

/// A deployment has not finished: ours (xtask holds the lock) or someone else's.
async fn in_progress(ctx: &EnvContext, name: &str, seen: &api::ServiceObservation) -> Drift {
    let primary = seen.deployments.first();
    let holder = ctx.store.lock_holder(name).await.ok().flatten();
    let whose = match &holder {
        Some(h) => format!(" (xtask: {} holds the deploy lock)", h.who),
        None => " (not by xtask: no deploy lock is held)".into(),
    };
    let what = match primary {
        Some(d) => format!(
            "a deployment is in progress{whose}: {} {}, {}/{} running ({})",
            api::Revision::parse(&d.task_definition)
                .map_or_else(|| d.task_definition.clone(), |r| r.short()),
            d.rollout_state.as_deref().unwrap_or("IN_PROGRESS"),
            d.running,
            d.desired,
            deployment(seen)
        ),
        None => format!("a deployment is in progress{whose}: {}", deployment(seen)),
    };
    Drift {
        kind: "rollout-in-progress",
        what,
        since: primary.and_then(|d| d.created_at).map(rfc3339),
        action: format!(
            "wait for it to finish, then check again: `cargo xtask status --env {}`",
            ctx.env.name
        ),
    }
}

/// The tag of `repository:tag` (none for `repository@sha256:...`).
fn tag_of(image: &str) -> Option<&str> {
    if image.contains('@') {
        return None;
    }
    let (repo, tag) = image.rsplit_once(':')?;
    (!tag.contains('/') && !repo.is_empty()).then_some(tag)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_tag_of_an_image_reference() {
        use super::tag_of;
        assert_eq!(
            tag_of("123.dkr.ecr.us-east-1.amazonaws.com/api:v2"),
            Some("v2")
        );
        assert_eq!(tag_of("localhost:5000/api:3f2c1ab"), Some("3f2c1ab"));
        assert_eq!(tag_of("localhost:5000/api"), None);
        assert_eq!(tag_of("repo/api@sha256:abc"), None);
    }
}
