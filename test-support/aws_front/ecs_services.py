"""ECS services with rollouts: moto keeps the service, the front keeps what
ECS would report of its deployments (`ecs_rollouts`).

- CreateService: the service is shown as an already settled service: one
  PRIMARY deployment, COMPLETED, runningCount = desiredCount.
- UpdateService with a taskDefinition different from the service's current one
  (or with forceNewDeployment): after moto accepted it, a rollout starts. The
  new deployment (new task definition ARN, IN_PROGRESS, runningCount 0) becomes
  PRIMARY; the previous ones become ACTIVE and keep their running tasks.
- DescribeServices: each call advances each described service's rollout by ONE
  step, and the service's deployments, events (newest first), runningCount,
  pendingCount and taskDefinition (the PRIMARY deployment's, as ECS reports
  it) are rewritten from the simulation.
- DeleteService: the simulation for the service is dropped."""

from . import ecs, upstream
from .ecs_rollouts import ROLLOUTS, Rollout, scenario_for


def layer(req, next):
    handler = HANDLERS.get(req.operation) if req.service == "ecs" else None
    if handler is None or not isinstance(req.payload, dict):
        return next(req)
    with ecs.LOCK:
        return handler(req, next)


def service_key(payload):
    return (
        ecs.last_segment(payload.get("cluster", "default")),
        ecs.last_segment(payload.get("service", "")),
    )


def create_service(req, next):
    def edit(document):
        service = document.get("service") or {}
        controller = (service.get("deploymentController") or {}).get("type", "ECS")
        if controller != "ECS" or not service.get("taskDefinition"):
            return
        key = (ecs.last_segment(service["clusterArn"]), service["serviceName"])
        rollout = Rollout(
            key[0], key[1], service.get("desiredCount", 0), service.get("launchType")
        )
        rollout.settle(service["taskDefinition"])
        ROLLOUTS[key] = rollout
        rollout.overlay(service)

    return ecs.rewrite(next(req), edit)


def delete_service(req, next):
    answer = next(req)
    if answer.status == 200:
        ROLLOUTS.pop(service_key(req.payload), None)
    return answer


def update_service(req, next):
    payload = req.payload
    key = service_key(payload)
    rollout = ROLLOUTS.get(key)
    wanted = payload.get("taskDefinition")
    force = bool(payload.get("forceNewDeployment"))
    before = None
    if rollout is None and (wanted or force):
        # A service the front has not seen created: start from moto's view.
        described = upstream.ecs(
            "DescribeServices", {"cluster": key[0], "services": [key[1]]}, req.headers
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
            ecs.report_arn(before, req.headers)
            current_rollout.settle(before.get("taskDefinition"))
        if current_rollout is None:
            ecs.report_arn(service, req.headers)
            return
        ROLLOUTS[key] = current_rollout
        current = current_rollout.primary["taskDefinition"]
        new = ecs.resolve_task_definition(wanted, req.headers) if wanted else current
        if desired != current_rollout.desired:
            current_rollout.set_desired(desired)
        if new != current or force:
            current_rollout.start(new, scenario_for(key, new))
        current_rollout.overlay(service)

    return ecs.rewrite(next(req), edit)


def describe_services(req, next):
    def edit(document):
        seen = set()
        for service in document.get("services") or []:
            key = (
                ecs.last_segment(service.get("clusterArn", "default")),
                service.get("serviceName"),
            )
            rollout = ROLLOUTS.get(key)
            if rollout is None:
                ecs.report_arn(service, req.headers)
                continue
            if key not in seen:
                seen.add(key)
                rollout.advance()
            rollout.overlay(service)

    return ecs.rewrite(next(req), edit)


HANDLERS = {
    "CreateService": create_service,
    "UpdateService": update_service,
    "DescribeServices": describe_services,
    "DeleteService": delete_service,
}
