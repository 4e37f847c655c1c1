# Shared networking for prod: VPC, subnets, NAT, ECS cluster, Route53 zone, SNS.
terraform {
  # A partial backend: bucket, key and region come from deploy.toml
  # (targets.shared.state_bucket and state_key, the environment's region), which
  # `cargo xtask deploy shared` passes as -backend-config, so they live once.
  backend "s3" {}
}
