//! Names as AWS, git and docker take them: each rule's characters and lengths
//! from the API reference and botocore's model of it.

use std::sync::LazyLock;

use regex::Regex;

use super::{control, got, pattern};

/// S3 general purpose bucket naming rules (the S3 user guide's "Bucket naming
/// rules"), as `web_deployer::preview::check_bucket_name` applies them.
pub fn s3_bucket(name: &str) -> Result<(), String> {
    web_deployer::preview::check_bucket_name(name).map_err(|e| match e {
        web_deployer::preview::PreviewError::BadBucketName { reason, .. } => {
            format!("expected an S3 bucket name, {}: it {reason}", got(name))
        }
        other => other.to_string(),
    })
}

/// An object key for a Terraform state: S3 takes 1 to 1,024 bytes of UTF-8;
/// a key that starts or ends with `/` or holds `//` or a control character is
/// refused (it names no file in a folder view, and Terraform's backend joins
/// workspace prefixes with `/`).
pub fn s3_key(key: &str) -> Result<(), String> {
    let ok = !key.is_empty()
        && key.len() <= 1024
        && !control(key)
        && !key.starts_with('/')
        && !key.ends_with('/')
        && !key.contains("//");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "expected an S3 key of 1 to 1024 bytes, without control characters, a leading or trailing `/` or `//` (e.g. \"shared/terraform.tfstate\"), {}",
            got(key)
        ))
    }
}

/// ECR's `RepositoryName` (botocore: 2 to 256 characters, this pattern).
static ECR_REPOSITORY: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$")
});

pub fn ecr_repository(name: &str) -> Result<(), String> {
    if (2..=256).contains(&name.len()) && ECR_REPOSITORY.is_match(name) {
        Ok(())
    } else {
        Err(format!(
            "expected an ECR repository name: 2 to 256 characters, lowercase letters and digits in groups joined by `.`, `_`, `__` or `-`, optionally in `/`-separated parts (e.g. \"connect2-api-prod\"), {}",
            got(name)
        ))
    }
}

/// An image tag as docker and ECR take it (the ECR user guide: letters,
/// digits, `_`, `.` and `-`, not starting with `.` or `-`, up to 128).
static IMAGE_TAG: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"));

pub fn image_tag(tag: &str) -> Result<(), String> {
    if IMAGE_TAG.is_match(tag) {
        Ok(())
    } else {
        Err(format!(
            "expected an image tag: 1 to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-` (e.g. 3f2c1ab or v1.2.3), {}",
            got(tag)
        ))
    }
}

/// ECS cluster, service and container names (the API reference: "Up to 255
/// letters (uppercase and lowercase), numbers, underscores, and hyphens").
static ECS_NAME: LazyLock<Regex> = LazyLock::new(|| pattern(r"^[A-Za-z0-9_-]{1,255}$"));
static ECS_CLUSTER_ARN: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:cluster/[A-Za-z0-9_-]{1,255}$")
});
static ECS_SERVICE_ARN: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:service/([A-Za-z0-9_-]{1,255}/)?[A-Za-z0-9_-]{1,255}$",
    )
});

const ECS_NAME_RULE: &str = "1 to 255 letters, digits, `_` and `-`";

pub fn ecs_cluster(name: &str) -> Result<(), String> {
    if ECS_NAME.is_match(name) || ECS_CLUSTER_ARN.is_match(name) {
        Ok(())
    } else {
        Err(format!(
            "expected an ECS cluster name ({ECS_NAME_RULE}) or ARN, {}",
            got(name)
        ))
    }
}

pub fn ecs_service(name: &str) -> Result<(), String> {
    if ECS_NAME.is_match(name) || ECS_SERVICE_ARN.is_match(name) {
        Ok(())
    } else {
        Err(format!(
            "expected an ECS service name ({ECS_NAME_RULE}) or ARN, {}",
            got(name)
        ))
    }
}

pub fn ecs_container(name: &str) -> Result<(), String> {
    if ECS_NAME.is_match(name) {
        Ok(())
    } else {
        Err(format!(
            "expected a container name of the task definition ({ECS_NAME_RULE}), {}",
            got(name)
        ))
    }
}

/// CloudWatch `AlarmName` (botocore: 1 to 255; the API reference: UTF-8
/// without ASCII control characters).
pub fn alarm_name(name: &str) -> Result<(), String> {
    let length = name.chars().count();
    if (1..=255).contains(&length) && !control(name) {
        Ok(())
    } else {
        Err(format!(
            "expected a CloudWatch alarm name: 1 to 255 characters, no control characters, {}",
            got(name)
        ))
    }
}

/// DescribeAlarms reads at most 100 names (botocore: `AlarmNames` max 100).
pub const MAX_ALARMS: usize = 100;

/// A CloudFront distribution id (the API reference's example:
/// `EDFDVBD632BHDS5`): it goes into the request's path, so nothing else.
static DISTRIBUTION_ID: LazyLock<Regex> = LazyLock::new(|| pattern(r"^[A-Z0-9]{1,64}$"));

pub fn distribution_id(id: &str) -> Result<(), String> {
    if DISTRIBUTION_ID.is_match(id) {
        Ok(())
    } else {
        Err(format!(
            "expected a CloudFront distribution id: uppercase letters and digits (e.g. \"E2QWRUHAPOMQZL\"), {}",
            got(id)
        ))
    }
}

/// A Route53 hosted zone id (botocore: `ResourceId`, at most 32), bare or as
/// `/hostedzone/ID`.
static HOSTED_ZONE_ID: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(/hostedzone/)?[A-Z0-9]{1,32}$"));

pub fn hosted_zone_id(id: &str) -> Result<(), String> {
    if HOSTED_ZONE_ID.is_match(id) {
        Ok(())
    } else {
        Err(format!(
            "expected a Route53 hosted zone id: 1 to 32 uppercase letters and digits (e.g. \"Z1D633PJN98FT9\"), {}",
            got(id)
        ))
    }
}

/// An ACM certificate ARN (botocore's `Arn`: 20 to 2048, this pattern), in
/// us-east-1: the only region CloudFront takes certificates from.
static ACM_ARN: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"^arn:[\w+=/,.@-]+:acm:([\w+=/,.@-]*):[0-9]+:[\w+=,.@-]+(/[\w+=,.@-]+)*$")
});

pub fn acm_certificate_arn(arn: &str) -> Result<(), String> {
    let region = ACM_ARN
        .captures(arn)
        .filter(|_| (20..=2048).contains(&arn.len()))
        .map(|c| c[1].to_string());
    match region.as_deref() {
        Some("us-east-1") => Ok(()),
        Some(other) => Err(format!(
            "expected an ACM certificate in us-east-1 (CloudFront uses certificates from us-east-1 only), got one in {other:?}"
        )),
        None => Err(format!(
            "expected an ACM certificate ARN like \"arn:aws:acm:us-east-1:123456789012:certificate/ID\", {}",
            got(arn)
        )),
    }
}

/// An IAM role ARN, for the generated workflows: IAM's role name rule
/// (botocore `roleNameType`: 1 to 64 of `[\w+=,.@-]`), its path made of the
/// same characters (IAM allows more in a path; nothing a YAML file or a shell
/// would read differently gets into a workflow).
static ROLE_ARN: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")
});

pub fn iam_role_arn(arn: &str) -> Result<(), String> {
    if arn.len() <= 2048 && ROLE_ARN.is_match(arn) {
        Ok(())
    } else {
        Err(format!(
            "expected an IAM role ARN like \"arn:aws:iam::123456789012:role/deploy-prod\", {}",
            got(arn)
        ))
    }
}

/// An AWS region code (`us-west-2`, `eu-central-1`, `us-gov-west-1`).
static REGION: LazyLock<Regex> = LazyLock::new(|| pattern(r"^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$"));

pub fn region(region: &str) -> Result<(), String> {
    if REGION.is_match(region) {
        Ok(())
    } else {
        Err(format!(
            "expected an AWS region code like \"us-west-2\", {}",
            got(region)
        ))
    }
}

/// A git branch name, by `git check-ref-format`'s rules, in letters, digits,
/// `.`, `_`, `-` and `/` only: it goes into generated workflows and commands.
static BRANCH: LazyLock<Regex> = LazyLock::new(|| pattern(r"^[A-Za-z0-9_][A-Za-z0-9._/-]*$"));

pub fn git_branch(name: &str) -> Result<(), String> {
    let ok = name.len() <= 255
        && BRANCH.is_match(name)
        && !name.contains("..")
        && !name.contains("//")
        && !name.ends_with('/')
        && !name.ends_with('.')
        && name
            .split('/')
            .all(|part| !part.starts_with('.') && !part.ends_with(".lock"));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "expected a git branch name (letters, digits, `.`, `_`, `-` and `/`, as git allows them, e.g. \"main\" or \"release/2.0\"), {}",
            got(name)
        ))
    }
}

/// The project's name: it fills `{project}` and tags previews.
static PROJECT: LazyLock<Regex> = LazyLock::new(|| pattern(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"));

pub fn project_name(name: &str) -> Result<(), String> {
    if PROJECT.is_match(name) {
        Ok(())
    } else {
        Err(format!(
            "expected 1 to 63 letters, digits, `.`, `_` and `-`, starting with a letter or digit, {}",
            got(name)
        ))
    }
}

/// An environment variable's name, for `build_env` and `docker_build_args`.
static VARIABLE: LazyLock<Regex> = LazyLock::new(|| pattern(r"^[A-Za-z_][A-Za-z0-9_]*$"));

pub fn variable_name(name: &str) -> Result<(), String> {
    if VARIABLE.is_match(name) {
        Ok(())
    } else {
        Err(format!(
            "expected a variable name: letters, digits and `_`, not starting with a digit, {}",
            got(name)
        ))
    }
}

/// A Terraform input variable's name (an HCL identifier).
static TERRAFORM_VARIABLE: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^[A-Za-z_][A-Za-z0-9_-]*$"));

pub fn terraform_variable(name: &str) -> Result<(), String> {
    if TERRAFORM_VARIABLE.is_match(name) {
        Ok(())
    } else {
        Err(format!(
            "expected a Terraform variable name: letters, digits, `_` and `-`, starting with a letter or `_`, {}",
            got(name)
        ))
    }
}

/// A Dockerfile stage name (`FROM ... AS NAME`, `docker build --target`).
static DOCKER_STAGE: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^[A-Za-z][A-Za-z0-9_.-]{0,127}$"));

pub fn docker_stage(name: &str) -> Result<(), String> {
    if DOCKER_STAGE.is_match(name) {
        Ok(())
    } else {
        Err(format!(
            "expected a Dockerfile stage name: a letter, then letters, digits, `_`, `.` and `-`, {}",
            got(name)
        ))
    }
}

/// `docker build --platform`: `os/arch` or `os/arch/variant`.
static PLATFORM: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^[a-z0-9_]+/[a-z0-9_]+(/[a-z0-9_]+)?$"));

pub fn docker_platform(value: &str) -> Result<(), String> {
    if PLATFORM.is_match(value) {
        Ok(())
    } else {
        Err(format!(
            "expected a platform as os/arch[/variant] (e.g. \"linux/amd64\" or \"linux/arm64\"), {}",
            got(value)
        ))
    }
}

/// A DNS name (RFC 1035 labels: letters, digits and `-`, 1 to 63 each, not
/// starting or ending with `-`; at most 253 in all), as Route53 and CloudFront
/// aliases take it.
pub fn dns_name(name: &str) -> Result<(), String> {
    let name = name.strip_suffix('.').unwrap_or(name);
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if name.len() <= 253 && name.contains('.') && name.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(format!(
            "expected a domain name (labels of letters, digits and `-`, e.g. \"pr-{{pr}}.app.example.com\"), {}",
            got(name)
        ))
    }
}
