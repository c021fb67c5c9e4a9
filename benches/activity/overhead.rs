//! Part 1: the write overhead of the activity log (and, with a baseline binary, of the change
//! events), measured on servers that receive the same writes in turn.
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{self, TOKEN};
use crate::{Args, Fresh, ms, p50};

const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// How a measured server runs: in this process, or as a `scimd serve` process of its own.
enum Running {
    InProcess {
        handle: actix_web::dev::ServerHandle,
        server: tokio::task::JoinHandle<std::io::Result<()>>,
    },
    Process(std::process::Child),
}

/// Which server: this build with the log on or off, or the baseline binary.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    LogOn,
    LogOff,
    Baseline,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::LogOn => "on",
            Self::LogOff => "off",
            Self::Baseline => "baseline",
        }
    }
}

/// One server and what the rounds write to.
struct Target {
    http: reqwest::Client,
    base: String,
    group: String,
    running: Running,
    db: Fresh,
    times: [Vec<Duration>; 5],
}

impl Target {
    async fn start(args: &Args, kind: Kind) -> Self {
        let db = Fresh::new(args, kind.name()).await;
        let (base, running) = match &args.baseline_bin {
            None => {
                let mut settings = common::settings(&db.url, 4 * 1_048_576);
                settings.api.activity_log = kind == Kind::LogOn;
                let app = scimd::startup::Application::build(settings).await.unwrap();
                let base = format!("http://127.0.0.1:{}/scim/v2", app.port());
                let handle = app.handle();
                let server = tokio::spawn(app.run_until_stopped());
                (base, Running::InProcess { handle, server })
            }
            Some(baseline) => {
                let bin = match kind {
                    Kind::Baseline => baseline.clone(),
                    _ => env!("CARGO_BIN_EXE_scimd").into(),
                };
                spawn(&bin, &db.url, kind == Kind::LogOff).await
            }
        };
        let mut target = Self {
            http: reqwest::Client::new(),
            base,
            group: String::new(),
            running,
            db,
            times: Default::default(),
        };
        let members: Vec<Value> = (0..1000)
            .map(|i| {
                json!({"method": "POST", "path": "/Users", "bulkId": format!("m{i}"),
                "data": {"schemas": [USER], "userName": format!("member{i}")}})
            })
            .collect();
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": members});
        let (answer, _) = target
            .send(Method::POST, "/Bulk", &body, StatusCode::OK)
            .await;
        let ids: Vec<Value> = answer["Operations"]
            .as_array()
            .unwrap()
            .iter()
            .map(
                |op| json!({"value": op["location"].as_str().unwrap().rsplit('/').next().unwrap()}),
            )
            .collect();
        let group = json!({"schemas": [GROUP], "displayName": "Everyone", "members": ids});
        let (group, _) = target
            .send(Method::POST, "/Groups", &group, StatusCode::CREATED)
            .await;
        target.group = group["id"].as_str().unwrap().to_owned();
        target
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: &Value,
        status: StatusCode,
    ) -> (Value, Duration) {
        let started = Instant::now();
        let response = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(TOKEN)
            .header("content-type", "application/scim+json")
            .header("user-agent", "Azure Active Directory SCIM Client")
            .body(serde_json::to_vec(body).unwrap())
            .send()
            .await
            .unwrap();
        let got = response.status();
        let bytes = response.bytes().await.unwrap();
        let took = started.elapsed();
        assert_eq!(got, status, "{path}: {}", String::from_utf8_lossy(&bytes));
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        (value, took)
    }

    /// One round: a new user, a change to it, and its add to and removal from the group.
    async fn round(&mut self, i: usize, measured: bool) {
        let user = json!({"schemas": [USER], "userName": format!("round{i}@example.com"),
            "externalId": format!("ext-{i}"), "name": {"givenName": "Round", "familyName": "User"},
            "emails": [{"value": format!("round{i}@example.com"), "type": "work", "primary": true}],
            "active": true});
        let (created, t0) = self
            .send(Method::POST, "/Users", &user, StatusCode::CREATED)
            .await;
        let id = created["id"].as_str().unwrap().to_owned();
        let change = json!({"schemas": [PATCH], "Operations": [
            {"op": "Replace", "path": "name.familyName", "value": format!("User{i}")}]});
        let (_, t1) = self
            .send(
                Method::PATCH,
                &format!("/Users/{id}"),
                &change,
                StatusCode::OK,
            )
            .await;
        let group = format!("/Groups/{}", self.group);
        let add = json!({"schemas": [PATCH], "Operations": [{"op": "Add", "path": "members", "value": [{"value": id}]}]});
        let (_, t2) = self
            .send(Method::PATCH, &group, &add, StatusCode::NO_CONTENT)
            .await;
        let remove = json!({"schemas": [PATCH], "Operations": [{"op": "Remove", "path": "members", "value": [{"value": id}]}]});
        let (_, t3) = self
            .send(Method::PATCH, &group, &remove, StatusCode::NO_CONTENT)
            .await;
        if measured {
            for (times, t) in self.times.iter_mut().zip([t0, t1, t2, t3]) {
                times.push(t);
            }
        }
    }

    /// A /Bulk request of 1,000 new users, as `cargo bench --bench writes` sends them.
    async fn bulk(&mut self, n: usize) {
        let operations: Vec<Value> = (0..1000)
            .map(|i| {
                json!({"method": "POST", "path": "/Users", "bulkId": format!("b{i}"),
                "data": {"schemas": [USER], "userName": format!("bulk{n}-{i}@example.com"),
                    "externalId": format!("bulk{n}-{i}"), "name": {"givenName": "Bulk", "familyName": "User"},
                    "emails": [{"value": format!("bulk{n}-{i}@example.com"), "type": "work"}]}})
            })
            .collect();
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": operations});
        let (answer, took) = self
            .send(Method::POST, "/Bulk", &body, StatusCode::OK)
            .await;
        assert!(
            answer["Operations"]
                .as_array()
                .unwrap()
                .iter()
                .all(|op| op["status"] == "201"),
            "every POST of the /Bulk request created its user"
        );
        self.times[4].push(took);
    }

    async fn stop(self) -> [Vec<Duration>; 5] {
        match self.running {
            Running::InProcess { handle, server } => {
                handle.stop(true).await;
                server.await.unwrap().unwrap();
            }
            Running::Process(mut child) => {
                let _ = std::process::Command::new("kill")
                    .args(["-TERM", &child.id().to_string()])
                    .status();
                child.wait().unwrap();
            }
        }
        self.db.drop().await;
        self.times
    }
}

/// Starts `scimd serve` from `bin` on `url` and a free loopback port, as the in-process servers
/// are configured (4 MB bodies for the setup's /Bulk, no rate limit), and waits until it
/// answers.
async fn spawn(bin: &std::path::Path, url: &str, log_off: bool) -> (String, Running) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = std::process::Command::new(bin);
    command
        .arg("serve")
        .env("SCIMD_DATABASE_URL", url)
        .env("SCIMD_LISTEN", format!("127.0.0.1:{port}"))
        .env("SCIMD_BOOTSTRAP_TOKEN", TOKEN)
        .env("SCIMD_MAX_PAYLOAD_BYTES", (4 * 1_048_576).to_string())
        .env("SCIMD_RATE_LIMIT", "0")
        .env("SCIMD_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit());
    if log_off {
        command.env("SCIMD_ACTIVITY_RETENTION", "0");
    }
    let child = command.spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}/scim/v2");
    let http = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let ready = http
            .get(format!("{base}/ServiceProviderConfig"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .is_ok_and(|r| r.status() == StatusCode::OK);
        if ready {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{} did not answer within 30 s",
            bin.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (base, Running::Process(child))
}

pub async fn overhead(args: &Args, backend: &str) {
    eprintln!("write overhead: {} rounds on each server", args.rounds);
    let mut kinds = vec![Kind::LogOff, Kind::LogOn];
    if args.baseline_bin.is_some() {
        kinds.insert(0, Kind::Baseline);
    }
    let mut targets = Vec::new();
    for kind in &kinds {
        targets.push(Target::start(args, *kind).await);
    }
    const WARM_UP: usize = 20;
    for i in 0..WARM_UP + args.rounds {
        let measured = i >= WARM_UP;
        // Rotate which goes first, so none always follows another's fsync.
        let n = targets.len();
        for k in 0..n {
            targets[(i + k) % n].round(i, measured).await;
        }
    }
    for b in 0..args.bulk {
        let n = targets.len();
        for k in 0..n {
            targets[(b + k) % n].bulk(b).await;
        }
    }
    let mut times = Vec::new();
    for target in targets {
        times.push(target.stop().await.map(p50));
    }
    let names = [
        "POST /Users",
        "PATCH /Users/{id} (one attribute)",
        "PATCH add one member, Entra's shape (204)",
        "PATCH remove one member, Entra's shape (204)",
        "/Bulk of 1,000 POSTs (per request)",
    ];
    let change = |after: Duration, before: Duration| {
        (after.as_secs_f64() / before.as_secs_f64() - 1.0) * 100.0
    };
    let rounds = format!(
        "{} rounds per server after {WARM_UP} warm-up, in turn.\n",
        args.rounds
    );
    if let [baseline, off, on] = times.as_slice() {
        let bin = args.baseline_bin.as_ref().unwrap().display();
        println!("\n### {backend}: the change events' and the activity log's write cost\n");
        println!("{rounds}Baseline: `{bin}`; each server a `scimd serve` process.\n");
        println!(
            "| write | baseline p50 ms | events, log off p50 ms | events + log p50 ms | events vs baseline | log |"
        );
        println!("|---|---:|---:|---:|---:|---:|");
        for (k, name) in names.iter().enumerate() {
            let (b, f, o) = (baseline[k], off[k], on[k]);
            if b.is_zero() {
                continue;
            }
            println!(
                "| {name} | {} | {} | {} | {:+.1} % | {:+.1} % |",
                ms(b),
                ms(f),
                ms(o),
                change(f, b),
                change(o, f)
            );
        }
        return;
    }
    let [off, on] = times.as_slice() else {
        unreachable!("two servers without a baseline")
    };
    println!("\n### {backend}: the activity log's write overhead\n");
    println!("{rounds}");
    println!("| write | log off p50 ms | log on p50 ms | overhead |");
    println!("|---|---:|---:|---:|");
    for (k, name) in names.iter().enumerate() {
        let (f, o) = (off[k], on[k]);
        if f.is_zero() {
            continue;
        }
        println!(
            "| {name} | {} | {} | {:+.1} % |",
            ms(f),
            ms(o),
            change(o, f)
        );
    }
}
