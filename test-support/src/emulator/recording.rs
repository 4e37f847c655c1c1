//! What the front recorded of the traffic (`aws_front/recording.py`): the ECS
//! operations and the S3 requests, in order.

use super::control::{parse_names, query_escape};
use super::Emulator;

impl Emulator {
    /// Every ECS operation the emulator has answered in this test process, in
    /// order (e.g. `["CreateCluster", "UpdateService", "DescribeServices"]`).
    /// Tests run in parallel: prefer [`Emulator::ecs_calls_for`].
    pub fn ecs_calls(&self) -> Vec<String> {
        parse_names(&self.control("GET", "/calls", ""))
    }

    /// The ECS operations whose request named `cluster` (name or ARN, as
    /// `cluster`, `clusters` or `clusterName`), in order.
    pub fn ecs_calls_for(&self, cluster: &str) -> Vec<String> {
        let name = cluster.rsplit('/').next().unwrap_or(cluster);
        let path = format!("/calls?cluster={}", query_escape(name));
        parse_names(&self.control("GET", &path, ""))
    }

    /// Every S3 request on `bucket` the emulator has answered, in the order the
    /// front received them: (operation, key), e.g. `("PutObject", "index.html")`,
    /// `("ListObjectsV2", "")`. Buckets are unique per test, so this is the
    /// test's own traffic.
    pub fn s3_calls_for(&self, bucket: &str) -> Vec<(String, String)> {
        let path = format!("/s3?bucket={}", query_escape(bucket));
        let answer = self.control("GET", &path, "");
        serde_json::from_str(&answer)
            .unwrap_or_else(|e| panic!("aws front: not a list of [op, key] pairs ({e}): {answer}"))
    }
}
