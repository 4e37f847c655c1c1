use clap::Parser;
use xtask::flags::{Command, Xtask};
use xtask::{cmd, error};

#[tokio::main]
async fn main() {
    let flags = Xtask::parse();
    let result = match &flags.command {
        Command::Plan(f) => cmd::plan::run(f),
        Command::Deploy(f) => cmd::deploy::run(f).await,
        Command::Rollback(f) => cmd::rollback::run(f).await,
        Command::History(f) => cmd::history::run(f).await,
        Command::Status(f) => cmd::status::run(f).await,
    };
    if let Err(err) = result {
        eprintln!("error: {}", error::one_line(&err));
        std::process::exit(error::exit_code(&err));
    }
}
