//! What a deploy pinned, ran before its rollout and checked after it, beyond
//! what it put in place: recorded in the ledger and shown in `--format json`.
//! Every field is optional, so records written before one existed still read.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checks {
    /// ECS: the tag deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tag: Option<String>,
    /// ECS: the digest that tag named in ECR when the deploy resolved it; the
    /// revision names the image by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_digest: Option<String>,
}

impl Checks {
    pub fn is_empty(&self) -> bool {
        self == &Checks::default()
    }
}
