# What the API's and web's stacks and the toolkit (`{shared.NAME}` in
# deploy.toml) read from this stack's state: the same names as prod's.
output "vpc_id" {
  value = terraform_data.vpc.output
}

output "public_subnet_ids" {
  value = terraform_data.public_subnets.output
}

output "private_subnet_ids" {
  value = terraform_data.private_subnets.output
}

output "ecs_cluster_arn" {
  value = terraform_data.ecs_cluster.output.arn
}

output "ecs_cluster_name" {
  value = terraform_data.ecs_cluster.output.name
}

output "hosted_zone_id" {
  value = terraform_data.hosted_zone.output
}

output "alert_topic_arn" {
  value = terraform_data.alert_topic.output
}
