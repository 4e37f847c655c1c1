"""Faults and latency: what real AWS does under load or on a bad network,
which moto never does.

A fault fails the requests of one scope (optionally only one operation, as
`message` names it, and for S3 one key): on one S3 bucket ("bucket"), naming
one ECS cluster ("cluster"), naming one CloudWatch alarm ("alarm"), or
CloudFront requests whose path or body holds a text ("cloudfront": a
distribution id, a preview's comment). After `skip` matching requests pass,
the next `times` fail, as `kind` says:
  throttle       S3: 503 SlowDown; ECS: 400 ThrottlingException; CloudWatch:
                 400 Throttling; CloudFront: 400 Throttling
  error          S3: 500 InternalError; ECS: 500 ServerException; CloudWatch:
                 500 InternalServiceError; CloudFront: 500 InternalFailure
  conflict       S3 conditional writes only (If-None-Match / If-Match): 409
                 ConditionalRequestConflict, nothing written, as S3 answers
                 "if a concurrent operation occurs during the upload"
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
from .message import Hangup, json_answer, local, text

KINDS = ("throttle", "error", "conflict", "drop", "drop-response", "reset")
# The scope keys, and the service each one is about.
SCOPES = {"bucket": "s3", "cluster": "ecs", "alarm": "cloudwatch", "cloudfront": "cloudfront"}

LOCK = threading.RLock()
FAULTS = []  # Fault, in the order they were set
LATENCY = {"s3_ms": (0.0, 0.0), "rng": random.Random(0)}


def reset():
    """Drops every fault (latency stays as set: it is a benchmark's setting)."""
    with LOCK:
        FAULTS.clear()


class Fault:
    """Fails requests that match its scope (and optionally operation and, for
    S3, key). `skip` matching requests pass first, then `times` fail; `fired`
    counts the failed ones."""

    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise ValueError("a fault is a JSON object")
        self.kind = spec.get("kind")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        given = [k for k in SCOPES if spec.get(k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(SCOPES)}")
        self.scope = given[0]
        self.name = spec[self.scope]
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"{self.scope} must be a non-empty string")
        if self.kind == "conflict" and self.scope != "bucket":
            raise ValueError("conflict is an S3 answer: give a bucket")
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

    def matches(self, req):
        if req.service != SCOPES[self.scope]:
            return False
        if self.scope == "bucket" and req.bucket != self.name:
            return False
        if self.scope == "cluster" and ecs.last_segment(self.name) not in ecs.clusters(
            req.payload
        ):
            return False
        if self.scope == "alarm" and self.name not in alarm_names(req.payload):
            return False
        if self.scope == "cloudfront" and self.name not in req.path + text(req.body):
            return False
        if self.operation is not None and self.operation != req.operation:
            return False
        if self.kind == "conflict" and not (
            req.header("If-None-Match") or req.header("If-Match")
        ):
            return False
        return self.key is None or self.key == req.key

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
            **{scope: (self.name if scope == self.scope else None) for scope in SCOPES},
            "operation": self.operation,
            "key": self.key,
            "times": self.times,
            "skip": self.skip,
            "percent": self.percent,
            "seen": self.seen,
            "fired": self.fired,
        }


def take(req):
    """The kind of fault this request meets, if any (the first rule that fires)."""
    with LOCK:
        for fault in FAULTS:
            if fault.matches(req) and fault.take():
                return fault.kind
    return None


def alarm_names(payload):
    """The alarms a CloudWatch request names (AlarmNames, AlarmName)."""
    if not isinstance(payload, dict):
        return []
    names = payload.get("AlarmNames") or []
    names = [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
    if isinstance(payload.get("AlarmName"), str):
        names.append(payload["AlarmName"])
    return names


def s3_delay():
    """Seconds the next S3 request waits (seeded, so runs are repeatable)."""
    with LOCK:
        low, high = LATENCY["s3_ms"]
        if high <= 0:
            return 0.0
        return LATENCY["rng"].uniform(low, high) / 1000.0


def layer(req, next):
    if req.service == "s3":
        delay = s3_delay()
        if delay:
            time.sleep(delay)
    kind = take(req) if req.service in SCOPES.values() else None
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
    code, status, message = ANSWERS[req.service][kind]
    if req.service in ("s3", "cloudfront"):
        error = f"<Code>{code}</Code><Message>{message}</Message>"
        if req.service == "cloudfront":
            kind_of = "Sender" if status < 500 else "Receiver"
            error = f"<ErrorResponse><Error><Type>{kind_of}</Type>{error}</Error>"
            error += f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        else:
            error = f"<Error>{error}<RequestId>{request_id}</RequestId></Error>"
        xml = '<?xml version="1.0" encoding="UTF-8"?>\n' + error
        return local(status, xml.encode(), "application/xml")
    data = json.dumps({"__type": code, "message": message}).encode()
    content_type = "application/x-amz-json-1.1" if req.service == "ecs" else "application/x-amz-json-1.0"
    return local(status, data, content_type, [("x-amzn-RequestId", request_id)])


# What each service answers for each kind that answers: (code, status, message).
ANSWERS = {
    "s3": {
        "throttle": ("SlowDown", 503, "Please reduce your request rate."),
        "error": ("InternalError", 500, "We encountered an internal error. Please try again."),
        "conflict": (
            "ConditionalRequestConflict",
            409,
            "A conflicting operation occurred. If using PutObject you can retry the request.",
        ),
    },
    "ecs": {
        "throttle": ("ThrottlingException", 400, "Rate exceeded"),
        "error": ("ServerException", 500, "Service unavailable, injected by the proxy"),
    },
    "cloudwatch": {
        "throttle": ("Throttling", 400, "Rate exceeded"),
        "error": ("InternalServiceError", 500, "Internal service error, injected by the front"),
    },
    "cloudfront": {
        "throttle": ("Throttling", 400, "Rate exceeded"),
        "error": ("InternalFailure", 500, "Internal failure, injected by the front"),
    },
}


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
    """POST /faults {"bucket" | "cluster" | "alarm" | "cloudfront", "operation",
    "key", "kind", "times", "skip", "percent", "seed"}."""
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
    """DELETE /faults?bucket=NAME|cluster=NAME|alarm=NAME|cloudfront=TEXT."""
    scopes = {scope: req.query(scope) for scope in SCOPES}
    with LOCK:
        FAULTS[:] = [f for f in FAULTS if scopes.get(f.scope) != f.name]
    return json_answer(200, {})


ROUTES = {
    ("POST", "/faults"): add_fault,
    ("GET", "/faults"): list_faults,
    ("DELETE", "/faults"): drop_faults,
    ("POST", "/latency"): set_latency,
}
