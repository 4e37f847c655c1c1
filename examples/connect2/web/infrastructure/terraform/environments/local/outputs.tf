# What the toolkit (`{web-infra.NAME}` in deploy.toml) reads from this stack's
# state.
output "site_bucket" {
  value = terraform_data.site_bucket.output
}

output "distribution_id" {
  value = terraform_data.distribution.output.id
}

output "distribution_domain_name" {
  value = terraform_data.distribution.output.domain_name
}

output "site_url" {
  value = "https://${terraform_data.app_record.output.name}"
}
