"""The timeline of a BLUE_GREEN, LINEAR or CANARY service deployment
(`ecs_deployments`): its lifecycle stages by time, the traffic each revision
takes, the old revision running until CLEAN_UP ends, ECS's own rollback (an
alarm of `deploymentConfiguration.alarms` in ALARM in moto's CloudWatch, the
scenario's circuit breaker or failed hook), and a rollback StopServiceDeployment
asked for. Follows the ECS developer guide's blue/green pages and the
ServiceDeployment and DeploymentConfiguration API references (see
docs/TESTING.md)."""

import math
import time

from . import upstream
from .ecs import new_resource_id as new_id


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


class TrafficShift:
    """The driven part of a `ServiceDeployment`: moved by time, not by
    DescribeServices calls."""

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
