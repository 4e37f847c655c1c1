//! A one-off task of the new revision before the rollout (database migrations):
//! RunTask on the service's cluster, with the service's network configuration
//! and launch type (or capacity provider strategy), the command as a container
//! override; then DescribeTasks until the task is STOPPED, and the container's
//! exit code. Only exit code 0 lets the rollout go on; a task that never gets
//! an exit code (it failed to start) or outlives the timeout (it is stopped
//! then) fails the deploy before the service is touched.

use aws_sdk_ecs::types::{
    ContainerOverride, LogDriver, Service, Task, TaskDefinition, TaskOverride,
};
use std::time::{Duration, Instant};

use crate::error::{aws, classify, ApiError};
use crate::task_definition::Revision;
use crate::ServiceSettings;

/// What to run before the rollout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneOffTask {
    /// The container whose command is overridden.
    pub container: String,
    pub command: Vec<String>,
    /// From RunTask to STOPPED; past it, the task is stopped.
    pub timeout: Duration,
}

/// Where the task's container writes its output (the `awslogs` driver).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogStream {
    pub group: String,
    /// `<prefix>/<container>/<task-id>`; `None` without `awslogs-stream-prefix`.
    pub stream: Option<String>,
    pub region: Option<String>,
}

/// How the task ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskEnd {
    /// The container exited with this code (0: success).
    Exited { code: i32 },
    /// The task stopped without an exit code: it never started (image pull,
    /// secrets, capacity, ...), or RunTask refused it.
    NoExitCode { reason: String },
    /// Still not STOPPED after the timeout: it was stopped.
    TimedOut { after: Duration },
}

/// What the run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRun {
    pub task_arn: Option<String>,
    pub end: TaskEnd,
    /// ECS's `stoppedReason`, if any.
    pub stop_reason: Option<String>,
    pub logs: Option<LogStream>,
}

impl TaskRun {
    pub fn succeeded(&self) -> bool {
        self.end == TaskEnd::Exited { code: 0 }
    }

    /// One line: how it ended, and why ECS stopped it.
    pub fn describe(&self) -> String {
        let end = match &self.end {
            TaskEnd::Exited { code } => format!("exited with code {code}"),
            TaskEnd::NoExitCode { reason } => format!("stopped without an exit code ({reason})"),
            TaskEnd::TimedOut { after } => {
                format!("did not finish within {}s and was stopped", after.as_secs())
            }
        };
        match &self.stop_reason {
            Some(r)
                if !end.contains(r.as_str()) && !matches!(self.end, TaskEnd::TimedOut { .. }) =>
            {
                format!("{end}; ECS: {r}")
            }
            _ => end,
        }
    }
}

/// Progress for the caller to show.
#[derive(Debug, Clone)]
pub enum TaskProgress<'a> {
    /// About to call RunTask with the new revision.
    Requested(&'a OneOffTask, &'a Revision),
    Started {
        task_arn: &'a str,
        logs: Option<&'a LogStream>,
    },
    /// The task's `lastStatus` changed (`PROVISIONING`, `RUNNING`, ...).
    Status(&'a str),
    /// A poll failed for a reason that passes; the wait goes on.
    Retrying(String),
    /// How it ended.
    Ended(&'a TaskRun),
}

/// Runs `task` of `revision` as the service runs its tasks, and waits for it.
pub async fn run(
    ecs: &aws_sdk_ecs::Client,
    settings: &ServiceSettings,
    revision: &Revision,
    definition: &TaskDefinition,
    task: &OneOffTask,
    poll_interval: Duration,
    mut on_progress: impl FnMut(TaskProgress<'_>),
) -> Result<TaskRun, ApiError> {
    let service = crate::service::describe(ecs, settings).await?;
    on_progress(TaskProgress::Requested(task, revision));
    let started = Instant::now();
    let answer = match run_task_request(ecs, settings, &service, revision, task)
        .send()
        .await
    {
        Ok(answer) => answer,
        // ECS refused it (a bad network configuration, a missing role...):
        // the task never started, as the deploy reports and records.
        Err(aws_sdk_ecs::error::SdkError::ServiceError(e))
            if !e.raw().status().is_server_error() =>
        {
            let message = sdk_error::describe(e.err());
            return Ok(TaskRun {
                task_arn: None,
                end: TaskEnd::NoExitCode {
                    reason: format!("RunTask refused it: {message}"),
                },
                stop_reason: None,
                logs: None,
            });
        }
        Err(e) => return Err(classify("ECS RunTask", e)),
    };
    let Some(arn) = answer.tasks().first().and_then(Task::task_arn) else {
        let reason = answer
            .failures()
            .iter()
            .map(|f| {
                format!(
                    "{} {}",
                    f.reason().unwrap_or("failure"),
                    f.detail().unwrap_or_default()
                )
                .trim()
                .to_string()
            })
            .collect::<Vec<_>>()
            .join("; ");
        return Ok(TaskRun {
            task_arn: None,
            end: TaskEnd::NoExitCode {
                reason: if reason.is_empty() {
                    "RunTask started no task".into()
                } else {
                    format!("RunTask: {reason}")
                },
            },
            stop_reason: None,
            logs: None,
        });
    };
    let arn = arn.to_string();
    let logs = log_stream(definition, &task.container, &arn);
    on_progress(TaskProgress::Started {
        task_arn: &arn,
        logs: logs.as_ref(),
    });
    let run = |end, stop_reason| TaskRun {
        task_arn: Some(arn.clone()),
        end,
        stop_reason,
        logs: logs.clone(),
    };

    let mut last_status = String::new();
    loop {
        match describe(ecs, settings, &arn).await {
            Ok(Some(t)) => {
                let status = t.last_status().unwrap_or_default();
                if status != last_status {
                    on_progress(TaskProgress::Status(status));
                    last_status = status.to_string();
                }
                if status == "STOPPED" {
                    return Ok(run(
                        ended(&t, &task.container),
                        t.stopped_reason().map(str::to_owned),
                    ));
                }
            }
            Ok(None) => {}
            Err(ApiError::Transient { operation, message }) => {
                on_progress(TaskProgress::Retrying(format!(
                    "{operation} failed ({message})"
                )));
            }
            Err(e) => return Err(e),
        }
        if started.elapsed() >= task.timeout {
            stop(ecs, settings, &arn, task.timeout).await?;
            return Ok(run(
                TaskEnd::TimedOut {
                    after: task.timeout,
                },
                None,
            ));
        }
        tokio::time::sleep(poll_interval.min(task.timeout.saturating_sub(started.elapsed()))).await;
    }
}

fn run_task_request(
    ecs: &aws_sdk_ecs::Client,
    settings: &ServiceSettings,
    service: &Service,
    revision: &Revision,
    task: &OneOffTask,
) -> aws_sdk_ecs::operation::run_task::builders::RunTaskFluentBuilder {
    let request = ecs
        .run_task()
        .cluster(&settings.cluster)
        .task_definition(&revision.arn)
        .count(1)
        .started_by("xtask-before-rollout")
        .set_network_configuration(service.network_configuration().cloned())
        .set_platform_version(service.platform_version().map(str::to_owned))
        .overrides(
            TaskOverride::builder()
                .container_overrides(
                    ContainerOverride::builder()
                        .name(&task.container)
                        .set_command(Some(task.command.clone()))
                        .build(),
                )
                .build(),
        );
    // Either a launch type or a capacity provider strategy, as the service has.
    match (service.launch_type(), service.capacity_provider_strategy()) {
        (Some(launch_type), _) => request.launch_type(launch_type.clone()),
        (None, strategy) if !strategy.is_empty() => {
            request.set_capacity_provider_strategy(Some(strategy.to_vec()))
        }
        _ => request,
    }
}

async fn describe(
    ecs: &aws_sdk_ecs::Client,
    settings: &ServiceSettings,
    arn: &str,
) -> Result<Option<Task>, ApiError> {
    let answer = ecs
        .describe_tasks()
        .cluster(&settings.cluster)
        .tasks(arn)
        .send()
        .await
        .map_err(|e| classify("ECS DescribeTasks", e))?;
    Ok(answer.tasks().first().cloned())
}

async fn stop(
    ecs: &aws_sdk_ecs::Client,
    settings: &ServiceSettings,
    arn: &str,
    after: Duration,
) -> Result<(), ApiError> {
    ecs.stop_task()
        .cluster(&settings.cluster)
        .task(arn)
        .reason(format!(
            "before_rollout did not finish within {}s",
            after.as_secs()
        ))
        .send()
        .await
        .map_err(aws("ECS StopTask"))?;
    Ok(())
}

/// The overridden container's exit code, or why there is none.
fn ended(task: &Task, container: &str) -> TaskEnd {
    let ours = task
        .containers()
        .iter()
        .find(|c| c.name() == Some(container));
    match ours.and_then(|c| c.exit_code()) {
        Some(code) => TaskEnd::Exited { code },
        None => TaskEnd::NoExitCode {
            reason: ours
                .and_then(|c| c.reason())
                .or(task.stopped_reason())
                .or(task.stop_code().map(|c| c.as_str()))
                .unwrap_or("no exit code reported")
                .to_string(),
        },
    }
}

/// Where the container's `awslogs` driver writes for task `arn`.
fn log_stream(definition: &TaskDefinition, container: &str, arn: &str) -> Option<LogStream> {
    let config = definition
        .container_definitions()
        .iter()
        .find(|c| c.name() == Some(container))?
        .log_configuration()?;
    if config.log_driver() != &LogDriver::Awslogs {
        return None;
    }
    let options = config.options()?;
    let task_id = arn.rsplit('/').next().unwrap_or(arn);
    Some(LogStream {
        group: options.get("awslogs-group")?.clone(),
        stream: options
            .get("awslogs-stream-prefix")
            .map(|prefix| format!("{prefix}/{container}/{task_id}")),
        region: options.get("awslogs-region").cloned(),
    })
}
