use clap::Parser;
use xtask::flags::{Command, Xtask};
use xtask::{cmd, error, interrupt};

fn main() {
    let flags = Xtask::parse();
    let result = match &flags.command {
        // Planning reads only git and the config: no runtime to start.
        Command::Plan(f) => cmd::plan::run(f),
        Command::Ci(f) => cmd::ci::run(f),
        command => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|rt| {
                rt.block_on(async {
                    let work = async {
                        match command {
                            Command::Plan(_) | Command::Ci(_) => unreachable!("handled above"),
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
