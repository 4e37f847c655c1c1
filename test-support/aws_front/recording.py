"""What the tests read back of the traffic: every ECS operation (with the
clusters it named) and every S3 request on a bucket, in the order the front
received them. Tests check what a deploy called or wrote, and in which order."""

import threading

from . import ecs
from .message import json_answer

LOCK = threading.Lock()
ECS_CALLS = []  # (operation, [cluster names])
S3_CALLS = []  # (bucket, operation, key)


def reset():
    with LOCK:
        ECS_CALLS.clear()
        S3_CALLS.clear()


def layer(req, next):
    if req.service == "ecs":
        with LOCK:
            ECS_CALLS.append((req.operation, ecs.clusters(req.payload)))
    elif req.service == "s3":
        with LOCK:
            S3_CALLS.append((req.bucket, req.operation, req.key))
    return next(req)


def ecs_calls(req):
    """GET /calls[?cluster=NAME]: ECS operations (whose request named NAME)."""
    cluster = req.query("cluster")
    with LOCK:
        calls = [
            op
            for op, clusters in ECS_CALLS
            if cluster is None or ecs.last_segment(cluster) in clusters
        ]
    return json_answer(200, calls)


def s3_calls(req):
    """GET /s3?bucket=NAME: [[operation, key], ...] on that bucket."""
    bucket = req.query("bucket")
    with LOCK:
        calls = [[op, key] for b, op, key in S3_CALLS if b == bucket]
    return json_answer(200, calls)


ROUTES = {("GET", "/calls"): ecs_calls, ("GET", "/s3"): s3_calls}
