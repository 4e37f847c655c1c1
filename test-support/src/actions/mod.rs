//! GitHub Actions, as far as the generated workflows use it, to read a workflow
//! the way GitHub runs it: whether a push starts it (branch and path filters),
//! which jobs run and in which order (`needs`, job `if:` expressions with
//! GitHub's status-check rules), what a job outputs, and a job's `run:` steps
//! run with bash, each step's `env:` expressions filled in.
//!
//! What a job that talks to AWS does is the test's to say (its result and its
//! steps' outputs): [`Workflow::run`] asks a closure for it. The expression
//! language is the subset the workflows use: literals, context paths with
//! `*`, `!`, `&&`, `||`, `==`, `!=`, parentheses, and the functions
//! `success()`, `always()`, `cancelled()`, `failure()`, `contains`, `fromJSON`
//! and `toJSON`. Anything else panics, so a workflow that starts using more
//! fails here instead of being misread.
//!
//! `workflow` reads the file (triggers with GitHub's 300-file `paths` limit,
//! jobs, steps), `run` schedules the jobs as GitHub does (and re-runs failed
//! ones), `steps` runs a job's `run:` steps with bash, and `expressions`
//! evaluates `${{ }}`. What GitHub does around the jobs has a module each:
//! `image` (runner images: what is on PATH), `oidc` (the token a job gets,
//! forks and Dependabot included), `environments` (protection rules, created
//! on the fly, the run's review history), `concurrency` (groups: one running,
//! one pending), `cancel` (SIGINT, SIGTERM, SIGKILL to a step's shell). Each
//! names the GitHub page it follows; docs/TESTING.md lists them.

pub mod cancel;
pub mod concurrency;
pub mod environments;
mod expressions;
mod hash_files;
pub mod image;
pub mod oidc;
mod run;
mod steps;
mod workflow;

pub use expressions::{eval, interpolate, truthy as truthy_value};
pub use run::{JobRun, Run};
pub use workflow::{Workflow, PATHS_DIFF_LIMIT};
