//! The AWS front before moto, through the real AWS SDK: ECS rollouts
//! per scenario (healthy, crash loop with and without the circuit breaker's
//! rollback, stuck), ECS service deployments and strategies (stages by time,
//! ECS's own rollback, StopServiceDeployment, superseded, lagging reads), what
//! ECS refuses and moto accepts, the GetBucketVersioning correction, and plain
//! forwarding of large and chunked bodies.
//!
//! The ECS services are FARGATE services of an awsvpc task definition created
//! without a networkConfiguration: moto 5.2.5 accepts that (real ECS would not),
//! so no EC2 subnet or security group is needed.
//!
//! One module per part of the front: `rollouts` (with its service fixture,
//! `service`), `deployments` and `deployment_ends` (service deployments),
//! `refusals` (controllers, INACTIVE revisions), `forwarding` (S3 corrections
//! and plain forwarding), `s3` (buckets in other regions, conditional-write
//! conflicts), `cloudfront` (invalidation limits, the edge cache, origin access
//! controls), `cloudwatch` (alarm types, pages, composite alarms, faults) and
//! `contract` (requests checked against the service models, IAM actions
//! recorded).

mod cloudfront;
mod cloudwatch;
mod contract;
mod deployment_ends;
mod deployments;
mod forwarding;
mod refusals;
mod rollouts;
mod s3;
mod service;
