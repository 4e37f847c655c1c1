"""What the front is made of: the layers every request goes through, in order,
and the control API's route table. A new simulation is a module with any of
`layer(req, next)`, `ROUTES` and `reset()`, listed here.

A layer takes the request and `next` (the rest of the chain, ending at moto)
and returns an Answer or a Hangup: it may answer itself, change the request
before calling `next`, or change the answer after."""

from . import (
    actions,
    cbor,
    cloudfront_cache,
    cloudfront_fixes,
    cloudfront_invalidations,
    cloudfront_oacs,
    cloudwatch_alarms,
    contract,
    ecs_consistency,
    ecs_deployments,
    ecs_deployments_api,
    ecs_rollouts,
    ecs_rules,
    ecs_services,
    ecs_tasks,
    faults,
    network,
    recording,
    s3_fixes,
    s3_regions,
    signing,
    upstream,
)
from .message import json_answer, local

# Outermost first. CloudWatch's CBOR is translated before anything else looks
# at a request, so every later layer sees one JSON protocol; traffic (and
# the IAM actions it needs) is recorded before anything refuses or fails it;
# the contract check refuses what AWS would refuse before any simulation or
# moto sees it; faults fail it; the simulations answer what reaches them.
# The edge cache watches the answers the invalidation limits let through.
# ECS: a stale read answers before anything moves; what ECS refuses never
# reaches the rollouts; service deployments wrap the rollouts they record.
LAYERS = (
    cbor.layer,
    recording.layer,
    actions.layer,
    contract.layer,
    faults.layer,
    s3_regions.layer,
    cloudwatch_alarms.layer,
    cloudfront_cache.layer,
    cloudfront_invalidations.layer,
    cloudfront_oacs.layer,
    cloudfront_fixes.layer,
    ecs_consistency.layer,
    ecs_rules.layer,
    ecs_deployments_api.layer,
    ecs_services.layer,
    ecs_tasks.layer,
    s3_fixes.layer,
)

# Modules with control routes (paths under CONTROL) and state to reset.
MODULES = (
    recording,
    actions,
    contract,
    signing,
    faults,
    s3_regions,
    cloudwatch_alarms,
    cloudfront_cache,
    cloudfront_fixes,
    cloudfront_invalidations,
    cloudfront_oacs,
    ecs_rollouts,
    ecs_deployments,
    ecs_deployments_api,
    ecs_consistency,
    ecs_tasks,
    network,
)

CONTROL = "/__front"


def handle(req):
    """The answer to `req`: through every layer, then moto."""

    def at(i):
        def next(r):
            if i == len(LAYERS):
                return upstream.forward(r)
            return LAYERS[i](r, at(i + 1))

        return next

    return at(0)(req)


def health(req):
    """GET /health -> 200 "ok"."""
    return local(200, b"ok", "text/plain")


def reset(req):
    """POST /reset: clears every module's state (scenarios, rollouts, calls,
    tasks, faults, recorded actions and refusals, credentials)."""
    for module in MODULES:
        if hasattr(module, "reset"):
            module.reset()
    return json_answer(200, {})


def route_table():
    table = {("GET", "/health"): health, ("HEAD", "/health"): health, ("POST", "/reset"): reset}
    for module in MODULES:
        for route, handler in getattr(module, "ROUTES", {}).items():
            if route in table:
                raise RuntimeError(f"two handlers for {route} ({module.__name__})")
            table[route] = handler
    return table


ROUTES = route_table()


def control(req):
    """A control call (not forwarded): the route's answer, or 404."""
    route = (req.method, req.path[len(CONTROL):])
    handler = ROUTES.get(route)
    if handler is None:
        return json_answer(404, {"error": f"no control endpoint {req.method} {req.path}"})
    return handler(req)
