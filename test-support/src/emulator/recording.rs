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

/// One IAM action a request needed, as the front recorded it (`aws_front/actions.py`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedAction {
    /// `s3:PutObject`, `ecs:UpdateService`, ...
    pub action: String,
    /// The ARN it acts on, or `*`.
    pub resource: String,
    /// The API operation that needed it (`CopyObject` needs two actions).
    pub operation: String,
}

impl Emulator {
    /// The IAM actions the requests signed with access key `principal` needed,
    /// from the `since`th on, and the index to pass next time.
    pub fn actions_of(&self, principal: &str, since: usize) -> (Vec<RecordedAction>, usize) {
        let path = format!(
            "/actions?principal={}&since={since}",
            query_escape(principal)
        );
        let answer = self.control("GET", &path, "");
        let doc: serde_json::Value = serde_json::from_str(&answer)
            .unwrap_or_else(|e| panic!("aws front: /actions is not JSON ({e}): {answer}"));
        let text =
            |v: &serde_json::Value, key: &str| v[key].as_str().unwrap_or_default().to_string();
        let actions = doc["actions"]
            .as_array()
            .unwrap_or_else(|| panic!("aws front: no actions list: {answer}"))
            .iter()
            .map(|a| RecordedAction {
                action: text(a, "action"),
                resource: text(a, "resource"),
                operation: text(a, "operation"),
            })
            .collect();
        let next = doc["next"].as_u64().unwrap_or(since as u64) as usize;
        (actions, next)
    }

    /// The requests signed with access key `principal` that the front's
    /// contract check refused (AWS would have), each as one line: the
    /// operation, the request line, and what the service model says is wrong.
    pub fn refused_requests(&self, principal: &str) -> Vec<String> {
        let path = format!("/contract?principal={}", query_escape(principal));
        let answer = self.control("GET", &path, "");
        let doc: serde_json::Value = serde_json::from_str(&answer)
            .unwrap_or_else(|e| panic!("aws front: /contract is not JSON ({e}): {answer}"));
        doc.as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|v| {
                        let problems: Vec<&str> = v["problems"]
                            .as_array()
                            .map(|p| p.iter().filter_map(|s| s.as_str()).collect())
                            .unwrap_or_default();
                        format!(
                            "{} {} ({}): {}",
                            v["service"].as_str().unwrap_or("?"),
                            v["operation"].as_str().unwrap_or("(no operation)"),
                            v["request"].as_str().unwrap_or("?"),
                            problems.join("; ")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}
