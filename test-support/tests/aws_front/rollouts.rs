//! ECS rollouts per scenario: healthy, crash loop with and without the circuit
//! breaker's rollback, stuck.

use super::service::{active_with, messages, primary, state, Fixture};
use test_support::{emulator, RolloutOutcome, RolloutScenario};

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
