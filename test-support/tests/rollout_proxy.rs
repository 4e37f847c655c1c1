//! The rollout proxy in front of moto, through the real AWS SDK: ECS rollouts
//! per scenario (healthy, crash loop with and without the circuit breaker's
//! rollback, stuck), the GetBucketVersioning correction, and plain forwarding
//! of large and chunked bodies.
//!
//! The ECS services are FARGATE services of an awsvpc task definition created
//! without a networkConfiguration: moto 5.2.5 accepts that (real ECS would not),
//! so no EC2 subnet or security group is needed.

use aws_sdk_ecs::types::{Compatibility, ContainerDefinition, Deployment, LaunchType, NetworkMode};
use std::io::{Read, Write};
use test_support::{emulator, unique_name, RolloutOutcome, RolloutScenario};

/// A cluster with one service running revision 1 of a family that also has a
/// revision 2, ready to be rolled out.
struct Fixture {
    ecs: aws_sdk_ecs::Client,
    cluster: String,
    cluster_arn: String,
    service: String,
    service_arn: String,
    family: String,
    old_td: String,
    new_td: String,
    desired: i32,
}

impl Fixture {
    async fn new(prefix: &str, desired: i32) -> Fixture {
        let sdk = emulator().sdk_config().await;
        let ecs = aws_sdk_ecs::Client::new(&sdk);
        let cluster = unique_name(prefix);
        let cluster_arn = ecs
            .create_cluster()
            .cluster_name(&cluster)
            .send()
            .await
            .expect("create cluster")
            .cluster()
            .and_then(|c| c.cluster_arn())
            .expect("cluster ARN")
            .to_string();
        let family = format!("{cluster}-app");
        let mut arns = Vec::new();
        for image in ["app:1", "app:2"] {
            let registered = ecs
                .register_task_definition()
                .family(&family)
                .requires_compatibilities(Compatibility::Fargate)
                .network_mode(NetworkMode::Awsvpc)
                .cpu("256")
                .memory("512")
                .container_definitions(
                    ContainerDefinition::builder()
                        .name("app")
                        .image(image)
                        .essential(true)
                        .build(),
                )
                .send()
                .await
                .expect("register task definition");
            arns.push(
                registered
                    .task_definition()
                    .and_then(|t| t.task_definition_arn())
                    .expect("task definition ARN")
                    .to_string(),
            );
        }
        let service = "web".to_string();
        let created = ecs
            .create_service()
            .cluster(&cluster)
            .service_name(&service)
            .task_definition(&arns[0])
            .desired_count(desired)
            .launch_type(LaunchType::Fargate)
            .send()
            .await
            .expect("create service");
        let created = created.service().expect("service");
        // A new service is shown settled: one deployment, COMPLETED, all running.
        assert_eq!(created.running_count(), desired);
        assert_eq!(created.deployments().len(), 1);
        assert_eq!(
            created.deployments()[0].rollout_state().map(|s| s.as_str()),
            Some("COMPLETED")
        );
        let service_arn = created.service_arn().expect("service ARN").to_string();
        let (old_td, new_td) = (arns[0].clone(), arns[1].clone());
        Fixture {
            ecs,
            cluster,
            cluster_arn,
            service,
            service_arn,
            family,
            old_td,
            new_td,
            desired,
        }
    }

    async fn set(&self, outcome: RolloutOutcome, steps: u32, circuit_breaker_rollback: bool) {
        emulator()
            .set_rollout(
                &self.cluster,
                &self.service,
                RolloutScenario {
                    outcome,
                    steps,
                    circuit_breaker_rollback,
                    task_definition: None,
                },
            )
            .await;
    }

    async fn update_to(&self, task_definition: &str) -> aws_sdk_ecs::types::Service {
        self.ecs
            .update_service()
            .cluster(&self.cluster)
            .service(&self.service)
            .task_definition(task_definition)
            .send()
            .await
            .expect("update service")
            .service()
            .expect("service")
            .clone()
    }

    /// One DescribeServices call: one step of the simulated rollout.
    async fn poll(&self) -> aws_sdk_ecs::types::Service {
        let described = self
            .ecs
            .describe_services()
            .cluster(&self.cluster)
            .services(&self.service)
            .send()
            .await
            .expect("describe services");
        assert!(described.failures().is_empty(), "{described:?}");
        described.services()[0].clone()
    }
}

fn primary(service: &aws_sdk_ecs::types::Service) -> &Deployment {
    let primaries: Vec<&Deployment> = service
        .deployments()
        .iter()
        .filter(|d| d.status() == Some("PRIMARY"))
        .collect();
    assert_eq!(primaries.len(), 1, "one PRIMARY deployment: {service:?}");
    primaries[0]
}

fn active_with<'a>(service: &'a aws_sdk_ecs::types::Service, td: &str) -> &'a Deployment {
    service
        .deployments()
        .iter()
        .find(|d| d.status() == Some("ACTIVE") && d.task_definition() == Some(td))
        .unwrap_or_else(|| panic!("an ACTIVE deployment of {td}: {service:?}"))
}

fn state(deployment: &Deployment) -> &str {
    deployment.rollout_state().map(|s| s.as_str()).unwrap_or("")
}

fn messages(service: &aws_sdk_ecs::types::Service) -> Vec<&str> {
    service
        .events()
        .iter()
        .filter_map(|e| e.message())
        .collect()
}

#[tokio::test]
async fn a_healthy_rollout_ramps_up_over_the_steps_and_completes() {
    let f = Fixture::new("rollout-healthy", 4).await;
    // Names and ARNs both identify the service, here and in the SDK calls.
    emulator()
        .set_rollout(
            &f.cluster_arn,
            &f.service,
            RolloutScenario {
                steps: 3,
                ..RolloutScenario::default()
            },
        )
        .await;

    // The client names the revision as family:revision; ECS reports the ARN.
    let updated = f
        .ecs
        .update_service()
        .cluster(&f.cluster_arn)
        .service(&f.service_arn)
        .task_definition(format!("{}:2", f.family))
        .send()
        .await
        .expect("update service")
        .service()
        .expect("service")
        .clone();
    assert_eq!(updated.task_definition(), Some(f.new_td.as_str()));
    let new = primary(&updated);
    assert_eq!(new.task_definition(), Some(f.new_td.as_str()));
    assert_eq!(state(new), "IN_PROGRESS");
    assert_eq!(new.running_count(), 0);
    assert!(new.id().unwrap().starts_with("ecs-svc/"), "{new:?}");
    assert_eq!(active_with(&updated, &f.old_td).running_count(), 4);
    assert!(messages(&updated)[0].starts_with("(service web) has started 4 tasks: (task "));

    let mut ramp = Vec::new();
    for _ in 0..2 {
        let service = f.poll().await;
        let new = primary(&service);
        assert_eq!(state(new), "IN_PROGRESS", "{service:?}");
        assert_eq!(new.pending_count(), 4 - new.running_count());
        let old = active_with(&service, &f.old_td);
        assert_eq!(
            old.running_count() + new.running_count(),
            4,
            "old ones drain"
        );
        assert_eq!(service.running_count(), 4);
        ramp.push(new.running_count());
    }
    assert_eq!(ramp, [2, 3], "ceil(4 * step / 3) tasks running");

    let done = f.poll().await;
    let new = primary(&done);
    assert_eq!(state(new), "COMPLETED");
    assert_eq!(new.running_count(), 4);
    assert_eq!(new.pending_count(), 0);
    assert_eq!(done.deployments().len(), 1, "the old deployment is gone");
    assert_eq!(done.task_definition(), Some(f.new_td.as_str()));
    assert_eq!(done.running_count(), 4);
    let events = messages(&done);
    assert_eq!(events[0], "(service web) has reached a steady state.");
    assert_eq!(
        events[1],
        format!(
            "(service web) (deployment {}) deployment completed.",
            new.id().unwrap()
        )
    );
    // Events are newest first.
    let times: Vec<f64> = done
        .events()
        .iter()
        .map(|e| e.created_at().unwrap().as_secs_f64())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");

    // Settled: more polls change nothing.
    let later = f.poll().await;
    assert_eq!(state(primary(&later)), "COMPLETED");
    assert_eq!(primary(&later).id(), new.id());

    // A desired count change alone is not a rollout.
    let scaled = f
        .ecs
        .update_service()
        .cluster(&f.cluster)
        .service(&f.service)
        .desired_count(2)
        .send()
        .await
        .unwrap()
        .service()
        .unwrap()
        .clone();
    assert_eq!(scaled.deployments().len(), 1);
    assert_eq!(primary(&scaled).id(), new.id());
    assert_eq!(scaled.running_count(), 2);
    assert_eq!(scaled.task_definition(), Some(f.new_td.as_str()));

    assert_eq!(
        emulator().ecs_calls_for(&f.cluster),
        [
            "CreateCluster",
            "CreateService",
            "UpdateService",
            "DescribeServices",
            "DescribeServices",
            "DescribeServices",
            "DescribeServices",
            "UpdateService"
        ]
    );
    let all = emulator().ecs_calls();
    assert!(
        all.iter().any(|op| op == "RegisterTaskDefinition"),
        "{all:?}"
    );
}

#[tokio::test]
async fn a_crash_loop_fails_by_the_circuit_breaker_and_stays_failed_without_rollback() {
    let f = Fixture::new("rollout-crash", 2).await;
    f.set(RolloutOutcome::CrashLoop, 3, false).await;
    f.update_to(&f.new_td).await;

    // Threshold for 2 desired tasks: max(3, min(200, ceil(2 / 2))) = 3.
    for failed in 1..=2 {
        let service = f.poll().await;
        assert_eq!(state(primary(&service)), "IN_PROGRESS");
        assert_eq!(primary(&service).failed_tasks(), failed);
        assert_eq!(primary(&service).running_count(), 0);
    }
    let failed = f.poll().await;
    let new = primary(&failed);
    assert_eq!(state(new), "FAILED", "{failed:?}");
    assert!(new.failed_tasks() >= 3);
    assert_eq!(
        new.rollout_state_reason(),
        Some("ECS deployment circuit breaker: tasks failed to start.")
    );
    assert_eq!(new.task_definition(), Some(f.new_td.as_str()));
    assert_eq!(active_with(&failed, &f.old_td).running_count(), 2);
    assert_eq!(failed.running_count(), 2, "the old tasks keep serving");
    let events = messages(&failed);
    assert!(events[0].contains("deployment failed: tasks failed to start."));
    assert!(events
        .iter()
        .any(|m| m.contains("stopped: Essential container in task exited")));

    // Without rollback it stays so.
    for _ in 0..3 {
        let service = f.poll().await;
        assert_eq!(state(primary(&service)), "FAILED");
        assert_eq!(service.task_definition(), Some(f.new_td.as_str()));
        assert_eq!(primary(&service).failed_tasks(), 3);
    }

    // Rolling back by hand is one more rollout, here a healthy one.
    f.set(RolloutOutcome::Healthy, 2, false).await;
    let back = f.update_to(&f.old_td).await;
    assert_eq!(primary(&back).task_definition(), Some(f.old_td.as_str()));
    assert_eq!(state(primary(&back)), "IN_PROGRESS");
    f.poll().await;
    let done = f.poll().await;
    assert_eq!(state(primary(&done)), "COMPLETED");
    assert_eq!(done.task_definition(), Some(f.old_td.as_str()));
    assert_eq!(done.deployments().len(), 1);
    assert_eq!(done.running_count(), 2);
}

#[tokio::test]
async fn a_crash_loop_with_rollback_returns_to_the_old_revision() {
    let f = Fixture::new("rollout-rollback", 2).await;
    f.set(RolloutOutcome::CrashLoop, 2, true).await;
    f.update_to(&f.new_td).await;

    let mut polls = 0;
    let failed = loop {
        polls += 1;
        assert!(polls <= 10, "no failure after 10 polls");
        let service = f.poll().await;
        if state(primary(&service)) == "FAILED" {
            break service;
        }
    };
    assert_eq!(polls, 3);
    assert_eq!(primary(&failed).task_definition(), Some(f.new_td.as_str()));
    assert!(primary(&failed).failed_tasks() >= 3);

    // The next poll shows ECS's rollback: a new PRIMARY with the old revision.
    let rolling_back = f.poll().await;
    let back = primary(&rolling_back);
    assert_eq!(back.task_definition(), Some(f.old_td.as_str()));
    assert_eq!(state(back), "IN_PROGRESS");
    assert!(back
        .rollout_state_reason()
        .unwrap()
        .starts_with("ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/"));
    assert_eq!(rolling_back.task_definition(), Some(f.old_td.as_str()));
    let was_new = active_with(&rolling_back, &f.new_td);
    assert_eq!(state(was_new), "FAILED");
    assert!(messages(&rolling_back)
        .iter()
        .any(|m| m.starts_with("(service web) rolling back to deployment ecs-svc/")));

    // `steps` more polls and the rollback is complete.
    let mid = f.poll().await;
    assert_eq!(state(primary(&mid)), "IN_PROGRESS");
    let done = f.poll().await;
    let back = primary(&done);
    assert_eq!(state(back), "COMPLETED");
    assert_eq!(back.task_definition(), Some(f.old_td.as_str()));
    assert_eq!(back.running_count(), 2);
    assert_eq!(done.deployments().len(), 1, "the failed deployment is gone");
    assert_eq!(done.task_definition(), Some(f.old_td.as_str()));
}

#[tokio::test]
async fn a_stuck_rollout_stays_in_progress() {
    let f = Fixture::new("rollout-stuck", 3).await;
    f.set(RolloutOutcome::Stuck, 3, true).await;
    f.update_to(&f.new_td).await;
    for _ in 0..10 {
        let service = f.poll().await;
        let new = primary(&service);
        assert_eq!(new.task_definition(), Some(f.new_td.as_str()));
        assert_eq!(state(new), "IN_PROGRESS");
        assert_eq!(new.running_count(), 0);
        assert_eq!(new.pending_count(), f.desired);
        assert_eq!(new.failed_tasks(), 0);
        assert_eq!(active_with(&service, &f.old_td).running_count(), f.desired);
        assert_eq!(service.deployments().len(), 2);
    }
}

#[tokio::test]
async fn get_bucket_versioning_parses_through_the_proxy_not_straight_from_moto() {
    let sdk = emulator().sdk_config().await;
    let s3 = aws_sdk_s3::Client::new(&sdk);
    let bucket = unique_name("versioning");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();

    // Never versioned: moto answers an empty, self-closing root element.
    let never = s3.get_bucket_versioning().bucket(&bucket).send().await;
    assert_eq!(never.expect("parses through the proxy").status(), None);

    s3.put_bucket_versioning()
        .bucket(&bucket)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let got = s3
        .get_bucket_versioning()
        .bucket(&bucket)
        .send()
        .await
        .expect("parses through the proxy");
    assert_eq!(
        got.status(),
        Some(&aws_sdk_s3::types::BucketVersioningStatus::Enabled)
    );

    // moto's own answer is what the proxy corrects: the SDK rejects it.
    let direct = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .endpoint_url(emulator().moto_endpoint())
            .build(),
    );
    let err = direct
        .get_bucket_versioning()
        .bucket(&bucket)
        .send()
        .await
        .expect_err("moto's GetBucketVersioningResponse root is rejected");
    let err = format!("{err:?}");
    assert!(err.contains("VersioningConfiguration"), "{err}");
}

#[tokio::test]
async fn large_bodies_and_head_requests_pass_through_unchanged() {
    let sdk = emulator().sdk_config().await;
    let s3 = aws_sdk_s3::Client::new(&sdk);
    let bucket = unique_name("large-body");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let data: Vec<u8> = (0..3 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    s3.put_object()
        .bucket(&bucket)
        .key("big.bin")
        .body(data.clone().into())
        .send()
        .await
        .unwrap();
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("big.bin")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length(), Some(data.len() as i64));
    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("big.bin")
        .send()
        .await
        .unwrap();
    let body = got.body.collect().await.unwrap().into_bytes();
    assert_eq!(body.len(), data.len());
    assert!(body[..] == data[..], "the body comes back byte for byte");
}

#[tokio::test]
async fn a_chunked_request_body_is_forwarded_whole() {
    let sdk = emulator().sdk_config().await;
    let s3 = aws_sdk_s3::Client::new(&sdk);
    let bucket = unique_name("chunked");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();

    // moto does not check signatures; the Authorization header names the account.
    let port = emulator()
        .endpoint()
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    let mut stream = std::net::TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    let request = format!(
        "PUT /{bucket}/chunked.txt HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
         6\r\nhello \r\n6;ext=1\r\nchunky\r\n1\r\n!\r\n0\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("chunked.txt")
        .send()
        .await
        .unwrap();
    let body = got.body.collect().await.unwrap().into_bytes();
    assert_eq!(&body[..], b"hello chunky!");
}
