//! The contract check and the recorded IAM actions, through the SDK: a
//! request AWS would refuse (botocore's service model says so) is refused by
//! the front and recorded under its access key, in each protocol (ECS's JSON,
//! CloudWatch's CBOR once decoded, S3 and Route53 REST-XML), even where moto
//! takes it; and each request's actions are recorded as the Service
//! Authorization Reference names them.

use aws_sdk_ecs::types::{ContainerDefinition, NetworkMode};
use test_support::{emulator, unique_name};

async fn sdk_as(key: &str) -> aws_config::SdkConfig {
    emulator().sdk_config_as(key, "secret").await
}

fn code<E: aws_sdk_s3::error::ProvideErrorMetadata>(e: &E) -> String {
    format!("{} {}", e.code().unwrap_or("?"), e.message().unwrap_or(""))
}

#[tokio::test]
async fn an_ecs_request_outside_the_model_is_refused_though_moto_takes_it() {
    let key = unique_name("CONTRACTECS").to_uppercase().replace('-', "");
    let sdk = sdk_as(&key).await;
    let family = unique_name("contract");
    let bogus = |client: &aws_sdk_ecs::Client| {
        client
            .register_task_definition()
            .family(&family)
            .network_mode(NetworkMode::from("bridged"))
            .memory("512")
            .container_definitions(
                ContainerDefinition::builder()
                    .name("app")
                    .image("app:1")
                    .build(),
            )
    };

    let refused = bogus(&aws_sdk_ecs::Client::new(&sdk))
        .send()
        .await
        .expect_err("the front refuses an unknown networkMode");
    let text = code(refused.as_service_error().expect("a service error"));
    assert!(
        text.starts_with("ValidationException 1 validation error detected: Value 'bridged' at 'networkMode' failed to satisfy constraint: Member must satisfy enum value set: [bridge, host, awsvpc, none]"),
        "{text}"
    );
    let recorded = emulator().refused_requests(&key);
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert!(
        recorded[0].starts_with("ecs RegisterTaskDefinition (POST /)"),
        "{recorded:?}"
    );

    // moto itself takes it: only the check stands between the tool and a
    // request AWS refuses.
    let moto = aws_sdk_ecs::Client::from_conf(
        aws_sdk_ecs::config::Builder::from(&sdk)
            .endpoint_url(emulator().moto_endpoint())
            .build(),
    );
    bogus(&moto).send().await.expect("moto registers it");
}

#[tokio::test]
async fn cloudwatch_is_checked_once_its_cbor_is_decoded() {
    let key = unique_name("CONTRACTCW").to_uppercase().replace('-', "");
    let cw = aws_sdk_cloudwatch::Client::new(&sdk_as(&key).await);
    let refused = cw
        .describe_alarms()
        .alarm_names("a")
        .max_records(1000)
        .send()
        .await
        .expect_err("MaxRecords is 1 to 100");
    let text = code(refused.as_service_error().expect("a service error"));
    assert!(text.contains("ValidationException"), "{text}");
    assert!(
        text.contains("Value '1000' at 'MaxRecords' failed to satisfy constraint: Member must have value less than or equal to 100"),
        "{text}"
    );
    cw.describe_alarms()
        .alarm_names("a")
        .send()
        .await
        .expect("a request the model allows goes through");
    assert_eq!(emulator().refused_requests(&key).len(), 1);
}

#[tokio::test]
async fn rest_xml_requests_are_read_through_the_model_uri_headers_and_body() {
    let key = unique_name("CONTRACTXML").to_uppercase().replace('-', "");
    let sdk = sdk_as(&key).await;
    let s3 = aws_sdk_s3::Client::new(&sdk);
    let bucket = unique_name("contract");
    s3.create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("a valid CreateBucket");
    // An enum in the XML body.
    let refused = s3
        .put_bucket_versioning()
        .bucket(&bucket)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::from("Sometimes"))
                .build(),
        )
        .send()
        .await
        .expect_err("Status is Enabled or Suspended");
    let text = code(refused.as_service_error().expect("a service error"));
    assert!(text.starts_with("InvalidArgument"), "{text}");
    assert!(
        text.contains("Value 'Sometimes' at 'VersioningConfiguration.Status'"),
        "{text}"
    );
    // A header's enum.
    let refused = s3
        .put_object()
        .bucket(&bucket)
        .key("k")
        .storage_class(aws_sdk_s3::types::StorageClass::from("COLD"))
        .body(b"x".to_vec().into())
        .send()
        .await
        .expect_err("an unknown storage class");
    assert!(code(refused.as_service_error().unwrap()).contains("at 'StorageClass'"));

    // Route53: a length in the XML body of ChangeResourceRecordSets.
    let r53 = aws_sdk_route53::Client::new(&sdk);
    let zone = r53
        .create_hosted_zone()
        .name(format!("{bucket}.example.com"))
        .caller_reference(&bucket)
        .send()
        .await
        .expect("a zone")
        .hosted_zone()
        .map(|z| z.id().rsplit('/').next().unwrap_or_default().to_string())
        .expect("its id");
    use aws_sdk_route53::types::{
        Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType,
    };
    let long_name = format!("{}.{bucket}.example.com", "a".repeat(1030));
    let refused = r53
        .change_resource_record_sets()
        .hosted_zone_id(&zone)
        .change_batch(
            ChangeBatch::builder()
                .changes(
                    Change::builder()
                        .action(ChangeAction::Upsert)
                        .resource_record_set(
                            ResourceRecordSet::builder()
                                .name(long_name)
                                .r#type(RrType::Txt)
                                .ttl(60)
                                .resource_records(
                                    ResourceRecord::builder().value("\"x\"").build().unwrap(),
                                )
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect_err("a name is at most 1024 characters");
    let text = code(refused.as_service_error().unwrap());
    assert!(text.starts_with("InvalidInput"), "{text}");
    assert!(
        text.contains("Member must have length less than or equal to 1024"),
        "{text}"
    );

    let recorded = emulator().refused_requests(&key);
    assert_eq!(recorded.len(), 3, "{recorded:#?}");
    assert!(
        recorded[0].starts_with("s3 PutBucketVersioning (PUT /"),
        "{recorded:?}"
    );
    assert!(recorded[1].starts_with("s3 PutObject"), "{recorded:?}");
    assert!(
        recorded[2].starts_with("route53 ChangeResourceRecordSets"),
        "{recorded:?}"
    );
}

#[tokio::test]
async fn each_request_records_the_iam_actions_it_needs_under_its_access_key() {
    let key = unique_name("ACTIONS").to_uppercase().replace('-', "");
    let sdk = sdk_as(&key).await;
    let s3 = aws_sdk_s3::Client::new(&sdk);
    let bucket = unique_name("actions");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    test_support::enable_versioning(&s3, &bucket).await;
    let put = s3
        .put_object()
        .bucket(&bucket)
        .key("a b.html")
        .body(b"1".to_vec().into())
        .send()
        .await
        .unwrap();
    let version = put.version_id().expect("versioned").to_string();
    s3.copy_object()
        .bucket(&bucket)
        .key("copy.html")
        .copy_source(format!("{bucket}/a%20b.html?versionId={version}"))
        .send()
        .await
        .unwrap();
    s3.head_bucket().bucket(&bucket).send().await.unwrap();
    s3.delete_objects()
        .bucket(&bucket)
        .delete(
            aws_sdk_s3::types::Delete::builder()
                .objects(
                    aws_sdk_s3::types::ObjectIdentifier::builder()
                        .key("copy.html")
                        .build()
                        .unwrap(),
                )
                .objects(
                    aws_sdk_s3::types::ObjectIdentifier::builder()
                        .key("a b.html")
                        .version_id(&version)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let _ = ecs
        .describe_services()
        .cluster("c1")
        .services("web")
        .send()
        .await;

    let (actions, next) = emulator().actions_of(&key, 0);
    let seen: Vec<(String, String)> = actions
        .iter()
        .map(|a| (a.action.clone(), a.resource.clone()))
        .collect();
    let arn = |k: &str| format!("arn:aws:s3:::{bucket}{k}");
    let expected = [
        ("s3:CreateBucket".to_string(), arn("")),
        ("s3:PutBucketVersioning".to_string(), arn("")),
        ("s3:PutObject".to_string(), arn("/a b.html")),
        ("s3:PutObject".to_string(), arn("/copy.html")),
        ("s3:GetObjectVersion".to_string(), arn("/a b.html")),
        ("s3:ListBucket".to_string(), arn("")),
        ("s3:DeleteObject".to_string(), arn("/copy.html")),
        ("s3:DeleteObjectVersion".to_string(), arn("/a b.html")),
        (
            "ecs:DescribeServices".to_string(),
            "arn:aws:ecs:us-east-1:123456789012:service/c1/web".to_string(),
        ),
    ];
    assert_eq!(seen, expected);
    assert_eq!(next, expected.len());
    assert!(emulator().actions_of(&key, next).0.is_empty());
}
