"""Faults and latency: what real AWS does under load or on a bad network,
which moto never does.

A fault fails the requests on one S3 bucket (optionally only one operation,
as `recording` names it, and one key) or naming one ECS cluster (optionally
only one operation): after `skip` matching requests pass, the next `times`
fail, as `kind` says:
  throttle       S3: 503 SlowDown; ECS: 400 ThrottlingException
  error          S3: 500 InternalError; ECS: 500 ServerException
  drop           the connection is closed, the request never reaches moto
  drop-response  moto (and the simulations) do the work, then the connection
                 is closed without an answer (the client cannot tell it happened)
  reset          the connection is reset (RST): ECONNRESET
"percent": N fails each matching request with an N % chance (seeded: "seed"),
with no limit unless "times" is given.

Latency: every S3 request waits a uniform draw from MIN..MAX milliseconds
(seeded) before it goes on. moto answers in a few milliseconds, real S3 in
tens; benchmarks use this to see how a client's concurrency plays against it."""

import json
import random
import threading
import time
import uuid

from . import ecs
from .message import Hangup, json_answer, local

KINDS = ("throttle", "error", "drop", "drop-response", "reset")

LOCK = threading.RLock()
FAULTS = []  # Fault, in the order they were set
LATENCY = {"s3_ms": (0.0, 0.0), "rng": random.Random(0)}


def reset():
    """Drops every fault (latency stays as set: it is a benchmark's setting)."""
    with LOCK:
        FAULTS.clear()


class Fault:
    """Fails requests that match: an S3 bucket (and optionally operation and
    key), or an ECS cluster (and optionally operation). `skip` matching requests
    pass first, then `times` fail; `fired` counts the failed ones."""

    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise ValueError("a fault is a JSON object")
        self.kind = spec.get("kind")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
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
        if self.cluster is not None and ecs.last_segment(self.cluster) not in clusters:
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


def take(bucket=None, clusters=(), operation=None, key=None):
    """The kind of fault this request meets, if any (the first rule that fires)."""
    with LOCK:
        for fault in FAULTS:
            if fault.matches(bucket, clusters, operation, key) and fault.take():
                return fault.kind
    return None


def s3_delay():
    """Seconds the next S3 request waits (seeded, so runs are repeatable)."""
    with LOCK:
        low, high = LATENCY["s3_ms"]
        if high <= 0:
            return 0.0
        return LATENCY["rng"].uniform(low, high) / 1000.0


def layer(req, next):
    kind = None
    if req.service == "s3":
        delay = s3_delay()
        if delay:
            time.sleep(delay)
        kind = take(bucket=req.bucket, operation=req.operation, key=req.key)
    elif req.service == "ecs":
        clusters = ecs.clusters(req.payload)
        if clusters:
            kind = take(clusters=clusters, operation=req.operation)
    if kind is None:
        return next(req)
    return fail(req, kind, next)


def fail(req, kind, next):
    """The answer (or hang-up) of a request that meets fault `kind`."""
    if kind == "drop-response":
        next(req)  # the work is done; the client never hears back
        return Hangup("drop")
    if kind in ("drop", "reset"):
        return Hangup(kind)
    request_id = uuid.uuid4().hex[:16].upper()
    if req.service == "s3":
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
        return local(status, xml, "application/xml")
    code, status, message = (
        ("ThrottlingException", 400, "Rate exceeded")
        if kind == "throttle"
        else ("ServerException", 500, "Service unavailable, injected by the proxy")
    )
    data = json.dumps({"__type": code, "message": message}).encode()
    return local(
        status, data, "application/x-amz-json-1.1", [("x-amzn-RequestId", request_id)]
    )


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


def set_latency(req):
    """POST /latency {"s3_ms": [MIN, MAX]}; [0, 0] turns it off."""
    try:
        request = json.loads(req.body or b"{}")
        low, high = parse_latency(request.get("s3_ms", [0, 0]))
    except (ValueError, TypeError, AttributeError) as e:
        return json_answer(400, {"error": f"bad latency: {e}"})
    with LOCK:
        LATENCY["s3_ms"] = (low, high)
        LATENCY["rng"] = random.Random(0)
    return json_answer(200, {"s3_ms": [low, high]})


def add_fault(req):
    """POST /faults {"bucket" | "cluster", "operation", "key", "kind", "times",
    "skip", "percent", "seed"}."""
    try:
        fault = Fault(json.loads(req.body or b"{}"))
    except (ValueError, TypeError) as e:
        return json_answer(400, {"error": f"bad fault: {e}"})
    with LOCK:
        FAULTS.append(fault)
    return json_answer(200, fault.report())


def list_faults(req):
    """GET /faults: every fault, with `seen` and `fired`."""
    with LOCK:
        return json_answer(200, [f.report() for f in FAULTS])


def drop_faults(req):
    """DELETE /faults?bucket=NAME|cluster=NAME."""
    bucket = req.query("bucket")
    cluster = req.query("cluster")
    with LOCK:
        FAULTS[:] = [
            f
            for f in FAULTS
            if not ((bucket and f.bucket == bucket) or (cluster and f.cluster == cluster))
        ]
    return json_answer(200, {})


ROUTES = {
    ("POST", "/faults"): add_fault,
    ("GET", "/faults"): list_faults,
    ("DELETE", "/faults"): drop_faults,
    ("POST", "/latency"): set_latency,
}
