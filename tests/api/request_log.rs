//! The request's traces: `X-Request-Id` on every answer (a valid incoming one kept, anything
//! else replaced by a UUID), and the one log line per request the real binary writes, in JSON
//! and text, with status, latency, tenant, credential and resource id and no `Debug` dump.
use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::secrets::process::Server;

const HEADER: &str = "x-request-id";

fn id_of_response(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(HEADER)
        .expect("an X-Request-Id header")
        .to_str()
        .unwrap()
        .to_owned()
}

fn assert_generated(id: &str, sent: &str) {
    assert!(
        uuid::Uuid::parse_str(id).is_ok(),
        "{sent:?} was answered with {id:?}, not a new UUID"
    );
}

#[tokio::test]
async fn a_valid_request_id_is_echoed() {
    let app = spawn_app().await;
    let long = "a".repeat(128);
    for id in ["abc-123", "trace:4bf92f35;span=00f067aa~!", long.as_str()] {
        let r = app
            .request(reqwest::Method::GET, "/Users")
            .header(HEADER, id)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(id_of_response(&r), id);
    }
    // Errors too, including a path no route matches.
    let r = app
        .client
        .get(format!("{}/nowhere", app.root()))
        .header(HEADER, "mine-404")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(id_of_response(&r), "mine-404");
}

#[tokio::test]
async fn an_invalid_or_missing_request_id_is_replaced_by_a_new_uuid() {
    let app = spawn_app().await;
    let too_long = "a".repeat(129);
    let send = |value: Option<HeaderValue>| {
        let mut req = app.client.get(format!("{}/Users", app.base()));
        if let Some(value) = value {
            req = req.header(HEADER, value);
        }
        req.send()
    };
    for sent in [
        HeaderValue::from_str(&too_long).unwrap(),
        HeaderValue::from_static("has a space"),
        HeaderValue::from_static(""),
        HeaderValue::from_bytes(b"caf\xe9").unwrap(),
    ] {
        let r = send(Some(sent.clone())).await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_generated(&id_of_response(&r), &format!("{sent:?}"));
    }
    let first = id_of_response(&send(None).await.unwrap());
    let second = id_of_response(&send(None).await.unwrap());
    assert_generated(&first, "no header");
    assert_ne!(first, second, "each request gets its own id");
}

/// The request lines (target `scimd::request`) of a JSON log whose span has `request_id`.
fn json_lines_of<'a>(lines: &'a [Value], request_id: &str) -> Vec<&'a Value> {
    lines
        .iter()
        .filter(|l| l["target"] == "scimd::request" && l["span"]["request_id"] == request_id)
        .collect()
}

fn assert_no_debug_dump(stderr: &str) {
    for dump in [
        "ScimError {",
        "Error encountered",
        "exception.details",
        "retry_after:",
    ] {
        assert!(
            !stderr.contains(dump),
            "a Debug dump ({dump}) in the log:\n{stderr}"
        );
    }
}

/// Creates a user, reads it (200) and an unknown id (404), each with its own request id.
/// Returns (user id, unknown id, request id of the 200, request id of the 404).
async fn traffic(server: &Server, token: &str) -> (String, String, String, String) {
    let client = reqwest::Client::new();
    let created = client
        .post(format!("{}/Users", server.base))
        .bearer_auth(token)
        .header("Content-Type", "application/scim+json")
        .body(json!({"schemas": [USER_URN], "userName": "logged"}).to_string())
        .send()
        .await
        .unwrap();
    let id = id_of(json_status(created, StatusCode::CREATED).await);
    let unknown = uuid::Uuid::new_v4().to_string();
    let ok_id = format!("log-200-{}", uuid::Uuid::new_v4().simple());
    let missing_id = format!("log-404-{}", uuid::Uuid::new_v4().simple());
    for (resource, request_id, status) in [
        (&id, &ok_id, StatusCode::OK),
        (&unknown, &missing_id, StatusCode::NOT_FOUND),
    ] {
        let r = client
            .get(format!("{}/Users/{resource}", server.base))
            .bearer_auth(token)
            .header(HEADER, request_id.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status);
        assert_eq!(&id_of_response(&r), request_id);
    }
    (id, unknown, ok_id, missing_id)
}

const TOKEN: &str = "scimd_request-log-test-token-0123456789abcdef";

#[tokio::test]
async fn each_request_writes_one_json_line_with_its_fields() {
    let db = TestDb::new().await;
    let server = Server::start(&[
        ("SCIMD_DATABASE_URL", &db.url),
        ("SCIMD_LOG", "info"),
        ("SCIMD_LOG_FORMAT", "json"),
        ("SCIMD_BOOTSTRAP_TOKEN", TOKEN),
    ]);
    let (user, unknown, ok_id, missing_id) = traffic(&server, TOKEN).await;
    let out = server.stop().await;
    assert_no_debug_dump(&out.stderr);
    let lines: Vec<Value> = out
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    for (request_id, resource, status) in [(&ok_id, &user, 200), (&missing_id, &unknown, 404)] {
        let found = json_lines_of(&lines, request_id);
        assert_eq!(found.len(), 1, "{request_id}: {found:#?}");
        let line = found[0];
        assert_eq!(line["level"], "INFO", "{line}");
        assert_eq!(line["fields"]["message"], "request completed", "{line}");
        assert_eq!(line["fields"]["status"], json!(status), "{line}");
        let latency = line["fields"]["latency_ms"]
            .as_f64()
            .expect("latency_ms is a number");
        assert!(latency > 0.0 && latency < 60_000.0, "{line}");
        let span = &line["span"];
        assert_eq!(span["tenant"], "default", "{line}");
        assert!(
            span["credential"]
                .as_str()
                .is_some_and(|c| c.starts_with("token:")),
            "{line}"
        );
        assert_eq!(span["resource_id"], json!(resource), "{line}");
        assert_eq!(span["http.route"], "/scim/v2/Users/{id}", "{line}");
        // Every line of the request is this one: no second, warning line for the 404.
        let all: Vec<&Value> = lines
            .iter()
            .filter(|l| l["span"]["request_id"] == request_id.as_str())
            .collect();
        assert_eq!(all.len(), 1, "{all:#?}");
    }
    let missing = json_lines_of(&lines, &missing_id)[0];
    assert!(
        missing["fields"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("not found")),
        "{missing}"
    );
    assert!(
        json_lines_of(&lines, &ok_id)[0]["fields"]
            .get("error")
            .is_none()
    );
    // The bootstrap token itself is never a credential's name.
    assert!(!out.stderr.contains(TOKEN));
}

#[tokio::test]
async fn each_request_writes_one_text_line_with_its_fields() {
    let db = TestDb::new().await;
    let server = Server::start(&[
        ("SCIMD_DATABASE_URL", &db.url),
        ("SCIMD_LOG", "info"),
        ("SCIMD_BOOTSTRAP_TOKEN", TOKEN),
    ]);
    let (user, unknown, ok_id, missing_id) = traffic(&server, TOKEN).await;
    let out = server.stop().await;
    assert_no_debug_dump(&out.stderr);
    for (request_id, resource, status) in [(&ok_id, &user, 200), (&missing_id, &unknown, 404)] {
        let found: Vec<&str> = out
            .stderr
            .lines()
            .filter(|l| l.contains(&format!("request_id={request_id}")))
            .collect();
        assert_eq!(found.len(), 1, "{request_id}:\n{}", out.stderr);
        let line = found[0];
        for part in [
            " INFO ".to_owned(),
            "request completed".to_owned(),
            format!("status={status}"),
            "latency_ms=".to_owned(),
            "tenant=\"default\"".to_owned(),
            "credential=\"token:".to_owned(),
            format!("resource_id=\"{resource}\""),
        ] {
            assert!(line.contains(&part), "{part} missing: {line}");
        }
    }
    assert!(!out.stderr.contains(TOKEN));
}
