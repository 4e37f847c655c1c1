//! `cargo xtask`: parse the flags, run one command, map its error to an exit code.
//!
//! How a command flows (each stage takes the one before's value and returns plain data):
//!
//! ```text
//! flags (clap) ──> Workspace::open ──> Config            deploy.toml checked and resolved per env
//!                      │                                  (config/: schema, load, one file per kind)
//!                      └─ git ──> ChangedPaths            changes/: base..head, the tree walk
//! Config + Selection ──> Plan { targets: [PlannedTarget { kind, wave, why, settings }] }
//!                                                          plan/: decided before anything acts
//! Plan ──> EnvContext (SDK config, state bucket) ──> wave by wave:
//!            plan::outputs::fill_wave                      {TARGET.OUTPUT} from the states, typed
//!            targets::deploy | rollback | status           targets/: one pipeline, a folder per kind
//!              └─ targets::run: lock → the kind's step (its crate) → ledger entry → release
//!          ──> [TargetResult] ──> cmd::finish               table | JSON | $GITHUB_OUTPUT | step summary
//! ```
//!
//! Errors: `error::BadInput` (exit 2) is the one type for "the user can fix
//! this"; each kind's `explain` turns its crate's errors into deploy.toml's and
//! the flags' words. Everything else is exit 1; SIGINT/SIGTERM 130/143.

use clap::Parser;
use xtask::flags::{Command, Xtask};
use xtask::{cmd, error, interrupt};

fn main() {
    let flags = Xtask::parse();
    if flags.verbose {
        xtask::output::set_verbose();
        sdk_error::set_verbose();
    }
    log_to_stderr(flags.verbose);
    let result = match &flags.command {
        // CI generation, init and the IAM policies read only files: no runtime to start.
        Command::Ci(f) => cmd::ci::run(f),
        Command::Init(f) => cmd::init::run(f),
        Command::Iam(f) => cmd::iam::run(f),
        command => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|rt| {
                rt.block_on(async {
                    let work = async {
                        match command {
                            Command::Ci(_) | Command::Init(_) | Command::Iam(_) => {
                                unreachable!("handled above")
                            }
                            Command::Plan(f) => cmd::plan::run(f).await,
                            Command::Deploy(f) => cmd::deploy::run(f).await,
                            Command::Rollback(f) => cmd::rollback::run(f).await,
                            Command::History(f) => cmd::history::run(f).await,
                            Command::Status(f) => cmd::status::run(f).await,
                            Command::Bootstrap(f) => cmd::bootstrap::run(f).await,
                            Command::Preview(f) => cmd::preview::run(f).await,
                        }
                    };
                    tokio::select! {
                        result = work => result,
                        signal = interrupt::signal() => {
                            Err(interrupt::wind_down(signal, command.env()).await.into())
                        }
                    }
                })
            }),
    };
    if let Err(err) = result {
        eprintln!("error: {}", error::one_line(&err));
        std::process::exit(error::exit_code(&err));
    }
}

/// The SDK logs through `tracing` (its retries among them): `RUST_LOG` picks
/// what to show; `-v` alone shows retries and credential lookups. Nothing
/// otherwise, so errors stay one or two lines.
fn log_to_stderr(verbose: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.is_empty() => EnvFilter::new(spec),
        _ if verbose => EnvFilter::new(
            "warn,aws_smithy_runtime::client::retries=debug,aws_config=info,xtask=debug",
        ),
        _ => return,
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
