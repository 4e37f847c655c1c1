# The network plan: written by `cargo xtask deploy shared` to
# network.auto.tfvars.json from deploy.toml (targets.shared.env.prod), which is
# where to change it.
variable "vpc_cidr" {
  type = string
}

variable "azs" {
  type = list(string)
}

variable "public_subnets" {
  type = list(string)
}

variable "private_subnets" {
  type = list(string)
}
