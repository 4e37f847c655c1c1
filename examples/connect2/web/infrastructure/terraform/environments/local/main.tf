# The web app's own infrastructure for the local environment (the demo,
# against the emulator): stand-ins for what the real stack (dev/staging/prod)
# creates, as built-in terraform_data resources, so it runs offline with no
# provider to download. The real stack also holds the ACM certificate and the
# origin access control; in the demo, bootstrap creates the bucket in the
# emulator under this name.
terraform {
  # A partial backend: bucket, key and region come from deploy.toml
  # (targets.web-infra.state_bucket and state_key), passed as -backend-config.
  backend "s3" {}
}

# The site's bucket: private, versioned, read only by CloudFront (module "site").
resource "terraform_data" "site_bucket" {
  input = "connect2-web-local"
}

# The CloudFront distribution in front of the bucket (module "cdn").
resource "terraform_data" "distribution" {
  input = {
    id          = "E2LOCALCONNECT2"
    domain_name = "d1local0connect2.cloudfront.net"
  }
}

# The alias record app.connect.com -> the distribution, in the shared zone
# (module "dns_record").
resource "terraform_data" "app_record" {
  input = {
    zone_id = var.hosted_zone_id
    name    = "app.local.connect.com"
    target  = terraform_data.distribution.output.domain_name
  }
}
