"""Test support: an HTTP proxy in front of moto that simulates ECS rollouts.

    python rollout_proxy.py --port P --upstream http://127.0.0.1:M

This is test support, not product code: `test_support::emulator()` starts one of
these in front of every moto server, and every test talks to moto through it.
Python 3 standard library only.

Why it exists
-------------
moto does not simulate ECS rollouts. After UpdateService, moto 5.2.5 keeps one
PRIMARY deployment, IN_PROGRESS, with the *old* task definition and runningCount
0, and it reports the service's taskDefinition exactly as the client sent it
(e.g. "family:2", not the ARN). Code that deploys a revision and then watches the
rollout (PRIMARY deployment COMPLETED, or FAILED by the circuit breaker) cannot be
tested against that. moto 5.2.5 also answers S3 GetBucketVersioning with the XML
root <GetBucketVersioningResponse>, which the AWS SDK for Rust rejects.

What it does
------------
Every request is forwarded to moto unchanged (method, path and query, headers
including Host and Authorization, body; a chunked request body is de-chunked and
sent with a Content-Length) and moto's answer is returned (hop-by-hop headers
dropped, Content-Length set to the body actually sent). On top of that:

ECS (awsJson1_1, `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Op>`):
- CreateService: the service is shown as an already settled service: one PRIMARY
  deployment, COMPLETED, runningCount = desiredCount.
- UpdateService with a taskDefinition different from the service's current one
  (or with forceNewDeployment): after moto accepted it, a rollout starts. The new
  deployment (new task definition ARN, IN_PROGRESS, runningCount 0) becomes
  PRIMARY; the previous ones become ACTIVE and keep their running tasks.
- DescribeServices: each call advances each described service's rollout by ONE
  step, and the service's deployments, events (newest first), runningCount,
  pendingCount and taskDefinition (the PRIMARY deployment's, as ECS reports it)
  are rewritten from the simulation.
- DeleteService: the simulation for the service is dropped.

How a rollout goes depends on the service's scenario (set before UpdateService;
it applies to the next rollout and stays until changed):
- healthy (default): over `steps` polls the new deployment ramps up to the
  desired count while the old ones drain; on the last step it is COMPLETED, the
  old deployments are removed, and the events say "deployment completed" and
  "has reached a steady state."
- crash-loop: on each poll one task of the new revision starts and stops
  ("Essential container in task exited"), failedTasks += 1. When failedTasks
  reaches the circuit breaker threshold max(3, min(200, ceil(desired / 2))) the
  deployment is FAILED ("ECS deployment circuit breaker: tasks failed to
  start."), still PRIMARY for that poll. With circuit_breaker_rollback, the next
  poll starts ECS's own rollback: a new PRIMARY deployment with the task
  definition of the last COMPLETED deployment, which completes `steps` polls
  later like a healthy rollout; the failed one is ACTIVE (rolloutState FAILED)
  until then. Without it, the failed deployment stays PRIMARY and the old one
  ACTIVE, running.
- stuck: the new deployment stays IN_PROGRESS with runningCount 0 and
  pendingCount = desired, forever; the old one keeps running.

One-off tasks (RunTask, DescribeTasks, StopTask): moto's RunTask needs real EC2
subnets for an awsvpc task and never runs a task to the end, so the proxy runs
them itself. RunTask checks the cluster and the task definition in moto (and,
as ECS does, that an awsvpc task has a network configuration), then answers
with a task of its own; DescribeTasks of that task advances it ONE step, and
how it goes is the cluster's task scenario (set before RunTask):
- exits (default, exit_code 0, steps 2): PROVISIONING, PENDING, RUNNING, then on
  step `steps` STOPPED with the overridden container's exitCode = exit_code
  (stopCode EssentialContainerExited), the other containers 0;
- never-starts: on step `steps` STOPPED with stopCode TaskFailedToStart, a
  CannotPullContainerError reason, and no exit code;
- hangs: RUNNING forever.
StopTask stops it at once: STOPPED, stopCode UserInitiated, the request's reason,
exit code 143 (SIGTERM). Tasks the proxy did not start go to moto.

CloudWatch: the SDK speaks Smithy RPC v2 CBOR (`POST /service/<Service>/operation/<Op>`),
which moto 5.2.5 does not route; the proxy forwards such a request to moto in
awsJson1_0 (the body decoded from CBOR to JSON, `X-Amz-Target: <Service>.<Op>`),
and encodes moto's JSON answer back to CBOR (fields named *Timestamp as CBOR
epoch-time tags), status kept.

S3: `GET /<bucket>?versioning` answers whose body holds GetBucketVersioningResponse
get that root element renamed to VersioningConfiguration (namespace kept).

Control endpoints (not forwarded):
- GET  /__rollout/health                          -> 200 "ok"
- POST /__rollout/scenario  {"cluster", "service", "outcome": "healthy" |
       "crash-loop" | "stuck", "steps": 3, "circuit_breaker_rollback": false}
- GET  /__rollout/calls[?cluster=NAME]            -> ["RegisterTaskDefinition", ...]
       every ECS operation seen, in order; with `cluster`, only the calls whose
       request named that cluster (by name or ARN).
- GET  /__rollout/s3?bucket=NAME                  -> [["PutObject", "index.html"], ...]
       every S3 request on that bucket (path-style), in the order the proxy
       received them: the operation (named from the method, query and
       x-amz-copy-source as the S3 API names it) and the key ("" for bucket
       calls). Tests check what a deploy wrote, and in which order.
- POST /__rollout/task  {"cluster", "outcome": "exits" | "never-starts" | "hangs",
       "exit_code": 0, "steps": 2}              -> the cluster's one-off tasks from now on
- GET  /__rollout/tasks?cluster=NAME              -> the one-off tasks started there, in
       order: {"taskArn", "request" (the RunTask payload), "lastStatus",
       "stoppedReason", "stopRequested"}
- POST /__rollout/network                         -> {"subnet", "security_group"}: a new
       VPC, subnet and security group in moto's EC2 (what an awsvpc service's
       network configuration must name there)
- POST /__rollout/latency  {"s3_ms": [MIN, MAX]}  -> every S3 request from now on
       waits a uniform draw from MIN..MAX milliseconds (seeded) before it is
       forwarded; [0, 0] turns it off. moto answers in a few milliseconds, real
       S3 in tens of milliseconds; benchmarks use this to see how a client's
       concurrency plays against that latency (also --s3-latency-ms at start).
- POST /__rollout/faults  {"bucket" | "cluster", "operation", "key", "kind",
       "times": 1, "skip": 0}                     -> from now on, requests on that S3
       bucket (optionally only that operation, as in /__rollout/s3, and key) or
       naming that ECS cluster (optionally only that operation) fail: after
       `skip` matching requests pass, the next `times` ones fail, as `kind` says:
         throttle       S3: 503 SlowDown; ECS: 400 ThrottlingException
         error          S3: 500 InternalError; ECS: 500 ServerException
         drop           the connection is closed, the request never reaches moto
         drop-response  moto does the work, then the connection is closed
                        without an answer (the client cannot tell it happened)
         reset          the connection is reset (RST): ECONNRESET
       "percent": N fails each matching request with an N % chance (seeded:
       "seed"), with no limit unless "times" is given.
       What real AWS does under load or on a bad network, which moto never does.
- GET  /__rollout/faults                          -> every fault, with `seen` (matching
       requests) and `fired` (failed ones)
- DELETE /__rollout/faults?bucket=NAME|cluster=NAME -> drops those faults
- POST /__rollout/reset                           -> clears scenarios, rollouts, calls, faults

Clusters and services are matched by name: a name or an ARN is reduced to its
last path segment.
"""

import argparse
import copy
import http.client
import http.server
import json
import math
import random
import re
import socket
import struct
import sys
import threading
import time
import traceback
import urllib.parse
import uuid

ECS_TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113."
OUTCOMES = ("healthy", "crash-loop", "stuck")
TASK_OUTCOMES = ("exits", "never-starts", "hangs")
TASK_STARTING = ("PROVISIONING", "PENDING", "RUNNING")
PULL_ERROR = (
    "CannotPullContainerError: pull image manifest has been retried 5 time(s): "
    "failed to resolve ref: not found"
)
MAX_EVENTS = 100

# Headers that describe one connection, not the message: never forwarded as is.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "expect",
    "content-length",
}


def last_segment(name_or_arn):
    return str(name_or_arn).split("/")[-1]


def new_task_id():
    return uuid.uuid4().hex


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

    def start_rollback(self):
        failed = self.primary
        failed["status"] = "ACTIVE"
        target = self.rollback_to
        back = self.deployment(
            target["taskDefinition"],
            0,
            self.desired,
            "IN_PROGRESS",
            f"ECS deployment circuit breaker: rolling back to deploymentId {target['id']}.",
        )
        self.deployments.insert(0, back)
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


class State:
    def __init__(self):
        self.lock = threading.RLock()
        self.scenarios = {}  # (cluster, service) -> scenario dict
        self.rollouts = {}  # (cluster, service) -> Rollout
        self.calls = []  # (operation, [cluster names])
        self.arns = {}  # "family:rev" -> task definition ARN
        self.s3_calls = []  # (bucket, operation, key)
        self.s3_latency_ms = (0, 0)  # each S3 request waits a uniform draw from this range
        self.faults = []  # Fault, in the order they were set
        self.task_scenarios = {}  # cluster -> task scenario dict
        self.tasks = {}  # task ARN -> OneOffTask, in the order started
        self.rng = random.Random(0)

    def s3_delay(self):
        """Seconds the next S3 request waits (seeded, so runs are repeatable)."""
        with self.lock:
            low, high = self.s3_latency_ms
            if high <= 0:
                return 0.0
            return self.rng.uniform(low, high) / 1000.0


STATE = State()

FAULT_KINDS = ("throttle", "error", "drop", "drop-response", "reset")


class Fault:
    """Fails requests that match: an S3 bucket (and optionally operation and
    key), or an ECS cluster (and optionally operation). `skip` matching requests
    pass first, then `times` fail; `fired` counts the failed ones."""

    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise ValueError("a fault is a JSON object")
        self.kind = spec.get("kind")
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}")
        self.bucket = spec.get("bucket")
        self.cluster = spec.get("cluster")
        if (self.bucket is None) == (self.cluster is None):
            raise ValueError("give exactly one of bucket (S3) or cluster (ECS)")
        if self.bucket is not None and not isinstance(self.bucket, str):
            raise ValueError("bucket must be a string")
        if self.cluster is not None and not isinstance(self.cluster, str):
            raise ValueError("cluster must be a string")
        self.operation = spec.get("operation")
        self.key = spec.get("key")
        # `percent`: each matching request fails with that chance (a seeded
        # generator, so a run is repeatable), with no limit unless `times`.
        self.percent = spec.get("percent")
        if self.percent is not None and (
            not isinstance(self.percent, int) or not 0 < self.percent <= 100
        ):
            raise ValueError("percent must be an integer from 1 to 100")
        self.rng = random.Random(spec.get("seed", 0))
        default_times = 1 if self.percent is None else 1 << 62
        self.times = spec.get("times", default_times)
        if self.times is None:
            self.times = default_times
        self.skip = spec.get("skip", 0)
        for name in ("times", "skip"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be an integer >= 0")
        self.seen = 0
        self.fired = 0

    def matches(self, bucket, clusters, operation, key):
        if self.bucket is not None and self.bucket != bucket:
            return False
        if self.cluster is not None and last_segment(self.cluster) not in clusters:
            return False
        if self.operation is not None and self.operation != operation:
            return False
        return self.key is None or self.key == key

    def take(self):
        """Whether this matching request fails."""
        self.seen += 1
        if self.seen <= self.skip or self.fired >= self.times:
            return False
        if self.percent is not None and self.rng.random() * 100 >= self.percent:
            return False
        self.fired += 1
        return True

    def report(self):
        return {
            "kind": self.kind,
            "bucket": self.bucket,
            "cluster": self.cluster,
            "operation": self.operation,
            "key": self.key,
            "times": self.times,
            "skip": self.skip,
            "percent": self.percent,
            "seen": self.seen,
            "fired": self.fired,
        }


def take_fault(bucket=None, clusters=(), operation=None, key=None):
    """The kind of fault this request meets, if any (the first rule that fires)."""
    with STATE.lock:
        for fault in STATE.faults:
            if fault.matches(bucket, clusters, operation, key) and fault.take():
                return fault.kind
    return None


# -- a small CBOR codec (RFC 8949), for the CloudWatch translation -------------


class CborDecoder:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def byte(self):
        b = self.data[self.pos]
        self.pos += 1
        return b

    def take(self, n):
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def argument(self, info):
        if info < 24:
            return info
        if info == 31:
            return None  # indefinite length
        size = {24: 1, 25: 2, 26: 4, 27: 8}[info]
        return int.from_bytes(self.take(size), "big")

    def item(self):
        initial = self.byte()
        major, info = initial >> 5, initial & 0x1F
        if major == 7:
            if info == 20:
                return False
            if info == 21:
                return True
            if info in (22, 23):
                return None
            if info == 25:
                return struct_unpack(">e", self.take(2))
            if info == 26:
                return struct_unpack(">f", self.take(4))
            if info == 27:
                return struct_unpack(">d", self.take(8))
            if info == 31:
                return StopIteration
            raise ValueError(f"CBOR simple value {info}")
        n = self.argument(info)
        if major == 0:
            return n
        if major == 1:
            return -1 - n
        if major in (2, 3):
            if n is None:
                parts = []
                while (part := self.item()) is not StopIteration:
                    parts.append(part)
                return (b"" if major == 2 else "").join(parts)
            raw = self.take(n)
            return raw if major == 2 else raw.decode("utf-8")
        if major == 4:
            items = []
            while n is None or len(items) < n:
                value = self.item()
                if value is StopIteration:
                    break
                items.append(value)
            return items
        if major == 5:
            result = {}
            while n is None or len(result) < n:
                key = self.item()
                if key is StopIteration:
                    break
                result[key] = self.item()
            return result
        if major == 6:
            return self.item()  # a tag (e.g. epoch time): its value
        raise ValueError(f"CBOR major type {major}")


def struct_unpack(fmt, raw):
    import struct

    return struct.unpack(fmt, raw)[0]


def cbor_head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | info]) + n.to_bytes(size, "big")
    raise ValueError("CBOR integer too large")


def cbor_encode(value, key=None):
    import struct

    if value is None:
        return b"\xf6"
    if value is True:
        return b"\xf5"
    if value is False:
        return b"\xf4"
    if isinstance(value, (int, float)) and key and key.endswith("Timestamp"):
        return b"\xc1" + b"\xfb" + struct.pack(">d", float(value))
    if isinstance(value, int):
        return cbor_head(0, value) if value >= 0 else cbor_head(1, -1 - value)
    if isinstance(value, float):
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return cbor_head(3, len(raw)) + raw
    if isinstance(value, bytes):
        return cbor_head(2, len(value)) + value
    if isinstance(value, list):
        return cbor_head(4, len(value)) + b"".join(cbor_encode(v, key) for v in value)
    if isinstance(value, dict):
        return cbor_head(5, len(value)) + b"".join(
            cbor_encode(k) + cbor_encode(v, k) for k, v in value.items()
        )
    raise ValueError(f"cannot encode {type(value).__name__} as CBOR")


RPC_V2_PATH = re.compile(r"^/service/([^/]+)/operation/([^/]+)$")


def default_task_scenario():
    return {"outcome": "exits", "exit_code": 0, "steps": 2}


class OneOffTask:
    """A task started by RunTask, as ECS would report it, one step per poll."""

    def __init__(self, arn, cluster_arn, request, definition, scenario):
        self.arn = arn
        self.cluster = last_segment(cluster_arn)
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
    scenario = STATE.scenarios.get(key)
    if scenario is None:
        return default_scenario()
    only = scenario.get("task_definition")
    if only and last_segment(only) != last_segment(task_definition):
        return {**scenario, "outcome": "healthy"}
    return scenario


class Upstream:
    def __init__(self, url):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme != "http" or not parsed.hostname:
            raise SystemExit(f"--upstream must be http://host:port, got {url!r}")
        self.host = parsed.hostname
        self.port = parsed.port or 80

    def request(self, method, target, headers, body):
        """Returns (status, reason, [(name, value)], body).

        A new connection per request: moto's werkzeug server answers every
        request with `Connection: close`, so there is nothing to keep alive.
        """
        conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
        try:
            conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            has_host = False
            for name, value in headers:
                if name.lower() == "host":
                    has_host = True
                conn.putheader(name, value)
            if not has_host:
                conn.putheader("Host", f"{self.host}:{self.port}")
            if body or method not in ("GET", "HEAD", "DELETE", "OPTIONS"):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body if body else None)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, resp.reason, resp.getheaders(), data
        finally:
            conn.close()

    def ecs(self, operation, payload, auth_headers):
        """An ECS call of the proxy's own (not recorded, not simulated)."""
        headers = [h for h in auth_headers if h[0].lower() == "authorization"]
        headers += [
            ("X-Amz-Target", ECS_TARGET_PREFIX + operation),
            ("Content-Type", "application/x-amz-json-1.1"),
        ]
        status, _, _, data = self.request(
            "POST", "/", headers, json.dumps(payload).encode()
        )
        if status != 200:
            return None
        return json.loads(data)


UPSTREAM = None  # set in main()


def resolve_task_definition(raw, auth_headers):
    """The ARN moto knows `raw` (family, family:revision or ARN) by."""
    if not raw or raw.startswith("arn:"):
        return raw
    with STATE.lock:
        if ":" in raw and raw in STATE.arns:
            return STATE.arns[raw]
    answer = UPSTREAM.ecs("DescribeTaskDefinition", {"taskDefinition": raw}, auth_headers)
    try:
        arn = answer["taskDefinition"]["taskDefinitionArn"]
    except (TypeError, KeyError):
        return raw
    if ":" in raw:  # a family alone moves with each new revision: not cached
        with STATE.lock:
            STATE.arns[raw] = arn
    return arn


def parse_latency(value):
    """(low, high) milliseconds from "20-60", "40", [20, 60] or 40."""
    if isinstance(value, str):
        parts = value.split("-")
        if len(parts) > 2:
            raise ValueError(f"expected MS or MIN-MAX milliseconds, got {value!r}")
        value = [float(p) for p in parts]
    if isinstance(value, (int, float)):
        value = [value]
    if len(value) == 1:
        value = [value[0], value[0]]
    low, high = (float(v) for v in value)
    if not 0 <= low <= high:
        raise ValueError(f"expected 0 <= MIN <= MAX milliseconds, got {low}-{high}")
    return low, high


def s3_operation(method, key, query, copy_source):
    """The S3 API operation of a path-style request, by its method and query."""
    q = urllib.parse.parse_qs(query, keep_blank_values=True)
    if method == "PUT":
        if "partNumber" in q:
            return "UploadPartCopy" if copy_source else "UploadPart"
        if key:
            return "CopyObject" if copy_source else "PutObject"
        for sub in ("versioning", "policy", "tagging", "publicAccessBlock"):
            if sub in q:
                return "PutBucket" + sub[0].upper() + sub[1:]
        return "CreateBucket"
    if method == "POST":
        if "uploads" in q:
            return "CreateMultipartUpload"
        if "uploadId" in q:
            return "CompleteMultipartUpload"
        if "delete" in q:
            return "DeleteObjects"
        return "Post"
    if method == "GET":
        if key:
            return "GetObject"
        if "versioning" in q:
            return "GetBucketVersioning"
        if "versions" in q:
            return "ListObjectVersions"
        if q.get("list-type") == ["2"]:
            return "ListObjectsV2"
        return "ListObjects"
    if method == "HEAD":
        return "HeadObject" if key else "HeadBucket"
    if method == "DELETE":
        if "uploadId" in q:
            return "AbortMultipartUpload"
        return "DeleteObject" if key else "DeleteBucket"
    return method


def call_clusters(payload):
    clusters = []
    if isinstance(payload, dict):
        for field in ("cluster", "clusterName"):
            if isinstance(payload.get(field), str):
                clusters.append(last_segment(payload[field]))
        if isinstance(payload.get("clusters"), list):
            clusters += [last_segment(c) for c in payload["clusters"] if isinstance(c, str)]
    return clusters


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "rollout-proxy"

    # -- plumbing -----------------------------------------------------------

    def log_message(self, format, *args):
        sys.stderr.write(
            "rollout-proxy %s - %s\n" % (self.log_date_time_string(), format % args)
        )

    def read_body(self):
        encoding = self.headers.get("Transfer-Encoding", "").lower()
        if "chunked" in encoding:
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise ValueError("connection closed inside a chunked body")
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # trailers, up to the empty line
                    while True:
                        trailer = self.rfile.readline(65537)
                        if trailer in (b"\r\n", b"\n", b""):
                            break
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)  # the CRLF after the chunk
            return b"".join(chunks)
        length = self.headers.get("Content-Length")
        if length:
            return self.rfile.read(int(length))
        return b""

    def reply(self, status, body, content_type="application/json", reason=None):
        self.send_response_only(status, reason)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.log_request(status, len(body))

    def reply_json(self, status, value):
        self.reply(status, json.dumps(value).encode())

    def send_upstream_answer(self, status, reason, headers, body):
        self.send_response_only(status, reason)
        upstream_length = None
        for name, value in headers:
            lower = name.lower()
            if lower == "content-length":
                upstream_length = value
            if lower in HOP_BY_HOP:
                continue
            self.send_header(name, value)
        if self.command == "HEAD":
            # No body: the length is the one of the resource, as moto said.
            if upstream_length is not None:
                self.send_header("Content-Length", upstream_length)
        elif not (100 <= status < 200 or status in (204, 304)):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)
        self.log_request(status, len(body))

    def forward(self, body):
        headers = [
            (name, value)
            for name, value in self.headers.items()
            if name.lower() not in HOP_BY_HOP
        ]
        return UPSTREAM.request(self.command, self.path, headers, body)

    # -- entry points -------------------------------------------------------

    def do_GET(self):
        self.handle_any()

    def do_HEAD(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def do_PATCH(self):
        self.handle_any()

    def do_OPTIONS(self):
        self.handle_any()

    def handle_any(self):
        try:
            body = self.read_body()
        except (ValueError, OSError) as e:
            self.close_connection = True
            self.reply_json(400, {"error": f"bad request body: {e}"})
            return
        try:
            path = urllib.parse.urlsplit(self.path).path
            if path.startswith("/__rollout/"):
                self.control(path, body)
                return
            rpc = RPC_V2_PATH.match(path)
            if rpc and self.command == "POST":
                self.send_upstream_answer(*self.rpc_v2_cbor(rpc.group(1), rpc.group(2), body))
                return
            target = self.headers.get("X-Amz-Target", "")
            if target.startswith(ECS_TARGET_PREFIX):
                self.ecs(target[len(ECS_TARGET_PREFIX):], body)
                return
            bucket, op, key = self.log_s3()
            delay = STATE.s3_delay()
            if delay:
                time.sleep(delay)
            fault = take_fault(bucket=bucket, operation=op, key=key) if bucket else None
            if fault and self.fail("s3", fault, body):
                return
            answer = self.forward(body)
            self.send_upstream_answer(*self.fix_s3(answer))
        except (ConnectionError, OSError, http.client.HTTPException) as e:
            self.reply_json(502, {"error": f"upstream: {e}"})
        except Exception:  # a bug here must show, not hang the client
            detail = traceback.format_exc()
            sys.stderr.write(detail)
            self.close_connection = True
            self.reply_json(500, {"error": "rollout proxy failed", "detail": detail})

    # -- faults -------------------------------------------------------------

    def fail(self, service, kind, body):
        """Answers (or drops) a request as the fault `kind` says; False when the
        request must still be forwarded (never: every kind answers)."""
        if kind == "drop-response":
            # moto does the work; the client never hears back.
            self.forward(body)
        if kind == "reset":
            # A TCP reset (SO_LINGER 0): the client reads ECONNRESET.
            self.close_connection = True
            try:
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.connection.close()
            except OSError:
                pass
            return True
        if kind in ("drop", "drop-response"):
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return True
        request_id = uuid.uuid4().hex[:16].upper()
        if service == "s3":
            code, status, message = (
                ("SlowDown", 503, "Please reduce your request rate.")
                if kind == "throttle"
                else ("InternalError", 500, "We encountered an internal error. Please try again.")
            )
            xml = (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                f"<Error><Code>{code}</Code><Message>{message}</Message>"
                f"<RequestId>{request_id}</RequestId></Error>"
            ).encode()
            self.reply(status, xml, "application/xml")
        else:
            code, status, message = (
                ("ThrottlingException", 400, "Rate exceeded")
                if kind == "throttle"
                else ("ServerException", 500, "Service unavailable, injected by the proxy")
            )
            self.send_response_only(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("x-amzn-RequestId", request_id)
            data = json.dumps({"__type": code, "message": message}).encode()
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.log_request(status, len(data))
        return True

    # -- control ------------------------------------------------------------

    def control(self, path, body):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        if path == "/__rollout/health" and self.command in ("GET", "HEAD"):
            self.reply(200, b"ok", "text/plain")
        elif path == "/__rollout/calls" and self.command == "GET":
            cluster = query.get("cluster", [None])[0]
            with STATE.lock:
                calls = [
                    op
                    for op, clusters in STATE.calls
                    if cluster is None or last_segment(cluster) in clusters
                ]
            self.reply_json(200, calls)
        elif path == "/__rollout/s3" and self.command == "GET":
            bucket = query.get("bucket", [None])[0]
            with STATE.lock:
                calls = [[op, key] for b, op, key in STATE.s3_calls if b == bucket]
            self.reply_json(200, calls)
        elif path == "/__rollout/scenario" and self.command == "POST":
            try:
                request = json.loads(body or b"{}")
                key = (last_segment(request["cluster"]), last_segment(request["service"]))
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
                self.reply_json(400, {"error": f"bad scenario: {e!r}"})
                return
            with STATE.lock:
                STATE.scenarios[key] = scenario
            self.reply_json(200, {"cluster": key[0], "service": key[1], **scenario})
        elif path == "/__rollout/task" and self.command == "POST":
            try:
                request = json.loads(body or b"{}")
                cluster = last_segment(request["cluster"])
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
                self.reply_json(400, {"error": f"bad task scenario: {e!r}"})
                return
            with STATE.lock:
                STATE.task_scenarios[cluster] = scenario
            self.reply_json(200, {"cluster": cluster, **scenario})
        elif path == "/__rollout/tasks" and self.command == "GET":
            cluster = query.get("cluster", [None])[0]
            with STATE.lock:
                tasks = [
                    {
                        "taskArn": t.arn,
                        "request": t.request,
                        "lastStatus": t.status,
                        "stoppedReason": t.stopped_reason,
                        "stopRequested": t.stop_requested,
                    }
                    for t in STATE.tasks.values()
                    if cluster is None or t.cluster == last_segment(cluster)
                ]
            self.reply_json(200, tasks)
        elif path == "/__rollout/network" and self.command == "POST":
            self.reply_json(200, self.create_network())
        elif path == "/__rollout/latency" and self.command == "POST":
            try:
                request = json.loads(body or b"{}")
                low, high = parse_latency(request.get("s3_ms", [0, 0]))
            except (ValueError, TypeError, AttributeError) as e:
                self.reply_json(400, {"error": f"bad latency: {e}"})
                return
            with STATE.lock:
                STATE.s3_latency_ms = (low, high)
                STATE.rng = random.Random(0)
            self.reply_json(200, {"s3_ms": [low, high]})
        elif path == "/__rollout/faults" and self.command == "POST":
            try:
                fault = Fault(json.loads(body or b"{}"))
            except (ValueError, TypeError) as e:
                self.reply_json(400, {"error": f"bad fault: {e}"})
                return
            with STATE.lock:
                STATE.faults.append(fault)
            self.reply_json(200, fault.report())
        elif path == "/__rollout/faults" and self.command == "GET":
            with STATE.lock:
                self.reply_json(200, [f.report() for f in STATE.faults])
        elif path == "/__rollout/faults" and self.command == "DELETE":
            bucket = query.get("bucket", [None])[0]
            cluster = query.get("cluster", [None])[0]
            with STATE.lock:
                STATE.faults = [
                    f
                    for f in STATE.faults
                    if not ((bucket and f.bucket == bucket) or (cluster and f.cluster == cluster))
                ]
            self.reply_json(200, {})
        elif path == "/__rollout/reset" and self.command == "POST":
            with STATE.lock:
                STATE.scenarios.clear()
                STATE.rollouts.clear()
                STATE.calls.clear()
                STATE.s3_calls.clear()
                STATE.faults.clear()
                STATE.task_scenarios.clear()
                STATE.tasks.clear()
            self.reply_json(200, {})
        else:
            self.reply_json(404, {"error": f"no control endpoint {self.command} {path}"})

    # -- Smithy RPC v2 CBOR (CloudWatch) ---------------------------------------

    def rpc_v2_cbor(self, service, operation, body):
        payload = CborDecoder(body).item() if body else {}
        headers = [
            (name, value)
            for name, value in self.headers.items()
            if name.lower() in ("authorization", "x-amz-date", "x-amz-security-token")
        ]
        headers += [
            ("X-Amz-Target", f"{service}.{operation}"),
            ("Content-Type", "application/x-amz-json-1.0"),
        ]
        status, reason, _, data = UPSTREAM.request(
            "POST", "/", headers, json.dumps(payload).encode()
        )
        try:
            document = json.loads(data) if data else {}
        except ValueError:
            document = {"__type": "InternalFailure", "message": data.decode("utf-8", "replace")}
        if status >= 400 and "__type" in document:
            document["__type"] = str(document["__type"]).split("#")[-1]
        answer = [
            ("Content-Type", "application/cbor"),
            ("smithy-protocol", "rpc-v2-cbor"),
            ("x-amzn-RequestId", uuid.uuid4().hex),
        ]
        return status, reason, answer, cbor_encode(document)

    # -- S3 -----------------------------------------------------------------

    def log_s3(self):
        """Records a path-style S3 request (CloudFront's start with a date)."""
        split = urllib.parse.urlsplit(self.path)
        parts = split.path.lstrip("/").split("/", 1)
        bucket = urllib.parse.unquote(parts[0])
        if not bucket or re.fullmatch(r"\d{4}-\d{2}-\d{2}", bucket):
            return None, None, None
        key = urllib.parse.unquote(parts[1]) if len(parts) > 1 else ""
        copy_source = self.headers.get("x-amz-copy-source") is not None
        op = s3_operation(self.command, key, split.query, copy_source)
        with STATE.lock:
            STATE.s3_calls.append((bucket, op, key))
        return bucket, op, key

    def fix_s3(self, answer):
        status, reason, headers, body = answer
        query = urllib.parse.urlsplit(self.path).query
        if (
            self.command == "GET"
            and "versioning" in urllib.parse.parse_qs(query, keep_blank_values=True)
            and b"GetBucketVersioningResponse" in body
        ):
            body = re.sub(
                rb"<(/?)GetBucketVersioningResponse\b",
                rb"<\1VersioningConfiguration",
                body,
            )
        return status, reason, headers, body

    # -- ECS ----------------------------------------------------------------

    def ecs(self, operation, body):
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            payload = None
        clusters = call_clusters(payload)
        with STATE.lock:
            STATE.calls.append((operation, clusters))
        fault = take_fault(clusters=clusters, operation=operation) if clusters else None
        if fault and self.fail("ecs", fault, body):
            return
        if not isinstance(payload, dict) or operation not in (
            "CreateService",
            "UpdateService",
            "DescribeServices",
            "DeleteService",
            "RunTask",
            "DescribeTasks",
            "StopTask",
        ):
            self.send_upstream_answer(*self.forward(body))
            return
        with STATE.lock:
            answer = getattr(self, "ecs_" + operation)(payload, body)
        self.send_upstream_answer(*answer)

    def rewrite(self, answer, edit):
        status, reason, headers, data = answer
        if status != 200:
            return answer
        try:
            document = json.loads(data)
        except ValueError:
            return answer
        edit(document)
        return status, reason, headers, json.dumps(document).encode()

    def report_arn(self, service):
        """moto reports an updated taskDefinition as sent ("family:2")."""
        td = service.get("taskDefinition")
        if isinstance(td, str) and not td.startswith("arn:"):
            service["taskDefinition"] = resolve_task_definition(td, self.headers.items())

    # -- one-off tasks --------------------------------------------------------

    def ecs_error(self, status, code, message):
        data = json.dumps({"__type": code, "message": message}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-RequestId", uuid.uuid4().hex)]
        return status, None, headers, data

    def ecs_ok(self, value):
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-RequestId", uuid.uuid4().hex)]
        return 200, "OK", headers, json.dumps(value).encode()

    def ecs_RunTask(self, payload, body):
        auth = self.headers.items()
        cluster = payload.get("cluster", "default")
        clusters = (UPSTREAM.ecs("DescribeClusters", {"clusters": [cluster]}, auth) or {}).get("clusters") or []
        active = [c for c in clusters if c.get("status") == "ACTIVE"]
        if not active:
            return self.ecs_error(400, "ClusterNotFoundException", "Cluster not found.")
        described = UPSTREAM.ecs(
            "DescribeTaskDefinition", {"taskDefinition": payload.get("taskDefinition", "")}, auth
        )
        definition = (described or {}).get("taskDefinition")
        if not definition:
            return self.ecs_error(400, "ClientException", "Unable to describe task definition.")
        awsvpc = definition.get("networkMode") == "awsvpc"
        if awsvpc and not (payload.get("networkConfiguration") or {}).get("awsvpcConfiguration"):
            return self.ecs_error(
                400,
                "InvalidParameterException",
                "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
            )
        if payload.get("launchType") and payload.get("capacityProviderStrategy"):
            return self.ecs_error(
                400,
                "InvalidParameterException",
                "Specify either Launch Type or Capacity Provider Strategy, but not both.",
            )
        cluster_arn = active[0]["clusterArn"]
        arn = cluster_arn.replace(":cluster/", ":task/") + "/" + new_task_id()
        scenario = STATE.task_scenarios.get(last_segment(cluster)) or default_task_scenario()
        task = OneOffTask(arn, cluster_arn, payload, definition, scenario)
        STATE.tasks[arn] = task
        return self.ecs_ok({"tasks": [task.report()], "failures": []})

    def ecs_DescribeTasks(self, payload, body):
        wanted = payload.get("tasks") or []
        ours = [STATE.tasks[a] for a in wanted if a in STATE.tasks]
        others = [a for a in wanted if a not in STATE.tasks]
        answer = {"tasks": [], "failures": []}
        if others:
            forwarded = UPSTREAM.ecs("DescribeTasks", {**payload, "tasks": others}, self.headers.items())
            if forwarded is None:
                return self.forward(body)
            answer = forwarded
        for task in ours:
            task.advance()
            answer.setdefault("tasks", []).append(task.report())
        return self.ecs_ok(answer)

    def ecs_StopTask(self, payload, body):
        task = STATE.tasks.get(payload.get("task", ""))
        if task is None:
            return self.forward(body)
        reason = payload.get("reason") or "Task stopped by user"
        task.stop_requested = reason
        if task.status != "STOPPED":
            task.stop("UserInitiated", reason, exit_code=143)
        return self.ecs_ok({"task": task.report()})

    def create_network(self):
        """A VPC, a subnet and a security group in moto's EC2 (query API)."""
        def call(params):
            headers = [
                ("Content-Type", "application/x-www-form-urlencoded"),
                (
                    "Authorization",
                    "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/aws4_request, "
                    "SignedHeaders=host, Signature=0",
                ),
            ]
            data = urllib.parse.urlencode({**params, "Version": "2016-11-15"}).encode()
            status, _, _, answer = UPSTREAM.request("POST", "/", headers, data)
            if status != 200:
                raise RuntimeError(f"EC2 {params['Action']}: {status} {answer[:300]!r}")
            return answer.decode()

        def first(tag, xml):
            found = re.search(rf"<{tag}>([^<]+)</{tag}>", xml)
            if not found:
                raise RuntimeError(f"no {tag} in {xml[:300]}")
            return found.group(1)

        vpc = first("vpcId", call({"Action": "CreateVpc", "CidrBlock": "10.0.0.0/16"}))
        subnet = first(
            "subnetId",
            call({"Action": "CreateSubnet", "VpcId": vpc, "CidrBlock": "10.0.1.0/24"}),
        )
        group = first(
            "groupId",
            call(
                {
                    "Action": "CreateSecurityGroup",
                    "VpcId": vpc,
                    "GroupName": "tasks-" + new_task_id()[:8],
                    "GroupDescription": "one-off tasks",
                }
            ),
        )
        return {"subnet": subnet, "security_group": group}

    def ecs_CreateService(self, payload, body):
        def edit(document):
            service = document.get("service") or {}
            controller = (service.get("deploymentController") or {}).get("type", "ECS")
            if controller != "ECS" or not service.get("taskDefinition"):
                return
            key = (last_segment(service["clusterArn"]), service["serviceName"])
            rollout = Rollout(
                key[0], key[1], service.get("desiredCount", 0), service.get("launchType")
            )
            rollout.settle(service["taskDefinition"])
            STATE.rollouts[key] = rollout
            rollout.overlay(service)

        return self.rewrite(self.forward(body), edit)

    def ecs_DeleteService(self, payload, body):
        answer = self.forward(body)
        if answer[0] == 200:
            key = (
                last_segment(payload.get("cluster", "default")),
                last_segment(payload.get("service", "")),
            )
            STATE.rollouts.pop(key, None)
        return answer

    def ecs_UpdateService(self, payload, body):
        key = (
            last_segment(payload.get("cluster", "default")),
            last_segment(payload.get("service", "")),
        )
        rollout = STATE.rollouts.get(key)
        wanted = payload.get("taskDefinition")
        force = bool(payload.get("forceNewDeployment"))
        before = None
        if rollout is None and (wanted or force):
            # A service the proxy has not seen created: start from moto's view.
            described = UPSTREAM.ecs(
                "DescribeServices",
                {"cluster": key[0], "services": [key[1]]},
                self.headers.items(),
            )
            services = (described or {}).get("services") or []
            before = services[0] if services else None

        def edit(document):
            service = document.get("service") or {}
            current_rollout = rollout
            desired = service.get("desiredCount", 0)
            if current_rollout is None and before is not None:
                current_rollout = Rollout(
                    key[0], key[1], before.get("desiredCount", 0), before.get("launchType")
                )
                self.report_arn(before)
                current_rollout.settle(before.get("taskDefinition"))
            if current_rollout is None:
                self.report_arn(service)
                return
            STATE.rollouts[key] = current_rollout
            current = current_rollout.primary["taskDefinition"]
            new = resolve_task_definition(wanted, self.headers.items()) if wanted else current
            if desired != current_rollout.desired:
                current_rollout.set_desired(desired)
            if new != current or force:
                current_rollout.start(new, scenario_for(key, new))
            current_rollout.overlay(service)

        return self.rewrite(self.forward(body), edit)

    def ecs_DescribeServices(self, payload, body):
        def edit(document):
            seen = set()
            for service in document.get("services") or []:
                key = (
                    last_segment(service.get("clusterArn", "default")),
                    service.get("serviceName"),
                )
                rollout = STATE.rollouts.get(key)
                if rollout is None:
                    self.report_arn(service)
                    continue
                if key not in seen:
                    seen.add(key)
                    rollout.advance()
                rollout.overlay(service)

        return self.rewrite(self.forward(body), edit)


def main():
    global UPSTREAM
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--upstream", required=True, help="moto, e.g. http://127.0.0.1:5000")
    parser.add_argument(
        "--s3-latency-ms",
        default="0",
        help="each S3 request waits this long before it is forwarded: MS or MIN-MAX "
        "(uniform, seeded); real S3 answers a PUT in tens of milliseconds, moto in one",
    )
    args = parser.parse_args()
    try:
        STATE.s3_latency_ms = parse_latency(args.s3_latency_ms)
    except ValueError as e:
        parser.error(f"--s3-latency-ms: {e}")
    UPSTREAM = Upstream(args.upstream)
    server = http.server.ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    sys.stderr.write(
        f"rollout-proxy listening on http://{args.host}:{args.port}, upstream {args.upstream}\n"
    )
    sys.stderr.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
