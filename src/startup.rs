//! Building and running the server: connect and migrate, bootstrap the first tenant and token,
//! bind, serve (with the background workers beside it) until SIGINT/SIGTERM, then close the
//! database.
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware, web};
use secrecy::{ExposeSecret, SecretString};
use tracing_actix_web::TracingLogger;

use crate::api::rate_limit::RateLimit;
use crate::api::{self, ApiSettings, AppState, ScimdRootSpan};
use crate::cli::ServeArgs;
use crate::scim::validate::Leniency;
use crate::store::{PoolConfig, Store};
use crate::worker::{self, WorkerSettings, Workers};

/// The tenant created on first start.
pub const DEFAULT_TENANT: &str = "default";

/// Everything `Application::build` needs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub pool: PoolConfig,
    pub listen: String,
    /// A second address serving only `/metrics`, `/healthz` and `/readyz`.
    pub metrics_listen: Option<String>,
    pub bootstrap_token: Option<SecretString>,
    pub api: ApiSettings,
    pub workers: Option<usize>,
    /// How long in-flight requests may finish after SIGTERM.
    pub shutdown_timeout: Duration,
    /// The background workers' settings.
    pub background: WorkerSettings,
}

impl From<&ServeArgs> for Settings {
    fn from(args: &ServeArgs) -> Self {
        Self {
            database_url: args.db.database_url.clone(),
            pool: PoolConfig {
                max_connections: args.db.db_max_connections,
                ..PoolConfig::default()
            },
            listen: args.listen.clone(),
            metrics_listen: args.metrics_listen.clone(),
            bootstrap_token: args.bootstrap_token.clone(),
            api: ApiSettings {
                leniency: if args.strict {
                    Leniency::Strict
                } else {
                    Leniency::Lenient
                },
                public_url: args.public_url.as_deref().map(api::scim_base),
                trusted_proxies: args.trusted_proxies.clone().unwrap_or_default(),
                max_results: args.max_results.max(1),
                max_payload: args.max_payload_bytes,
                admin_token_hash: args
                    .admin_token
                    .as_ref()
                    .map(|t| crate::secrets::token_hash(t.expose_secret())),
                rate_limit: RateLimit::new(args.rate_limit, args.rate_limit_burst),
                oauth_token_ttl: args.oauth_token_ttl,
                group_patch_response: args.group_patch_response,
                webhook_allow_private: args.webhook_allow_private,
                activity_log: !args.activity_retention.is_zero(),
                activity_reads: args.activity_reads,
            },
            workers: args.workers,
            shutdown_timeout: Duration::from_secs(5),
            background: WorkerSettings {
                jwks_refresh: args.jwks_refresh,
                event_retention: args.event_retention,
                activity_retention: args.activity_retention,
                delivery: crate::worker::delivery::DeliverySettings {
                    allow_private: args.webhook_allow_private,
                    schedule: args.webhook_retry_schedule.clone(),
                    ..Default::default()
                },
                ..WorkerSettings::default()
            },
        }
    }
}

/// What the first start did about credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bootstrap {
    /// The database was empty: tenant `default` and this token were created.
    Issued(String),
    /// `SCIMD_BOOTSTRAP_TOKEN` authenticates tenant `default`.
    FromEnvironment,
    /// Tenants already existed; nothing was created.
    Existing,
}

pub struct Application {
    address: SocketAddr,
    base_url: String,
    server: Server,
    /// The operations listener and its address, when `metrics_listen` is set.
    metrics: Option<(Server, SocketAddr)>,
    store: Store,
    bootstrap: Bootstrap,
    background: WorkerSettings,
    /// The activity log's queue, written by a worker once the application runs.
    activity: worker::activity_log::Queue,
}

/// Installs ring as the process's TLS crypto provider, once; later calls do nothing. reqwest is
/// built without a provider of its own (its default compiles aws-lc from C), so every process
/// that makes an HTTPS client — the server, `scimd jwt add --jwks-url`, tests — calls this
/// first; `main` and [`Application::build`] do.
pub fn install_crypto_provider() {
    // Err: a provider is installed already, which is all this wants.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        install_crypto_provider();
        let store = Store::connect(&settings.database_url, &settings.pool)
            .await
            .map_err(|e| {
                anyhow::anyhow!("{}: {e}", crate::store::cannot_open(&settings.database_url))
            })?;
        let bootstrap = bootstrap(&store, settings.bootstrap_token.as_ref()).await?;
        let listener = TcpListener::bind(&settings.listen).map_err(|e| {
            anyhow::anyhow!(
                "cannot bind {} (--listen, SCIMD_LISTEN): {e}",
                settings.listen
            )
        })?;
        let address = listener.local_addr()?;
        warn_of_host_based_urls(address, &settings.api);
        let base_url = settings
            .api
            .public_url
            .clone()
            .unwrap_or_else(|| local_base_url(address));
        let metrics = match &settings.metrics_listen {
            Some(listen) => Some(serve_operations(listen, store.clone(), &settings)?),
            None => None,
        };
        let (sink, activity) = worker::activity_log::queue();
        let server = serve(listener, store.clone(), &settings, sink)?;
        Ok(Self {
            address,
            base_url,
            server,
            metrics,
            store,
            bootstrap,
            background: settings.background,
            activity,
        })
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// The port of the operations listener, when there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(_, address)| address.port())
    }

    /// The SCIM base URL to paste into an IdP.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn bootstrap(&self) -> &Bootstrap {
        &self.bootstrap
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Stops the server from elsewhere (tests, embedding).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM (graceful: in-flight requests finish) with the workers
    /// beside the server, stops them, then closes the database. The operations listener stops
    /// with the main one.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics = self.metrics.map(|(server, _)| {
            let handle = server.handle();
            (handle, tokio::spawn(server))
        });
        let mut workers = Workers::start(&self.store, &self.background, self.activity);
        let mut server = self.server;
        let handle = server.handle();
        let mut stopping = false;
        let terminated = terminated();
        tokio::pin!(terminated);
        let result = loop {
            tokio::select! {
                result = &mut server => break result,
                // Long-polls are answered first, so that in-flight requests end at once and
                // the graceful stop does not wait out their `wait`.
                () = &mut terminated, if !stopping => {
                    stopping = true;
                    self.store.end_waits();
                    let handle = handle.clone();
                    tokio::spawn(async move { handle.stop(true).await });
                }
                // Workers log their errors and go on; one that ends anyway is reported and the
                // server keeps serving with what the database holds.
                Some(ended) = workers.ended() => {
                    tracing::error!(?ended, "a background worker stopped before shutdown");
                }
            }
        };
        if let Some((handle, task)) = metrics {
            handle.stop(true).await;
            if let Ok(Err(err)) = task.await {
                tracing::warn!(error = %err, "metrics listener");
            }
        }
        workers.stop().await;
        self.store.close().await;
        result
    }
}

/// Resolves on SIGINT or SIGTERM: `scimd serve` stops gracefully there, `scimd events
/// --follow` ends with exit code 0.
pub(crate) async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    // Without a handler of its own, SIGINT ends the process anyway.
    let _ = tokio::signal::ctrl_c().await;
}

fn serve(
    listener: TcpListener,
    store: Store,
    settings: &Settings,
    activity: worker::activity_log::Sink,
) -> anyhow::Result<Server> {
    let api_settings = settings.api.clone();
    let jwks = worker::jwks::Refresher::new(store.clone(), settings.background.jwks_refresh);
    let state = web::Data::new(
        AppState::new(store, api_settings.clone())
            .with_jwks(jwks)
            .with_activity(activity),
    );
    let mut server = HttpServer::new(move || {
        let api_settings = api_settings.clone();
        App::new()
            .wrap(middleware::Compress::default())
            .wrap(middleware::from_fn(api::record_activity))
            .wrap(middleware::from_fn(api::observe))
            .wrap(TracingLogger::<ScimdRootSpan>::new())
            // Paths are made canonical first, so the request's span names its route.
            .wrap(middleware::from_fn(api::canonicalize_endpoint_names))
            .wrap(middleware::NormalizePath::trim())
            .wrap(middleware::from_fn(api::mark_docs_with_slash))
            .app_data(state.clone())
            .configure(move |cfg| api::configure(cfg, &api_settings))
    })
    // SIGINT and SIGTERM are handled by `run_until_stopped`, which answers long-polls first.
    .disable_signals()
    .shutdown_timeout(settings.shutdown_timeout.as_secs());
    if let Some(workers) = settings.workers {
        server = server.workers(workers.max(1));
    }
    Ok(server.listen(listener)?.run())
}

/// The operations listener on `listen`: one worker on the same pools (so `/readyz` and the
/// pool gauges tell of them), no signal handling of its own (`run_until_stopped` stops it).
fn serve_operations(
    listen: &str,
    store: Store,
    settings: &Settings,
) -> anyhow::Result<(Server, SocketAddr)> {
    let state = web::Data::new(AppState::new(store, settings.api.clone()));
    let listener = TcpListener::bind(listen)
        .map_err(|e| anyhow::anyhow!("cannot bind the metrics listener {listen} (--metrics-listen, SCIMD_METRICS_LISTEN): {e}"))?;
    let address = listener.local_addr()?;
    let server = HttpServer::new(move || {
        App::new()
            .wrap(middleware::from_fn(api::observe))
            .wrap(TracingLogger::<ScimdRootSpan>::new())
            .app_data(state.clone())
            .configure(api::configure_operations)
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(settings.shutdown_timeout.as_secs())
    .listen(listener)?
    .run();
    Ok((server, address))
}

/// Reachable from other machines with no `SCIMD_PUBLIC_URL`: every client then decides with
/// its `Host` header which host the URLs scimd answers with name, which operators rarely
/// mean and seldom notice.
fn warn_of_host_based_urls(address: SocketAddr, api: &ApiSettings) {
    if api.public_url.is_some() || address.ip().to_canonical().is_loopback() {
        return;
    }
    tracing::warn!(
        listen = %address,
        "SCIMD_PUBLIC_URL is not set and scimd listens on a non-loopback address: the base \
         URL of meta.location, Location and $ref comes from each request's Host header{}; set \
         SCIMD_PUBLIC_URL to the URL clients use",
        if api.trusted_proxies.is_empty() {
            ""
        } else {
            " (or a trusted proxy's forwarded host)"
        }
    );
}

/// `http://<listen address>/scim/v2`, with a wildcard address shown as loopback.
fn local_base_url(address: SocketAddr) -> String {
    let host = match address {
        SocketAddr::V4(v4) if v4.ip().is_unspecified() => format!("127.0.0.1:{}", v4.port()),
        SocketAddr::V6(v6) if v6.ip().is_unspecified() => format!("[::1]:{}", v6.port()),
        SocketAddr::V6(v6) => format!("[{}]:{}", v6.ip(), v6.port()),
        SocketAddr::V4(v4) => v4.to_string(),
    };
    format!("http://{host}{}", api::SCIM_PREFIX)
}

async fn bootstrap(store: &Store, token: Option<&SecretString>) -> anyhow::Result<Bootstrap> {
    if let Some(token) = token {
        let secret = token.expose_secret();
        if secret.trim().is_empty() {
            anyhow::bail!("SCIMD_BOOTSTRAP_TOKEN is set but empty");
        }
        if secret.len() < 32 {
            tracing::warn!(
                "SCIMD_BOOTSTRAP_TOKEN is shorter than 32 characters; use a long random token"
            );
        }
        let tenant = store.tenants().ensure(DEFAULT_TENANT).await?;
        let info = store.tokens().ensure(&tenant, secret, "bootstrap").await?;
        if info.tenant != DEFAULT_TENANT {
            tracing::warn!(tenant = %info.tenant, "SCIMD_BOOTSTRAP_TOKEN belongs to another tenant");
        }
        if info.revoked_at.is_some() {
            tracing::warn!(token = %info.id, "SCIMD_BOOTSTRAP_TOKEN was revoked and stays revoked; unset it");
        }
        return Ok(Bootstrap::FromEnvironment);
    }
    if store.tenants().count().await? > 0 {
        return Ok(Bootstrap::Existing);
    }
    let tenant = store.tenants().ensure(DEFAULT_TENANT).await?;
    let (_, secret) = store
        .tokens()
        .issue(&tenant, Some("first start"), None)
        .await?;
    Ok(Bootstrap::Issued(secret))
}
