//! Forwarding headers believed only from SCIMD_TRUSTED_PROXIES: `Location`, `meta.location`
//! and `$ref` from an untrusted client's `Host`, from a trusted proxy's forwarded host and
//! proto, and from SCIMD_PUBLIC_URL over both; the logged client address; a bad CIDR at
//! start; the warning of a non-loopback listener without SCIMD_PUBLIC_URL.
use std::process::Stdio;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::secrets::process::{Server, command};

/// Headers a client would forge to move the URLs scimd answers with onto its own host.
const FORGED: &[(&str, &str)] = &[
    ("X-Forwarded-Host", "evil.example"),
    ("X-Forwarded-Proto", "https"),
    (
        "Forwarded",
        "for=203.0.113.66;host=evil.example;proto=https",
    ),
];

/// POSTs a user with `headers`; its `Location` and body, asserting 201.
async fn create_user_with(app: &TestApp, name: &str, headers: &[(&str, &str)]) -> (String, Value) {
    let mut req = app
        .request(Method::POST, "/Users")
        .header("Content-Type", "application/scim+json")
        .body(json!({"schemas": [USER_URN], "userName": name}).to_string());
    for (header, value) in headers {
        req = req.header(*header, *value);
    }
    let response = req.send().await.unwrap();
    let location = response
        .headers()
        .get("location")
        .expect("a 201 has a Location")
        .to_str()
        .unwrap()
        .to_owned();
    (location, json_status(response, StatusCode::CREATED).await)
}

/// A group `name` holding `member`, created with `headers`: its body, asserting 201.
async fn create_group_with(
    app: &TestApp,
    name: &str,
    member: &str,
    headers: &[(&str, &str)],
) -> Value {
    let mut req = app
        .request(Method::POST, "/Groups")
        .header("Content-Type", "application/scim+json")
        .body(
            json!({"schemas": [GROUP_URN], "displayName": name, "members": [{"value": member}]})
                .to_string(),
        );
    for (header, value) in headers {
        req = req.header(*header, *value);
    }
    json_status(req.send().await.unwrap(), StatusCode::CREATED).await
}

/// Every URL of a user and a group created with `headers` starts with `base`.
async fn assert_urls_under(app: &TestApp, headers: &[(&str, &str)], base: &str) {
    let name = format!("u{}", uuid::Uuid::new_v4().simple());
    let (location, user) = create_user_with(app, &name, headers).await;
    let id = id_of(user.clone());
    let user_url = format!("{base}/Users/{id}");
    assert_eq!(location, user_url, "Location");
    assert_eq!(user["meta"]["location"], json!(user_url), "meta.location");
    let group = create_group_with(app, &name, &id, headers).await;
    assert_eq!(
        group["members"][0]["$ref"],
        json!(user_url),
        "$ref: {group}"
    );
    let group_url = format!("{base}/Groups/{}", id_of(group.clone()));
    assert_eq!(group["meta"]["location"], json!(group_url), "{group}");
}

#[tokio::test]
async fn an_untrusted_client_gets_urls_of_its_host_header_whatever_it_forwards() {
    let app = spawn_app().await;
    assert_urls_under(&app, FORGED, &app.base()).await;
    let mut with_host = FORGED.to_vec();
    with_host.push(("Host", "scim.test:8443"));
    assert_urls_under(&app, &with_host, "http://scim.test:8443/scim/v2").await;
}

#[tokio::test]
async fn a_peer_outside_the_trusted_ranges_is_untrusted() {
    let app = spawn_app_with(|s| {
        s.api.trusted_proxies = "10.0.0.0/8,::1".parse().unwrap();
    })
    .await;
    assert_urls_under(&app, FORGED, &app.base()).await;
}

#[tokio::test]
async fn a_trusted_proxy_moves_the_urls_to_its_forwarded_host_and_proto() {
    let app = spawn_app_with(|s| {
        s.api.trusted_proxies = "127.0.0.1".parse().unwrap();
    })
    .await;
    let public = "https://scim.example.com/scim/v2";
    assert_urls_under(
        &app,
        &[
            ("X-Forwarded-Host", "scim.example.com"),
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-For", "203.0.113.7"),
        ],
        public,
    )
    .await;
    assert_urls_under(
        &app,
        &[(
            "Forwarded",
            r#"for="203.0.113.7:4711";host="scim.example.com";proto=https"#,
        )],
        public,
    )
    .await;
    // What a client forged before the proxy appended its own element is not read.
    assert_urls_under(
        &app,
        &[(
            "Forwarded",
            "host=evil.example;proto=http, for=203.0.113.7;host=scim.example.com;proto=https",
        )],
        public,
    )
    .await;
    // Lists too.
    let response = app
        .request(Method::GET, "/Users?count=1")
        .header("X-Forwarded-Host", "scim.example.com")
        .header("X-Forwarded-Proto", "https")
        .send()
        .await
        .unwrap();
    let list = json_ok(response).await;
    let location = list["Resources"][0]["meta"]["location"].as_str().unwrap();
    assert!(location.starts_with(public), "{list}");
}

#[tokio::test]
async fn scimd_public_url_wins_over_a_trusted_proxy() {
    let app = spawn_app_with(|s| {
        s.api.trusted_proxies = "127.0.0.1,::1".parse().unwrap();
        s.api.public_url = Some(scimd::api::scim_base("https://public.example/"));
    })
    .await;
    let mut headers = FORGED.to_vec();
    headers.push(("Host", "scim.test:8443"));
    assert_urls_under(&app, &headers, "https://public.example/scim/v2").await;
}

const TOKEN: &str = "scimd_forwarded-test-token-0123456789abcdef";

/// The span of the JSON request line of the request sent with `request_id`.
fn span_of(stderr: &str, request_id: &str) -> Value {
    let lines: Vec<Value> = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["target"] == "scimd::request" && l["span"]["request_id"] == request_id)
        .collect();
    assert_eq!(lines.len(), 1, "{request_id}:\n{stderr}");
    lines[0]["span"].clone()
}

/// The binary, JSON logs, `extra` settings; one request with forwarding headers. Returns the
/// request line's span and all of stderr.
async fn logged_request(extra: &[(&str, &str)]) -> (Value, String) {
    let db = TestDb::new().await;
    let mut env = vec![
        ("SCIMD_DATABASE_URL", db.url.as_str()),
        ("SCIMD_LOG", "info"),
        ("SCIMD_LOG_FORMAT", "json"),
        ("SCIMD_BOOTSTRAP_TOKEN", TOKEN),
    ];
    env.extend_from_slice(extra);
    let server = Server::start(&env);
    let request_id = format!("fwd-{}", uuid::Uuid::new_v4().simple());
    let response = client()
        .get(format!("{}/Users", server.base))
        .bearer_auth(TOKEN)
        .header("x-request-id", request_id.as_str())
        .header("X-Forwarded-For", "198.51.100.1, 203.0.113.7")
        .header("X-Forwarded-Host", "scim.example.com")
        .header("X-Forwarded-Proto", "https")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let out = server.stop().await;
    (span_of(&out.stderr, &request_id), out.stderr)
}

#[tokio::test]
async fn the_logged_client_is_the_peer_unless_the_peer_is_a_trusted_proxy() {
    let (span, stderr) = logged_request(&[]).await;
    assert_eq!(span["http.client_ip"], "127.0.0.1", "{span}");
    assert_ne!(span["http.host"], "scim.example.com", "{span}");
    assert_eq!(span["http.scheme"], "http", "{span}");
    assert!(!stderr.contains("SCIMD_PUBLIC_URL is not set"), "{stderr}");

    let (span, stderr) = logged_request(&[("SCIMD_TRUSTED_PROXIES", "127.0.0.1")]).await;
    assert_eq!(span["http.client_ip"], "203.0.113.7", "{span}");
    assert_eq!(span["http.host"], "scim.example.com", "{span}");
    assert_eq!(span["http.scheme"], "https", "{span}");
    assert!(!stderr.contains("SCIMD_PUBLIC_URL is not set"), "{stderr}");
}

#[tokio::test]
async fn a_bad_trusted_proxy_stops_the_start_with_an_error_naming_the_setting() {
    let db = TestDb::new().await;
    let mut child = command(&[
        ("SCIMD_DATABASE_URL", &db.url),
        ("SCIMD_LISTEN", "127.0.0.1:0"),
        ("SCIMD_TRUSTED_PROXIES", "10.0.0.0/8,10.0.0.0/33"),
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .expect("scimd starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("scimd started with SCIMD_TRUSTED_PROXIES=10.0.0.0/33");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!status.success());
    assert!(stderr.contains("SCIMD_TRUSTED_PROXIES"), "{stderr}");
    assert!(stderr.contains("\"10.0.0.0/33\""), "{stderr}");
}

#[tokio::test]
async fn a_non_loopback_listener_without_public_url_warns_of_host_based_urls() {
    let db = TestDb::new().await;
    let server = Server::start(&[
        ("SCIMD_DATABASE_URL", &db.url),
        ("SCIMD_LISTEN", "0.0.0.0:0"),
        ("SCIMD_BOOTSTRAP_TOKEN", TOKEN),
    ]);
    let stderr = server.stop().await.stderr;
    let warning: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("SCIMD_PUBLIC_URL is not set"))
        .collect();
    assert_eq!(warning.len(), 1, "{stderr}");
    assert!(warning[0].contains(" WARN "), "{}", warning[0]);
    assert!(warning[0].contains("Host header"), "{}", warning[0]);

    let server = Server::start(&[
        ("SCIMD_DATABASE_URL", &db.url),
        ("SCIMD_LISTEN", "0.0.0.0:0"),
        ("SCIMD_PUBLIC_URL", "https://scim.example.com"),
        ("SCIMD_BOOTSTRAP_TOKEN", TOKEN),
    ]);
    let stderr = server.stop().await.stderr;
    assert!(!stderr.contains("SCIMD_PUBLIC_URL is not set"), "{stderr}");
}
