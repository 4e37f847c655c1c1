//! The harness reaches a real emulator with this crate's clients: an ECS
//! cluster and an ECR repository created and read back.

use test_support::{emulator, unique_name};

#[tokio::test]
async fn ecs_and_ecr_round_trip_through_moto() {
    let sdk = emulator().sdk_config().await;
    let clients = api::Clients::new(&sdk);
    let cluster = unique_name("api-cluster");
    clients
        .ecs
        .create_cluster()
        .cluster_name(&cluster)
        .send()
        .await
        .unwrap();
    let described = clients
        .ecs
        .describe_clusters()
        .clusters(&cluster)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = described
        .clusters()
        .iter()
        .filter_map(|c| c.cluster_name())
        .collect();
    assert_eq!(names, [cluster.as_str()]);

    let repo = unique_name("api-repo");
    clients
        .ecr
        .create_repository()
        .repository_name(&repo)
        .send()
        .await
        .unwrap();
    let repos = clients
        .ecr
        .describe_repositories()
        .repository_names(&repo)
        .send()
        .await
        .unwrap();
    assert_eq!(repos.repositories().len(), 1);
    // A tag that was never pushed is an error, which the image check will rely on.
    let missing = clients
        .ecr
        .describe_images()
        .repository_name(&repo)
        .image_ids(
            aws_sdk_ecr::types::ImageIdentifier::builder()
                .image_tag("nope")
                .build(),
        )
        .send()
        .await;
    assert!(missing.is_err(), "a missing tag must not be found");
}
