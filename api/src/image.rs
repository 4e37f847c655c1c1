//! The image a deploy names must exist in ECR before anything changes; and what
//! a caller that builds the image needs from ECR to push it.

use aws_sdk_ecr::operation::describe_images::DescribeImagesError;
use aws_sdk_ecr::operation::describe_repositories::DescribeRepositoriesError;
use aws_sdk_ecr::types::ImageIdentifier;

use crate::error::{aws, ApiError};

/// The repository's URI, `<registry>/<repository>`.
pub async fn repository_uri(
    ecr: &aws_sdk_ecr::Client,
    repository: &str,
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
    Ok(repos
        .repositories()
        .first()
        .and_then(|r| r.repository_uri())
        .ok_or_else(|| ApiError::RepositoryNotFound {
            repository: repository.into(),
        })?
        .to_string())
}

/// Whether `tag` is in the repository.
pub async fn tag_exists(
    ecr: &aws_sdk_ecr::Client,
    repository: &str,
    tag: &str,
) -> Result<bool, ApiError> {
    let found = ecr
        .describe_images()
        .repository_name(repository)
        .image_ids(ImageIdentifier::builder().image_tag(tag).build())
        .send()
        .await;
    match found {
        Ok(_) => Ok(true),
        Err(e) => match e.into_service_error() {
            DescribeImagesError::ImageNotFoundException(_) => Ok(false),
            DescribeImagesError::RepositoryNotFoundException(_) => {
                Err(ApiError::RepositoryNotFound {
                    repository: repository.into(),
                })
            }
            other => Err(aws("ECR DescribeImages")(other)),
        },
    }
}

/// The full image reference (`<registry>/<repository>:<tag>`) if that tag exists.
pub async fn resolve_image(
    ecr: &aws_sdk_ecr::Client,
    repository: &str,
    tag: &str,
) -> Result<String, ApiError> {
    let uri = repository_uri(ecr, repository).await?;
    if !tag_exists(ecr, repository, tag).await? {
        return Err(ApiError::ImageNotFound {
            repository: repository.into(),
            tag: tag.into(),
        });
    }
    Ok(format!("{uri}:{tag}"))
}

/// What `docker login` needs for the account's registry.
#[derive(Clone)]
pub struct RegistryLogin {
    /// The registry host, e.g. `123456789012.dkr.ecr.us-west-2.amazonaws.com`.
    pub registry: String,
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for RegistryLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryLogin")
            .field("registry", &self.registry)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// A short-lived login for the registry that holds `repository_uri`
/// (GetAuthorizationToken: a base64 `user:password`, valid for 12 hours).
pub async fn registry_login(
    ecr: &aws_sdk_ecr::Client,
    repository_uri: &str,
) -> Result<RegistryLogin, ApiError> {
    let registry = repository_uri
        .split_once('/')
        .map_or(repository_uri, |(host, _)| host)
        .to_string();
    let answer = ecr
        .get_authorization_token()
        .send()
        .await
        .map_err(|e| aws("ECR GetAuthorizationToken")(e.into_service_error()))?;
    let bad = |why: &str| ApiError::Aws {
        operation: "ECR GetAuthorizationToken",
        message: why.to_string(),
    };
    let token = answer
        .authorization_data()
        .first()
        .and_then(|d| d.authorization_token())
        .ok_or_else(|| bad("no authorization token in the answer"))?;
    let decoded = aws_smithy_types::base64::decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| bad("the authorization token is not base64 text"))?;
    let (username, password) = decoded
        .split_once(':')
        .ok_or_else(|| bad("the authorization token is not user:password"))?;
    Ok(RegistryLogin {
        registry,
        username: username.to_string(),
        password: password.to_string(),
    })
}
