//! The SQL a filter compiles to and the in-memory evaluator agree: proptest generates users
//! and filters, the database answers each filter, and the evaluator judges every user.
use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use reqwest::StatusCode;
use scimd::scim::filter::eval::{Subject, matches};
use scimd::scim::filter::{AttrPath, CompValue, CompareOp, Filter, resolve};
use scimd::scim::list::Page;
use scimd::scim::query::{ListQuery, Window};
use scimd::scim::schema::{Registry, ResourceKind};
use scimd::scim::search::search_document;
use scimd::scim::validate::Leniency;
use serde_json::{Value, json};

use crate::helpers::*;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const WORDS: &[&str] = &[
    "a", "ab", "Ab", "abc", "b", "bA", "ñu", "Ñ", "z", "", "a.b", "10", "9",
];

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(WORDS).prop_map(str::to_owned)
}

fn text() -> impl Strategy<Value = String> {
    (word(), word()).prop_map(|(a, b)| format!("{a}{b}"))
}

fn user(i: usize) -> impl Strategy<Value = Value> {
    let email = (
        text(),
        prop::sample::select(&["work", "home", "Other"][..]),
        any::<Option<bool>>(),
    )
        .prop_map(|(v, t, p)| {
            let mut e = json!({"value": format!("{v}@x"), "type": t});
            if let Some(p) = p {
                e["primary"] = json!(p);
            }
            e
        });
    (
        text(),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(any::<bool>()),
        prop::option::of((prop::option::of(text()), prop::option::of(text()))),
        prop::collection::vec(email, 0..3),
        prop::option::of(text()),
        prop::option::of(text()),
    )
        .prop_map(
            move |(name, display, title, active, names, emails, external, dept)| {
                let mut u = json!({"schemas": [USER_URN], "userName": format!("{name}#{i}")});
                let mut set = |k: &str, v: Option<Value>| {
                    if let Some(v) = v {
                        u[k] = v;
                    }
                };
                set("displayName", display.map(Value::from));
                set("title", title.map(Value::from));
                set("active", active.map(Value::from));
                set("externalId", external.map(Value::from));
                if let Some((given, family)) = names {
                    let mut n = json!({});
                    if let Some(g) = given {
                        n["givenName"] = json!(g);
                    }
                    if let Some(f) = family {
                        n["familyName"] = json!(f);
                    }
                    set("name", Some(n));
                }
                if !emails.is_empty() {
                    set("emails", Some(Value::from(emails)));
                }
                set(ENTERPRISE, dept.map(|d| json!({"department": d})));
                u
            },
        )
}

fn path(name: &str) -> AttrPath {
    let (urn, rest) = match name.rsplit_once(':') {
        Some((urn, rest)) => (Some(urn.to_owned()), rest),
        None => (None, name),
    };
    let (name, sub) = match rest.split_once('.') {
        Some((n, s)) => (n.to_owned(), Some(s.to_owned())),
        None => (rest.to_owned(), None),
    };
    AttrPath { urn, name, sub }
}

fn op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(&CompareOp::ALL[..])
}

fn value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        6 => text().prop_map(CompValue::String),
        1 => any::<bool>().prop_map(CompValue::Bool),
        1 => Just(CompValue::Null),
    ]
}

fn leaf(names: &'static [&'static str]) -> impl Strategy<Value = Filter> {
    let names = prop::sample::select(names);
    prop_oneof![
        4 => (names.clone(), op(), value()).prop_map(|(n, op, value)| typed(n, op, value)),
        1 => names.prop_map(|n| Filter::Present(path(n))),
    ]
}

/// Booleans only compare for equality, with booleans: keep most generated leaves valid.
fn typed(name: &str, op: CompareOp, value: CompValue) -> Filter {
    let boolean = matches!(name, "active" | "emails.primary" | "primary");
    let (op, value) = match (boolean, value) {
        (true, CompValue::String(s)) => (op, CompValue::Bool(s.len() % 2 == 0)),
        (true, v) => (op, v),
        (false, CompValue::Bool(b)) => (op, CompValue::String(b.to_string())),
        (false, v) => (op, v),
    };
    let op = match op {
        CompareOp::Eq | CompareOp::Ne => op,
        _ if boolean => CompareOp::Eq,
        _ if value == CompValue::Null => CompareOp::Ne,
        other => other,
    };
    Filter::Compare {
        path: path(name),
        op,
        value,
    }
}

fn combine(leaf: BoxedStrategy<Filter>) -> impl Strategy<Value = Filter> {
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::Or(Box::new(a), Box::new(b))),
            inner.prop_map(|a| Filter::Not(Box::new(a))),
        ]
    })
}

const TOP: &[&str] = &[
    "userName",
    "displayName",
    "title",
    "active",
    "externalId",
    "name.givenName",
    "name.familyName",
    "emails",
    "emails.value",
    "emails.type",
    "emails.primary",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "id",
];
const SUB: &[&str] = &["value", "type", "primary"];

fn filter() -> impl Strategy<Value = Filter> {
    let top = combine(leaf(TOP).boxed());
    let element = combine(leaf(SUB).boxed()).prop_map(|f| Filter::ValuePath {
        path: path("emails"),
        filter: Box::new(f),
    });
    combine(prop_oneof![3 => top, 1 => element].boxed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_and_evaluator_agree_on_generated_filters() {
    let app = spawn_app().await;
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    for i in 0..24 {
        let body = user(i).new_tree(&mut runner).unwrap().current();
        json_status(app.post_user(&body).await, StatusCode::CREATED).await;
    }
    let tenant = app.store.tenants().find("default").await.unwrap().unwrap();
    let users = app.store.tenant(tenant.id).users();
    let everything = ListQuery {
        filter: None,
        sort: None,
        window: Window::Index(Page::new(None, Some(1000), 1000)),
    };
    let all = users.list(&everything, true).await.unwrap().resources;
    assert_eq!(all.len(), 24);
    let rt = Registry::core().resource_type(ResourceKind::User);
    let documents: Vec<_> = all.iter().map(|r| search_document(rt, &r.data)).collect();

    let handle = tokio::runtime::Handle::current();
    let checked = std::sync::atomic::AtomicUsize::new(0);
    let mut runner = TestRunner::new(Config {
        cases: 300,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&filter(), |f| {
        let Ok(resolved) = resolve(rt, &f, Leniency::Lenient) else {
            return Ok(());
        };
        checked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let query = ListQuery {
            filter: Some(resolved.clone()),
            ..everything.clone()
        };
        let found = tokio::task::block_in_place(|| handle.block_on(users.list(&query, false)))
            .map_err(|e| TestCaseError::fail(format!("{f}: {e}")))?;
        let from_sql: BTreeSet<String> = found.resources.into_iter().map(|r| r.id).collect();
        let from_eval: BTreeSet<String> = all
            .iter()
            .zip(&documents)
            .filter(|(r, doc)| matches(&resolved, &Subject::new(r, doc)))
            .map(|(r, _)| r.id.clone())
            .collect();
        prop_assert_eq!(from_sql.len() as u64, found.total, "total for {}", f);
        prop_assert_eq!(from_sql, from_eval, "filter {}", f);
        Ok(())
    });
    if let Err(err) = result {
        panic!("{err}");
    }
    let checked = checked.into_inner();
    assert!(
        checked > 200,
        "too few generated filters resolved: {checked}"
    );
}
