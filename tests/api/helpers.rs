//! `spawn_app()`: the real application on port 0 with its own database, and a client with
//! SCIM-verb methods.
use reqwest::{Method, Response, StatusCode};
use scimd::api::ApiSettings;
use scimd::scim::validate::Leniency;
use scimd::startup::{Application, Settings};
use scimd::store::{PoolConfig, Store};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::sync::LazyLock;
use std::time::Duration;

pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

static TRACING: LazyLock<()> = LazyLock::new(|| {
    if std::env::var_os("TEST_LOG").is_some() {
        let filter = std::env::var("TEST_LOG").unwrap_or_else(|_| "info".into());
        let sub = scimd::telemetry::subscriber(
            &filter,
            scimd::telemetry::LogFormat::Text,
            std::io::stdout,
        )
        .unwrap();
        let _ = tracing::subscriber::set_global_default(sub);
    }
});

/// A database of its own for one test.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A temp-file SQLite database, or a new PostgreSQL database on the server named by
    /// SCIMD_TEST_DATABASE_URL. CI sets SCIMD_TEST_BACKEND=postgres so that a missing URL fails
    /// instead of quietly testing SQLite twice.
    pub async fn new() -> Self {
        let pg = std::env::var("SCIMD_TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty());
        if std::env::var("SCIMD_TEST_BACKEND").as_deref() == Ok("postgres") {
            assert!(
                pg.is_some(),
                "SCIMD_TEST_BACKEND=postgres but SCIMD_TEST_DATABASE_URL is not set"
            );
        }
        match pg {
            Some(admin_url) => {
                let name = format!("scimd_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("connect to SCIMD_TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .unwrap();
                admin.close().await.unwrap();
                let (base, _) = admin_url
                    .rsplit_once('/')
                    .expect("database URL ends in /dbname");
                Self {
                    url: format!("{base}/{name}"),
                    _dir: None,
                }
            }
            None => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("scimd.db").display()
                );
                Self {
                    url,
                    _dir: Some(dir),
                }
            }
        }
    }

    /// Another handle on an existing database (its owner keeps and drops it).
    pub fn attach(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            _dir: None,
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.url.starts_with("postgres")
    }

    pub async fn connect(&self) -> DatabaseConnection {
        Database::connect(&self.url).await.unwrap()
    }
}

pub struct TestApp {
    pub port: u16,
    /// The operations listener's port, when `metrics_listen` was set.
    pub metrics_port: Option<u16>,
    pub token: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub db: TestDb,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The stop command is sent at once; nothing needs to await it.
        drop(self.handle.stop(false));
    }
}

pub fn settings(db: &TestDb, token: &str) -> Settings {
    Settings {
        database_url: db.url.clone(),
        pool: PoolConfig {
            max_connections: 3,
            acquire_timeout: Duration::from_secs(30),
        },
        listen: "127.0.0.1:0".into(),
        metrics_listen: None,
        bootstrap_token: Some(SecretString::from(token.to_owned())),
        api: ApiSettings {
            leniency: Leniency::Lenient,
            public_url: None,
            trusted_proxies: Default::default(),
            max_results: 1000,
            max_payload: 1_048_576,
            admin_token_hash: None,
            // Off, so suites that send many requests quickly are not throttled;
            // tests/api/rate_limit.rs turns it on.
            rate_limit: None,
            oauth_token_ttl: Duration::from_secs(3600),
            group_patch_response: Default::default(),
            webhook_allow_private: true,
            activity_log: true,
            activity_reads: false,
        },
        workers: Some(2),
        shutdown_timeout: Duration::from_secs(1),
        background: test_background(),
    }
}

/// The workers as tests run them: webhooks to 127.0.0.1 allowed, retries within a second.
pub fn test_background() -> scimd::worker::WorkerSettings {
    use scimd::worker::delivery::{DeliverySettings, Schedule};
    scimd::worker::WorkerSettings {
        delivery: DeliverySettings {
            allow_private: true,
            schedule: Schedule::parse("100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms").unwrap(),
            timeout: Duration::from_secs(2),
            lease: Duration::from_secs(3),
            metrics_every: Duration::from_millis(200),
            ..DeliverySettings::default()
        },
        ..Default::default()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app with `adjust` applied to the test settings.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    LazyLock::force(&TRACING);
    let db = TestDb::new().await;
    let token = scimd::secrets::new_token().unwrap();
    let mut settings = settings(&db, &token);
    adjust(&mut settings);
    start(db, settings, token).await
}

impl TestApp {
    /// Stops this instance's server and workers (the database stays), as a crash would
    /// mid-delivery: an in-flight webhook is abandoned.
    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }

    /// A second scimd instance on this app's database, as behind a load balancer.
    pub async fn second_instance(&self) -> TestApp {
        let db = TestDb {
            url: self.db.url.clone(),
            _dir: None,
        };
        start(db, settings(&self.db, &self.token), self.token.clone()).await
    }
}

pub async fn start(db: TestDb, settings: Settings, token: String) -> TestApp {
    let app = Application::build(settings)
        .await
        .expect("application builds");
    let port = app.port();
    let metrics_port = app.metrics_port();
    let store = app.store().clone();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        port,
        metrics_port,
        token,
        client: client(),
        store,
        db,
        handle,
    }
}

/// An HTTP client for the tests. reqwest has no TLS crypto provider of its own in this build,
/// so a bare `reqwest::Client::new()` panics until one is installed; this installs it first.
pub fn client() -> reqwest::Client {
    scimd::startup::install_crypto_provider();
    reqwest::Client::new()
}

impl TestApp {
    pub fn root(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn base(&self) -> String {
        format!("{}/scim/v2", self.root())
    }

    /// A request to `{base}{path}` with this app's token.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base()))
            .bearer_auth(&self.token)
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Response {
        let mut req = self.request(method, path);
        if let Some(body) = body {
            req = req
                .header("Content-Type", "application/scim+json")
                .body(body.to_string());
        }
        req.send().await.expect("request sent")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Response {
        self.send(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.send(Method::DELETE, path, None).await
    }

    pub async fn post_user(&self, body: &Value) -> Response {
        self.post("/Users", body).await
    }

    pub async fn get_user(&self, id: &str) -> Response {
        self.get(&format!("/Users/{id}")).await
    }

    pub async fn put_user(&self, id: &str, body: &Value) -> Response {
        self.put(&format!("/Users/{id}"), body).await
    }

    pub async fn delete_user(&self, id: &str) -> Response {
        self.delete(&format!("/Users/{id}")).await
    }

    pub async fn post_group(&self, body: &Value) -> Response {
        self.post("/Groups", body).await
    }

    pub async fn get_group(&self, id: &str) -> Response {
        self.get(&format!("/Groups/{id}")).await
    }

    pub async fn put_group(&self, id: &str, body: &Value) -> Response {
        self.put(&format!("/Groups/{id}"), body).await
    }

    pub async fn delete_group(&self, id: &str) -> Response {
        self.delete(&format!("/Groups/{id}")).await
    }

    /// `GET /Users?{query}` → the ListResponse, asserting 200.
    pub async fn list_users(&self, query: &str) -> Value {
        json_ok(self.get(&format!("/Users?{query}")).await).await
    }

    pub async fn list_groups(&self, query: &str) -> Value {
        json_ok(self.get(&format!("/Groups?{query}")).await).await
    }

    /// Creates a user called `user_name` and returns its id.
    pub async fn create_user(&self, user_name: &str) -> String {
        let r = self
            .post_user(&json!({"schemas": [USER_URN], "userName": user_name}))
            .await;
        id_of(json_status(r, StatusCode::CREATED).await)
    }

    /// Creates a group with these member ids and returns its id.
    pub async fn create_group(&self, name: &str, members: &[&str]) -> String {
        let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
        let r = self
            .post_group(&json!({"schemas": [GROUP_URN], "displayName": name, "members": members}))
            .await;
        id_of(json_status(r, StatusCode::CREATED).await)
    }
}

impl TestApp {
    /// A new bearer token for tenant `name`, the tenant created if missing.
    pub async fn token_for(&self, name: &str) -> String {
        let tenant = self.store.tenants().ensure(name).await.unwrap();
        let (_, token) = self
            .store
            .tokens()
            .issue(&tenant, Some("test"), None)
            .await
            .unwrap();
        token
    }
}

/// The userName (or displayName) of each resource of a ListResponse, sorted.
pub fn names(list: &Value) -> Vec<String> {
    let mut names: Vec<String> = list["Resources"]
        .as_array()
        .unwrap_or_else(|| panic!("no Resources in {list}"))
        .iter()
        .map(|r| {
            r["userName"]
                .as_str()
                .or_else(|| r["displayName"].as_str())
                .unwrap()
                .to_owned()
        })
        .collect();
    names.sort();
    names
}

pub fn id_of(body: Value) -> String {
    body["id"].as_str().expect("body has an id").to_owned()
}

/// Asserts `status` and returns the JSON body. A body that is not JSON fails the test (an
/// "attribute is absent" check on anything else would pass vacuously); only 204 and 304, which
/// have no body, give `Value::Null`.
pub async fn json_status(response: Response, status: StatusCode) -> Value {
    let got = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "unexpected status; body: {text}");
    if matches!(got, StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED) {
        assert!(text.is_empty(), "a {got} answer has a body: {text:?}");
        return Value::Null;
    }
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("the {got} answer is not JSON ({e}): {text:?}"))
}

pub async fn json_ok(response: Response) -> Value {
    json_status(response, StatusCode::OK).await
}

/// Asserts a SCIM error body with `status` and, if given, `scim_type`; returns its detail.
pub async fn scim_error(response: Response, status: u16, scim_type: Option<&str>) -> String {
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = json_status(response, StatusCode::from_u16(status).unwrap()).await;
    assert_eq!(content_type, "application/scim+json", "error content type");
    assert_eq!(body["schemas"], json!([ERROR_URN]), "error schema: {body}");
    assert_eq!(
        body["status"],
        json!(status.to_string()),
        "status as string: {body}"
    );
    match scim_type {
        Some(t) => assert_eq!(body["scimType"], json!(t), "scimType: {body}"),
        None => assert!(
            body.get("scimType").is_none(),
            "no scimType expected: {body}"
        ),
    }
    let detail = body["detail"].as_str().unwrap_or_default().to_owned();
    assert!(!detail.is_empty(), "error has a detail: {body}");
    detail
}
