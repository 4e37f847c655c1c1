# Shared networking for the local environment (the demo, against the emulator):
# stand-ins that hold the values the real stack (dev/staging/prod) creates, as
# built-in terraform_data resources, so the stack runs offline with no provider
# to download. Its outputs are the real stack's, and the app stacks read them.
terraform {
  # A partial backend: bucket, key and region come from deploy.toml
  # (targets.shared.state_bucket and state_key, the environment's region), which
  # `cargo xtask deploy shared` passes as -backend-config, with use_lockfile.
  backend "s3" {}
}

locals {
  # moto's account and the local environment's region.
  arn_prefix = "us-east-1:123456789012"
}

# The VPC with DNS support (module "networking").
resource "terraform_data" "vpc" {
  input = "vpc-0c0ffee0c0ffee001"
}

# One public subnet per zone, for the ALBs (module "networking").
resource "terraform_data" "public_subnets" {
  input = ["subnet-0a11ce0000000a001", "subnet-0a11ce0000000b001"]
}

# One private subnet per zone, for Fargate, RDS and Redis (module "networking").
resource "terraform_data" "private_subnets" {
  input = ["subnet-0b0b000000000a001", "subnet-0b0b000000000b001"]
}

# The Fargate cluster every service runs in (module "ecs_cluster"); the demo's
# bootstrap creates it in the emulator under this name.
resource "terraform_data" "ecs_cluster" {
  input = {
    name = "connect2-api-cluster-local"
    arn  = "arn:aws:ecs:${local.arn_prefix}:cluster/connect2-api-cluster-local"
  }
}

# The Route53 hosted zone for the apps' records (module "route53_zone").
resource "terraform_data" "hosted_zone" {
  input = "Z04LOCALCONNECT2ZONE1"
}

# The SNS topic the on-call alerts go to (module "sns_alerts").
resource "terraform_data" "alert_topic" {
  input = "arn:aws:sns:${local.arn_prefix}:connect2-alerts-local"
}
