"""ECS reads are eventually consistent, and moto's are not: right after an
UpdateService, a DescribeServices may still show the service as it was (the
new deployment not listed yet), and a DescribeServiceDeployments may not know
the new service deployment yet (a failure with reason MISSING).

A scenario per service (POST /ecs/consistency) says how many reads after each
UpdateService lag:
- `stale_describes`: that many DescribeServices naming the service answer the
  snapshot from before the UpdateService (the last answer this layer passed
  on; one is read first if there was none). A stale answer moves no rollout.
- `missing_deployment_reads`: that many DescribeServiceDeployments naming the
  new service deployment answer it as MISSING.
By default nothing lags, as moto."""

import json

from . import ecs
from .message import Request, json_answer

SCENARIOS = {}  # (cluster, service) -> {"stale_describes": N, "missing_deployment_reads": M}
SNAPSHOTS = {}  # (cluster, service) -> the last DescribeServices answer passed on
LAGGING = {}  # (cluster, service) -> {"stale": N left, "missing": M left, "arn": new ARN}


def reset():
    with ecs.LOCK:
        SCENARIOS.clear()
        SNAPSHOTS.clear()
        LAGGING.clear()


def key_of(cluster, service):
    return (ecs.last_segment(cluster or "default"), ecs.last_segment(service or ""))


def layer(req, next):
    if req.service != "ecs" or not isinstance(req.payload, dict):
        return next(req)
    if req.operation == "DescribeServices":
        return describe_services(req, next)
    if req.operation == "UpdateService":
        return update_service(req, next)
    if req.operation == "DescribeServiceDeployments":
        return describe_service_deployments(req, next)
    return next(req)


def describe_services(req, next):
    services = req.payload.get("services") or []
    if len(services) != 1:
        return next(req)
    key = key_of(req.payload.get("cluster"), services[0])
    with ecs.LOCK:
        lag = LAGGING.get(key)
        if lag and lag["stale"] > 0 and key in SNAPSHOTS:
            lag["stale"] -= 1
            return SNAPSHOTS[key]
    answer = next(req)
    if answer.status == 200 and key in SCENARIOS:
        with ecs.LOCK:
            SNAPSHOTS[key] = answer
    return answer


def update_service(req, next):
    key = key_of(req.payload.get("cluster"), req.payload.get("service"))
    with ecs.LOCK:
        scenario = SCENARIOS.get(key)
    if scenario is None:
        return next(req)
    if key not in SNAPSHOTS:
        # The service as it is before the update, for the stale reads to show.
        body = json.dumps({"cluster": key[0], "services": [key[1]]}).encode()
        headers = [(n, v) for n, v in req.headers if n.lower() != "x-amz-target"]
        headers.append(("X-Amz-Target", ecs_target("DescribeServices")))
        describe_services(Request("POST", "/", headers, body), next)
    answer = next(req)
    if answer.status != 200:
        return answer
    try:
        arn = json.loads(answer.body).get("service", {}).get("currentServiceDeployment")
    except ValueError:
        arn = None
    with ecs.LOCK:
        LAGGING[key] = {
            "stale": scenario["stale_describes"],
            "missing": scenario["missing_deployment_reads"],
            "arn": arn,
        }
    return answer


def ecs_target(operation):
    return "AmazonEC2ContainerServiceV20141113." + operation


def describe_service_deployments(req, next):
    answer = next(req)
    if answer.status != 200:
        return answer
    asked = req.payload.get("serviceDeploymentArns") or []
    with ecs.LOCK:
        hidden = set()
        for lag in LAGGING.values():
            if lag["arn"] in asked and lag["missing"] > 0:
                lag["missing"] -= 1
                hidden.add(lag["arn"])
    if not hidden:
        return answer

    def edit(document):
        document["serviceDeployments"] = [
            d
            for d in document.get("serviceDeployments") or []
            if d.get("serviceDeploymentArn") not in hidden
        ]
        document.setdefault("failures", []).extend(
            {"arn": arn, "reason": "MISSING"} for arn in sorted(hidden)
        )

    return ecs.rewrite(answer, edit)


def set_scenario(req):
    """POST /ecs/consistency {"cluster", "service", "stale_describes": 0,
    "missing_deployment_reads": 0}: how many reads lag after each UpdateService."""
    try:
        request = json.loads(req.body or b"{}")
        key = key_of(request["cluster"], request["service"])
        scenario = {
            "stale_describes": request.get("stale_describes", 0),
            "missing_deployment_reads": request.get("missing_deployment_reads", 0),
        }
        for field, value in scenario.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{field} must be an integer >= 0")
    except (ValueError, KeyError, TypeError) as e:
        return json_answer(400, {"error": f"bad consistency scenario: {e!r}"})
    with ecs.LOCK:
        SCENARIOS[key] = scenario
        LAGGING.pop(key, None)
    return json_answer(200, {"cluster": key[0], "service": key[1], **scenario})


ROUTES = {("POST", "/ecs/consistency"): set_scenario}
