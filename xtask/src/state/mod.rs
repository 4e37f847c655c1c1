//! The state bucket: what crosses targets and runs — the deploy ledger and the
//! deploy locks — lives in one S3 bucket per environment (`project.state_bucket`).
//!
//! ```text
//! ledger/<target>/<started>-<id>.json   one record per deploy or rollback
//! locks/<target>.json                   present while a deploy holds the target
//! releases/<target>/<release>.json      static sites: release manifests
//! ```

mod bucket;
pub mod checks;
pub mod ledger;
pub mod lock;
pub mod policy;
pub mod releases;

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::primitives::ByteStream;

/// The state bucket of one environment.
#[derive(Debug, Clone)]
pub struct StateStore {
    pub s3: aws_sdk_s3::Client,
    pub bucket: String,
    pub env: String,
    /// The region the environment's requests go to.
    pub region: String,
}

#[derive(Debug, thiserror::Error)]
#[error("{}", self.describe())]
pub struct StateError {
    pub bucket: String,
    /// The environment whose state bucket it is.
    pub env: String,
    pub operation: &'static str,
    pub key: String,
    pub message: String,
    /// The bucket does not exist: a set-up step is missing, nothing was written.
    pub missing_bucket: bool,
    /// S3 says the bucket is in this region, not the environment's (301
    /// PermanentRedirect, which the SDK does not follow): nothing was written.
    pub bucket_region: Option<String>,
    /// The environment's region.
    pub region: String,
}

/// What to do about a missing state bucket.
fn missing_bucket(bucket: &str, env: &str) -> String {
    format!(
        "state bucket {bucket} does not exist (it holds the ledger, locks and releases): create it with `cargo xtask bootstrap --env {env}`, or check project.state_bucket in deploy.toml and the environment's region"
    )
}

/// What to do about a state bucket in another region than the environment's.
fn elsewhere(bucket: &str, env: &str, region: &str, actual: &str) -> String {
    format!(
        "state bucket {bucket} is in region {actual}, but environment {env} uses {region}: set region = \"{actual}\" under [environments.{env}] in deploy.toml (or project.region), or name a state bucket in {region} in project.state_bucket"
    )
}

impl StateError {
    fn describe(&self) -> String {
        if let Some(actual) = &self.bucket_region {
            elsewhere(&self.bucket, &self.env, &self.region, actual)
        } else if self.missing_bucket {
            missing_bucket(&self.bucket, &self.env)
        } else {
            format!(
                "state bucket {}: {} {}: {}",
                self.bucket, self.operation, self.key, self.message
            )
        }
    }
}

impl StateStore {
    pub fn new(sdk: &aws_config::SdkConfig, bucket: String, env: String) -> StateStore {
        StateStore {
            s3: aws_sdk_s3::Client::new(sdk),
            bucket,
            env,
            region: sdk.region().map(|r| r.to_string()).unwrap_or_default(),
        }
    }

    /// What to do about this store's bucket missing.
    pub fn missing_bucket_message(&self) -> String {
        missing_bucket(&self.bucket, &self.env)
    }

    /// A failure that is not S3's answer (reading a body, parsing it).
    fn error<E: std::error::Error + 'static>(
        &self,
        operation: &'static str,
        key: &str,
    ) -> impl FnOnce(E) -> StateError + '_ {
        let key = key.to_string();
        move |e| StateError {
            bucket: self.bucket.clone(),
            env: self.env.clone(),
            operation,
            key,
            missing_bucket: false,
            bucket_region: None,
            region: self.region.clone(),
            message: sdk_error::describe(&e),
        }
    }

    /// S3's answer to `operation`: by its code and status, a missing bucket or
    /// one in another region is told apart from a failure on the way.
    fn sdk_error<E>(
        &self,
        operation: &'static str,
        key: &str,
    ) -> impl FnOnce(SdkError<E, HttpResponse>) -> StateError + '_
    where
        E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + 'static,
    {
        let key = key.to_string();
        move |e| StateError {
            bucket: self.bucket.clone(),
            env: self.env.clone(),
            operation,
            key,
            missing_bucket: sdk_error::code(&e) == Some("NoSuchBucket"),
            bucket_region: sdk_error::bucket_region(&e),
            region: self.region.clone(),
            message: sdk_error::describe(&e),
        }
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, StateError> {
        let out = match self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(self.sdk_error("GetObject", key)(e)),
        };
        let bytes = out
            .body
            .collect()
            .await
            .map_err(self.error("GetObject", key))?
            .into_bytes();
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(self.error("parsing", key))
    }

    async fn put_json<T: serde::Serialize>(&self, key: &str, value: &T) -> Result<(), StateError> {
        let body = serde_json::to_vec_pretty(value).expect("plain data serializes");
        self.put_bytes(key, body).await
    }

    /// Writes a JSON document as it is.
    async fn put_bytes(&self, key: &str, body: Vec<u8>) -> Result<(), StateError> {
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("application/json")
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(self.sdk_error("PutObject", key))?;
        Ok(())
    }

    /// Every key under `prefix`, in S3's (lexicographic) order.
    async fn list(&self, prefix: &str) -> Result<Vec<String>, StateError> {
        let mut keys = Vec::new();
        let mut pages = self
            .s3
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(self.sdk_error("ListObjectsV2", prefix))?;
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            );
        }
        Ok(keys)
    }
}

/// Who is acting: the GitHub actor in Actions, else the local user, with the host.
pub fn who() -> String {
    let user = std::env::var("GITHUB_ACTOR")
        .or_else(|_| std::env::var("USER"))
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into());
    if std::env::var_os("GITHUB_ACTIONS").is_some() {
        let run = std::env::var("GITHUB_RUN_ID").unwrap_or_default();
        format!("{user} (GitHub Actions run {run})")
    } else {
        format!("{user}@{host}")
    }
}

/// Now, as RFC 3339 UTC to the millisecond: ledger ids are made from it, and two
/// records of one second (a deploy and an immediate rollback) must still sort.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}
