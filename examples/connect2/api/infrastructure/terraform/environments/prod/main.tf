# The API's own stack for prod: RDS PostgreSQL (Multi-AZ), ElastiCache Redis,
# the ALB and its target group, the service's security groups. Its modules are
# the seeds' (api/infrastructure/terraform/modules); this example keeps only the
# root module's interface: the partial backend, the variables the toolkit passes
# from the shared stack, and the outputs the toolkit reads.
terraform {
  # bucket, key and region come from deploy.toml (targets.api-infra), passed by
  # `cargo xtask deploy api-infra` as -backend-config, with use_lockfile.
  backend "s3" {}
}
