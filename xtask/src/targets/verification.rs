//! The verification after a rollout, for the kinds that have one (ECS, static
//! sites): the alarms' states read before the deploy (one already in ALARM is
//! reported then, not blamed on the deploy), the smoke check and the bake
//! after it, through the `verify` crate, and what the ledger records of it.
//! Rolling back on a failure is the kind's (its own rollback path).

use crate::context::EnvContext;
use crate::state::checks::{CheckOutcome, VerificationCheck};

/// Reads the alarms before the deploy: the names of those already in ALARM.
/// A missing alarm is bad input (exit 2), found before anything is written.
pub async fn before(
    ctx: &EnvContext,
    name: &str,
    settings: &verify::VerifySettings,
) -> anyhow::Result<Vec<String>> {
    if settings.alarms.is_empty() {
        return Ok(Vec::new());
    }
    let states = verify::alarms_before(&ctx.sdk, &settings.alarms)
        .await
        .map_err(|e| super::explain(ctx, name, e))?;
    let firing: Vec<String> = states
        .iter()
        .filter(|s| s.in_alarm())
        .map(|s| s.name.clone())
        .collect();
    for s in states.iter().filter(|s| s.in_alarm()) {
        eprintln!(
            "{name}: alarm {} is already in ALARM before the deploy ({}); it is reported, not blamed on this deploy",
            s.name, s.reason
        );
    }
    Ok(firing)
}

/// The smoke check, then the bake; progress on stderr.
pub async fn run(
    ctx: &EnvContext,
    name: &str,
    settings: &verify::VerifySettings,
    ignored: &[String],
) -> anyhow::Result<verify::Verdict> {
    let mut last_answer = String::new();
    verify::verify(&ctx.sdk, settings, ignored, |p| match p {
        verify::Progress::Smoke { url, answer } => {
            if answer != last_answer {
                eprintln!("{name}: verify: GET {url} answered {answer}; trying again");
                last_answer = answer.to_string();
            }
        }
        verify::Progress::SmokePassed { url, status } => {
            eprintln!("{name}: verify: GET {url} answered {status}")
        }
        verify::Progress::BakeStarted { alarms, bake } => eprintln!(
            "{name}: verify: watching alarm(s) {} for {}",
            alarms.join(", "),
            humantime::format_duration(bake)
        ),
        verify::Progress::BakePassed => eprintln!("{name}: verify: no alarm went off"),
        verify::Progress::AlarmsUnreadable { error } => {
            eprintln!("{name}: verify: could not read the alarms ({error}); reading again")
        }
    })
    .await
    .map_err(|e| super::explain(ctx, name, e))
}

/// What a dry run would check, as a line for people.
pub fn planned(name: &str, settings: &verify::VerifySettings) -> String {
    let mut what = Vec::new();
    if let Some(s) = &settings.smoke {
        what.push(format!(
            "GET {} until it answers {} (within {})",
            s.url,
            s.expect_status,
            humantime::format_duration(s.within)
        ));
    }
    if !settings.alarms.is_empty() {
        what.push(format!(
            "watch alarm(s) {} for {}",
            settings.alarms.join(", "),
            humantime::format_duration(settings.bake)
        ));
    }
    format!(
        "{name}: after the rollout, would verify: {}; a failure would roll back\n",
        what.join(", then ")
    )
}

/// The ledger's and the JSON output's record; `verdict` is `None` in a dry run.
pub fn check(
    settings: &verify::VerifySettings,
    ignored: &[String],
    verdict: Option<&verify::Verdict>,
    rolled_back: Option<String>,
) -> VerificationCheck {
    VerificationCheck {
        outcome: match verdict {
            None => CheckOutcome::WouldRun,
            Some(v) if v.passed() => CheckOutcome::Passed,
            Some(_) => CheckOutcome::Failed,
        },
        smoke_url: settings.smoke.as_ref().map(|s| s.url.clone()),
        alarms: settings.alarms.clone(),
        bake: (!settings.alarms.is_empty())
            .then(|| humantime::format_duration(settings.bake).to_string()),
        already_in_alarm: ignored.to_vec(),
        failed: verdict
            .filter(|v| !v.passed())
            .map(verify::Verdict::describe),
        rolled_back,
    }
}
