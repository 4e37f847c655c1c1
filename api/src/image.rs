//! The image a deploy names must exist in ECR before anything changes, and is
//! pinned by its digest there; and what a caller that builds the image needs
//! from ECR to push it.

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

/// An image in ECR named so that ECS runs exactly those bytes even if the tag
/// is pushed again: `<uri>:<tag>@<digest>` (the tag stays for people to read;
/// ECS pulls by the digest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedImage {
    pub repository_uri: String,
    pub tag: String,
    /// `sha256:...`
    pub digest: String,
}

impl PinnedImage {
    pub fn reference(&self) -> String {
        format!("{}:{}@{}", self.repository_uri, self.tag, self.digest)
    }
}

/// The parts of an image reference `name[:tag][@digest]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageReference<'a> {
    pub name: &'a str,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

impl<'a> ImageReference<'a> {
    pub fn parse(image: &'a str) -> ImageReference<'a> {
        let (rest, digest) = match image.split_once('@') {
            Some((rest, digest)) => (rest, Some(digest)),
            None => (image, None),
        };
        // A ':' after the last '/' starts the tag (one before it is a port).
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
            None => (rest, None),
        };
        ImageReference { name, tag, digest }
    }
}

/// The digest `tag` names in the repository now; `None` if the tag is not there.
pub async fn digest_of(
    ecr: &aws_sdk_ecr::Client,
    repository: &str,
    tag: &str,
) -> Result<Option<String>, ApiError> {
    let found = ecr
        .describe_images()
        .repository_name(repository)
        .image_ids(ImageIdentifier::builder().image_tag(tag).build())
        .send()
        .await;
    match found {
        Ok(answer) => Ok(answer
            .image_details()
            .iter()
            .find_map(|d| d.image_digest())
            .map(str::to_owned)),
        Err(e) => match e.into_service_error() {
            DescribeImagesError::ImageNotFoundException(_) => Ok(None),
            DescribeImagesError::RepositoryNotFoundException(_) => {
                Err(ApiError::RepositoryNotFound {
                    repository: repository.into(),
                })
            }
            other => Err(aws("ECR DescribeImages")(other)),
        },
    }
}

/// Whether `tag` is in the repository.
pub async fn tag_exists(
    ecr: &aws_sdk_ecr::Client,
    repository: &str,
    tag: &str,
) -> Result<bool, ApiError> {
    Ok(digest_of(ecr, repository, tag).await?.is_some())
}

/// The image `tag` names now, pinned by its digest, if that tag exists.
pub async fn resolve_image(
    ecr: &aws_sdk_ecr::Client,
    repository: &str,
    tag: &str,
) -> Result<PinnedImage, ApiError> {
    let repository_uri = repository_uri(ecr, repository).await?;
    let digest = digest_of(ecr, repository, tag)
        .await?
        .ok_or_else(|| ApiError::ImageNotFound {
            repository: repository.into(),
            tag: tag.into(),
        })?;
    Ok(PinnedImage {
        repository_uri,
        tag: tag.into(),
        digest,
    })
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

#[cfg(test)]
mod tests {
    use super::ImageReference;

    #[test]
    fn parses_image_references() {
        let r = ImageReference::parse("1.dkr.ecr.us-east-1.amazonaws.com/api:v2@sha256:ab");
        assert_eq!(r.name, "1.dkr.ecr.us-east-1.amazonaws.com/api");
        assert_eq!((r.tag, r.digest), (Some("v2"), Some("sha256:ab")));
        let r = ImageReference::parse("localhost:5000/api");
        assert_eq!(
            (r.name, r.tag, r.digest),
            ("localhost:5000/api", None, None)
        );
        let r = ImageReference::parse("localhost:5000/api:v1");
        assert_eq!((r.name, r.tag), ("localhost:5000/api", Some("v1")));
    }
}
