//! An `ecs` target (api/): its service, its task definitions and the roles
//! they pass, its ECR repository, and what `before_rollout`, `dockerfile` and
//! `alarms` add.

use serde_json::json;

use super::arn::Arns;
use super::document::Statement;
use super::Needs;
use crate::config::EcsTarget;

pub fn needs(arns: &Arns, target: &EcsTarget) -> Needs {
    // ECS takes a cluster or service by name or by ARN: the ARN's last segment
    // is the name.
    let cluster = last_segment(&target.cluster);
    let service = arns.regional(
        "ecs",
        &format!("service/{cluster}/{}", last_segment(&target.service)),
    );
    let repository = arns.regional("ecr", &format!("repository/{}", target.ecr_repository));
    // The service's deployments (ECS makes their ids): the watch follows its
    // own; a blue/green failure, an in-flight rollback or a cancelled job
    // stops it with a rollback.
    let deployments = arns.regional(
        "ecs",
        &format!(
            "service-deployment/{cluster}/{}/*",
            last_segment(&target.service)
        ),
    );
    let mut deploy = vec![
        // Read the service, point it at a revision (deploy, rollback).
        Statement::new(
            "EcsServices",
            &["ecs:DescribeServices", "ecs:UpdateService"],
            vec![service.clone()],
        ),
        Statement::new(
            "EcsServiceDeployments",
            &[
                "ecs:DescribeServiceDeployments",
                "ecs:StopServiceDeployment",
            ],
            vec![deployments.clone()],
        ),
        // These take no resource (Service Authorization Reference: no
        // resource type): `*`.
        Statement::new(
            "EcsTaskDefinitions",
            &[
                "ecs:DescribeTaskDefinition",
                "ecs:ListTaskDefinitions",
                "ecs:RegisterTaskDefinition",
            ],
            vec!["*".into()],
        ),
        // A new revision keeps the running one's tags: tagging on create.
        Statement::new(
            "EcsTagNewRevisions",
            &["ecs:TagResource"],
            vec![arns.regional("ecs", "task-definition/*")],
        )
        .when(json!({"StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}})),
        // The new revision names the running one's task and execution roles
        // (and RunTask starts a task with them): ECS may be handed them, no
        // other service.
        Statement::new(
            "PassTaskRoles",
            &["iam:PassRole"],
            vec![arns.global("iam", "role/*")],
        )
        .when(json!({"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}})),
        // The image tag must exist before anything changes.
        Statement::new(
            "EcrImages",
            &["ecr:DescribeRepositories", "ecr:DescribeImages"],
            vec![repository.clone()],
        ),
    ];
    if target.before_rollout.is_some() {
        let cluster_arn = arns.regional("ecs", &format!("cluster/{cluster}"));
        deploy.extend([
            // The one-off task runs a revision of any family, in this cluster only.
            Statement::new(
                "BeforeRolloutRunTask",
                &["ecs:RunTask"],
                vec![arns.regional("ecs", "task-definition/*")],
            )
            .when(json!({"ArnEquals": {"ecs:cluster": cluster_arn}})),
            Statement::new(
                "BeforeRolloutTasks",
                &["ecs:DescribeTasks", "ecs:StopTask"],
                vec![arns.regional("ecs", &format!("task/{cluster}/*"))],
            ),
            // A failed task's revision never ran: it is deregistered (no
            // resource type: `*`).
            Statement::new(
                "BeforeRolloutDeregister",
                &["ecs:DeregisterTaskDefinition"],
                vec!["*".into()],
            ),
        ]);
    }
    if target.dockerfile.is_some() {
        deploy.extend([
            // docker login: the token is for the registry, not a repository.
            Statement::new("EcrLogin", &["ecr:GetAuthorizationToken"], vec!["*".into()]),
            // docker push (ECR's "pushing an image" permissions).
            Statement::new(
                "EcrPush",
                &[
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:InitiateLayerUpload",
                    "ecr:UploadLayerPart",
                    "ecr:CompleteLayerUpload",
                    "ecr:PutImage",
                    "ecr:BatchGetImage",
                ],
                vec![repository.clone()],
            ),
        ]);
    }
    if !target.alarms.is_empty() {
        deploy.push(alarms());
    }
    Needs {
        deploy,
        drift: vec![
            Statement::new("EcsServices", &["ecs:DescribeServices"], vec![service]),
            // A deployment in progress: its strategy and stage.
            Statement::new(
                "EcsServiceDeployments",
                &["ecs:DescribeServiceDeployments"],
                vec![deployments],
            ),
            Statement::new(
                "EcsTaskDefinitions",
                &["ecs:DescribeTaskDefinition"],
                vec!["*".into()],
            ),
            Statement::new("EcrImages", &["ecr:DescribeImages"], vec![repository]),
        ],
    }
}

fn last_segment(name_or_arn: &str) -> &str {
    name_or_arn.rsplit('/').next().unwrap_or(name_or_arn)
}

/// `alarms`: DescribeAlarms, on `*` — composite alarms are returned only to a
/// caller whose permission is not narrowed to alarm ARNs (the DescribeAlarms
/// API reference).
pub fn alarms() -> Statement {
    Statement::new("Alarms", &["cloudwatch:DescribeAlarms"], vec!["*".into()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_named_by_its_arn_is_the_same_cluster() {
        let target: EcsTarget = toml::from_str(
            r#"cluster = "arn:aws:ecs:us-west-2:111122223333:cluster/main"
service = "api"
container = "app"
ecr_repository = "api"
before_rollout = { command = ["migrate"] }"#,
        )
        .unwrap();
        let needs = needs(&Arns::new("us-west-2", "111122223333"), &target);
        let resources: Vec<&str> = needs
            .deploy
            .iter()
            .flat_map(|s| s.resources.iter().map(String::as_str))
            .collect();
        assert!(resources.contains(&"arn:aws:ecs:us-west-2:111122223333:service/main/api"));
        assert!(resources.contains(&"arn:aws:ecs:us-west-2:111122223333:task/main/*"));
    }
}
