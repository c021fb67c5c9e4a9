//! The command line and configuration (shared/CONTRACT.md): every setting is a flag, else a
//! `SCIMD_*` environment variable, else a default.
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

use crate::telemetry::LogFormat;

mod auth;
pub use auth::{ClientCommand, JwtAddArgs, JwtCommand};

#[derive(Debug, Parser)]
#[command(
    name = "scimd",
    version,
    about = "SCIM 2.0 server: the destination identity providers push users and groups to",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Without a subcommand, scimd serves.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (applies pending migrations first).
    Serve(ServeArgs),
    /// Apply migrations and exit.
    Migrate(DatabaseArgs),
    /// Manage tenants (one tenant = one application / SCIM base URL).
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Manage bearer tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Trust JWTs of external issuers (Entra ID, your own IdP) per tenant.
    Jwt {
        #[command(subcommand)]
        command: JwtCommand,
    },
    /// Manage OAuth 2.0 clients for the client credentials grant at /oauth/token.
    Client {
        #[command(subcommand)]
        command: ClientCommand,
    },
    /// Print the OpenAPI document (identical to openapi/openapi.json).
    Openapi,
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant.
    Create {
        /// Letters, digits, `-`, `_`, `.`; at most 64 characters.
        name: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// List tenants.
    List {
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a bearer token; prints the token alone on stdout, once.
    Issue {
        #[arg(long)]
        tenant: String,
        /// A note on what the token is for, e.g. "Entra ID production".
        #[arg(long)]
        label: Option<String>,
        /// Lifetime such as 90d, 12h or 1y; without it the token does not expire.
        #[arg(long, value_parser = parse_duration)]
        expires_in: Option<Duration>,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// List tokens (never their secrets).
    List {
        #[arg(long)]
        tenant: Option<String>,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Revoke a token by id; effective at once.
    Revoke {
        id: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// sqlite://FILE?mode=rwc, sqlite::memory: or postgres://user:pass@host/db
    #[arg(
        long,
        env = "SCIMD_DATABASE_URL",
        default_value = "sqlite://scimd.db?mode=rwc"
    )]
    pub database_url: String,

    /// Connections in the PostgreSQL pool (readers on SQLite).
    #[arg(long, env = "SCIMD_DB_MAX_CONNECTIONS", default_value_t = 10)]
    pub db_max_connections: u32,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,

    /// Address to bind.
    #[arg(long, env = "SCIMD_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,

    /// External URL of this server (or of its SCIM base) for meta.location, Location and
    /// $ref behind a proxy; by default taken from each request's Host.
    #[arg(long, env = "SCIMD_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// If set, tenant `default` exists and this exact token authenticates it.
    #[arg(long, env = "SCIMD_BOOTSTRAP_TOKEN", hide_env_values = true)]
    pub bootstrap_token: Option<SecretString>,

    /// Reject the non-RFC input shapes real IdPs send instead of accepting them.
    #[arg(long, env = "SCIMD_STRICT")]
    pub strict: bool,

    /// Largest page a list or search returns (filter.maxResults).
    #[arg(long, env = "SCIMD_MAX_RESULTS", default_value_t = 1000)]
    pub max_results: u64,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "SCIMD_MAX_PAYLOAD_BYTES", default_value_t = 1_048_576)]
    pub max_payload_bytes: usize,

    /// Lifetime of the access tokens POST /oauth/token issues (1s to 24h), e.g. 1h or 15m.
    #[arg(long, env = "SCIMD_OAUTH_TOKEN_TTL", default_value = "1h", value_parser = parse_token_ttl)]
    pub oauth_token_ttl: Duration,

    /// HTTP worker threads; defaults to the number of CPUs.
    #[arg(long, env = "SCIMD_WORKERS")]
    pub workers: Option<usize>,

    /// tracing filter, e.g. `info` or `scimd=debug,info`.
    #[arg(long, env = "SCIMD_LOG", default_value = "info")]
    pub log: String,

    #[arg(long, env = "SCIMD_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
}

/// `90d`, `12h`, `30m`, `1y`, `2w` … as humantime understands them.
fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("{e} (try 90d, 12h or 30m)"))
}

/// Access tokens are meant to be short-lived: a leaked one is useful for a day at most.
fn parse_token_ttl(text: &str) -> Result<Duration, String> {
    let ttl = parse_duration(text)?;
    if ttl < Duration::from_secs(1) || ttl > Duration::from_secs(86_400) {
        return Err("use a lifetime from 1s to 24h, e.g. 1h or 15m".to_owned());
    }
    Ok(ttl)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_subcommand_means_serve_with_flags() {
        let cli = Cli::try_parse_from(["scimd", "--listen", "0.0.0.0:9000"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.serve.listen, "0.0.0.0:9000");
    }

    #[test]
    fn token_issue_parses_expiry_and_database_url() {
        let cli = Cli::try_parse_from([
            "scimd",
            "token",
            "issue",
            "--tenant",
            "acme",
            "--expires-in",
            "90d",
            "--database-url",
            "sqlite::memory:",
        ])
        .unwrap();
        let Some(Command::Token {
            command:
                TokenCommand::Issue {
                    tenant,
                    expires_in,
                    db,
                    ..
                },
        }) = cli.command
        else {
            panic!("expected token issue");
        };
        assert_eq!(tenant, "acme");
        assert_eq!(expires_in, Some(Duration::from_secs(90 * 86_400)));
        assert_eq!(db.database_url, "sqlite::memory:");
    }

    #[test]
    fn bad_expiry_is_a_clear_error() {
        let err = Cli::try_parse_from([
            "scimd",
            "token",
            "issue",
            "--tenant",
            "a",
            "--expires-in",
            "soon",
        ])
        .unwrap_err();
        assert!(err.to_string().contains("try 90d"));
    }
}
