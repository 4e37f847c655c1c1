//! What an ECS deploy shows and records of its `before_rollout` task: the
//! progress lines, where the task logged, and the ledger's [`TaskCheck`].

use crate::state::checks::{CheckOutcome, TaskCheck};

/// The command as a person would type it.
pub(super) fn command_line(task: &api::OneOffTask) -> String {
    task.command
        .iter()
        .map(|a| {
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || "'\"$\\`".contains(c)) {
                format!("'{}'", a.replace('\'', r"'\''"))
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The ledger's and the JSON output's record of it; `run` is `None` in a dry run.
pub(super) fn check(task: &api::OneOffTask, run: Option<&api::TaskRun>) -> TaskCheck {
    let outcome = match run {
        None => CheckOutcome::WouldRun,
        Some(r) if r.succeeded() => CheckOutcome::Passed,
        Some(_) => CheckOutcome::Failed,
    };
    let logs = run.and_then(|r| r.logs.as_ref());
    TaskCheck {
        command: task.command.clone(),
        container: task.container.clone(),
        outcome,
        task_arn: run.and_then(|r| r.task_arn.clone()),
        exit_code: run.and_then(|r| match r.end {
            api::TaskEnd::Exited { code } => Some(code),
            _ => None,
        }),
        ended: run.map(api::TaskRun::describe),
        log_group: logs.map(|l| l.group.clone()),
        log_stream: logs.and_then(|l| l.stream.clone()),
    }
}

/// Where the task logged, and the command that shows it.
pub(super) fn logs_hint(logs: &api::LogStream, region: &str) -> String {
    let region = logs.region.as_deref().unwrap_or(region);
    match &logs.stream {
        Some(stream) => format!(
            "logs: CloudWatch group {} stream {stream} (aws logs tail {} --log-stream-names {stream} --since 1d --region {region})",
            logs.group, logs.group
        ),
        None => format!(
            "logs: CloudWatch group {} (aws logs tail {} --since 1d --region {region})",
            logs.group, logs.group
        ),
    }
}

/// The progress line of one event.
pub(super) fn progress_line(event: &api::TaskProgress<'_>, region: &str) -> String {
    match event {
        api::TaskProgress::Requested(task, revision) => format!(
            "before the rollout: running `{}` in container {} of {} (RunTask)",
            command_line(task),
            task.container,
            revision.short()
        ),
        api::TaskProgress::Started { task_arn, logs } => {
            let id = task_arn.rsplit('/').next().unwrap_or(task_arn);
            match logs {
                Some(l) => format!("task {id} started; {}", logs_hint(l, region)),
                None => {
                    format!("task {id} started (its container has no awslogs log configuration)")
                }
            }
        }
        api::TaskProgress::Status(status) => format!("task {status}"),
        api::TaskProgress::Retrying(why) => format!("{why}; polling again"),
        api::TaskProgress::Ended(run) if run.succeeded() => {
            format!("task {}: the rollout goes on", run.describe())
        }
        api::TaskProgress::Ended(run) => {
            format!("task {}: the service is not touched", run.describe())
        }
    }
}

/// What a dry run would run before the rollout, as a line for people.
pub(super) fn planned(name: &str, task: &api::OneOffTask, cluster: &str) -> String {
    format!(
        "{name}: before the rollout, would run `{}` in container {} of the new revision on cluster {cluster}, as the service runs its tasks (network configuration, launch type or capacity providers), within {}; the rollout would start only if it exits 0\n",
        command_line(task),
        task.container,
        humantime::format_duration(task.timeout)
    )
}

/// The message of a deploy whose task did not exit 0, and where it logged.
pub(super) fn failure(
    task: Option<&api::OneOffTask>,
    report: &api::DeployReport,
    to: &api::Revision,
    region: &str,
) -> (String, String) {
    let task = task.expect("a before_rollout task ran");
    let run = report.before_rollout.as_ref().expect("its run is reported");
    let message = format!(
        "before_rollout `{}` {}{}; the service was not touched: {} runs; {} never ran and was deregistered",
        command_line(task),
        run.describe(),
        run.task_arn
            .as_deref()
            .map(|a| format!(" (task {a})"))
            .unwrap_or_default(),
        report.from.short(),
        to.short()
    );
    let logs = run
        .logs
        .as_ref()
        .map(|l| format!(" {}", logs_hint(l, region)))
        .unwrap_or_default();
    (message, logs)
}
