"""One-off ECS tasks (RunTask, DescribeTasks, StopTask), which the front runs
in moto's place: moto's RunTask needs real EC2 subnets for an awsvpc task and
never runs a task to the end.

RunTask checks the cluster and the task definition in moto (and, as ECS does,
that an awsvpc task has a network configuration), then answers with a task of
its own; DescribeTasks of that task advances it ONE step, and how it goes is
the cluster's task scenario (set before RunTask):
- exits (default, exit_code 0, steps 2): PROVISIONING, PENDING, RUNNING, then
  on step `steps` STOPPED with the overridden container's exitCode = exit_code
  (stopCode EssentialContainerExited), the other containers 0;
- never-starts: on step `steps` STOPPED with stopCode TaskFailedToStart, a
  CannotPullContainerError reason, and no exit code;
- hangs: RUNNING forever.
StopTask stops it at once: STOPPED, stopCode UserInitiated, the request's
reason, exit code 143 (SIGTERM). Tasks the front did not start go to moto."""

import json
import time

from . import ecs, upstream
from .ecs import new_task_id
from .message import json_answer

TASK_OUTCOMES = ("exits", "never-starts", "hangs")
TASK_STARTING = ("PROVISIONING", "PENDING", "RUNNING")
PULL_ERROR = (
    "CannotPullContainerError: pull image manifest has been retried 5 time(s): "
    "failed to resolve ref: not found"
)

TASK_SCENARIOS = {}  # cluster -> task scenario dict
TASKS = {}  # task ARN -> OneOffTask, in the order started


def reset():
    with ecs.LOCK:
        TASK_SCENARIOS.clear()
        TASKS.clear()


def default_task_scenario():
    return {"outcome": "exits", "exit_code": 0, "steps": 2}


class OneOffTask:
    """A task started by RunTask, as ECS would report it, one step per poll."""

    def __init__(self, arn, cluster_arn, request, definition, scenario):
        self.arn = arn
        self.cluster = ecs.last_segment(cluster_arn)
        self.cluster_arn = cluster_arn
        self.request = request
        self.definition = definition
        self.scenario = dict(scenario)
        self.polls = 0
        self.status = "PROVISIONING"
        self.stop_code = None
        self.stopped_reason = None
        self.exit_codes = {}  # container name -> exit code
        self.reasons = {}  # container name -> reason
        self.stop_requested = None
        self.created = time.time()

    def overridden(self):
        overrides = (self.request.get("overrides") or {}).get("containerOverrides") or []
        return {o.get("name") for o in overrides if o.get("command") is not None}

    def containers(self):
        return [c.get("name") for c in self.definition.get("containerDefinitions") or []]

    def stop(self, code, reason, exit_code=None, exit_codes=None):
        self.status = "STOPPED"
        self.stop_code = code
        self.stopped_reason = reason
        for name in self.containers():
            if exit_codes is not None:
                self.exit_codes[name] = exit_codes.get(name, 0)
            elif exit_code is not None:
                self.exit_codes[name] = exit_code
            else:
                self.reasons[name] = reason

    def advance(self):
        if self.status == "STOPPED":
            return
        self.polls += 1
        outcome = self.scenario["outcome"]
        steps = max(1, int(self.scenario["steps"]))
        if outcome == "hangs" or self.polls < steps:
            # A task that never starts gets no further than PENDING.
            ramp = TASK_STARTING[:2] if outcome == "never-starts" else TASK_STARTING
            self.status = ramp[min(self.polls - 1, len(ramp) - 1)]
            return
        if outcome == "exits":
            ours = self.overridden()
            code = int(self.scenario["exit_code"])
            self.stop(
                "EssentialContainerExited",
                "Essential container in task exited",
                exit_codes={name: (code if name in ours else 0) for name in self.containers()},
            )
        else:
            self.stop("TaskFailedToStart", PULL_ERROR)

    def report(self):
        containers = []
        for name in self.containers():
            c = {
                "containerArn": f"{self.arn.replace(':task/', ':container/')}/{name}",
                "taskArn": self.arn,
                "name": name,
                "lastStatus": self.status,
            }
            if name in self.exit_codes:
                c["exitCode"] = self.exit_codes[name]
            if name in self.reasons:
                c["reason"] = self.reasons[name]
            containers.append(c)
        task = {
            "taskArn": self.arn,
            "clusterArn": self.cluster_arn,
            "taskDefinitionArn": self.definition.get("taskDefinitionArn"),
            "lastStatus": self.status,
            "desiredStatus": "STOPPED" if self.status == "STOPPED" else "RUNNING",
            "overrides": self.request.get("overrides") or {},
            "startedBy": self.request.get("startedBy", ""),
            "group": "family:" + str(self.definition.get("family")),
            "createdAt": self.created,
            "containers": containers,
        }
        for field in ("launchType", "platformVersion"):
            if self.request.get(field):
                task[field] = self.request[field]
        strategy = self.request.get("capacityProviderStrategy") or []
        if strategy:
            task["capacityProviderName"] = strategy[0].get("capacityProvider")
        if self.stop_code:
            task["stopCode"] = self.stop_code
            task["stoppedReason"] = self.stopped_reason
        return task


def layer(req, next):
    handler = HANDLERS.get(req.operation) if req.service == "ecs" else None
    if handler is None or not isinstance(req.payload, dict):
        return next(req)
    with ecs.LOCK:
        return handler(req, next)


def run_task(req, next):
    payload = req.payload
    cluster = payload.get("cluster", "default")
    described = upstream.ecs("DescribeClusters", {"clusters": [cluster]}, req.headers)
    active = [c for c in (described or {}).get("clusters") or [] if c.get("status") == "ACTIVE"]
    if not active:
        return ecs.error(400, "ClusterNotFoundException", "Cluster not found.")
    described = upstream.ecs(
        "DescribeTaskDefinition", {"taskDefinition": payload.get("taskDefinition", "")}, req.headers
    )
    definition = (described or {}).get("taskDefinition")
    if not definition:
        return ecs.error(400, "ClientException", "Unable to describe task definition.")
    awsvpc = definition.get("networkMode") == "awsvpc"
    if awsvpc and not (payload.get("networkConfiguration") or {}).get("awsvpcConfiguration"):
        return ecs.error(
            400,
            "InvalidParameterException",
            "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
        )
    if payload.get("launchType") and payload.get("capacityProviderStrategy"):
        return ecs.error(
            400,
            "InvalidParameterException",
            "Specify either Launch Type or Capacity Provider Strategy, but not both.",
        )
    cluster_arn = active[0]["clusterArn"]
    arn = cluster_arn.replace(":cluster/", ":task/") + "/" + new_task_id()
    scenario = TASK_SCENARIOS.get(ecs.last_segment(cluster)) or default_task_scenario()
    task = OneOffTask(arn, cluster_arn, payload, definition, scenario)
    TASKS[arn] = task
    return ecs.ok({"tasks": [task.report()], "failures": []})


def describe_tasks(req, next):
    payload = req.payload
    wanted = payload.get("tasks") or []
    ours = [TASKS[a] for a in wanted if a in TASKS]
    others = [a for a in wanted if a not in TASKS]
    answer = {"tasks": [], "failures": []}
    if others:
        forwarded = upstream.ecs("DescribeTasks", {**payload, "tasks": others}, req.headers)
        if forwarded is None:
            return next(req)
        answer = forwarded
    for task in ours:
        task.advance()
        answer.setdefault("tasks", []).append(task.report())
    return ecs.ok(answer)


def stop_task(req, next):
    payload = req.payload
    task = TASKS.get(payload.get("task", ""))
    if task is None:
        return next(req)
    reason = payload.get("reason") or "Task stopped by user"
    task.stop_requested = reason
    if task.status != "STOPPED":
        task.stop("UserInitiated", reason, exit_code=143)
    return ecs.ok({"task": task.report()})


HANDLERS = {"RunTask": run_task, "DescribeTasks": describe_tasks, "StopTask": stop_task}


def set_task_scenario(req):
    """POST /task {"cluster", "outcome", "exit_code", "steps"}."""
    try:
        request = json.loads(req.body or b"{}")
        cluster = ecs.last_segment(request["cluster"])
        scenario = default_task_scenario()
        for field in scenario:
            if field in request:
                scenario[field] = request[field]
        if scenario["outcome"] not in TASK_OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(TASK_OUTCOMES)}")
        if not isinstance(scenario["steps"], int) or scenario["steps"] < 1:
            raise ValueError("steps must be an integer >= 1")
        if not isinstance(scenario["exit_code"], int):
            raise ValueError("exit_code must be an integer")
    except (ValueError, KeyError, TypeError) as e:
        return json_answer(400, {"error": f"bad task scenario: {e!r}"})
    with ecs.LOCK:
        TASK_SCENARIOS[cluster] = scenario
    return json_answer(200, {"cluster": cluster, **scenario})


def list_tasks(req):
    """GET /tasks[?cluster=NAME]: the one-off tasks started (there), in order."""
    cluster = req.query("cluster")
    with ecs.LOCK:
        tasks = [
            {
                "taskArn": t.arn,
                "request": t.request,
                "lastStatus": t.status,
                "stoppedReason": t.stopped_reason,
                "stopRequested": t.stop_requested,
            }
            for t in TASKS.values()
            if cluster is None or t.cluster == ecs.last_segment(cluster)
        ]
    return json_answer(200, tasks)


ROUTES = {("POST", "/task"): set_task_scenario, ("GET", "/tasks"): list_tasks}
