//! What both benchmarks share: the server they start on loopback and where SQLite files go.
use std::path::{Path, PathBuf};
use std::time::Duration;

use scimd::api::ApiSettings;
use scimd::scim::validate::Leniency;
use scimd::startup::{Application, Settings};
use scimd::store::PoolConfig;
use secrecy::SecretString;

/// The bootstrap token of the benchmark's tenant (loopback only, throw-away data).
pub const TOKEN: &str = "bench-token-0123456789abcdef0123456789abcdef";

/// The real server on an ephemeral loopback port, as `scimd serve` configures it by default
/// except for the request-size limit and the rate limit: the benchmarks measure the store at
/// full speed through one token.
// The webhook benchmark adjusts `settings` instead.
#[allow(dead_code)]
pub async fn server(database_url: &str, max_payload: usize) -> Application {
    Application::build(settings(database_url, max_payload))
        .await
        .unwrap()
}

/// The settings [`server`] starts with.
pub fn settings(database_url: &str, max_payload: usize) -> Settings {
    Settings {
        database_url: database_url.to_owned(),
        pool: PoolConfig::default(),
        listen: "127.0.0.1:0".into(),
        metrics_listen: None,
        bootstrap_token: Some(SecretString::from(TOKEN.to_owned())),
        api: ApiSettings {
            leniency: Leniency::Lenient,
            public_url: None,
            trusted_proxies: Default::default(),
            max_results: 1_000,
            max_payload,
            admin_token_hash: None,
            rate_limit: None,
            oauth_token_ttl: Duration::from_secs(3600),
            group_patch_response: Default::default(),
            webhook_allow_private: false,
            activity_log: true,
            activity_reads: false,
        },
        workers: None,
        shutdown_timeout: Duration::from_secs(5),
        background: Default::default(),
    }
}

/// `target/bench/NAME`, the directory created if missing.
pub fn bench_file(name: &str) -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is inside the target directory");
    let dir = target.join("bench");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Runs a benchmark's async body on a multi-threaded runtime, as the server runs.
pub fn block_on<F: std::future::Future>(body: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(body)
}
