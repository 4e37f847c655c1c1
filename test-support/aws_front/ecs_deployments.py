"""ECS service deployments, which moto does not have: what ECS records of each
deployment of a service (ListServiceDeployments, DescribeServiceDeployments,
StopServiceDeployment, `currentServiceDeployment`), and the deployment
strategies ECS runs itself (`deploymentConfiguration.strategy` ROLLING,
BLUE_GREEN, LINEAR, CANARY). This module is the model; `ecs_deployments_api`
applies it to the ECS API.

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
import random
import string
import time

from . import ecs, upstream

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


def new_id():
    alphabet = string.ascii_letters + string.digits + "_-"
    return "".join(random.choice(alphabet) for _ in range(21))


def region_account(cluster_arn):
    parts = str(cluster_arn).split(":")
    if len(parts) >= 5 and parts[0] == "arn":
        return parts[3], parts[4]
    return "us-east-1", "123456789012"


def segments(strategy, config, scenario):
    """[(stage, seconds, production % to the new revision, test % to it)]."""
    s = float(scenario["stage_seconds"])
    minute = float(scenario["minute_seconds"])
    plan = [
        ("PRE_SCALE_UP", s, 0.0, 0.0),
        ("SCALE_UP", s, 0.0, 0.0),
        ("POST_SCALE_UP", s, 0.0, 0.0),
        ("TEST_TRAFFIC_SHIFT", s, 0.0, 100.0),
        ("POST_TEST_TRAFFIC_SHIFT", s, 0.0, 100.0),
    ]
    if strategy == "LINEAR":
        linear = config.get("linearConfiguration") or {}
        step = float(linear.get("stepPercent", 10.0))
        step_bake = int(linear.get("stepBakeTimeInMinutes", 6))
        steps = math.ceil(100.0 / step)
        for i in range(1, steps + 1):
            weight = min(100.0, round(i * step, 1))
            # The step bake is not applied after reaching 100 percent.
            bake = step_bake * minute if i < steps else 0.0
            plan.append(("PRODUCTION_TRAFFIC_SHIFT", s + bake, weight, 100.0))
    elif strategy == "CANARY":
        canary = config.get("canaryConfiguration") or {}
        percent = float(canary.get("canaryPercent", 5.0))
        bake = int(canary.get("canaryBakeTimeInMinutes", 10)) * minute
        plan.append(("PRODUCTION_TRAFFIC_SHIFT", s + bake, percent, 100.0))
        plan.append(("PRODUCTION_TRAFFIC_SHIFT", s, 100.0, 100.0))
    else:
        plan.append(("PRODUCTION_TRAFFIC_SHIFT", s, 100.0, 100.0))
    bake = int(config.get("bakeTimeInMinutes") or 0) * minute
    plan += [
        ("POST_PRODUCTION_TRAFFIC_SHIFT", s, 100.0, 100.0),
        ("BAKE_TIME", bake, 100.0, 100.0),
        ("CLEAN_UP", s, 100.0, 100.0),
    ]
    return plan


def find(rollout, deployment_id):
    return next((d for d in rollout.deployments if d["id"] == deployment_id), None)


def alarms_in_alarm(names, auth_headers):
    """The alarms of `names` that moto's CloudWatch has in ALARM now."""
    answer = upstream.cloudwatch("DescribeAlarms", {"AlarmNames": list(names)}, auth_headers)
    alarms = (answer or {}).get("MetricAlarms", []) + (answer or {}).get("CompositeAlarms", [])
    return [a["AlarmName"] for a in alarms if a.get("StateValue") == "ALARM"]


class ServiceDeployment:
    """One service deployment, from its UpdateService to its end."""

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

    def tick_driven(self, now, auth_headers):
        if self.rollback_plan is not None:
            self.tick_rollback(now)
            return
        elapsed = now - self.t0
        if elapsed < 0:
            self.status = "PENDING"
            return
        self.status = "IN_PROGRESS"
        self.started = self.started or self.t0
        stuck_at = self.scenario["stuck_at"]
        fail = self.scenario["fail"]
        start = 0.0
        for i, (stage, seconds, production, test) in enumerate(self.plan):
            if fail and stage == fail.get("stage", "SCALE_UP"):
                at = start + float(fail.get("after", 0))
                if elapsed >= at:
                    self.enter(stage, production, test)
                    self.failed(fail["cause"], self.t0 + at)
                    if self.rollback_plan is not None:
                        self.tick_rollback(now)
                    return
            if stage == stuck_at or elapsed < start + seconds:
                self.enter(stage, production, test)
                self.watch_alarms(now, auth_headers)
                return
            if stage == "SCALE_UP":
                self.scale_up()
            start += seconds
        self.complete(self.t0 + start)

    def enter(self, stage, production, test):
        self.stage = stage
        self.target["requestedProductionTrafficWeight"] = production
        self.target["requestedTestTrafficWeight"] = test
        for _, source in self.sources:
            source["requestedProductionTrafficWeight"] = 100.0 - production
            source["requestedTestTrafficWeight"] = 100.0 - test

    def scale_up(self):
        if self.scaled_up:
            return
        self.scaled_up = True
        new = find(self.rollout, self.deployment_id)
        if new is not None:
            new["runningCount"] = self.rollout.desired
            new["pendingCount"] = 0
            new["updatedAt"] = time.time()
        self.target["runningTaskCount"] = self.rollout.desired
        self.target["pendingTaskCount"] = 0

    def watch_alarms(self, now, auth_headers):
        alarms = self.config.get("alarms") or {}
        names = alarms.get("alarmNames") or []
        if not alarms.get("enable") or not names or self.stage in (None, "PRE_SCALE_UP"):
            return
        firing = alarms_in_alarm(names, auth_headers)
        if not firing:
            return
        self.triggered_alarms = firing
        reason = f"CloudWatch alarm(s) {', '.join(firing)} in ALARM during {self.stage}"
        if alarms.get("rollback"):
            self.begin_rollback(now, f"Rolled back: {reason}.", requested=False)
        else:
            self.reason = f"{reason}; the alarms are not set to roll back."
            self.finish("STOPPED", now)

    def failed(self, cause, at):
        if cause == "hook":
            self.hook_failed = {
                "hookId": new_id(),
                "targetType": "AWS_LAMBDA",
                "targetArn": f"arn:aws:lambda:{self.region}:{self.account}:function:"
                f"{self.key[1]}-{(self.stage or 'hook').lower().replace('_', '-')}-hook",
                "status": "FAILED",
            }
            name = self.hook_failed["targetArn"].rsplit(":", 1)[-1]
            self.begin_rollback(
                at, f"Rolled back: the lifecycle hook {name} returned FAILED.", requested=False
            )
            return
        self.circuit_breaker = "TRIGGERED"
        breaker = self.config.get("deploymentCircuitBreaker") or {}
        if breaker.get("enable") and breaker.get("rollback"):
            self.begin_rollback(
                at,
                "Rolled back: the deployment circuit breaker detected failed tasks.",
                requested=False,
            )
        else:
            self.reason = "ECS deployment circuit breaker: tasks failed to start."
            self.finish("STOPPED", at)

    def begin_rollback(self, at, reason, requested):
        source_id, source = self.sources[0] if self.sources else (None, None)
        self.rollback = {
            "reason": reason,
            "startedAt": at,
            "serviceRevisionArn": source["arn"] if source else None,
        }
        self.status = "ROLLBACK_REQUESTED" if requested else "ROLLBACK_IN_PROGRESS"
        stage_seconds = float(self.scenario["stage_seconds"])
        seconds = self.scenario["rollback_seconds"]
        seconds = 2 * stage_seconds if seconds is None else float(seconds)
        requested_until = at + (stage_seconds / 2 if requested else 0.0)
        self.rollback_plan = (requested_until, at + seconds, self.scenario["rollback_fails"])
        self.enter(self.stage, 0.0, 0.0)
        rollout = self.rollout
        back = find(rollout, source_id) if source_id else None
        if back is not None:
            green = find(rollout, self.deployment_id)
            if green is not None:
                green["status"] = "ACTIVE"
            rollout.deployments.remove(back)
            back.update(
                status="PRIMARY",
                rolloutState="IN_PROGRESS",
                rolloutStateReason=f"rolling back to deployment {back['id']}: {reason}",
                updatedAt=at,
            )
            rollout.deployments.insert(0, back)
            rollout.event(f"(service {rollout.service}) rolling back to deployment {back['id']}.")

    def tick_rollback(self, now):
        requested_until, done_at, fails = self.rollback_plan
        if now < requested_until:
            self.status = "ROLLBACK_REQUESTED"
        elif now < done_at:
            self.status = "ROLLBACK_IN_PROGRESS"
        elif fails:
            self.reason = "The rollback did not reach a steady state."
            self.finish("ROLLBACK_FAILED", done_at)
        else:
            rollout = self.rollout
            primary = rollout.primary
            primary["rolloutState"] = "COMPLETED"
            primary["runningCount"] = rollout.desired
            primary["pendingCount"] = 0
            gone = [d for d in rollout.deployments[1:]]
            del rollout.deployments[1:]
            rollout.stopped(sum(d["runningCount"] for d in gone))
            rollout.event(f"(service {rollout.service}) has reached a steady state.")
            rollout.phase = "steady"
            self.target["runningTaskCount"] = 0
            self.finish("ROLLBACK_SUCCESSFUL", done_at)

    def complete(self, at):
        rollout = self.rollout
        new = find(rollout, self.deployment_id)
        if new is not None:
            new["rolloutState"] = "COMPLETED"
            new["rolloutStateReason"] = f"ECS deployment {new['id']} completed."
            new["runningCount"] = rollout.desired
            new["pendingCount"] = 0
            olds = [d for d in rollout.deployments if d is not new]
            rollout.stopped(sum(d["runningCount"] for d in olds))
            rollout.deployments[:] = [new]
            rollout.event(
                f"(service {rollout.service}) (deployment {new['id']}) deployment completed."
            )
            rollout.event(f"(service {rollout.service}) has reached a steady state.")
        rollout.phase = "steady"
        for _, source in self.sources:
            source["runningTaskCount"] = 0
        self.stage = "CLEAN_UP"
        self.finish("SUCCESSFUL", at)

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
