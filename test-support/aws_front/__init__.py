"""The AWS front: an HTTP server in front of moto that answers the way AWS
does where moto does not.

    PYTHONPATH=test-support python -B -m aws_front --port P --upstream http://127.0.0.1:M

This is test support, not product code: `test_support::emulator()` starts one
in front of every moto server, and every test talks to moto through it.
Python 3's standard library, plus botocore's service models (data files, read
as JSON) and, for moto's IAM enforcement only, botocore's SigV4 signer: it runs
with the emulator's venv, where botocore is pinned beside moto.

Every request is forwarded to moto unchanged (method, path and query, headers
including Host and Authorization, body) and moto's answer is returned, except
where a layer steps in. The layers, outermost first (`app.LAYERS`):

  cbor          CloudWatch's Smithy RPC v2 CBOR <-> moto's awsJson1_0
  recording     every ECS operation and S3 request, for tests to read back
  actions       the IAM actions (and resources) each request needs, per
                access key, for the harness to hold to the rendered policy
  contract      every ECS, ECR, CloudWatch, S3, CloudFront and Route53 request
                checked against botocore's service model (`service_models`);
                what AWS would refuse is refused (400) and recorded
  faults        throttling, errors, conflicts, dropped/reset connections (S3,
                ECS, CloudWatch, CloudFront); S3 latency
  s3_regions    buckets in another region: 301 PermanentRedirect
  cloudwatch_alarms
                DescribeAlarms' AlarmTypes and pages; composite alarms
  cloudfront_cache
                edge caches: what stays stale, matching invalidation paths as
                CloudFront does
  cloudfront_invalidations
                invalidations that take time, CloudFront's in-progress limits
  cloudfront_oacs
                origin access controls paged, unique, not deleted in use
  cloudfront_fixes
                an origin's OriginAccessControlId, which moto drops
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
`message` names a request (service, operation; bucket and key for S3; the
ids in a CloudFront or Route53 path, named by `rest_names`), `upstream` is
moto (every request to it signed again by `signing` when moto enforces IAM),
`server` the HTTP side, `app` the chain and the routes, `cloudfront`
CloudFront's XML.

Adding a simulation: a module with `layer(req, next)` (answer, or change the
request or the answer), `ROUTES` ({(METHOD, "/path"): handler(req) -> Answer})
for its control calls and `reset()` for its state; list it in `app.py`.

Control API (not forwarded), under /__front:
- GET  /health                              -> 200 "ok"
- POST /reset                               -> clears scenarios, rollouts, service
                                               deployments, calls, tasks, faults,
                                               recorded actions, refusals and
                                               credentials
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
- POST /faults {"bucket" | "cluster" | "alarm" | "cloudfront", "operation", "key",
       "kind", "times": 1, "skip": 0, "percent", "seed"} -> a fault (see `faults`)
- GET  /faults                              -> every fault, with `seen` and `fired`
- DELETE /faults?bucket=NAME|cluster=NAME|alarm=NAME|cloudfront=TEXT
                                            -> drops those faults
- POST /s3/region {"bucket", "region"}      -> the bucket lives in that region
- POST /cloudfront/invalidations {"distribution", "takes_ms"}
                                            -> its invalidations stay InProgress that long
- POST /cloudfront/busy {"distribution", "file_paths", "wildcard_paths", "for_ms"}
                                            -> someone else's invalidations in flight
- GET  /cloudfront/stale?distribution=ID    -> the origin's keys edge caches may
                                               serve an old copy of
- POST /cloudfront/page-size {"max_items": N} -> ListOriginAccessControls pages (0: off)
- GET  /actions?principal=KEY[&since=N]     -> {"actions": [{"action", "resource",
       "service", "operation"}], "next": M}: what that access key's requests
       needed, from the Nth on
- GET  /contract[?principal=KEY]            -> the requests the contract check
       refused: {"principal", "service", "operation", "request", "problems"}
- POST /credentials {"access_key_id", "secret_access_key", "own_calls": false}
                                            -> requests signed with that key are
       signed again when the front changed them (moto's IAM enforcement); with
       own_calls, the front's own calls to moto are signed as that key

Clusters and services are matched by name: a name or an ARN is reduced to its
last path segment.
"""
