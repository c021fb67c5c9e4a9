//! Tenant isolation (issue 5, item 8): two tenants on one server, holding the same names and
//! values, and every endpoint asked with the second tenant's token about the first's data.
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

/// Reads, lists, filters, searches, sorting and paging.
mod reads;
/// PUT, PATCH, DELETE, preconditions, /Bulk, membership and manager references.
mod writes;

/// Percent-encodes a query parameter value.
pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// What one tenant created: ids by name.
#[derive(Debug, Default)]
pub struct Data {
    pub alice: String,
    pub bob: String,
    pub admins: String,
    pub everyone: String,
}

impl Data {
    pub fn user_ids(&self) -> Vec<&str> {
        vec![&self.alice, &self.bob]
    }

    pub fn group_ids(&self) -> Vec<&str> {
        vec![&self.admins, &self.everyone]
    }

    pub fn all(&self) -> Vec<&str> {
        let mut all = self.user_ids();
        all.extend(self.group_ids());
        all
    }
}

/// A server with tenant A (the app's own token) and tenant B (`other`), each holding users
/// alice and bob and groups Admins ⊂ Everyone with identical names, externalIds, emails and
/// titles, so that only the tenant tells their rows apart.
pub struct Two {
    pub app: TestApp,
    pub other: String,
    pub a: Data,
    pub b: Data,
}

/// A user whose every searchable value is the same in both tenants.
pub fn person(user_name: &str, title: &str) -> Value {
    json!({
        "schemas": [USER_URN, ENTERPRISE_URN],
        "userName": user_name,
        "externalId": format!("ext-{user_name}"),
        "title": title,
        "displayName": format!("{user_name} display"),
        "name": {"givenName": user_name, "familyName": "Shared"},
        "emails": [{"value": format!("{user_name}@example.com"), "type": "work", "primary": true}],
        ENTERPRISE_URN: {"department": "Sales", "employeeNumber": "42"}
    })
}

impl Two {
    pub async fn new() -> Self {
        let app = spawn_app().await;
        let other = app.token_for("tenant-b").await;
        let mut two = Self {
            app,
            other,
            a: Data::default(),
            b: Data::default(),
        };
        two.a = two.populate(true).await;
        two.b = two.populate(false).await;
        two
    }

    async fn populate(&self, a: bool) -> Data {
        let post = |path: &'static str, body: Value| async move {
            let r = self.send(a, Method::POST, path, Some(&body)).await;
            id_of(json_status(r, StatusCode::CREATED).await)
        };
        let alice = post("/Users", person("alice", "Engineer")).await;
        let bob = post("/Users", person("bob", "Manager")).await;
        let admins = post(
            "/Groups",
            json!({"schemas": [GROUP_URN], "displayName": "Admins", "externalId": "ext-admins",
                   "members": [{"value": alice}, {"value": bob}]}),
        )
        .await;
        let everyone = post(
            "/Groups",
            json!({"schemas": [GROUP_URN], "displayName": "Everyone",
                   "members": [{"value": admins}]}),
        )
        .await;
        Data {
            alice,
            bob,
            admins,
            everyone,
        }
    }

    /// A request as tenant A (`a`) or tenant B.
    pub fn request(&self, a: bool, method: Method, path: &str) -> RequestBuilder {
        let token = if a { &self.app.token } else { &self.other };
        self.app
            .client
            .request(method, format!("{}{path}", self.app.base()))
            .bearer_auth(token)
    }

    pub async fn send(
        &self,
        a: bool,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Response {
        let mut req = self.request(a, method, path);
        if let Some(body) = body {
            req = req
                .header("Content-Type", "application/scim+json")
                .body(body.to_string());
        }
        req.send().await.unwrap()
    }

    /// B's request, with a body.
    pub async fn as_b(&self, method: Method, path: &str, body: Option<&Value>) -> Response {
        self.send(false, method, path, body).await
    }

    /// A's view of one of its resources, asserting 200.
    pub async fn read_a(&self, path: &str) -> Value {
        json_ok(self.send(true, Method::GET, path, None).await).await
    }

    /// Every resource of A, as A sees it: the baseline that B's requests must not move.
    pub async fn snapshot_a(&self) -> Vec<Value> {
        let mut out = Vec::new();
        for id in self.a.user_ids() {
            out.push(self.read_a(&format!("/Users/{id}")).await);
        }
        for id in self.a.group_ids() {
            out.push(self.read_a(&format!("/Groups/{id}")).await);
        }
        out
    }
}

/// The ids in a ListResponse, in order.
pub fn ids(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The ids of `names` ("alice", "bob", "admins", "everyone") in `data`, sorted.
pub fn pick(data: &Data, names: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = names
        .iter()
        .map(|n| match *n {
            "alice" => data.alice.clone(),
            "bob" => data.bob.clone(),
            "admins" => data.admins.clone(),
            "everyone" => data.everyone.clone(),
            other => panic!("no {other} in the fixture"),
        })
        .collect();
    out.sort();
    out
}

/// Asserts that nothing of `a` appears anywhere in `body`.
pub fn mentions_none(body: &Value, a: &Data, context: &str) {
    let text = body.to_string();
    for id in a.all() {
        assert!(!text.contains(id), "{context}: A's id {id} leaked: {text}");
    }
}
