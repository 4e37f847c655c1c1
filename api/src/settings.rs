/// Which service to deploy, resolved for one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSettings {
    pub cluster: String,
    pub service: String,
    /// The container in the task definition whose image a deploy swaps.
    pub container: String,
    /// The ECR repository holding the image; a deploy names a tag in it.
    pub ecr_repository: String,
}
