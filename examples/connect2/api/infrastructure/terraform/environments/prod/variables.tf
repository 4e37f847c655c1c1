# The shared stack's outputs this stack builds on, passed in by the toolkit
# from the shared state ({shared.vpc_id}, ...) when it runs this stack.
variable "vpc_id" {
  type = string
}

variable "public_subnet_ids" {
  type = list(string)
}

variable "private_subnet_ids" {
  type = list(string)
}
