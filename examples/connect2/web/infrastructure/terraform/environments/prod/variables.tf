# The shared stack's output this stack builds on, passed in by the toolkit
# from the shared state ({shared.hosted_zone_id}) when it runs this stack.
variable "hosted_zone_id" {
  type = string
}
