"""The AWS front: an HTTP server in front of moto that answers the way AWS
does where moto does not.

    PYTHONPATH=test-support python -B -m aws_front --port P --upstream http://127.0.0.1:M

This is test support, not product code: `test_support::emulator()` starts one
in front of every moto server, and every test talks to moto through it.
Python 3 standard library only.

Every request is forwarded to moto unchanged (method, path and query, headers
including Host and Authorization, body) and moto's answer is returned, except
where a layer steps in. The layers, outermost first (`app.LAYERS`):

  cbor          CloudWatch's Smithy RPC v2 CBOR <-> moto's awsJson1_0
  recording     every ECS operation and S3 request, for tests to read back
  faults        throttling, errors, dropped/reset connections; S3 latency
  ecs_consistency  ECS reads that lag right after UpdateService (a stale
                DescribeServices, a MISSING service deployment)
  ecs_rules     what ECS refuses and moto accepts: UpdateService of a
                CODE_DEPLOY/EXTERNAL service's task definition, INACTIVE
                task definitions
  ecs_deployments_api  ECS service deployments (`ecs_deployments` is the
                model: statuses, strategies ROLLING / BLUE_GREEN / LINEAR /
                CANARY, lifecycle stages by time, ECS's own rollback, stop,
                superseded) on the ECS API
  ecs_services  ECS rollouts (`ecs_rollouts` is the model: deployments, events,
                scenarios healthy / crash-loop / stuck, the circuit breaker)
  ecs_tasks     one-off tasks (RunTask, DescribeTasks, StopTask), run here
  s3_fixes      moto's S3 answers the SDK rejects, corrected

Each module's docstring says what it does and which AWS behaviour it follows.
`message` names a request (service, operation; bucket and key for S3),
`upstream` is moto, `server` the HTTP side, `app` the chain and the routes.

Adding a simulation: a module with `layer(req, next)` (answer, or change the
request or the answer), `ROUTES` ({(METHOD, "/path"): handler(req) -> Answer})
for its control calls and `reset()` for its state; list it in `app.py`.

Control API (not forwarded), under /__front:
- GET  /health                              -> 200 "ok"
- POST /reset                               -> clears scenarios, rollouts, service
                                               deployments, calls, tasks and faults
- POST /scenario {"cluster", "service", "outcome": "healthy" | "crash-loop" |
       "stuck", "steps": 3, "circuit_breaker_rollback": false,
       "task_definition": null}             -> the service's next rollouts
- GET  /calls[?cluster=NAME]                -> ["RegisterTaskDefinition", ...]:
       every ECS operation seen, in order; with `cluster`, only the calls whose
       request named that cluster (by name or ARN)
- GET  /s3?bucket=NAME                      -> [["PutObject", "index.html"], ...]:
       every S3 request on that bucket (path-style), in the order received: the
       operation (named from the method, query and x-amz-copy-source as the S3
       API names it) and the key ("" for bucket calls)
- POST /task {"cluster", "outcome": "exits" | "never-starts" | "hangs",
       "exit_code": 0, "steps": 2}          -> the cluster's one-off tasks from now on
- GET  /tasks?cluster=NAME                  -> the one-off tasks started there, in
       order: {"taskArn", "request", "lastStatus", "stoppedReason", "stopRequested"}
- POST /ecs/deployments {"cluster", "service", "stage_seconds": 1.0,
       "minute_seconds": 60.0, "fail": {"cause": "circuit-breaker" | "hook",
       "stage", "after"}, "stuck_at", "rollback_seconds", "rollback_fails"}
                                            -> the service's next BLUE_GREEN, LINEAR
       and CANARY deployments (see `ecs_deployments`)
- GET  /ecs/deployments?cluster=NAME&service=NAME -> every service deployment
       of the service, oldest first, as DescribeServiceDeployments shows it
- POST /ecs/deployments-api {"cluster", "available": false}
                                            -> the cluster is in a Region without
       the service deployments API (UnsupportedFeatureException)
- POST /ecs/consistency {"cluster", "service", "stale_describes": 0,
       "missing_deployment_reads": 0}       -> reads that lag after each UpdateService
- POST /network                             -> {"subnet", "security_group"}: a new
       VPC, subnet and security group in moto's EC2
- POST /latency {"s3_ms": [MIN, MAX]}       -> S3 latency (also --s3-latency-ms)
- POST /faults {"bucket" | "cluster", "operation", "key", "kind", "times": 1,
       "skip": 0, "percent", "seed"}        -> a fault (see `faults`)
- GET  /faults                              -> every fault, with `seen` and `fired`
- DELETE /faults?bucket=NAME|cluster=NAME   -> drops those faults

Clusters and services are matched by name: a name or an ARN is reduced to its
last path segment.
"""
