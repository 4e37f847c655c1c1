# What the toolkit (`{api-infra.NAME}` in deploy.toml) reads from this stack's
# state.
output "db_endpoint" {
  value = terraform_data.db.output.endpoint
}

output "db_port" {
  value = terraform_data.db.output.port
}

output "db_secret_arn" {
  value = terraform_data.db.output.secret_arn
}

output "redis_endpoint" {
  value = terraform_data.redis.output.endpoint
}

output "alb_dns_name" {
  value = terraform_data.alb.output.dns_name
}

output "alb_target_group_arn" {
  value = terraform_data.alb.output.target_group_arn
}

# The service's security groups (a list, for settings that take one).
output "security_group_ids" {
  value = [terraform_data.security_groups.output.service]
}
