use std::path::PathBuf;

/// What can go wrong with the shared stack. Each variant says what to do.
#[derive(Debug, thiserror::Error)]
pub enum InfraError {
    #[error("terraform not found on PATH: install Terraform (https://developer.hashicorp.com/terraform/install), or set TERRAFORM to the terraform executable")]
    TerraformNotFound,
    #[error("TERRAFORM={value}: {reason}; set it to the terraform executable, or unset it to use the one on PATH")]
    BadTerraformVar { value: String, reason: String },
    #[error("the stack's folder {0} does not exist")]
    StackDirNotFound(PathBuf),
    #[error("terraform {step} failed in {dir}: {message}")]
    Terraform {
        step: &'static str,
        dir: PathBuf,
        message: String,
    },
    /// Terraform's own state lock is held by another run (`use_lockfile`):
    /// nothing was changed.
    #[error(
        "terraform {step} in {dir}: the state is locked by another terraform run ({holder}, lock ID {id}): let it finish, then run again; if it died, {free}",
        dir = dir.display(),
        free = match lock_object {
            Some(object) => format!("delete {object} (or run `terraform force-unlock {id}` in that folder)"),
            None => format!("run `terraform force-unlock {id}` in that folder"),
        }
    )]
    StateLocked {
        step: &'static str,
        dir: PathBuf,
        /// The lock's ID, for `terraform force-unlock`.
        id: String,
        /// `apply by alice@laptop since 2026-12-02 13:00:00 +0000 UTC`.
        holder: String,
        /// `s3://BUCKET/KEY.tflock`, when terraform said which state.
        lock_object: Option<String>,
    },
    #[error("terraform show -json: {0}")]
    PlanJson(String),
    #[error("no state at s3://{bucket}/{key}: the stack was never applied there")]
    StateNotFound { bucket: String, key: String },
    #[error("state s3://{bucket}/{key}: {message}")]
    State {
        bucket: String,
        key: String,
        message: String,
    },
    #[error("state s3://{bucket}/{key}: output `{output}`: {message}")]
    Output {
        bucket: String,
        key: String,
        output: String,
        message: String,
    },
    #[error("{operation}: {message}")]
    Aws {
        operation: &'static str,
        message: String,
    },
}

impl InfraError {
    /// An [`InfraError::Output`] of the state at `location`.
    pub(crate) fn output(
        location: &crate::StateLocation,
        name: &str,
        message: impl Into<String>,
    ) -> InfraError {
        InfraError::Output {
            bucket: location.bucket.clone(),
            key: location.key.clone(),
            output: name.into(),
            message: message.into(),
        }
    }

    /// Whether the caller gave something wrong (nothing was changed), as opposed
    /// to a failure on the way.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            InfraError::TerraformNotFound
                | InfraError::BadTerraformVar { .. }
                | InfraError::StackDirNotFound(_)
                | InfraError::StateNotFound { .. }
                | InfraError::Output { .. }
        )
    }
}
