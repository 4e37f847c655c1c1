"""ECS service deployments (`ecs_deployments`) on the ECS API:

- CreateService / UpdateService: the service's `deploymentConfiguration` as
  given is kept (moto drops it from CreateService) and shown in every answer
  about the service. A service created has one SUCCESSFUL service deployment;
  each rollout UpdateService starts (`ecs_services`) is a new one, PENDING,
  and the one in flight before it is STOPPED. UpdateService's answer names
  it: `currentServiceDeployment`, as DescribeServices does from then on.
- DescribeServices: the services' deployments move on first (by time for
  BLUE_GREEN, LINEAR and CANARY; ROLLING ones as `ecs_rollouts` moved them).
- ListServiceDeployments (`service`, `cluster`, `status`, `createdAt`,
  `maxResults` 1-100, default 20, `nextToken`), newest first, as
  ServiceDeploymentBrief; DescribeServiceDeployments (up to 20 ARNs; an ARN it
  does not know is a failure with reason MISSING); StopServiceDeployment
  (`stopType` ROLLBACK; ABORT is refused, as the API reference allows only
  ROLLBACK; a finished deployment is a ConflictException, an unknown ARN a
  ServiceDeploymentNotFoundException). moto answers none of them (500).
- In a cluster marked as in a Region without the API, the three operations
  answer UnsupportedFeatureException and no answer names a service deployment.
- DeleteService: the service's deployments are dropped."""

import json
import time

from . import ecs
from .ecs_deployments import (
    BY_SERVICE,
    CONFIGS,
    DEPLOYMENTS,
    NO_API,
    SCENARIOS,
    check_scenario,
    current,
    default_scenario,
    remember_config,
    started,
    tick_service,
)
from .ecs_rollouts import ROLLOUTS
from .message import json_answer

STATUSES = (
    "PENDING",
    "SUCCESSFUL",
    "STOPPED",
    "STOP_REQUESTED",
    "IN_PROGRESS",
    "ROLLBACK_REQUESTED",
    "ROLLBACK_IN_PROGRESS",
    "ROLLBACK_SUCCESSFUL",
    "ROLLBACK_FAILED",
)


def layer(req, next):
    handler = HANDLERS.get(req.operation) if req.service == "ecs" else None
    if handler is None or not isinstance(req.payload, dict):
        return next(req)
    with ecs.LOCK:
        return handler(req, next)


def service_key(cluster, service):
    return (ecs.last_segment(cluster or "default"), ecs.last_segment(service or ""))


def unsupported():
    return ecs.error(
        400, "UnsupportedFeatureException", "The specified task isn't supported in this Region."
    )


def overlay(key, service):
    """What the answer about a service says of its deployments."""
    if key in CONFIGS:
        shown = dict(service.get("deploymentConfiguration") or {})
        shown.update(CONFIGS[key])
        service["deploymentConfiguration"] = shown
    latest = current(key)
    if latest is not None and key[0] not in NO_API:
        service["currentServiceDeployment"] = latest.arn


def create_service(req, next):
    payload = req.payload
    key = service_key(payload.get("cluster"), payload.get("serviceName"))
    answer = next(req)

    def edit(document):
        service = document.get("service") or {}
        remember_config(key, payload.get("deploymentConfiguration"))
        rollout = ROLLOUTS.get(key)
        if rollout is not None:
            # ECS records a service's creation as its first deployment.
            started(key, service, rollout, time.time(), settled=True)
        overlay(key, service)

    return ecs.rewrite(answer, edit)


def update_service(req, next):
    payload = req.payload
    key = service_key(payload.get("cluster"), payload.get("service"))
    tick_service(key, req.headers)
    rollout = ROLLOUTS.get(key)
    before = rollout.primary["id"] if rollout is not None and rollout.deployments else None
    answer = next(req)

    def edit(document):
        service = document.get("service") or {}
        remember_config(key, payload.get("deploymentConfiguration"))
        after = ROLLOUTS.get(key)
        if after is not None and after.deployments and after.primary["id"] != before:
            started(key, service, after, time.time())
            # What the answer shows, as the new deployment stands now.
            after.overlay(service)
        overlay(key, service)

    return ecs.rewrite(answer, edit)


def describe_services(req, next):
    payload = req.payload
    keys = [service_key(payload.get("cluster"), s) for s in payload.get("services") or []]
    for key in keys:
        tick_service(key, req.headers)
    answer = next(req)

    def edit(document):
        for service in document.get("services") or []:
            key = service_key(service.get("clusterArn"), service.get("serviceName"))
            # A ROLLING deployment follows what this call did to its rollout.
            tick_service(key, req.headers)
            rollout = ROLLOUTS.get(key)
            if rollout is not None:
                rollout.overlay(service)
            overlay(key, service)

    return ecs.rewrite(answer, edit)


def delete_service(req, next):
    payload = req.payload
    key = service_key(payload.get("cluster"), payload.get("service"))
    answer = next(req)
    if answer.status == 200:
        for arn in BY_SERVICE.pop(key, []):
            DEPLOYMENTS.pop(arn, None)
        CONFIGS.pop(key, None)
    return answer


def list_service_deployments(req, next):
    payload = req.payload
    if not isinstance(payload.get("service"), str):
        return ecs.error(400, "InvalidParameterException", "service is required.")
    key = service_key(payload.get("cluster"), payload["service"])
    if key[0] in NO_API:
        return unsupported()
    statuses = payload.get("status") or list(STATUSES)
    if not isinstance(statuses, list) or any(s not in STATUSES for s in statuses):
        return ecs.error(400, "InvalidParameterException", f"status must be in {STATUSES}.")
    limit = payload.get("maxResults", 20)
    if not isinstance(limit, int) or not 1 <= limit <= 100:
        return ecs.error(400, "InvalidParameterException", "maxResults must be 1 to 100.")
    created = payload.get("createdAt") or {}
    tick_service(key, req.headers)
    found = [DEPLOYMENTS[a] for a in reversed(BY_SERVICE.get(key, []))]
    found = [
        d
        for d in found
        if d.status in statuses
        and ("after" not in created or d.created >= created["after"])
        and ("before" not in created or d.created <= created["before"])
    ]
    try:
        start = int(payload.get("nextToken") or 0)
    except ValueError:
        return ecs.error(400, "InvalidParameterException", "nextToken is not valid.")
    page = found[start : start + limit]
    out = {"serviceDeployments": [d.brief() for d in page]}
    if start + limit < len(found):
        out["nextToken"] = str(start + limit)
    return ecs.ok(out)


def describe_service_deployments(req, next):
    arns = req.payload.get("serviceDeploymentArns")
    if not isinstance(arns, list) or not arns or len(arns) > 20:
        return ecs.error(
            400, "InvalidParameterException", "serviceDeploymentArns takes 1 to 20 ARNs."
        )
    if any(c in NO_API for c in ecs.clusters(req.payload)):
        return unsupported()
    found, failures = [], []
    for arn in arns:
        deployment = DEPLOYMENTS.get(arn)
        if deployment is None:
            failures.append({"arn": arn, "reason": "MISSING"})
            continue
        tick_service(deployment.key, req.headers)
        found.append(deployment.shape())
    return ecs.ok({"serviceDeployments": found, "failures": failures})


def stop_service_deployment(req, next):
    arn = req.payload.get("serviceDeploymentArn")
    if not isinstance(arn, str):
        return ecs.error(400, "InvalidParameterException", "serviceDeploymentArn is required.")
    if any(c in NO_API for c in ecs.clusters(req.payload)):
        return unsupported()
    stop_type = req.payload.get("stopType", "ROLLBACK")
    if stop_type != "ROLLBACK":
        return ecs.error(
            400, "InvalidParameterException", "stopType: the valid value is ROLLBACK."
        )
    deployment = DEPLOYMENTS.get(arn)
    if deployment is None:
        return ecs.error(
            400,
            "ServiceDeploymentNotFoundException",
            f"The service deployment {arn} does not exist.",
        )
    tick_service(deployment.key, req.headers)
    refused = deployment.stop(time.time())
    if refused:
        return ecs.error(400, "ConflictException", refused)
    return ecs.ok({"serviceDeploymentArn": arn})


HANDLERS = {
    "CreateService": create_service,
    "UpdateService": update_service,
    "DescribeServices": describe_services,
    "DeleteService": delete_service,
    "ListServiceDeployments": list_service_deployments,
    "DescribeServiceDeployments": describe_service_deployments,
    "StopServiceDeployment": stop_service_deployment,
}


# -- control ----------------------------------------------------------------


def set_scenario(req):
    """POST /ecs/deployments {"cluster", "service", "stage_seconds",
    "minute_seconds", "fail", "stuck_at", "rollback_seconds", "rollback_fails"}:
    how the service's next BLUE_GREEN, LINEAR and CANARY deployments go."""
    try:
        request = json.loads(req.body or b"{}")
        key = service_key(request["cluster"], request["service"])
        scenario = default_scenario()
        for field in scenario:
            if field in request:
                scenario[field] = request[field]
        check_scenario(scenario)
    except (ValueError, KeyError, TypeError) as e:
        return json_answer(400, {"error": f"bad service deployment scenario: {e!r}"})
    with ecs.LOCK:
        SCENARIOS[key] = scenario
    return json_answer(200, {"cluster": key[0], "service": key[1], **scenario})


def set_api(req):
    """POST /ecs/deployments-api {"cluster", "available": false}: the cluster
    is in a Region without the service deployments API (true: with it)."""
    try:
        request = json.loads(req.body or b"{}")
        cluster = ecs.last_segment(request["cluster"])
        available = request["available"]
        if not isinstance(available, bool):
            raise ValueError("available must be true or false")
    except (ValueError, KeyError, TypeError) as e:
        return json_answer(400, {"error": f"bad request: {e!r}"})
    with ecs.LOCK:
        if available:
            NO_API.discard(cluster)
        else:
            NO_API.add(cluster)
    return json_answer(200, {"cluster": cluster, "available": available})


def list_deployments(req):
    """GET /ecs/deployments?cluster=NAME&service=NAME: every service deployment
    of the service, oldest first, as DescribeServiceDeployments shows it."""
    key = service_key(req.query("cluster"), req.query("service"))
    with ecs.LOCK:
        tick_service(key, req.headers)
        shapes = [DEPLOYMENTS[a].shape() for a in BY_SERVICE.get(key, [])]
    return json_answer(200, shapes)


ROUTES = {
    ("POST", "/ecs/deployments"): set_scenario,
    ("POST", "/ecs/deployments-api"): set_api,
    ("GET", "/ecs/deployments"): list_deployments,
}
