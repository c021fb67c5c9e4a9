//! The command line and configuration (shared/CONTRACT.md): every setting is a flag, else a
//! `SCIMD_*` environment variable, else a default.
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

use crate::scim::schema::ResourceKind;
use crate::telemetry::LogFormat;

mod auth;
mod ops;
mod report;
mod webhook;
pub use auth::{ClientCommand, JwtAddArgs, JwtCommand};
pub use ops::{BackupArgs, CompletionsArgs, HealthcheckArgs, ListFormat};
pub use report::ReportArgs;
pub use webhook::WebhookCommand;

#[derive(Debug, Parser)]
#[command(
    name = "scimd",
    version = env!("SCIMD_VERSION"),
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
    /// Send change events to an application's webhook endpoints (Standard Webhooks).
    Webhook {
        #[command(subcommand)]
        command: WebhookCommand,
    },
    /// Print the OpenAPI document (identical to openapi/openapi.json).
    Openapi,
    /// Manage a tenant's custom schema extensions (RFC 7643 §7 schema documents).
    Schema {
        #[command(subcommand)]
        command: SchemaCommand,
    },
    /// Load an application's existing accounts (and groups) into a tenant, so that an IdP's
    /// first sync matches them; re-running updates (README: "Importing existing accounts").
    Import(ImportArgs),
    /// Print a tenant's change feed, read from the database: what GET /admin/v1/events
    /// answers (README: "The change feed").
    Events(EventsArgs),
    /// Print the provisioning activity log, newest first, read from the database: what each
    /// IdP and admin did and what scimd answered (README: "Provisioning activity").
    Activity(ActivityArgs),
    /// Summarise the provisioning activity log over a span: counts per UTC day, operation
    /// and outcome, the most frequent errors, the credentials used (README: "Provisioning
    /// report").
    Report(ReportArgs),
    /// Write a consistent copy of a live SQLite database to FILE while scimd serves
    /// (PostgreSQL: use pg_dump). README: "Backup and restore".
    Backup(BackupArgs),
    /// Exit 0 when a running scimd answers /healthz (with --ready: /readyz) with 200; for
    /// container health checks.
    Healthcheck(HealthcheckArgs),
    /// Print a shell completion script, e.g. `scimd completions bash > /etc/bash_completion.d/scimd`.
    Completions(CompletionsArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The tenant to import into (it must exist: `scimd tenant create NAME`).
    #[arg(long)]
    pub tenant: String,
    /// CSV (users), JSON Lines or a SCIM ListResponse (users and groups); `-` reads standard
    /// input.
    pub file: PathBuf,
    /// The file's format; by default from its extension (.csv, .jsonl or .ndjson, .json),
    /// else from its first characters.
    #[arg(long, value_enum)]
    pub format: Option<ImportFormat>,
    /// Report what the import would do (the same summary) without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub db: DatabaseArgs,
}

#[derive(Debug, Clone, Args)]
pub struct EventsArgs {
    /// The tenant whose events to print.
    #[arg(long)]
    pub tenant: String,
    /// Print the events with a seq above this one; 0 starts at the first retained event.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(i64).range(0..))]
    pub after: i64,
    /// Keep printing events as they commit (looking every 500 ms) until SIGINT or SIGTERM.
    #[arg(long)]
    pub follow: bool,
    /// One envelope per line as JSON (JSON Lines), exactly as stored and as the admin API
    /// and webhooks send it, instead of a readable line.
    #[arg(long)]
    pub json: bool,
    /// Only events of these types: comma-separated names (user.created) and prefixes
    /// (user.*, group.member_*).
    #[arg(long, value_parser = parse_types)]
    pub types: Option<crate::scim::event::TypeFilter>,
    /// Stop after this many events (with --follow too); by default print every one.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
    #[command(flatten)]
    pub db: DatabaseArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ActivityArgs {
    /// Only this tenant's records; without it, every tenant's.
    #[arg(long)]
    pub tenant: Option<String>,
    /// An end user or group: its id, userName, externalId or displayName (case-insensitive).
    #[arg(long)]
    pub user: Option<String>,
    /// A credential: its id (`token:<id>`, or the bare id) or its label.
    #[arg(long)]
    pub credential: Option<String>,
    /// create, replace, patch, delete, member_add, member_remove, bulk, list, get, search,
    /// auth_failed, rate_limited, or an admin action such as token_create.
    #[arg(long)]
    pub operation: Option<String>,
    /// Only succeeded (2xx, 304) or failed requests.
    #[arg(long, value_enum)]
    pub outcome: Option<OutcomeArg>,
    /// Only the records of this last span, e.g. 24h or 7d.
    #[arg(long, value_parser = parse_duration, conflicts_with = "from")]
    pub since: Option<Duration>,
    /// Only records at or after this time (RFC 3339, e.g. 2026-12-01T00:00:00Z).
    #[arg(long, value_parser = parse_time)]
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// Only records before this time (RFC 3339).
    #[arg(long, value_parser = parse_time)]
    pub to: Option<chrono::DateTime<chrono::Utc>>,
    /// At most this many records; when there are more, the cursor of the next page is
    /// printed to standard error.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub limit: u64,
    /// Continue after a previous page (the cursor it printed).
    #[arg(long)]
    pub cursor: Option<String>,
    /// One JSON array of records (as GET /admin/v1/activity answers them) instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub db: DatabaseArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutcomeArg {
    Succeeded,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFormat {
    /// A header of SCIM attribute paths, one user per row.
    Csv,
    /// One SCIM User or Group per line.
    Jsonl,
    /// A SCIM ListResponse document (`Resources`).
    Scim,
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
        format: ListFormat,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Delete a tenant and everything of it (users, groups, tokens, clients, trusts,
    /// schemas) in one transaction. Its IdP's requests fail from then on.
    Delete {
        /// The tenant's name.
        name: String,
        /// Confirm: without it nothing is deleted.
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a bearer token; prints the token alone on stdout, once.
    Issue {
        /// The tenant the token authenticates as.
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
        /// Only this tenant's; by default every tenant's.
        #[arg(long)]
        tenant: Option<String>,
        #[command(flatten)]
        format: ListFormat,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Revoke a token by id; effective at once.
    Revoke {
        /// The token's id, as `scimd token list` shows it.
        id: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Replace a token: issues a new one for the same tenant and label (printed alone on
    /// stdout, once) and lets the old one expire after the overlap.
    Rotate {
        /// The id of the token to replace, as `scimd token list` shows it.
        id: String,
        /// How long the old token stays valid beside the new one, e.g. 24h, 7d or 0 (expire
        /// it now). An earlier expiry of the old token is kept.
        #[arg(long, value_parser = parse_duration, default_value = "24h")]
        overlap: Duration,
        /// Lifetime of the new token, such as 90d; without it the new token does not expire.
        #[arg(long, value_parser = parse_duration)]
        expires_in: Option<Duration>,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Register FILE, an RFC 7643 schema document, as an extension of User or Group for a
    /// tenant; prints its URN. Effective at once on running servers.
    Add {
        /// The tenant whose User or Group resources the extension extends.
        #[arg(long)]
        tenant: String,
        /// The schema document (JSON); `-` reads standard input.
        file: PathBuf,
        /// The resource type it extends: User or Group.
        #[arg(long, value_parser = parse_resource_type, default_value = "User")]
        resource_type: ResourceKind,
        /// Every resource of that type must carry the extension (schemaExtensions.required).
        #[arg(long)]
        required: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// List registered extensions.
    List {
        /// Only this tenant's; by default every tenant's.
        #[arg(long)]
        tenant: Option<String>,
        #[command(flatten)]
        format: ListFormat,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Unregister an extension and delete the values stored under its URN.
    Remove {
        /// The tenant the extension belongs to.
        #[arg(long)]
        tenant: String,
        /// The schema's URN (its `id`).
        urn: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// sqlite://FILE?mode=rwc, sqlite::memory: or postgres://user:pass@host/db
    // hide_env_values: `--help` would otherwise print the URL, password included.
    #[arg(
        long,
        env = "SCIMD_DATABASE_URL",
        default_value = "sqlite://scimd.db?mode=rwc",
        hide_env_values = true
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

    /// Proxies whose Forwarded / X-Forwarded-* headers are believed: comma-separated CIDRs or
    /// addresses, e.g. 10.0.0.0/8,127.0.0.1,::1. From any other peer they are ignored.
    #[arg(long, env = "SCIMD_TRUSTED_PROXIES", value_name = "CIDRS")]
    pub trusted_proxies: Option<crate::api::TrustedProxies>,

    /// If set, tenant `default` exists and this exact token authenticates it.
    #[arg(long, env = "SCIMD_BOOTSTRAP_TOKEN", hide_env_values = true)]
    pub bootstrap_token: Option<SecretString>,

    /// Enables the admin API under /admin/v1 with this bearer token (tenants, tokens, …).
    #[arg(long, env = "SCIMD_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<SecretString>,

    /// Reject the non-RFC input shapes real IdPs send instead of accepting them.
    #[arg(long, env = "SCIMD_STRICT")]
    pub strict: bool,

    /// What a Group PATCH without `attributes`/`excludedAttributes` answers: `no-content` (204,
    /// costs the same whatever the group's size) or `resource` (200 with the whole group,
    /// every member included).
    #[arg(long, env = "SCIMD_GROUP_PATCH_RESPONSE", value_enum, default_value_t = crate::api::GroupPatchResponse::NoContent)]
    pub group_patch_response: crate::api::GroupPatchResponse,

    /// Largest page a list or search returns (filter.maxResults).
    #[arg(long, env = "SCIMD_MAX_RESULTS", default_value_t = 1000)]
    pub max_results: u64,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "SCIMD_MAX_PAYLOAD_BYTES", default_value_t = 1_048_576)]
    pub max_payload_bytes: usize,

    /// Sustained requests per second each token may make (per process); 0 turns rate
    /// limiting off.
    #[arg(long, env = "SCIMD_RATE_LIMIT", default_value_t = crate::api::rate_limit::DEFAULT_PER_SECOND)]
    pub rate_limit: u32,

    /// Requests a token may make at once before the sustained rate applies; 0 turns rate
    /// limiting off.
    #[arg(long, env = "SCIMD_RATE_LIMIT_BURST", default_value_t = crate::api::rate_limit::DEFAULT_BURST)]
    pub rate_limit_burst: u32,
    /// Lifetime of the access tokens POST /oauth/token issues (1s to 24h), e.g. 1h or 15m.
    #[arg(long, env = "SCIMD_OAUTH_TOKEN_TTL", default_value = "1h", value_parser = parse_token_ttl)]
    pub oauth_token_ttl: Duration,

    /// How often the JWKS of a trust added with --jwks-url is fetched again, e.g. 1h or 30m
    /// (also at once, at most once a minute, for a token naming an unknown key id).
    #[arg(long, env = "SCIMD_JWKS_REFRESH", default_value = "1h", value_parser = parse_jwks_refresh)]
    pub jwks_refresh: Duration,

    /// How long change events stay readable in the feed (GET /admin/v1/events, scimd events),
    /// e.g. 30d or 12h; older ones are removed in the background.
    #[arg(long, env = "SCIMD_EVENT_RETENTION", default_value = "30d", value_parser = parse_retention)]
    pub event_retention: Duration,

    /// How long provisioning activity records are kept (scimd activity, GET
    /// /admin/v1/activity), e.g. 30d or 90d; older ones are removed in the background. 0
    /// turns the activity log off: no request is recorded, and what was recorded is removed.
    #[arg(long, env = "SCIMD_ACTIVITY_RETENTION", default_value = "30d", value_parser = parse_activity_retention)]
    pub activity_retention: Duration,

    /// Also record successful reads (GET, .search) in the activity log; off by default, as
    /// Entra's sync cycles read a lot.
    #[arg(long, env = "SCIMD_ACTIVITY_READS")]
    pub activity_reads: bool,

    /// Allow webhook URLs that resolve to loopback, private or link-local addresses, and plain
    /// http (tests, apps on the same host). Checked when connecting, not only when added.
    #[arg(long, env = "SCIMD_WEBHOOK_ALLOW_PRIVATE")]
    pub webhook_allow_private: bool,

    /// Delays between attempts of a webhook event that failed, comma-separated; after the
    /// last the event is given up and the next one sent.
    #[arg(long, env = "SCIMD_WEBHOOK_RETRY_SCHEDULE", default_value = crate::worker::delivery::schedule::DEFAULT)]
    pub webhook_retry_schedule: crate::worker::delivery::Schedule,

    /// Also serve /metrics, /healthz and /readyz on this address (e.g. 127.0.0.1:9090), so
    /// they can stay off the public listener.
    #[arg(long, env = "SCIMD_METRICS_LISTEN")]
    pub metrics_listen: Option<String>,

    /// HTTP worker threads; defaults to the number of CPUs.
    #[arg(long, env = "SCIMD_WORKERS")]
    pub workers: Option<usize>,

    /// tracing filter, e.g. `info` or `scimd=debug,info`.
    #[arg(long, env = "SCIMD_LOG", default_value = "info")]
    pub log: String,

    /// Log lines as text for people or as JSON objects for a log pipeline.
    #[arg(long, env = "SCIMD_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
}

fn parse_types(text: &str) -> Result<crate::scim::event::TypeFilter, String> {
    crate::scim::event::TypeFilter::parse(text)
}

fn parse_resource_type(text: &str) -> Result<ResourceKind, String> {
    ResourceKind::from_name(text).ok_or_else(|| format!("{text:?} is not User or Group"))
}

/// `90d`, `12h`, `30m`, `1y`, `2w` … as humantime understands them.
fn parse_time(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| format!("{e} (use RFC 3339, e.g. 2026-12-01T00:00:00Z)"))
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("{e} (try 90d, 12h or 30m)"))
}

/// From a second (tests) up; a year at most, since rotated keys must reach scimd eventually.
fn parse_jwks_refresh(text: &str) -> Result<Duration, String> {
    let every = parse_duration(text)?;
    if every < Duration::from_secs(1) || every > Duration::from_secs(366 * 86_400) {
        return Err("use an interval from 1s to 1y, e.g. 1h or 30m".to_owned());
    }
    Ok(every)
}

/// An hour at least, so a reader that pauses briefly does not lose its place; 100 years at
/// most, so the cutoff stays a date.
fn parse_retention(text: &str) -> Result<Duration, String> {
    let keep = parse_duration(text)?;
    if keep < Duration::from_secs(3600) || keep > Duration::from_secs(100 * 366 * 86_400) {
        return Err("use a retention from 1h to 100y, e.g. 30d or 90d".to_owned());
    }
    Ok(keep)
}

/// As [`parse_retention`], or `0`: keep nothing (the activity log is off).
fn parse_activity_retention(text: &str) -> Result<Duration, String> {
    if text.trim() == "0" {
        return Ok(Duration::ZERO);
    }
    parse_retention(text).map_err(|e| format!("{e}; or 0 to turn the activity log off"))
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
mod tests;
