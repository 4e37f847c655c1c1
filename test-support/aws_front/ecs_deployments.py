"""ECS service deployments, which moto does not have: what ECS records of each
deployment of a service (ListServiceDeployments, DescribeServiceDeployments,
StopServiceDeployment, `currentServiceDeployment`), and the deployment
strategies ECS runs itself (`deploymentConfiguration.strategy` ROLLING,
BLUE_GREEN, LINEAR, CANARY). This module is the model (the traffic-shifting
strategies' timeline is `ecs_traffic_shift`); `ecs_deployments_api` applies it
to the ECS API.

What it follows (see docs/TESTING.md for the pages):
- A service deployment starts PENDING, then IN_PROGRESS; it ends SUCCESSFUL,
  STOPPED, ROLLBACK_SUCCESSFUL or ROLLBACK_FAILED (ROLLBACK_REQUESTED and
  ROLLBACK_IN_PROGRESS on the way). STOPPED: stopped by hand, superseded by a
  newer deployment, or failed with no rollback configured.
- ROLLING deployments are the rollouts of `ecs_rollouts` (one DescribeServices
  call one step): their status is read from that model, ECS's circuit breaker
  rollback included (ROLLBACK_IN_PROGRESS, then ROLLBACK_SUCCESSFUL).
- BLUE_GREEN, LINEAR and CANARY move through their lifecycle stages by time:
  PRE_SCALE_UP, SCALE_UP, POST_SCALE_UP, TEST_TRAFFIC_SHIFT,
  POST_TEST_TRAFFIC_SHIFT, PRODUCTION_TRAFFIC_SHIFT (once for BLUE_GREEN; the
  canary step then the rest for CANARY; each step for LINEAR, with the step
  bake between steps but not after 100%), POST_PRODUCTION_TRAFFIC_SHIFT,
  BAKE_TIME (`bakeTimeInMinutes`), CLEAN_UP. The old revision keeps its tasks
  until CLEAN_UP ends; each revision's traffic weights are reported.
  A scenario scales the clock (`stage_seconds` per stage, `minute_seconds` per
  minute of bake) so a test's bake of minutes takes seconds.
- ECS rolls a deployment back by itself when an alarm of
  `deploymentConfiguration.alarms` is in ALARM (read from moto's CloudWatch,
  so a test moves it with SetAlarmState), or when the scenario makes the
  circuit breaker trip or a lifecycle hook fail, if rollback is configured
  (a hook failure always rolls back); without rollback the deployment STOPs.
- StopServiceDeployment (ROLLBACK) on a deployment in flight: ROLLBACK_REQUESTED,
  then ROLLBACK_IN_PROGRESS, then ROLLBACK_SUCCESSFUL (or ROLLBACK_FAILED if
  the scenario says); on a finished one, ConflictException.
- A deployment still in flight when UpdateService starts another is STOPPED,
  its reason naming the newer one."""

import copy
import math
import time

from . import ecs
from .ecs import new_resource_id as new_id
from .ecs_traffic_shift import TrafficShift, find, segments

TRAFFIC_SHIFTING = ("BLUE_GREEN", "LINEAR", "CANARY")
IN_FLIGHT = (
    "PENDING",
    "IN_PROGRESS",
    "STOP_REQUESTED",
    "ROLLBACK_REQUESTED",
    "ROLLBACK_IN_PROGRESS",
)
DONE = ("SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED")
STAGES = (
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
    "BAKE_TIME",
    "CLEAN_UP",
)
CAUSES = ("circuit-breaker", "hook")

DEPLOYMENTS = {}  # service deployment ARN -> ServiceDeployment
BY_SERVICE = {}  # (cluster, service) -> [ARN, ...], oldest first
CONFIGS = {}  # (cluster, service) -> deploymentConfiguration as the service was given it
SCENARIOS = {}  # (cluster, service) -> scenario of its traffic-shifting deployments
NO_API = set()  # clusters in a "Region" without the service deployments API


def reset():
    with ecs.LOCK:
        DEPLOYMENTS.clear()
        BY_SERVICE.clear()
        CONFIGS.clear()
        SCENARIOS.clear()
        NO_API.clear()


def default_scenario():
    return {
        # Seconds each lifecycle stage (other than the bakes) lasts.
        "stage_seconds": 1.0,
        # Seconds one minute of `bakeTimeInMinutes` (and of a step bake) lasts.
        "minute_seconds": 60.0,
        # {"cause": "circuit-breaker" | "hook", "stage": STAGE, "after": seconds}
        "fail": None,
        # A stage the deployment never leaves (a PAUSE hook nobody continues).
        "stuck_at": None,
        # How long ECS's rollback takes [default: two stages].
        "rollback_seconds": None,
        "rollback_fails": False,
    }


def check_scenario(scenario):
    """Raises ValueError for a scenario the model cannot follow."""
    for field in ("stage_seconds", "minute_seconds"):
        value = scenario[field]
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{field} must be a number >= 0")
    fail = scenario["fail"]
    if fail is not None:
        if not isinstance(fail, dict) or fail.get("cause") not in CAUSES:
            raise ValueError(f"fail.cause must be one of {', '.join(CAUSES)}")
        if fail.get("stage", "SCALE_UP") not in STAGES:
            raise ValueError(f"fail.stage must be one of {', '.join(STAGES)}")
    if scenario["stuck_at"] is not None and scenario["stuck_at"] not in STAGES:
        raise ValueError(f"stuck_at must be one of {', '.join(STAGES)}")
    seconds = scenario["rollback_seconds"]
    if seconds is not None and (not isinstance(seconds, (int, float)) or seconds < 0):
        raise ValueError("rollback_seconds must be a number >= 0 or null")
    if not isinstance(scenario["rollback_fails"], bool):
        raise ValueError("rollback_fails must be true or false")


def region_account(cluster_arn):
    parts = str(cluster_arn).split(":")
    if len(parts) >= 5 and parts[0] == "arn":
        return parts[3], parts[4]
    return "us-east-1", "123456789012"


class ServiceDeployment(TrafficShift):
    """One service deployment, from its UpdateService to its end (the
    BLUE_GREEN, LINEAR and CANARY timeline is `TrafficShift`'s)."""

    def __init__(self, key, service, config, rollout, scenario, now, settled=False):
        cluster_arn = service.get("clusterArn", "")
        region, account = region_account(cluster_arn)
        self.key = key
        self.region, self.account = region, account
        self.arn = (
            f"arn:aws:ecs:{region}:{account}:service-deployment/{key[0]}/{key[1]}/{new_id()}"
        )
        self.cluster_arn = cluster_arn
        self.service_arn = service.get("serviceArn", "")
        self.config = copy.deepcopy(config)
        self.strategy = self.config.get("strategy") or "ROLLING"
        self.rollout = rollout
        new = rollout.primary
        self.deployment_id = new["id"]
        self.target = self.revision(new["taskDefinition"])
        # The revisions that run before it: what a rollback goes back to.
        self.sources = [
            (d["id"], self.revision(d["taskDefinition"], d["runningCount"]))
            for d in rollout.deployments[1:]
        ]
        self.created = now
        self.started = None
        self.finished = None
        self.stopped = None
        self.updated = now
        self.status = "PENDING"
        self.reason = None
        self.stage = None
        self.rollback = None
        self.triggered_alarms = []
        self.circuit_breaker = "MONITORING"
        self.hook_failed = None
        self.scenario = copy.deepcopy(scenario)
        # A service's creation: its first deployment, finished.
        self.driven = self.strategy in TRAFFIC_SHIFTING and not settled
        if settled:
            self.started = now
            self.target["runningTaskCount"] = rollout.desired
            self.finish("SUCCESSFUL", now)
        self.plan = segments(self.strategy, self.config, self.scenario) if self.driven else []
        self.t0 = now + float(self.scenario["stage_seconds"]) / 2
        self.scaled_up = False
        self.rollback_plan = None  # (requested until, done at, fails)
        if self.driven:
            # Time moves this rollout, not DescribeServices calls; until the
            # shift, the old revision takes the production traffic.
            rollout.phase = "driven"
            for _, source in self.sources:
                source["requestedProductionTrafficWeight"] = 100.0

    def revision(self, task_definition, running=0):
        rid = new_id()
        return {
            "arn": f"arn:aws:ecs:{self.region}:{self.account}:service-revision/"
            f"{self.key[0]}/{self.key[1]}/{rid}",
            "taskDefinition": task_definition,
            "requestedTaskCount": self.rollout.desired,
            "runningTaskCount": running,
            "pendingTaskCount": 0,
            "requestedTestTrafficWeight": 0.0,
            "requestedProductionTrafficWeight": 0.0,
        }

    # -- time ---------------------------------------------------------------

    def tick(self, now, auth_headers):
        if self.status in DONE:
            return
        if self.driven:
            self.tick_driven(now, auth_headers)
        else:
            self.tick_rolling(now)
        self.updated = now

    def tick_rolling(self, now):
        rollout = self.rollout
        ours = find(rollout, self.deployment_id)
        if rollout.rolled_back and rollout.rolled_back[0] == self.deployment_id:
            back = find(rollout, rollout.rolled_back[1])
            if self.rollback is None:
                self.rollback = {
                    "reason": (back or {}).get("rolloutStateReason", "rolled back"),
                    "startedAt": (back or {}).get("createdAt", now),
                    "serviceRevisionArn": self.sources[0][1]["arn"] if self.sources else None,
                }
            if back is None or back["rolloutState"] == "COMPLETED":
                self.finish("ROLLBACK_SUCCESSFUL", now)
            else:
                self.status = "ROLLBACK_IN_PROGRESS"
            return
        if ours is None:
            return
        self.started = self.started or self.created
        self.target["runningTaskCount"] = ours["runningCount"]
        self.target["pendingTaskCount"] = ours["pendingCount"]
        if ours["failedTasks"]:
            self.circuit_breaker = "MONITORING"
        if ours["rolloutState"] == "COMPLETED":
            self.finish("SUCCESSFUL", now)
        elif ours["rolloutState"] == "FAILED":
            self.circuit_breaker = "TRIGGERED"
            if rollout.phase == "rollback-pending":
                self.status = "ROLLBACK_REQUESTED"
            else:
                self.reason = ours.get("rolloutStateReason")
                self.finish("STOPPED", now)
        else:
            self.status = "IN_PROGRESS"

    def finish(self, status, at):
        self.status = status
        self.finished = at
        if status == "STOPPED":
            self.stopped = at

    # -- what others do to it -----------------------------------------------

    def stop(self, now):
        """StopServiceDeployment (ROLLBACK); an error message, or None."""
        if self.status in DONE:
            return f"The service deployment is {self.status} and can no longer be stopped."
        if self.status in ("STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS"):
            return None
        reason = "Rolled back: StopServiceDeployment (ROLLBACK) was called."
        if self.driven:
            self.begin_rollback(now, reason, requested=True)
            return None
        rollout = self.rollout
        ours = find(rollout, self.deployment_id)
        if rollout.rollback_to is None or ours is None or rollout.primary is not ours:
            return "The service deployment has no previous service revision to roll back to."
        rollout.start_rollback(
            f"rolling back to deployment {rollout.rollback_to['id']}: {reason}"
        )
        self.status = "ROLLBACK_REQUESTED"
        return None

    def supersede(self, now, by):
        if self.status in IN_FLIGHT:
            self.reason = f"Stopped: service deployment {by} replaced it."
            self.finish("STOPPED", now)

    # -- what the API shows -------------------------------------------------

    def shape(self):
        def public(revision):
            return {k: v for k, v in revision.items() if k != "taskDefinition"}

        alarms = self.config.get("alarms") or {}
        breaker = self.config.get("deploymentCircuitBreaker") or {}
        out = {
            "serviceDeploymentArn": self.arn,
            "serviceArn": self.service_arn,
            "clusterArn": self.cluster_arn,
            "createdAt": self.created,
            "updatedAt": self.updated,
            "sourceServiceRevisions": [public(s) for _, s in self.sources],
            "targetServiceRevision": public(self.target),
            "status": self.status,
            "deploymentConfiguration": self.config,
            "deploymentCircuitBreaker": {
                "status": (
                    "TRIGGERED"
                    if self.circuit_breaker == "TRIGGERED"
                    else "MONITORING"
                    if breaker.get("enable")
                    else "DISABLED"
                ),
                "failureCount": (find(self.rollout, self.deployment_id) or {}).get(
                    "failedTasks", 0
                ),
                "threshold": max(3, min(200, math.ceil(self.rollout.desired / 2))),
            },
            "alarms": {
                "status": (
                    "DISABLED"
                    if not alarms.get("enable")
                    else "TRIGGERED"
                    if self.triggered_alarms
                    else "MONITORING"
                ),
                "alarmNames": alarms.get("alarmNames") or [],
                "triggeredAlarmNames": self.triggered_alarms,
            },
        }
        for field, value in (
            ("startedAt", self.started),
            ("finishedAt", self.finished),
            ("stoppedAt", self.stopped),
            ("statusReason", self.reason),
            ("lifecycleStage", self.stage if self.driven else None),
            ("rollback", self.rollback),
        ):
            if value is not None:
                out[field] = value
        if self.hook_failed:
            out["lifecycleHookDetails"] = [self.hook_failed]
        return out

    def brief(self):
        out = {
            "serviceDeploymentArn": self.arn,
            "serviceArn": self.service_arn,
            "clusterArn": self.cluster_arn,
            "createdAt": self.created,
            "targetServiceRevisionArn": self.target["arn"],
            "status": self.status,
        }
        for field, value in (
            ("startedAt", self.started),
            ("finishedAt", self.finished),
            ("statusReason", self.reason),
        ):
            if value is not None:
                out[field] = value
        return out


def started(key, service, rollout, now, settled=False):
    """A new service deployment for `rollout`'s new PRIMARY deployment (or,
    `settled`, the service's creation); the one in flight before it, if any,
    is STOPPED (superseded)."""
    config = CONFIGS.get(key) or {}
    scenario = SCENARIOS.get(key) or default_scenario()
    deployment = ServiceDeployment(key, service, config, rollout, scenario, now, settled)
    for arn in BY_SERVICE.get(key, []):
        DEPLOYMENTS[arn].supersede(now, deployment.arn)
    DEPLOYMENTS[deployment.arn] = deployment
    BY_SERVICE.setdefault(key, []).append(deployment.arn)
    return deployment


def current(key):
    """The service's newest service deployment."""
    arns = BY_SERVICE.get(key) or []
    return DEPLOYMENTS[arns[-1]] if arns else None


def tick_service(key, auth_headers):
    now = time.time()
    for arn in BY_SERVICE.get(key, []):
        DEPLOYMENTS[arn].tick(now, auth_headers)


def remember_config(key, given):
    """A service's deploymentConfiguration, as CreateService and UpdateService
    give it (moto drops it from CreateService); top-level keys replace."""
    if isinstance(given, dict):
        merged = dict(CONFIGS.get(key) or {})
        merged.update(copy.deepcopy(given))
        CONFIGS[key] = merged
