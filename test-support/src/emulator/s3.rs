//! S3 in the front (`aws_front/s3_regions.py`): buckets in another region.

use super::Emulator;

impl Emulator {
    /// `bucket` lives in `region`: requests on it signed for another region
    /// are answered 301 PermanentRedirect with `x-amz-bucket-region`.
    pub fn place_bucket(&self, bucket: &str, region: &str) {
        let body = serde_json::json!({ "bucket": bucket, "region": region });
        self.control("POST", "/s3/region", &body.to_string());
    }
}
