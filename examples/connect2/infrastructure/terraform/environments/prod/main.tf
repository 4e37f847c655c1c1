# Shared networking for prod: VPC, subnets, NAT, ECS cluster, Route53 zone, SNS.
terraform {
  backend "s3" {
    bucket = "connect2-terraform-state-prod"
    key    = "shared/terraform.tfstate"
    region = "us-west-2"
  }
}
