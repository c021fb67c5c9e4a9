//! `scimd`: parse the command line and run the subcommand (see `scimd --help`).
use std::process::ExitCode;

use clap::Parser;
use scimd::cli::Cli;

#[tokio::main]
async fn main() -> ExitCode {
    scimd::startup::install_crypto_provider();
    match scimd::commands::run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(scimd::commands::exit_code(&err))
        }
    }
}
