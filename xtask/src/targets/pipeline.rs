//! The one pipeline every target's deploy and rollback goes through:
//!
//! ```text
//! run(ctx, job, step):
//!   read the alarms the verification watches (one already in ALARM is not blamed)
//!   → take the target's lock (not in a dry run, nor for a job without one)
//!   → step(started): the kind's deploy or rollback → StepEnd | StepError
//!       Deployed: verify (smoke check, bake); on failure the kind's undo puts
//!                 back what ran before, and the record says what and how.
//!                 A rollout still in flight (an ECS blue/green deployment in
//!                 its bake, the old revision still running) comes with its
//!                 settle: the rest of it, run while the verification runs; an
//!                 end other than deployed stops the verification, a failed
//!                 verification stops the settle and undoes
//!       DryRun:   the verification it would run
//!   → append the Entry to the ledger, completed with who, when, where, the commit
//!   → release the lock
//!   → the TargetResult, or the error (with what became of the ledger record)
//! ```
//!
//! A kind supplies its step (what it checks and builds before the lock is done
//! by then) and its report; everything here is written once.

use futures_util::future::LocalBoxFuture;

use crate::context::EnvContext;
use crate::state::checks::{CheckOutcome, RolloutCheck};
use crate::state::ledger::{self, Record};
use crate::state::now_rfc3339;

use super::{verification, Entry, TargetResult};

/// Whether a run writes, and how it treats a lock left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Say what would change; write nothing, the ledger and the lock included.
    DryRun,
    Write,
    /// `--force-unlock`: remove a lock left by a crashed run first.
    WriteForceUnlock,
}

impl Mode {
    pub fn dry_run(self) -> bool {
        self == Mode::DryRun
    }
}

/// Whether a job holds the target's lock while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locking {
    /// One deploy or rollback per target and environment at a time.
    TargetLock,
    /// It writes nothing remote (a terraform rollback prepares a git revert).
    None,
}

/// One target's job: what the pipeline needs to know around its step.
pub struct Job<'a> {
    pub target: &'a str,
    /// Names the run in messages ("deploy", "rollback", "terraform run").
    pub noun: &'static str,
    pub mode: Mode,
    pub locking: Locking,
    /// The verification after a `Deployed` step, with the run's poll interval.
    pub verify: Option<verify::VerifySettings>,
}

/// When the step started: ledger ids and release ids are made from it.
#[derive(Debug, Clone)]
pub struct Started {
    pub at: String,
    /// The pipeline verifies a `Deployed` end: a kind whose rollout goes on
    /// after it is usable (an ECS bake) hands it over then, with a settle.
    pub verifies: bool,
}

/// A kind's step, run under the lock.
pub type Step<'a> =
    Box<dyn FnOnce(Started) -> LocalBoxFuture<'a, Result<StepEnd<'a>, StepError>> + 'a>;

/// Puts back what ran before a deploy whose verification failed; says what runs now.
pub type Undo<'a> = Box<dyn FnOnce() -> LocalBoxFuture<'a, Result<Undone, StepError>> + 'a>;

/// What an undo did: what runs now, whether what ran before runs again, and
/// how an in-flight rollout ended.
pub struct Undone {
    /// What runs now, in words ("rolled back: api:7 runs again").
    pub now: String,
    pub put_back: bool,
    pub rollout: Option<RolloutCheck>,
    /// When the undo left a state of its own to name, the record's detail
    /// instead of the deploy's (a static site: the manifest of the bucket
    /// after the restore).
    pub detail: Option<crate::state::ledger::Detail>,
}

impl Undone {
    /// Nothing was put back (`--no-rollback`, nothing ran before); `now` says
    /// what runs.
    pub fn left(now: String) -> Undone {
        Undone {
            now,
            put_back: false,
            rollout: None,
            detail: None,
        }
    }
}

/// The rest of a rollout still in flight when its step returned `Deployed`:
/// watched to its end while the verification runs.
pub type Settle<'a> = Box<dyn FnOnce() -> LocalBoxFuture<'a, Result<Settled, StepError>> + 'a>;

/// How a settle ended.
pub struct Settled {
    /// `None`: what was deployed runs. Else why not, and what runs now
    /// (ECS rolled it back, another deployment replaced it): nothing of
    /// ours is sent after it.
    pub failure: Option<String>,
    pub rollout: Option<RolloutCheck>,
    /// What stopped it, and who put back what ran before, for the notice.
    pub stopped: Option<crate::notify::Stopped>,
}

/// How a kind's step ended.
pub enum StepEnd<'a> {
    /// Nothing to record: nothing to do, not applied, a dry run of a rollback.
    Unrecorded(TargetResult),
    /// A dry run of a deploy that would deploy: the verification it would run
    /// is added.
    DryRun(TargetResult),
    Recorded(Entry, TargetResult),
    /// Deployed: verified next (when the target verifies), `undo` putting back
    /// what ran before if that fails. `what` names what was deployed;
    /// `settle`, the rest of a rollout still in flight.
    Deployed {
        entry: Entry,
        result: TargetResult,
        what: String,
        undo: Undo<'a>,
        settle: Option<Settle<'a>>,
    },
}

/// A step that failed: its error (already in the user's words) and, when it
/// wrote something, the ledger record that says so.
pub struct StepError {
    pub error: anyhow::Error,
    pub entry: Option<Box<Entry>>,
}

impl From<anyhow::Error> for StepError {
    fn from(error: anyhow::Error) -> StepError {
        StepError { error, entry: None }
    }
}

impl From<crate::error::BadInput> for StepError {
    fn from(e: crate::error::BadInput) -> StepError {
        anyhow::Error::from(e).into()
    }
}

/// Runs `step` for `job` and records what it did.
pub async fn run(ctx: &EnvContext, job: Job<'_>, step: Step<'_>) -> anyhow::Result<TargetResult> {
    // The alarms are read before the lock: a missing one is bad input, and
    // bad input writes nothing, the lock included.
    let ignored = match &job.verify {
        Some(v) => Some(verification::before(ctx, job.target, v).await?),
        None => None,
    };
    let lock = match (job.mode, job.locking) {
        (Mode::DryRun, _) | (_, Locking::None) => None,
        (mode, Locking::TargetLock) => Some(
            ctx.store
                .lock(job.target, mode == Mode::WriteForceUnlock)
                .await?,
        ),
    };
    let started = Started {
        at: now_rfc3339(),
        verifies: job.verify.is_some(),
    };
    let ended = match (&job.verify, &ignored) {
        (Some(v), Some(ignored)) => {
            verified(ctx, &job, v, ignored, step(started.clone()).await).await
        }
        _ => settled(job.target, step(started.clone()).await).await,
    };
    let (entry, result) = match ended {
        Ok(StepEnd::Unrecorded(result) | StepEnd::DryRun(result)) => (None, Ok(result)),
        Ok(StepEnd::Recorded(entry, result) | StepEnd::Deployed { entry, result, .. }) => {
            (Some(entry), Ok(result))
        }
        Err(StepError { error, entry }) => (entry.map(|e| *e), Err(error)),
    };
    let result = result.map(|r| noticed(ctx, job.mode, entry.as_ref(), r));
    let appended = match entry {
        Some(entry) if !job.mode.dry_run() => {
            ctx.store
                .append(&record(ctx, job.target, &started, entry))
                .await
        }
        _ => Ok(()),
    };
    if let Some(lock) = lock {
        lock.release().await?;
    }
    let noun = job.noun;
    match (result, appended) {
        (Ok(result), Ok(())) => Ok(result),
        (Ok(_), Err(a)) => Err(anyhow::Error::new(a).context(format!(
            "the {noun} finished but its ledger record was not written"
        ))),
        (Err(e), Ok(())) => Err(e),
        (Err(e), Err(a)) => {
            Err(e.context(format!("its ledger record was not written either: {a}")))
        }
    }
}

/// A step's end without a verification: a rollout still in flight is
/// settled first.
async fn settled<'a>(
    name: &str,
    ended: Result<StepEnd<'a>, StepError>,
) -> Result<StepEnd<'a>, StepError> {
    match ended? {
        StepEnd::Deployed {
            entry,
            result,
            what,
            settle: Some(settle),
            ..
        } => Ok(after_settle(name, &what, entry, result, settle().await?)),
        StepEnd::Deployed { entry, result, .. } => Ok(StepEnd::Recorded(entry, result)),
        other => Ok(other),
    }
}

/// The record of a deploy whose rollout ended: deployed, or not (`failure`).
fn after_settle<'a>(
    name: &str,
    what: &str,
    mut entry: Entry,
    mut result: TargetResult,
    settled: Settled,
) -> StepEnd<'a> {
    if let Some(rollout) = settled.rollout {
        entry.checks.rollout = Some(rollout.clone());
        result.checks.rollout = Some(rollout);
    }
    let Some(failure) = settled.failure else {
        return StepEnd::Recorded(entry, result);
    };
    let message = format!("{what} was deployed, then {failure}");
    let entry = entry.failed(message.clone());
    let mut failed = TargetResult::failed(name, message);
    failed.checks = entry.checks.clone();
    failed.stopped = settled.stopped;
    StepEnd::Recorded(entry, failed)
}

/// A step's end with its verification: run after a deploy (undone when it
/// fails; beside the rest of a rollout still in flight), or planned in a dry
/// run.
async fn verified<'a>(
    ctx: &EnvContext,
    job: &Job<'_>,
    v: &verify::VerifySettings,
    ignored: &[String],
    ended: Result<StepEnd<'a>, StepError>,
) -> Result<StepEnd<'a>, StepError> {
    let name = job.target;
    match ended? {
        StepEnd::DryRun(mut result) => {
            crate::output::detail(&verification::planned(name, v));
            result.checks.verification = Some(verification::check(v, ignored, None, None));
            Ok(StepEnd::DryRun(result))
        }
        StepEnd::Deployed {
            mut entry,
            mut result,
            what,
            undo,
            settle,
        } => {
            let (verdict, settled) = verify_beside(ctx, name, v, ignored, settle).await?;
            let verdict = match verdict {
                Some(verdict) => verdict,
                // The rollout ended otherwise before the verification did.
                None => {
                    let settled = settled.expect("a settle that ended the verification");
                    return Ok(after_settle(name, &what, entry, result, settled));
                }
            };
            if verdict.passed() {
                let check = verification::check(v, ignored, Some(&verdict), None);
                entry.checks.verification = Some(check.clone());
                result.checks.verification = Some(check);
                return Ok(match settled {
                    Some(settled) => after_settle(name, &what, entry, result, settled),
                    None => StepEnd::Recorded(entry, result),
                });
            }
            let undone = undo().await?;
            if let Some(detail) = undone.detail.clone() {
                entry.detail = detail;
            }
            let check = verification::check(v, ignored, Some(&verdict), Some(undone.now.clone()));
            debug_assert_eq!(check.outcome, CheckOutcome::Failed);
            let message = format!(
                "{what} was deployed, then verification failed: {}; {}",
                verdict.describe(),
                undone.now
            );
            entry.checks.verification = Some(check);
            if let Some(rollout) = undone.rollout {
                entry.checks.rollout = Some(rollout);
            }
            let entry = entry.failed(message.clone());
            let mut result = TargetResult::failed(name, message);
            result.checks = entry.checks.clone();
            result.stopped = Some(crate::notify::Stopped {
                check: match verdict {
                    verify::Verdict::AlarmFired { .. } => crate::notify::Check::Alarm,
                    _ => crate::notify::Check::SmokeCheck,
                },
                put_back_by: undone.put_back.then_some(crate::notify::PutBackBy::Tool),
                superseded_by: None,
            });
            Ok(StepEnd::Recorded(entry, result))
        }
        other => Ok(other),
    }
}

/// The verification, and beside it the rest of a rollout still in flight.
/// A verdict of `None`: the rollout ended otherwise first (ECS rolled it back,
/// another deployment replaced it), and the verification was stopped. A
/// failed verdict stops the settle (the undo follows).
async fn verify_beside<'a>(
    ctx: &EnvContext,
    name: &str,
    v: &verify::VerifySettings,
    ignored: &[String],
    settle: Option<Settle<'a>>,
) -> Result<(Option<verify::Verdict>, Option<Settled>), StepError> {
    let verification = async {
        verification::run(ctx, name, v, ignored)
            .await
            .unwrap_or_else(|e| verify::Verdict::SmokeFailed {
                url: "(none)".into(),
                expected: 0,
                last: crate::error::one_line(&e),
                after: std::time::Duration::ZERO,
            })
    };
    let Some(settle) = settle else {
        return Ok((Some(verification.await), None));
    };
    let mut settling = settle();
    tokio::pin!(verification);
    tokio::select! {
        verdict = &mut verification => {
            if verdict.passed() {
                let settled = settling.await?;
                Ok((Some(verdict), Some(settled)))
            } else {
                Ok((Some(verdict), None))
            }
        }
        settled = &mut settling => {
            let settled = settled?;
            if settled.failure.is_some() {
                Ok((None, Some(settled)))
            } else {
                Ok((Some(verification.await), Some(settled)))
            }
        }
    }
}

/// The result with what a notification says of it: from the entry the run
/// records (what it put in place, what that replaced, the commit), else from
/// how the step ended.
fn noticed(
    ctx: &EnvContext,
    mode: Mode,
    entry: Option<&Entry>,
    mut result: TargetResult,
) -> TargetResult {
    use crate::notify::{Commit, Notice, Outcome};
    use ledger::{Action, Outcome as Recorded};
    let outcome = match entry {
        _ if mode.dry_run() => Outcome::DryRun,
        None if result.ok => Outcome::Unchanged,
        None => Outcome::Failed,
        Some(e) => match (e.outcome, e.action, &result.stopped) {
            (Recorded::Succeeded, Action::Deploy, _) => Outcome::Deployed,
            (Recorded::Succeeded, Action::Rollback, _) => Outcome::RolledBack,
            (Recorded::Failed, _, Some(s)) if s.superseded_by.is_some() => Outcome::Superseded,
            (Recorded::Failed, _, Some(s)) if s.put_back_by.is_some() => Outcome::FailedRolledBack,
            (Recorded::Failed, ..) => Outcome::Failed,
        },
    };
    // A rollback is told by what it rolled back: that deploy's commit.
    let commit = match entry {
        Some(e) if e.action == Action::Rollback => e.rolled_away_from.clone(),
        _ => ctx.git_sha.clone(),
    };
    let mut notice = Notice::new(outcome);
    if !outcome.ok() {
        notice.check = result.stopped.as_ref().map(|s| s.check);
        notice.put_back_by = result.stopped.as_ref().and_then(|s| s.put_back_by);
    }
    notice.deployed = entry.map(|e| short_name(&e.deployed));
    notice.replaced = entry.and_then(|e| e.replaced.as_deref().map(short_name));
    notice.commit = commit.map(|sha| Commit { sha, author: None });
    notice.why = match entry {
        _ if outcome.ok() && outcome != Outcome::RolledBack => None,
        // A rollback asked for: why it went back to that version.
        Some(Entry {
            detail: ledger::Detail::Reason(why),
            ..
        }) if outcome == Outcome::RolledBack => Some(why.clone()),
        _ if outcome == Outcome::RolledBack => None,
        Some(e) => Some(e.message.clone()),
        None => Some(result.summary.clone()),
    };
    result.notice = Some(Box::new(notice));
    result
}

/// An ARN's resource name (`family:7` of a task definition's), as people say it.
fn short_name(deployed: &str) -> String {
    match deployed
        .strip_prefix("arn:")
        .and_then(|rest| rest.rsplit_once('/'))
    {
        Some((_, name)) => name.to_string(),
        None => deployed.to_string(),
    }
}

/// The ledger record of `entry`, completed with who, when, where, the commit.
pub fn record(ctx: &EnvContext, name: &str, started: &Started, entry: Entry) -> Record {
    Record {
        id: ledger::new_id(&started.at),
        target: name.into(),
        env: ctx.env.name.clone(),
        action: entry.action,
        git_sha: ctx.git_sha.clone(),
        deployed: entry.deployed,
        replaced: entry.replaced,
        detail: entry.detail,
        outcome: entry.outcome,
        message: entry.message,
        started_at: started.at.clone(),
        finished_at: now_rfc3339(),
        who: crate::state::who(),
        rolled_away_from: entry.rolled_away_from,
        state_object: entry.state_object.map(|b| *b),
        checks: *entry.checks,
    }
}

/// What a rollback undoes, by the ledger: the commit the environment had seen
/// before it (recorded as the rollback's `rolled_away_from`, so the next
/// `deploy --changed` does not undo it), and the commit whose revert keeps git
/// true to what runs. `undone` is the deploy it rolls away from, `live` the
/// newest record that left the target in a known state.
pub fn rolled_away(undone: Option<&Record>, live: Option<&Record>) -> RolledAway {
    RolledAway {
        from: undone
            .or(live)
            .and_then(|r| r.seen_commit())
            .map(str::to_owned),
        revert: match undone.and_then(|r| r.git_sha.clone()) {
            Some(sha) => Revert::Commit(sha),
            None => Revert::Unknown,
        },
    }
}

/// See [`rolled_away`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolledAway {
    pub from: Option<String>,
    pub revert: Revert,
}

/// After a rollback, git should say what runs: the commit to revert, when the
/// ledger knows which shipped what was rolled back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revert {
    Commit(String),
    Unknown,
}

/// The error of a step that failed before it wrote anything.
pub fn failed_before_writing(name: &str, what: &str, e: impl Into<anyhow::Error>) -> StepError {
    e.into()
        .context(format!(
            "{name}: {what} failed before it changed anything (nothing was changed): run it again"
        ))
        .into()
}

/// The error of a step cut off after it wrote: `state` says what the target
/// may be in, and the way back is printed; `entry` records it.
pub fn failed_part_way(
    ctx: &EnvContext,
    name: &str,
    what: &str,
    state: &str,
    e: impl Into<anyhow::Error>,
    entry: Option<Entry>,
) -> StepError {
    let env = &ctx.env.name;
    StepError {
        error: e.into().context(format!(
            "{name}: {what} failed part way; {state}: see `cargo xtask status --env {env}`; deploy again, or `cargo xtask rollback {name} {env}` puts back what ran before"
        )),
        entry: entry.map(Box::new),
    }
}
