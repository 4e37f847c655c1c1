"""What ECS refuses and moto accepts, refused here as ECS refuses it (moto is
asked for the facts; nothing reaches it when the request is refused):

- UpdateService with a `taskDefinition` on a service whose deployment
  controller is CODE_DEPLOY: 400 InvalidParameterException "Unable to update
  task definition on services with a CODE_DEPLOY deployment controller. Use
  AWS CodeDeploy to trigger a new deployment." (ECS's own words); EXTERNAL
  alike, pointing at task sets (the UpdateService API reference: with the
  external controller only the desired count, placement, health check grace
  period and tags can be updated; a new task definition takes a new task set).
- UpdateService, CreateService or RunTask naming an INACTIVE (deregistered)
  task definition: 400 ClientException "TaskDefinition is inactive" (the
  DeregisterTaskDefinition API reference: an INACTIVE task definition cannot
  run new tasks, create services, or be what an existing service is updated to)."""

from . import ecs, upstream

CHECKED = ("UpdateService", "CreateService", "RunTask")


def layer(req, next):
    if req.service != "ecs" or req.operation not in CHECKED or not isinstance(req.payload, dict):
        return next(req)
    refused = refusal(req)
    return refused if refused is not None else next(req)


def refusal(req):
    payload = req.payload
    wanted = payload.get("taskDefinition")
    if req.operation == "UpdateService" and wanted:
        described = upstream.ecs(
            "DescribeServices",
            {"cluster": payload.get("cluster", "default"), "services": [payload.get("service")]},
            req.headers,
        )
        services = (described or {}).get("services") or []
        controller = ((services[0] if services else {}).get("deploymentController") or {}).get(
            "type", "ECS"
        )
        if controller == "CODE_DEPLOY":
            return ecs.error(
                400,
                "InvalidParameterException",
                "Unable to update task definition on services with a CODE_DEPLOY deployment "
                "controller. Use AWS CodeDeploy to trigger a new deployment.",
            )
        if controller == "EXTERNAL":
            return ecs.error(
                400,
                "InvalidParameterException",
                "Unable to update task definition on services with a EXTERNAL deployment "
                "controller. Use a new task set to deploy a new task definition.",
            )
    if isinstance(wanted, str) and wanted:
        found = upstream.ecs("DescribeTaskDefinition", {"taskDefinition": wanted}, req.headers)
        status = ((found or {}).get("taskDefinition") or {}).get("status")
        if status == "INACTIVE":
            return ecs.error(400, "ClientException", "TaskDefinition is inactive")
    return None
