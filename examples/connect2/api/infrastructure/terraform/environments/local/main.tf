# The API's own infrastructure for the local environment (the demo, against
# the emulator): stand-ins for what the real stack (dev/staging/prod) creates
# on the shared network, as built-in terraform_data resources, so it runs
# offline with no provider to download. The real stack also holds the ECS
# service and task definition, the ACM certificate, the DNS record and the
# bastion; in the demo, bootstrap creates the service in the emulator.
terraform {
  # A partial backend: bucket, key and region come from deploy.toml
  # (targets.api-infra.state_bucket and state_key), passed as -backend-config.
  backend "s3" {}
}

locals {
  # moto's account and the local environment's region.
  arn_prefix = "us-east-1:123456789012"
  # A stand-in id per security group, stable for one VPC.
  sg = { for name in ["alb", "service", "db", "redis"] :
    name => "sg-${substr(sha1("${var.vpc_id}/${name}"), 0, 17)}"
  }
}

# Security groups: the ALB's, the service's, and the database's and Redis's,
# which admit only the service (module "ecs_service", "rds", "elasticache").
resource "terraform_data" "security_groups" {
  input = local.sg
}

# The ALB for api.connect.com in the public subnets, its HTTPS listener and
# the service's target group (module "alb").
resource "terraform_data" "alb" {
  input = {
    subnets          = var.public_subnet_ids
    dns_name         = "connect2-api-alb-local-1234567890.us-east-1.elb.amazonaws.com"
    target_group_arn = "arn:aws:elasticloadbalancing:${local.arn_prefix}:targetgroup/connect2-api-local/0123456789abcdef"
  }
}

# PostgreSQL in the private subnets, its credentials in Secrets Manager
# (module "rds").
resource "terraform_data" "db" {
  input = {
    subnets    = var.private_subnet_ids
    endpoint   = "connect2-api-db-local.c0nnect2loc.us-east-1.rds.amazonaws.com"
    port       = 5432
    secret_arn = "arn:aws:secretsmanager:${local.arn_prefix}:secret:connect2-api-db-local-AbCdEf"
  }
}

# Redis in the private subnets, shared by every task (module "elasticache").
resource "terraform_data" "redis" {
  input = {
    subnets  = var.private_subnet_ids
    endpoint = "connect2-api-redis-local.c0nnec.ng.0001.use1.cache.amazonaws.com"
  }
}
