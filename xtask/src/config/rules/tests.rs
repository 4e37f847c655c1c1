//! Each rule as a table of values taken and refused.

use super::*;
use std::time::Duration;

#[test]
fn each_rule_takes_what_aws_takes_and_refuses_the_rest() {
    let table: &[(&str, Rule, &[&str], &[&str])] = &[
        (
            "S3 bucket",
            s3_bucket,
            &["connect2-web-prod", "a.b-c", "abc"],
            &["Hold_Web", "ab", "", "a..b", "-a", "a-", "192.168.1.1", "xn--a", "a-s3alias", "sthree-a", "amzn-s3-demo-a", "a--ol-s3", "a.mrap", "a--x-s3", "a--table-s3", &"a".repeat(64)],
        ),
        (
            "ECR repository",
            ecr_repository,
            &["connect2-api-prod", "team/api", "a__b", "a.b", "a--b"],
            &["A", "a", "-a", "a-", "a/", "/a", "a//b", "a b", "a_-b", &"a".repeat(257)],
        ),
        (
            "image tag",
            image_tag,
            &["3f2c1ab", "v1.2.3", "_x", "LATEST", &"a".repeat(128)],
            &["bad tag", "x:y/z", "", ".x", "-x", "a@b", &"a".repeat(129)],
        ),
        (
            "ECS cluster",
            ecs_cluster,
            &["connect2-api-cluster-prod", "A_b", "arn:aws:ecs:us-east-1:123456789012:cluster/c"],
            &["", "a b", "a/b", "a.b", &"a".repeat(256), "arn:aws:ecs:us-east-1:1:cluster/c"],
        ),
        (
            "ECS service",
            ecs_service,
            &["api", "arn:aws:ecs:us-east-1:123456789012:service/c/s", "arn:aws:ecs:us-east-1:123456789012:service/s"],
            &["", "a:b", "a b"],
        ),
        ("container", ecs_container, &["app", "log-router"], &["", "a.b", "a b"]),
        ("alarm", alarm_name, &["connect2-api-5xx-prod", "p99 latency > 1s", "é"], &["", "a\nb", "a\tb", &"a".repeat(256)]),
        ("distribution", distribution_id, &["E2QWRUHAPOMQZL", "EDFDVBD632BHDS5"], &["", "e2qw", "E2/../x", "E 2"]),
        ("zone", hosted_zone_id, &["Z1D633PJN98FT9", "/hostedzone/Z1D633PJN98FT9"], &["", "z1", &"Z".repeat(33), "Z1/x"]),
        (
            "certificate",
            acm_certificate_arn,
            &["arn:aws:acm:us-east-1:123456789012:certificate/abc", "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"],
            &["arn:aws:acm:eu-west-1:123456789012:certificate/abc", "abc", "arn:aws:iam::123456789012:role/x", "arn:aws:acm:us-east-1:123456789012:certificate/a b"],
        ),
        (
            "role",
            iam_role_arn,
            &["arn:aws:iam::123456789012:role/deploy", "arn:aws:iam::123456789012:role/service-role/drift-read-only", "arn:aws-us-gov:iam::123456789012:role/d"],
            &["", "deploy", "arn:aws:iam::1234:role/x", "arn:aws:iam::123456789012:user/x", "arn:aws:iam::123456789012:role/${{ x }}", "arn:aws:iam::123456789012:role/a b"],
        ),
        ("region", region, &["us-west-2", "eu-central-1", "us-gov-west-1", "ap-southeast-7"], &["", "us-west", "US-WEST-2", "uswest2", "us-west-2 "]),
        ("branch", git_branch, &["main", "release/2.0", "feature_x-1"], &["", "-x", "a..b", "a/", "a.lock", ".x", "a b", "a:b", "a~1", "${{x}}", "a//b"]),
        ("project", project_name, &["connect2", "e2e", "My.App_1"], &["", "-x", "a b", &"a".repeat(64)]),
        ("header", header_value, &["no-cache", "public, max-age=31536000, immutable"], &["", " ", "no-cache\nX-Evil: 1", "a\rb", "a\tb", "é", &"a".repeat(1025)]),
        (
            "URL",
            http_url,
            &["https://api.example.com/health", "http://127.0.0.1:8080/h?x=1"],
            &["", "ftp://x/y", "https://", "api.example.com/health", "https://a b/", "https://u:p@x/", "https://x/\n"],
        ),
        ("path", repo_path, &["web/dist", "./web/dist", "web/../web/dist", "api/Dockerfile", "."], &["", "/etc", "../../etc", "web/../../x", "a\nb"]),
        ("variable", variable_name, &["APP_ENV", "_x", "a1"], &["", "1a", "A-B", "A B", "A=B"]),
        ("terraform variable", terraform_variable, &["vpc_id", "a-b", "_x"], &["", "1a", "a.b", "a b"]),
        ("stage", docker_stage, &["production", "build-1", "A.b_c"], &["", "-x", "1a", "a b"]),
        ("platform", docker_platform, &["linux/amd64", "linux/arm64", "linux/arm/v7"], &["", "linux", "linux/amd64,linux/arm64", "Linux/AMD64", "--push"]),
        ("key", s3_key, &["shared/terraform.tfstate", "a"], &["", "/a", "a/", "a//b", "a\nb", &"a".repeat(1025)]),
        ("domain", dns_name, &["pr-1.app.example.com", "a.b", "a.b."], &["", "localhost", "a_b.c", "-a.b", "a-.b", "a..b", &format!("{}.com", "a".repeat(64))]),
    ];
    for (what, rule, good, bad) in table {
        for v in *good {
            assert!(rule(v).is_ok(), "{what}: {v:?} refused: {:?}", rule(v));
        }
        for v in *bad {
            let e = rule(v).expect_err(&format!("{what}: {v:?} taken"));
            assert!(e.starts_with("expected"), "{what}: {e}");
            assert!(!e.contains('\n'), "{what}: one line: {e:?}");
        }
    }
}

#[test]
fn each_key_has_its_rule_and_placeholders_wait_for_their_values() {
    assert!(check_key("cluster", "a b").is_err());
    assert!(check_key("cluster", "{shared.cluster}").is_ok());
    assert!(check_key("alarms[3]", "a\nb").is_err());
    assert!(check_key("cache[1].cache_control", "x\ny").is_err());
    assert!(check_key("docker_build_args.APP_ENV", "a\0b").is_err());
    assert!(check_key("vars.vpc_id", "anything").is_ok());
    assert!(check_key("paths", "anything").is_ok());
    // A path is checked with a placeholder as one folder.
    assert!(check_key("build_dir", "web/{web-infra.dist}").is_ok());
    assert!(check_key("build_dir", "../{web-infra.dist}").is_err());
    assert!(check_key("dir", "{shared.x}/../..").is_err());
    // Preview names hold {pr}, and are checked with a number in it.
    assert!(check_key("preview_bucket", "pr-{pr}-web").is_ok());
    assert!(check_key("preview_bucket", "pr-web").is_err());
    assert!(check_key("preview_bucket", "PR-{pr}").is_err());
    assert!(check_key("preview_domain", "pr-{pr}.{shared.domain}").is_ok());
    assert!(path_part("dist").is_ok() && path_part("web/dist").is_ok());
    for bad in ["..", "a/../..", "/etc", ".", ""] {
        assert!(path_part(bad).is_err(), "{bad}");
    }
    assert!(pending("{shared.x}") && !pending("pr-{pr}") && !pending("x"));
}

#[test]
fn durations_are_positive_and_bounded() {
    let s = Duration::from_secs;
    assert!(duration(s(1), Duration::ZERO, MAX_DURATION).is_ok());
    assert!(duration(MAX_DURATION, Duration::ZERO, MAX_DURATION).is_ok());
    assert!(duration(Duration::ZERO, Duration::ZERO, MAX_DURATION)
        .unwrap_err()
        .contains("more than 0s"));
    assert!(duration(s(25 * 3600), Duration::ZERO, MAX_DURATION)
        .unwrap_err()
        .contains("at most 24h, got 25h"));
    assert!(
        duration(Duration::from_millis(5), Duration::from_millis(10), s(60))
            .unwrap_err()
            .contains("at least 10ms")
    );
}
