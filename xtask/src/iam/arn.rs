//! ARNs of the resources a config names, in its environment's partition,
//! region and account. A `{TARGET.OUTPUT}` a name still holds (known only once
//! that stack is applied) becomes `*` in the ARN.

/// How to write ARNs for one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arns {
    pub partition: String,
    pub region: String,
    /// Twelve digits, or the policy variable `${aws:PrincipalAccount}`.
    pub account: String,
}

impl Arns {
    pub fn new(region: &str, account: &str) -> Arns {
        let partition = if region.starts_with("cn-") {
            "aws-cn"
        } else if region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        };
        Arns {
            partition: partition.into(),
            region: region.into(),
            account: account.into(),
        }
    }

    /// `arn:aws:s3:::BUCKET` (`path` empty) or `arn:aws:s3:::BUCKET/PATH`.
    pub fn s3(&self, bucket: &str, path: &str) -> String {
        let bucket = wild(bucket);
        match path {
            "" => format!("arn:{}:s3:::{bucket}", self.partition),
            path => format!("arn:{}:s3:::{bucket}/{}", self.partition, wild(path)),
        }
    }

    /// A regional resource: `arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE`.
    pub fn regional(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}:{}:{}:{}",
            self.partition,
            self.region,
            self.account,
            wild(resource)
        )
    }

    /// A global resource of the account (CloudFront, IAM).
    pub fn global(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}::{}:{}",
            self.partition,
            self.account,
            wild(resource)
        )
    }

    /// A Route53 resource (no region, no account).
    pub fn route53(&self, resource: &str) -> String {
        format!("arn:{}:route53:::{}", self.partition, wild(resource))
    }
}

/// `s` with every `{...}` placeholder left in it (a stack output, a PR number)
/// as `*`.
pub fn wild(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find('{') {
        match rest[start..].find('}') {
            Some(end) => {
                out.push_str(&rest[..start]);
                if !out.ends_with('*') {
                    out.push('*');
                }
                rest = &rest[start + end + 1..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_per_partition_with_placeholders_as_wildcards() {
        let arns = Arns::new("us-west-2", "123456789012");
        assert_eq!(arns.s3("pr-{pr}-web", "*"), "arn:aws:s3:::pr-*-web/*");
        assert_eq!(
            arns.regional("ecs", "service/{shared.cluster}/api"),
            "arn:aws:ecs:us-west-2:123456789012:service/*/api"
        );
        assert_eq!(
            Arns::new("cn-north-1", "1").global("cloudfront", "distribution/E1"),
            "arn:aws-cn:cloudfront::1:distribution/E1"
        );
        assert_eq!(wild("{a.b}{c.d}x"), "*x");
    }
}
