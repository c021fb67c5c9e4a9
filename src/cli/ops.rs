//! The operator's commands around the server: `backup`, `healthcheck`, `completions`, and the
//! `--json` every list command takes.
use std::path::PathBuf;

use clap::Args;

use super::DatabaseArgs;

/// How a list command prints.
#[derive(Debug, Clone, Copy, Args)]
pub struct ListFormat {
    /// Print one JSON array on stdout (the objects the admin API answers with) instead of a
    /// table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct BackupArgs {
    /// Where to write the copy: a new file (an existing one is never overwritten).
    pub file: PathBuf,
    #[command(flatten)]
    pub db: DatabaseArgs,
}

#[derive(Debug, Clone, Args)]
pub struct HealthcheckArgs {
    /// The URL to check, e.g. http://127.0.0.1:8080/healthz; by default /healthz (or /readyz)
    /// at the address of --listen.
    #[arg(long)]
    pub url: Option<String>,
    /// Check /readyz (the database answers) instead of /healthz (the process runs).
    #[arg(long)]
    pub ready: bool,
    /// The address scimd listens on, as SCIMD_LISTEN gives it; a wildcard (`0.0.0.0`, `[::]`) is
    /// checked on loopback. Ignored with --url.
    #[arg(long, env = "SCIMD_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// How long to wait for the answer, e.g. 5s.
    #[arg(long, value_parser = super::parse_duration, default_value = "5s")]
    pub timeout: std::time::Duration,
}

impl HealthcheckArgs {
    /// The URL the check requests.
    pub fn target(&self) -> String {
        if let Some(url) = &self.url {
            return url.clone();
        }
        let path = if self.ready { "/readyz" } else { "/healthz" };
        let (host, port) = self
            .listen
            .rsplit_once(':')
            .unwrap_or((self.listen.as_str(), "8080"));
        let host = match host {
            "" | "0.0.0.0" => "127.0.0.1",
            "[::]" => "[::1]",
            other => other,
        };
        format!("http://{host}:{port}{path}")
    }
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to print a completion script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn healthcheck(args: &[&str]) -> HealthcheckArgs {
        let cli = Cli::try_parse_from([&["scimd", "healthcheck"], args].concat()).unwrap();
        let Some(Command::Healthcheck(args)) = cli.command else {
            panic!("expected healthcheck");
        };
        args
    }

    #[test]
    fn healthcheck_targets_loopback_for_a_wildcard_listen_address() {
        assert_eq!(
            healthcheck(&["--listen", "0.0.0.0:9000"]).target(),
            "http://127.0.0.1:9000/healthz"
        );
        assert_eq!(
            healthcheck(&["--listen", "[::]:8080", "--ready"]).target(),
            "http://[::1]:8080/readyz"
        );
        assert_eq!(
            healthcheck(&["--listen", "10.1.2.3:8443"]).target(),
            "http://10.1.2.3:8443/healthz"
        );
        assert_eq!(
            healthcheck(&["--url", "http://scimd:1/healthz", "--listen", "x:2"]).target(),
            "http://scimd:1/healthz"
        );
    }
}
