# The web app's own stack for prod: the site bucket, the CloudFront
# distribution with its origin access control and ACM certificate, and the
# app's record in the shared zone. Its modules are the seeds'; this example
# keeps only the root module's interface: the partial backend and the variable
# the toolkit passes from the shared stack.
terraform {
  # bucket, key and region come from deploy.toml (targets.web-infra), passed by
  # `cargo xtask deploy web-infra` as -backend-config, with use_lockfile.
  backend "s3" {}
}
