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
//! `workflow` reads the file (triggers, jobs, steps), `run` schedules the
//! jobs as GitHub does, `steps` runs a job's `run:` steps with bash, and
//! `expressions` evaluates `${{ }}`. More of GitHub Actions goes in a module
//! of its own here.

mod expressions;
mod hash_files;
mod run;
mod steps;
mod workflow;

pub use expressions::{eval, interpolate, truthy as truthy_value};
pub use run::{JobRun, Run};
pub use workflow::Workflow;
