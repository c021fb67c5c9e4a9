//! What each subcommand does (shared/CONTRACT.md): serve, migrate, tenant, token, jwt, client,
//! schema, import, events, activity, report, webhook.
mod activity;
mod auth;
mod credentials;
mod events;
mod import;
mod ops;
mod report;
mod rotate;
mod schema;
mod tenant;
mod webhook;

use std::io::Write as _;

use anyhow::{Context, bail};
use secrecy::ExposeSecret;

use crate::api::TokenView;
use crate::cli::{Cli, Command, DatabaseArgs, ListFormat, ServeArgs, TokenCommand};
use crate::startup::{Application, Bootstrap, Settings};
use crate::store::{Create, PoolConfig, Store, TokenInfo};
use crate::telemetry::{self, LogFormat};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(args)) => serve(args).await,
        Some(Command::Openapi) => {
            let mut out = std::io::stdout().lock();
            out.write_all(crate::api::openapi::to_json().as_bytes())?;
            Ok(out.flush()?)
        }
        Some(command) => {
            telemetry::init("warn", LogFormat::Text)?;
            admin(command).await
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    telemetry::init(&args.log, args.log_format)?;
    if let Some(token) = &args.admin_token
        && token.expose_secret().trim().len() < 16
    {
        bail!("SCIMD_ADMIN_TOKEN must be at least 16 characters; use a long random token");
    }
    let app = Application::build(Settings::from(&args)).await?;
    let backend = app.store().backend();
    tracing::info!(port = app.port(), backend, "scimd listening");
    let mut out = std::io::stdout().lock();
    writeln!(out, "SCIM base URL: {}", app.base_url())?;
    match app.bootstrap() {
        Bootstrap::Issued(token) => writeln!(out, "Bearer token:  {token}")?,
        Bootstrap::FromEnvironment => {
            writeln!(out, "Bearer token:  the value of SCIMD_BOOTSTRAP_TOKEN")?
        }
        Bootstrap::Existing => writeln!(
            out,
            "Bearer token:  printed at first start; `scimd token issue --tenant default` issues another"
        )?,
    }
    out.flush()?;
    drop(out);
    app.run_until_stopped().await?;
    tracing::info!("scimd stopped");
    Ok(())
}

/// The database of a command that is not `serve` or `migrate`: it must exist already.
async fn open(db: &DatabaseArgs) -> anyhow::Result<Store> {
    open_with(db, Create::Never).await
}

async fn open_with(db: &DatabaseArgs, create: Create) -> anyhow::Result<Store> {
    let pool = PoolConfig {
        max_connections: db.db_max_connections.min(2),
        ..PoolConfig::default()
    };
    Store::open(&db.database_url, &pool, create)
        .await
        .with_context(|| crate::store::cannot_open(&db.database_url))
}

async fn admin(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(_) | Command::Openapi => unreachable!("handled by run"),
        Command::Migrate(db) => {
            let store = open_with(&db, Create::IfMissing).await?;
            store.close().await;
            println!("migrations applied");
        }
        Command::Tenant { command } => tenant::run(command).await?,
        Command::Token { command } => token(command).await?,
        Command::Schema { command } => schema::run(command).await?,
        Command::Webhook { command } => webhook::run(command).await?,
        Command::Jwt { command } => auth::jwt(command).await?,
        Command::Client { command } => auth::client(command).await?,
        Command::Import(args) => import::run(args).await?,
        Command::Events(args) => events::run(args).await?,
        Command::Activity(args) => activity::run(args).await?,
        Command::Report(args) => report::run(args).await?,
        Command::Backup(args) => ops::backup(args).await?,
        Command::Healthcheck(args) => ops::healthcheck(args).await?,
        Command::Completions(args) => ops::completions(args)?,
    }
    Ok(())
}

/// A list command's output: a table, or with `--json` one JSON array of the objects the
/// admin API answers with (so a script reads the CLI and the API alike).
fn show<I, V: serde::Serialize>(
    format: ListFormat,
    items: Vec<I>,
    table: fn(&[I]),
    json: fn(I) -> V,
) -> anyhow::Result<()> {
    if format.json {
        let items: Vec<V> = items.into_iter().map(json).collect();
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &items)?;
        writeln!(out)?;
        out.flush()?;
    } else {
        table(&items);
    }
    Ok(())
}

/// The exit code for a command that failed with `err`: 1, or the code of its own a failure
/// documents (`scimd import`: 3 when some records failed and the others were imported).
pub fn exit_code(err: &anyhow::Error) -> u8 {
    match err.downcast_ref::<import::RecordsFailed>() {
        Some(_) => import::RecordsFailed::EXIT_CODE,
        None => 1,
    }
}

async fn token(command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Issue {
            tenant,
            label,
            expires_in,
            db,
        } => {
            let expires_at = credentials::expiry(expires_in)?;
            let store = open(&db).await?;
            let issued = async {
                let found = credentials::named(&store, &tenant).await?;
                Ok::<_, anyhow::Error>(
                    store
                        .tokens()
                        .issue(&found, label.as_deref(), expires_at)
                        .await?,
                )
            }
            .await;
            store.close().await;
            let (_, secret) = issued?;
            println!("{secret}");
        }
        TokenCommand::List { tenant, format, db } => {
            let tokens = credentials::list::<TokenInfo>(tenant.as_deref(), &db).await?;
            show(format, tokens, print_tokens, TokenView::from)?;
        }
        TokenCommand::Revoke { id, db } => {
            credentials::end::<TokenInfo>(&id, &db, "revoked").await?
        }
        TokenCommand::Rotate {
            id,
            overlap,
            expires_in,
            db,
        } => rotate::run(&id, overlap, expires_in, &db).await?,
    }
    Ok(())
}

fn print_tokens(tokens: &[TokenInfo]) {
    use credentials::when;
    println!(
        "{:<36}  {:<16}  {:<16}  {:<16}  {:<16}  {:<16}  LABEL",
        "ID", "TENANT", "CREATED", "EXPIRES", "REVOKED", "LAST USED"
    );
    for t in tokens {
        println!(
            "{:<36}  {:<16}  {:<16}  {:<16}  {:<16}  {:<16}  {}",
            t.id,
            t.tenant,
            when(Some(t.created_at)),
            when(t.expires_at),
            when(t.revoked_at),
            when(t.last_used_at),
            t.label.as_deref().unwrap_or("")
        );
    }
}
