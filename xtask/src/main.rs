use clap::Parser;
use xtask::flags::{Command, Xtask};
use xtask::{cmd, error};

fn main() {
    let flags = Xtask::parse();
    let result = match flags.command {
        Command::Plan(f) => cmd::plan::run(&f),
    };
    if let Err(err) = result {
        eprintln!("error: {}", error::one_line(&err));
        std::process::exit(error::exit_code(&err));
    }
}
