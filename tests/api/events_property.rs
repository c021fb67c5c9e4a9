//! A random sequence of SCIM writes, some failing, some changing nothing: after each, the
//! events it added are exactly what its answer says — none for a failure or an unchanged
//! version, and for a change only events about the resource it wrote (or, for a delete, the
//! groups that held it), at the version it answered with.
use std::collections::HashMap;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::events::events_of;
use crate::helpers::*;

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// xorshift64*: a fixed seed gives the same sequence on every run and backend.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }
}

/// One random write: (method, path, body).
fn next_op(rng: &mut Rng, users: &[String], groups: &[String]) -> (Method, String, Option<Value>) {
    let titles = ["Eng", "Ops", "Sales"];
    let patch = |ops: Value| Some(json!({"schemas": [PATCH_OP], "Operations": ops}));
    let missing = "00000000-0000-7000-8000-000000000000".to_owned();
    let user = rng.pick(users).cloned().unwrap_or_else(|| missing.clone());
    let group = rng.pick(groups).cloned().unwrap_or_else(|| missing.clone());
    let member = rng.pick(users).cloned().unwrap_or_else(|| missing.clone());
    match rng.below(10) {
        // A small pool of names: some creates collide (409).
        0 | 1 => (
            Method::POST,
            "/Users".into(),
            Some(
                json!({"schemas": [USER_URN], "userName": format!("u{}", rng.below(12)),
                "title": titles[rng.below(3)]}),
            ),
        ),
        2 => (
            Method::PATCH,
            format!("/Users/{user}"),
            patch(json!([{"op": "replace", "path": "title", "value": titles[rng.below(3)]}])),
        ),
        3 => (
            Method::PATCH,
            format!("/Users/{user}"),
            patch(json!([{"op": "replace", "path": "active", "value": rng.below(2) == 0}])),
        ),
        4 => (
            Method::PUT,
            format!("/Users/{user}"),
            Some(
                json!({"schemas": [USER_URN], "userName": format!("u{}", rng.below(12)),
                "title": titles[rng.below(3)]}),
            ),
        ),
        5 => (Method::DELETE, format!("/Users/{user}"), None),
        6 => (
            Method::POST,
            "/Groups".into(),
            Some(
                json!({"schemas": [GROUP_URN], "displayName": format!("g{}", rng.below(5)),
                "members": [{"value": member}]}),
            ),
        ),
        7 => (
            Method::PATCH,
            format!("/Groups/{group}"),
            patch(json!([{"op": "add", "path": "members", "value": [{"value": member}]}])),
        ),
        8 => (
            Method::PATCH,
            format!("/Groups/{group}"),
            patch(json!([{"op": "remove", "path": format!("members[value eq \"{member}\"]")}])),
        ),
        _ => (Method::DELETE, format!("/Groups/{group}"), None),
    }
}

#[tokio::test]
async fn random_writes_make_exactly_the_events_their_answers_describe() {
    for seed in [0x9E37_79B9_7F4A_7C15_u64, 42, 7_777_777] {
        let app = spawn_app().await;
        let mut rng = Rng(seed);
        let (mut users, mut groups) = (Vec::<String>::new(), Vec::<String>::new());
        let mut versions: HashMap<String, String> = HashMap::new();
        let mut seen = 0;
        for step in 0..70 {
            let (method, path, body) = next_op(&mut rng, &users, &groups);
            let r = app.send(method.clone(), &path, body.as_ref()).await;
            let status = r.status();
            let etag = r
                .headers()
                .get("etag")
                .map(|v| v.to_str().unwrap().to_owned());
            let answer: Value = r.json().await.unwrap_or(Value::Null);
            let events = events_of(&app, "default").await;
            let new = &events[seen..];
            seen = events.len();
            let what = format!("seed {seed} step {step}: {method} {path} → {status}: {new:#?}");
            let id = answer["id"]
                .as_str()
                .map(str::to_owned)
                .or_else(|| path.rsplit('/').next().map(str::to_owned))
                .unwrap();
            if !status.is_success() {
                assert!(new.is_empty(), "a failure wrote events: {what}");
                continue;
            }
            if method == Method::DELETE {
                assert_eq!(new[0]["resource"]["id"], id.as_str(), "{what}");
                assert!(
                    new[0]["type"].as_str().unwrap().ends_with(".deleted"),
                    "{what}"
                );
                for e in &new[1..] {
                    assert_eq!(e["type"], "group.member_removed", "{what}");
                    assert_eq!(e["data"]["member"]["value"], id.as_str(), "{what}");
                }
                users.retain(|u| *u != id);
                groups.retain(|g| *g != id);
                versions.remove(&id);
            } else {
                let etag = etag.expect("a successful write answers with its ETag");
                if versions.get(&id) == Some(&etag) {
                    assert!(new.is_empty(), "an unchanged version wrote events: {what}");
                } else {
                    assert!(!new.is_empty(), "a new version wrote no event: {what}");
                    for e in new {
                        assert_eq!(e["resource"]["id"], id.as_str(), "{what}");
                        assert_eq!(e["resource"]["version"], etag.as_str(), "{what}");
                    }
                }
                if status == StatusCode::CREATED {
                    match path.as_str() {
                        "/Users" => users.push(id.clone()),
                        _ => groups.push(id.clone()),
                    }
                }
            }
            // What the events say of versions, groups that lost a member included.
            for e in new {
                if let Some(v) = e["resource"]["version"].as_str() {
                    versions.insert(
                        e["resource"]["id"].as_str().unwrap().to_owned(),
                        v.to_owned(),
                    );
                }
            }
        }
        let seqs: Vec<i64> = events_of(&app, "default")
            .await
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .collect();
        assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
        assert!(seqs.len() > 20, "seed {seed}: the sequence did write");
    }
}
