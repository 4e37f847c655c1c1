//! A deploy crate's error in deploy.toml's and the flags' words, with the
//! target's name; bad input stays bad input (exit code 2). The skeleton is
//! here; each kind gives its rows (its `impl CrateError`).

use crate::context::EnvContext;
use crate::error::BadInput;

/// An error of one of the deploy crates (or `verify`).
pub trait CrateError: std::error::Error + Send + Sync + 'static {
    /// The user gave something wrong and nothing was changed.
    fn is_bad_input(&self) -> bool;
    /// For bad input: the message with what to change, in `ctx`'s environment
    /// and config file.
    fn advice(&self, ctx: &EnvContext) -> String;
    /// For other errors: what was being done, when the target's name alone
    /// does not say it.
    fn doing(&self) -> Option<&'static str> {
        None
    }
}

/// `e` as the run's error for target `name`.
pub fn explain(ctx: &EnvContext, name: &str, e: impl CrateError) -> anyhow::Error {
    if e.is_bad_input() {
        return BadInput(format!("{name}: {}", e.advice(ctx))).into();
    }
    let context = match e.doing() {
        Some(doing) => format!("{name}: {doing}"),
        None => name.to_string(),
    };
    anyhow::Error::new(e).context(context)
}

impl CrateError for verify::VerifyError {
    fn is_bad_input(&self) -> bool {
        verify::VerifyError::is_bad_input(self)
    }
    fn advice(&self, ctx: &EnvContext) -> String {
        let file = &ctx.config_file;
        format!("{self} (check verify and alarms in {file} and the region)")
    }
    fn doing(&self) -> Option<&'static str> {
        Some("verification")
    }
}
