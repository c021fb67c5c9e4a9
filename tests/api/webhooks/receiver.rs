//! A webhook receiver on 127.0.0.1 for the tests: records every request it gets and answers
//! from a script (then 204).
use std::collections::VecDeque;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub content_type: String,
    pub body: String,
    pub headers: HeaderMap,
    /// Whether it was answered with a 2xx.
    pub accepted: bool,
    pub at: Instant,
}

impl Delivery {
    pub fn seq(&self) -> i64 {
        let envelope: serde_json::Value = serde_json::from_str(&self.body).unwrap();
        envelope["seq"].as_i64().unwrap()
    }
}

/// How to answer the next request.
#[derive(Debug, Clone)]
pub enum Reply {
    Status(u16),
    /// The status with `Retry-After: seconds`.
    RetryAfter(u16, u64),
    /// 302 to this URL.
    Redirect(String),
    /// Wait this long, then 204.
    Hang(Duration),
}

#[derive(Default)]
struct State {
    got: Mutex<Vec<Delivery>>,
    script: Mutex<VecDeque<Reply>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    /// How long each request takes, to widen the window for concurrent deliveries.
    delay: Mutex<Duration>,
}

pub struct Receiver {
    pub port: u16,
    state: Arc<State>,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// A free port nobody listens on (yet).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Receiver {
    pub async fn start() -> Self {
        Self::on(TcpListener::bind("127.0.0.1:0").unwrap())
    }

    /// A receiver on `port` (one that was down until now).
    pub async fn start_on(port: u16) -> Self {
        Self::on(TcpListener::bind(("127.0.0.1", port)).unwrap())
    }

    fn on(listener: TcpListener) -> Self {
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(State::default());
        let shared = web::Data::from(Arc::clone(&state));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .default_service(web::to(receive))
        })
        .workers(2)
        .disable_signals()
        .shutdown_timeout(0)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            port,
            state,
            handle,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.state.script.lock().unwrap().extend(replies);
    }

    pub fn delay_each(&self, delay: Duration) {
        *self.state.delay.lock().unwrap() = delay;
    }

    /// Every request so far.
    pub fn got(&self) -> Vec<Delivery> {
        self.state.got.lock().unwrap().clone()
    }

    /// The requests answered with a 2xx.
    pub fn accepted(&self) -> Vec<Delivery> {
        self.got().into_iter().filter(|d| d.accepted).collect()
    }

    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }

    /// Waits (up to 20 s) until `n` requests were accepted; returns them.
    pub async fn wait_accepted(&self, n: usize) -> Vec<Delivery> {
        self.wait_accepted_within(n, Duration::from_secs(20)).await
    }

    pub async fn wait_accepted_within(&self, n: usize, within: Duration) -> Vec<Delivery> {
        let deadline = Instant::now() + within;
        loop {
            let accepted = self.accepted();
            if accepted.len() >= n {
                return accepted;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {n} deliveries accepted; got {:?}",
                accepted.len(),
                self.got()
                    .iter()
                    .map(|d| (d.seq(), d.accepted))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, state: web::Data<State>) -> HttpResponse {
    let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let reply = state.script.lock().unwrap().pop_front();
    let delay = *state.delay.lock().unwrap();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Some(Reply::Hang(wait)) = &reply {
        tokio::time::sleep(*wait).await;
    }
    let mut headers = HeaderMap::new();
    for (name, value) in req.headers() {
        headers.insert(
            HeaderName::from_bytes(name.as_str().as_bytes()).unwrap(),
            HeaderValue::from_bytes(value.as_bytes()).unwrap(),
        );
    }
    let header = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let response = match &reply {
        None | Some(Reply::Hang(_)) => HttpResponse::NoContent().finish(),
        Some(Reply::Status(code)) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(*code).unwrap()).finish()
        }
        Some(Reply::RetryAfter(code, seconds)) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(*code).unwrap())
                .insert_header(("Retry-After", seconds.to_string()))
                .finish()
        }
        Some(Reply::Redirect(to)) => HttpResponse::Found()
            .insert_header(("Location", to.as_str()))
            .finish(),
    };
    let delivery = Delivery {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        content_type: header("content-type"),
        body: String::from_utf8(body.to_vec()).unwrap(),
        accepted: response.status().is_success(),
        headers,
        at: Instant::now(),
    };
    state.got.lock().unwrap().push(delivery);
    state.in_flight.fetch_sub(1, Ordering::SeqCst);
    response
}
