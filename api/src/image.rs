//! The image a deploy names must exist in ECR before anything changes.

use aws_sdk_ecr::operation::describe_images::DescribeImagesError;
use aws_sdk_ecr::operation::describe_repositories::DescribeRepositoriesError;
use aws_sdk_ecr::types::ImageIdentifier;

use crate::error::{aws, ApiError};

/// The full image reference (`<registry>/<repository>:<tag>`) if that tag exists.
pub async fn resolve_image(
    ecr: &aws_sdk_ecr::Client,
    repository: &str,
    tag: &str,
) -> Result<String, ApiError> {
    let repos = ecr
        .describe_repositories()
        .repository_names(repository)
        .send()
        .await
        .map_err(|e| match e.into_service_error() {
            DescribeRepositoriesError::RepositoryNotFoundException(_) => {
                ApiError::RepositoryNotFound {
                    repository: repository.into(),
                }
            }
            other => aws("ECR DescribeRepositories")(other),
        })?;
    let uri = repos
        .repositories()
        .first()
        .and_then(|r| r.repository_uri())
        .ok_or_else(|| ApiError::RepositoryNotFound {
            repository: repository.into(),
        })?
        .to_string();

    ecr.describe_images()
        .repository_name(repository)
        .image_ids(ImageIdentifier::builder().image_tag(tag).build())
        .send()
        .await
        .map_err(|e| match e.into_service_error() {
            DescribeImagesError::ImageNotFoundException(_) => ApiError::ImageNotFound {
                repository: repository.into(),
                tag: tag.into(),
            },
            DescribeImagesError::RepositoryNotFoundException(_) => ApiError::RepositoryNotFound {
                repository: repository.into(),
            },
            other => aws("ECR DescribeImages")(other),
        })?;
    Ok(format!("{uri}:{tag}"))
}
