# What the API's and web's stacks (terraform_remote_state) and the toolkit
# (`{shared.NAME}` in deploy.toml) read from this stack's state.
output "vpc_id" {
  value = module.networking.vpc_id
}

output "public_subnet_ids" {
  value = module.networking.public_subnet_ids
}

output "private_subnet_ids" {
  value = module.networking.private_subnet_ids
}

output "ecs_cluster_arn" {
  value = module.ecs_cluster.arn
}

output "ecs_cluster_name" {
  value = module.ecs_cluster.name
}

output "hosted_zone_id" {
  value = module.route53_zone.zone_id
}

output "alert_topic_arn" {
  value = module.sns_alerts.topic_arn
}
