"""ECS rollouts, which moto does not simulate: what ECS would report for a
service's deployments and events while a new task definition rolls out, one
DescribeServices call at a time, and the scenario each service's next rollout
follows (healthy, crash-loop with the deployment circuit breaker, stuck).

`ecs_services` applies this to the ECS API; `ROLLOUTS` is what a simulation
that reads services (deployments, eventual consistency) builds on."""

import copy
import json
import math
import random
import time
import uuid

from . import ecs
from .ecs import new_task_id
from .message import json_answer

OUTCOMES = ("healthy", "crash-loop", "stuck")
MAX_EVENTS = 100

SCENARIOS = {}  # (cluster, service) -> scenario dict
ROLLOUTS = {}  # (cluster, service) -> Rollout


def reset():
    with ecs.LOCK:
        SCENARIOS.clear()
        ROLLOUTS.clear()


def new_deployment_id():
    return "ecs-svc/" + "".join(random.choice("0123456789") for _ in range(19))


def circuit_breaker_threshold(desired):
    return max(3, min(200, math.ceil(desired / 2)))


class Rollout:
    """What ECS would report for one service: its deployments and events."""

    def __init__(self, cluster, service, desired, launch_type):
        self.cluster = cluster
        self.service = service
        self.desired = desired
        self.launch_type = launch_type or "FARGATE"
        self.deployments = []  # PRIMARY first
        self.events = []  # newest first
        self.phase = "steady"  # "rolling" | "rollback-pending" | "steady"
        self.mode = "healthy"
        self.steps = 3
        self.step = 0
        self.rollback = False
        self.rollback_to = None  # the last COMPLETED deployment when the rollout began
        # (failed deployment id, the rollback's deployment id) of the last rollback
        self.rolled_back = None

    # -- building blocks ----------------------------------------------------

    def event(self, message):
        self.events.insert(
            0, {"id": str(uuid.uuid4()), "createdAt": time.time(), "message": message}
        )
        del self.events[MAX_EVENTS:]

    def started(self, count):
        if count > 0:
            tasks = " ".join(f"(task {new_task_id()})" for _ in range(min(count, 10)))
            self.event(f"(service {self.service}) has started {count} tasks: {tasks}.")

    def stopped(self, count):
        if count > 0:
            tasks = " ".join(f"(task {new_task_id()})" for _ in range(min(count, 10)))
            self.event(
                f"(service {self.service}) has stopped {count} running tasks: {tasks}."
            )

    def deployment(self, task_definition, running, pending, state, reason=None):
        now = time.time()
        deployment_id = new_deployment_id()
        return {
            "id": deployment_id,
            "status": "PRIMARY",
            "taskDefinition": task_definition,
            "desiredCount": self.desired,
            "pendingCount": pending,
            "runningCount": running,
            "failedTasks": 0,
            "createdAt": now,
            "updatedAt": now,
            "launchType": self.launch_type,
            "rolloutState": state,
            "rolloutStateReason": reason
            or (
                f"ECS deployment {deployment_id} completed."
                if state == "COMPLETED"
                else f"ECS deployment {deployment_id} in progress."
            ),
        }

    @property
    def primary(self):
        return self.deployments[0]

    # -- lifecycle ----------------------------------------------------------

    def settle(self, task_definition):
        """A service that has been running `task_definition` for a while."""
        self.deployments = [
            self.deployment(task_definition, self.desired, 0, "COMPLETED")
        ]
        self.started(self.desired)
        self.event(f"(service {self.service}) has reached a steady state.")
        self.phase = "steady"

    def start(self, task_definition, scenario):
        completed = [d for d in self.deployments if d["rolloutState"] == "COMPLETED"]
        self.rollback_to = dict(completed[0]) if completed else None
        for d in self.deployments:
            d["status"] = "ACTIVE"
        new = self.deployment(task_definition, 0, self.desired, "IN_PROGRESS")
        self.deployments.insert(0, new)
        self.mode = scenario["outcome"]
        self.steps = max(1, int(scenario["steps"]))
        self.rollback = bool(scenario["circuit_breaker_rollback"])
        self.step = 0
        self.phase = "rolling"
        self.started(self.desired)

    def set_desired(self, desired):
        self.desired = desired
        self.primary["desiredCount"] = desired
        if self.phase == "steady" and self.primary["rolloutState"] == "COMPLETED":
            self.primary["runningCount"] = desired
            self.primary["pendingCount"] = 0

    def advance(self):
        """One DescribeServices call's worth of progress."""
        if self.phase == "rolling":
            self.step += 1
            if self.mode == "healthy":
                self.ramp()
            elif self.mode == "crash-loop":
                self.crash()
            # stuck: nothing ever changes
        elif self.phase == "rollback-pending":
            self.start_rollback()

    def ramp(self):
        new = self.primary
        desired = self.desired
        if self.step >= self.steps:
            running = desired
        else:
            running = min(desired, math.ceil(desired * self.step / self.steps))
        # The tasks were started (PENDING) when the rollout began; now they run.
        new["runningCount"] = running
        new["pendingCount"] = desired - running
        new["updatedAt"] = time.time()
        # The old deployments drain as the new one comes up, newest kept longest.
        target = max(0, desired - running)
        olds = self.deployments[1:]
        stopped = 0
        for old in reversed(olds):
            total = sum(d["runningCount"] for d in olds)
            excess = total - target
            if excess <= 0:
                break
            take = min(excess, old["runningCount"])
            old["runningCount"] -= take
            old["pendingCount"] = 0
            old["updatedAt"] = time.time()
            stopped += take
        self.stopped(stopped)
        if self.step >= self.steps:
            new["rolloutState"] = "COMPLETED"
            new["rolloutStateReason"] = f"ECS deployment {new['id']} completed."
            self.stopped(sum(d["runningCount"] for d in olds))
            del self.deployments[1:]
            self.event(
                f"(service {self.service}) (deployment {new['id']}) deployment completed."
            )
            self.event(f"(service {self.service}) has reached a steady state.")
            self.phase = "steady"

    def crash(self):
        new = self.primary
        task = new_task_id()
        new["failedTasks"] += 1
        new["updatedAt"] = time.time()
        self.event(f"(service {self.service}) has started 1 tasks: (task {task}).")
        self.event(
            f"(service {self.service}) (task {task}) stopped: Essential container in task exited."
        )
        if new["failedTasks"] >= circuit_breaker_threshold(self.desired):
            new["rolloutState"] = "FAILED"
            new["rolloutStateReason"] = (
                "ECS deployment circuit breaker: tasks failed to start."
            )
            new["pendingCount"] = 0
            self.event(
                f"(service {self.service}) (deployment {new['id']}) deployment failed: tasks failed to start."
            )
            self.phase = (
                "rollback-pending"
                if self.rollback and self.rollback_to is not None
                else "steady"
            )

    def start_rollback(self, reason=None):
        """ECS's rollback to the last completed deployment: the circuit
        breaker's, or one StopServiceDeployment asked for (`reason`)."""
        failed = self.primary
        failed["status"] = "ACTIVE"
        target = self.rollback_to
        back = self.deployment(
            target["taskDefinition"],
            0,
            self.desired,
            "IN_PROGRESS",
            reason
            or f"ECS deployment circuit breaker: rolling back to deploymentId {target['id']}.",
        )
        self.deployments.insert(0, back)
        self.rolled_back = (failed["id"], back["id"])
        self.event(f"(service {self.service}) rolling back to deployment {target['id']}.")
        self.started(self.desired)
        self.mode = "healthy"
        self.step = 0
        self.phase = "rolling"

    # -- what DescribeServices shows ----------------------------------------

    def overlay(self, service):
        service["deployments"] = copy.deepcopy(self.deployments)
        service["events"] = copy.deepcopy(self.events)
        service["runningCount"] = sum(d["runningCount"] for d in self.deployments)
        service["pendingCount"] = sum(d["pendingCount"] for d in self.deployments)
        service["taskDefinition"] = self.primary["taskDefinition"]


def default_scenario():
    # task_definition: when set ("family:rev" or an ARN), the scenario applies only
    # to rollouts to that revision; rollouts to any other revision are healthy, as
    # a rollback to a known-good revision is.
    return {
        "outcome": "healthy",
        "steps": 3,
        "circuit_breaker_rollback": False,
        "task_definition": None,
    }


def scenario_for(key, task_definition):
    """The scenario of the next rollout of service `key` to `task_definition`."""
    scenario = SCENARIOS.get(key)
    if scenario is None:
        return default_scenario()
    only = scenario.get("task_definition")
    if only and ecs.last_segment(only) != ecs.last_segment(task_definition):
        return {**scenario, "outcome": "healthy"}
    return scenario


def set_scenario(req):
    """POST /scenario {"cluster", "service", "outcome", "steps",
    "circuit_breaker_rollback", "task_definition"}."""
    try:
        request = json.loads(req.body or b"{}")
        key = (ecs.last_segment(request["cluster"]), ecs.last_segment(request["service"]))
        scenario = default_scenario()
        for field in scenario:
            if field in request:
                scenario[field] = request[field]
        if scenario["outcome"] not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
        if not isinstance(scenario["steps"], int) or scenario["steps"] < 1:
            raise ValueError("steps must be an integer >= 1")
        if not isinstance(scenario["circuit_breaker_rollback"], bool):
            raise ValueError("circuit_breaker_rollback must be true or false")
        if scenario["task_definition"] is not None and not isinstance(
            scenario["task_definition"], str
        ):
            raise ValueError("task_definition must be a string or null")
    except (ValueError, KeyError, TypeError) as e:
        return json_answer(400, {"error": f"bad scenario: {e!r}"})
    with ecs.LOCK:
        SCENARIOS[key] = scenario
    return json_answer(200, {"cluster": key[0], "service": key[1], **scenario})


ROUTES = {("POST", "/scenario"): set_scenario}
