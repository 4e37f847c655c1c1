"""CloudFront invalidations that take time, and the limits on those in
flight, which moto does not have (its invalidations are COMPLETED at once).

- "If you're invalidating files individually, you can have invalidation
  requests for up to 3,000 files per distribution in progress at one time
  ... If you're using the * wildcard, you can have requests for up to 15
  invalidation paths in progress at one time", the two maximums independent
  (CloudFront developer guide, Concurrent invalidation request maximum). A
  CreateInvalidation past either is answered 400 TooManyInvalidationsInProgress
  and not made; one batch of more than 3,000 paths is 413 BatchTooLarge; a
  path that does not begin with / is 400 InvalidArgument (API reference,
  CreateInvalidation; Paths). Always on.
- Scenario "takes": POST /cloudfront/invalidations {"distribution",
  "takes_ms"}: the distribution's invalidations made from then on stay
  InProgress that long (GetInvalidation and ListInvalidations say so), and
  count against the limits meanwhile.
- Scenario "busy": POST /cloudfront/busy {"distribution", "file_paths",
  "wildcard_paths", "for_ms"}: someone else's invalidations are in flight on
  the distribution (another pipeline, a person in the console).
"""

import json
import re
import threading
import time

from . import cloudfront
from .message import Answer, json_answer

MAX_FILES = 3000
MAX_WILDCARDS = 15

LOCK = threading.Lock()
TAKES = {}  # distribution -> seconds each new invalidation stays InProgress
IN_FLIGHT = {}  # distribution -> [{"id", "files", "wildcards", "until"}]


def reset():
    with LOCK:
        TAKES.clear()
        IN_FLIGHT.clear()


def in_flight(distribution):
    """The distribution's invalidations still in progress (finished ones dropped)."""
    now = time.monotonic()
    live = [i for i in IN_FLIGHT.get(distribution, []) if i["until"] > now]
    IN_FLIGHT[distribution] = live
    return live


def layer(req, next):
    if req.service != "cloudfront" or not req.ids:
        return next(req)
    distribution = req.ids[0]
    if req.operation == "CreateInvalidation":
        return create(req, next, distribution)
    answer = next(req)
    if req.operation in ("GetInvalidation", "ListInvalidations") and isinstance(answer, Answer):
        with LOCK:
            running = {i["id"] for i in in_flight(distribution) if i["id"]}
        if running and answer.status == 200:
            answer = answer._replace(body=in_progress(answer.body, running))
    return answer


def create(req, next, distribution):
    paths = cloudfront.elements("Path", req.body)
    if len(paths) > MAX_FILES:
        return cloudfront.error(413, "BatchTooLarge", "Invalidation batch specified is too large.")
    if any(not p.startswith("/") for p in paths):
        return cloudfront.error(
            400, "InvalidArgument", "Your request contains one or more invalid invalidation paths."
        )
    wildcards = sum(1 for p in paths if "*" in p)
    files = len(paths) - wildcards
    with LOCK:
        live = in_flight(distribution)
        busy_files = sum(i["files"] for i in live)
        busy_wildcards = sum(i["wildcards"] for i in live)
        if busy_files + files > MAX_FILES or busy_wildcards + wildcards > MAX_WILDCARDS:
            return cloudfront.error(
                400,
                "TooManyInvalidationsInProgress",
                "Processing your request will cause you to exceed the maximum number of "
                f"in-progress invalidations ({busy_files} file paths and {busy_wildcards} "
                "wildcard paths are in progress).",
            )
        takes = TAKES.get(distribution, 0.0)
    answer = next(req)
    if isinstance(answer, Answer) and answer.status == 201 and takes > 0:
        ids = cloudfront.elements("Id", answer.body)
        with LOCK:
            IN_FLIGHT.setdefault(distribution, []).append(
                {
                    "id": ids[0] if ids else None,
                    "files": files,
                    "wildcards": wildcards,
                    "until": time.monotonic() + takes,
                }
            )
        answer = answer._replace(body=in_progress(answer.body, set(ids[:1])))
    return answer


def in_progress(body, running):
    """`body` with the Status of each invalidation in `running` InProgress."""
    text = body.decode("utf-8", "replace")

    def fix(block):
        ids = cloudfront.elements("Id", block)
        if ids and ids[0] in running:
            return re.sub(r"<Status>[^<]*</Status>", "<Status>InProgress</Status>", block)
        return block

    for tag in ("InvalidationSummary", "Invalidation"):
        text = re.sub(
            rf"<{tag}(?:\s[^>]*)?>.*?</{tag}>", lambda m: fix(m.group(0)), text, flags=re.S
        )
    return text.encode()


def read(req, fields):
    request = json.loads(req.body or b"{}")
    distribution = request["distribution"]
    if not isinstance(distribution, str) or not distribution:
        raise ValueError("distribution must be a non-empty string")
    values = []
    for field in fields:
        value = request.get(field, 0)
        if not isinstance(value, int) or value < 0:
            raise ValueError(f"{field} must be an integer >= 0")
        values.append(value)
    return distribution, values


def set_takes(req):
    """POST /cloudfront/invalidations {"distribution", "takes_ms"}."""
    try:
        distribution, (takes_ms,) = read(req, ["takes_ms"])
    except (ValueError, KeyError, TypeError) as e:
        return json_answer(400, {"error": f"bad invalidation scenario: {e!r}"})
    with LOCK:
        TAKES[distribution] = takes_ms / 1000.0
    return json_answer(200, {"distribution": distribution, "takes_ms": takes_ms})


def set_busy(req):
    """POST /cloudfront/busy {"distribution", "file_paths", "wildcard_paths", "for_ms"}."""
    try:
        distribution, (files, wildcards, for_ms) = read(
            req, ["file_paths", "wildcard_paths", "for_ms"]
        )
    except (ValueError, KeyError, TypeError) as e:
        return json_answer(400, {"error": f"bad busy scenario: {e!r}"})
    with LOCK:
        IN_FLIGHT.setdefault(distribution, []).append(
            {
                "id": None,
                "files": files,
                "wildcards": wildcards,
                "until": time.monotonic() + for_ms / 1000.0,
            }
        )
    return json_answer(200, {"distribution": distribution})


ROUTES = {
    ("POST", "/cloudfront/invalidations"): set_takes,
    ("POST", "/cloudfront/busy"): set_busy,
}
