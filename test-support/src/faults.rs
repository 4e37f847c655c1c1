//! Faults the AWS front injects in front of moto, which never throttles,
//! never fails a request on its own and never drops a connection: what real
//! AWS does under load or on a bad network. Each fault is scoped to one S3
//! bucket, one ECS cluster, one CloudWatch alarm or the CloudFront requests
//! naming something (names are unique per test, so tests that run in parallel
//! do not meet each other's faults).

use crate::emulator::Emulator;

/// How a matching request fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// S3: 503 SlowDown; ECS: 400 ThrottlingException; CloudWatch and
    /// CloudFront: 400 Throttling.
    Throttle,
    /// S3: 500 InternalError; ECS: 500 ServerException; CloudWatch: 500
    /// InternalServiceError; CloudFront: 500 InternalFailure.
    Error,
    /// S3 conditional writes only (`If-None-Match`, `If-Match`): 409
    /// ConditionalRequestConflict, nothing written.
    Conflict,
    /// The connection is closed; the request never reaches moto.
    Drop,
    /// moto does the work, then the connection is closed without an answer.
    DropResponse,
    /// The connection is reset (TCP RST); the request never reaches moto.
    Reset,
}

impl FaultKind {
    fn as_str(self) -> &'static str {
        match self {
            FaultKind::Throttle => "throttle",
            FaultKind::Error => "error",
            FaultKind::Conflict => "conflict",
            FaultKind::Drop => "drop",
            FaultKind::DropResponse => "drop-response",
            FaultKind::Reset => "reset",
        }
    }
}

/// Which requests a fault applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultScope {
    /// Requests on this S3 bucket.
    Bucket(String),
    /// ECS requests that name this cluster.
    Cluster(String),
    /// CloudWatch requests that name this alarm.
    Alarm(String),
    /// CloudFront requests whose path or body holds this text (a
    /// distribution id, a preview's comment).
    CloudFront(String),
}

impl FaultScope {
    /// The front's name for the scope, and its value.
    fn field(&self) -> (&'static str, &str) {
        match self {
            FaultScope::Bucket(b) => ("bucket", b),
            FaultScope::Cluster(c) => ("cluster", c),
            FaultScope::Alarm(a) => ("alarm", a),
            FaultScope::CloudFront(t) => ("cloudfront", t),
        }
    }
}

/// After `skip` matching requests pass, the next `times` fail as `kind` says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub scope: FaultScope,
    /// Only this operation (`PutObject`, `DescribeServices`, ...); None: any.
    pub operation: Option<String>,
    /// S3 only: only this key; None: any.
    pub key: Option<String>,
    pub kind: FaultKind,
    pub times: u32,
    pub skip: u32,
    /// When set, each matching request fails with this chance (in percent),
    /// with no limit on how many (a seeded draw: runs repeat).
    pub percent: Option<u32>,
}

impl Fault {
    /// `times` failures of `operation` on requests in `scope`, from the first
    /// request on.
    fn of(scope: FaultScope, operation: &str, kind: FaultKind, times: u32) -> Fault {
        Fault {
            scope,
            operation: Some(operation.into()),
            key: None,
            kind,
            times,
            skip: 0,
            percent: None,
        }
    }

    /// `times` failures of `operation` on S3 `bucket`, from the first request on.
    pub fn s3(bucket: &str, operation: &str, kind: FaultKind, times: u32) -> Fault {
        Fault::of(FaultScope::Bucket(bucket.into()), operation, kind, times)
    }

    /// `times` failures of ECS `operation` on `cluster`, from the first request on.
    pub fn ecs(cluster: &str, operation: &str, kind: FaultKind, times: u32) -> Fault {
        Fault::of(FaultScope::Cluster(cluster.into()), operation, kind, times)
    }

    /// `times` failures of CloudWatch `operation` naming `alarm`.
    pub fn cloudwatch(alarm: &str, operation: &str, kind: FaultKind, times: u32) -> Fault {
        Fault::of(FaultScope::Alarm(alarm.into()), operation, kind, times)
    }

    /// `times` failures of CloudFront `operation` on requests naming `text`.
    pub fn cloudfront(text: &str, operation: &str, kind: FaultKind, times: u32) -> Fault {
        Fault::of(FaultScope::CloudFront(text.into()), operation, kind, times)
    }

    pub fn on_key(mut self, key: &str) -> Fault {
        self.key = Some(key.into());
        self
    }

    /// `percent` % of every request on S3 `bucket` fail as `kind` says.
    pub fn s3_share(bucket: &str, kind: FaultKind, percent: u32) -> Fault {
        Fault {
            scope: FaultScope::Bucket(bucket.into()),
            operation: None,
            key: None,
            kind,
            times: u32::MAX,
            skip: 0,
            percent: Some(percent),
        }
    }

    pub fn after(mut self, skip: u32) -> Fault {
        self.skip = skip;
        self
    }
}

impl Emulator {
    /// From now on, requests that match `fault` fail. Panics if the front refuses it.
    pub fn inject(&self, fault: &Fault) {
        let mut body = serde_json::json!({
            "kind": fault.kind.as_str(),
            "operation": fault.operation,
            "key": fault.key,
            "times": fault.times,
            "skip": fault.skip,
            "percent": fault.percent,
        });
        let (field, name) = fault.scope.field();
        body[field] = name.into();
        self.control("POST", "/faults", &body.to_string());
    }

    /// How many requests the faults of `scope` have failed so far, in total.
    pub fn faults_fired(&self, scope: &FaultScope) -> u64 {
        let answer = self.control("GET", "/faults", "");
        let faults: Vec<serde_json::Value> = serde_json::from_str(&answer)
            .unwrap_or_else(|e| panic!("aws front: faults are not a JSON list ({e}): {answer}"));
        let (field, name) = scope.field();
        faults
            .iter()
            .filter(|f| f[field].as_str() == Some(name))
            .map(|f| f["fired"].as_u64().unwrap_or(0))
            .sum()
    }

    /// Drops the faults of `scope`: its requests pass again.
    pub fn clear_faults(&self, scope: &FaultScope) {
        let (field, name) = scope.field();
        let query = format!("{field}={}", crate::emulator::query_escape(name));
        self.control("DELETE", &format!("/faults?{query}"), "");
    }
}
