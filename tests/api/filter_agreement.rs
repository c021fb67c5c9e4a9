//! The SQL a filter compiles to and the in-memory evaluator agree: proptest generates users
//! and filters, the database answers each filter, and the evaluator judges every user.
//!
//! The filters cover strings and booleans of the core and enterprise schemas, integers,
//! decimals and a dateTime of a tenant extension (the core schemas have no number), and
//! `meta.created`, `meta.lastModified` (around the times the server recorded), `meta.version`
//! and `meta.resourceType`. Agreement on filters that match no user or every user proves
//! little, so the test also fails when too many of them do: the generator has drifted away
//! from the data.
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use chrono::{DateTime, FixedOffset, SecondsFormat, TimeDelta, Utc};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use reqwest::StatusCode;
use scimd::scim::filter::eval::{Subject, matches};
use scimd::scim::filter::{AttrPath, CompValue, CompareOp, Filter, Resolved, resolve};
use scimd::scim::list::plan::{ListQuery, Window};
use scimd::scim::list::response::Page;
use scimd::scim::schema::ResourceKind;
use scimd::scim::search_document::{canonical_date_time, search_document};
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

/// A tenant extension with the types the core schemas lack: integer, decimal, dateTime.
const NUMBERS: &str = "urn:example:scimd:agreement:2.0:User";
const LEVEL: &str = "urn:example:scimd:agreement:2.0:User:level";
const SCORE: &str = "urn:example:scimd:agreement:2.0:User:score";
const SINCE: &str = "urn:example:scimd:agreement:2.0:User:since";

fn numbers_schema() -> Value {
    json!({
        "id": NUMBERS,
        "name": "Agreement",
        "attributes": [
            {"name": "level", "type": "integer"},
            {"name": "score", "type": "decimal"},
            {"name": "since", "type": "dateTime"}
        ]
    })
}

/// Decimals as an IdP sends them: integral ones too, and 0.1, which binary floats do not hold.
const SCORES: &[f64] = &[-1.5, 0.0, 0.1, 0.25, 2.0, 2.5, 10.0];
/// The same instants in several spellings: 09:00:00.25Z twice, a timezone-less one.
const SINCES: &[&str] = &[
    "2024-02-29T23:59:59Z",
    "2024-03-01T09:00:00Z",
    "2024-03-01T09:00:00.25Z",
    "2024-03-01T10:00:00.25+01:00",
    "2025-01-01T00:00:00",
];

fn score_json(d: f64) -> Value {
    // 2.0 is sent as 2, as JSON writers that do not keep the type do.
    if d.fract() == 0.0 {
        json!(d as i64)
    } else {
        json!(d)
    }
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
    let numbers = (
        prop::option::of(-3i64..=3),
        prop::option::of(prop::sample::select(SCORES)),
        prop::option::of(prop::sample::select(SINCES)),
    );
    (
        text(),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(any::<bool>()),
        prop::option::of((prop::option::of(text()), prop::option::of(text()))),
        prop::collection::vec(email, 0..3),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::weighted(0.85, numbers),
    )
        .prop_map(
            move |(name, display, title, active, names, emails, external, dept, numbers)| {
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
                if let Some((level, score, since)) = numbers {
                    let mut n = json!({});
                    if let Some(l) = level {
                        n["level"] = json!(l);
                    }
                    if let Some(d) = score {
                        n["score"] = score_json(d);
                    }
                    if let Some(t) = since {
                        n["since"] = json!(t);
                    }
                    set(NUMBERS, Some(n));
                    u["schemas"] = json!([USER_URN, NUMBERS]);
                }
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

/// The comparisons numbers and dateTimes have (`co`/`sw`/`ew` are refused for them).
const ORDERED: &[CompareOp] = &[
    CompareOp::Eq,
    CompareOp::Ne,
    CompareOp::Gt,
    CompareOp::Ge,
    CompareOp::Lt,
    CompareOp::Le,
];

fn ordered_op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(ORDERED)
}

fn number(n: impl Into<serde_json::Number>) -> CompValue {
    CompValue::Number(n.into())
}

fn decimal(d: f64) -> CompValue {
    CompValue::Number(serde_json::Number::from_f64(d).expect("finite"))
}

/// Integers and decimals around the stored ones, so most comparisons split the users.
fn numeric_leaf() -> impl Strategy<Value = Filter> {
    let level = prop_oneof![
        8 => (-4i64..=4).prop_map(number),
        // Lenient: a number in a string compares as the number.
        1 => (-4i64..=4).prop_map(|i| CompValue::String(i.to_string())),
        1 => Just(CompValue::Null),
    ];
    let score = prop_oneof![
        6 => prop::sample::select(SCORES).prop_map(decimal),
        2 => prop::sample::select(&[-2.0, 0.2, 1.0, 2.25, 11.0][..]).prop_map(decimal),
        2 => (-2i64..=10).prop_map(number),
        1 => Just(CompValue::Null),
    ];
    prop_oneof![
        4 => (ordered_op(), level).prop_map(|(op, value)| compare(LEVEL, op, value)),
        4 => (ordered_op(), score).prop_map(|(op, value)| compare(SCORE, op, value)),
        1 => prop::sample::select(&[LEVEL, SCORE][..]).prop_map(|n| Filter::Present(path(n))),
    ]
}

/// How a client may spell an instant: RFC 3339 with `Z` or an offset, or timezone-less (UTC).
fn spell(at: DateTime<Utc>, form: u8) -> String {
    match form {
        0 => at.to_rfc3339_opts(SecondsFormat::Millis, true),
        1 => at
            .with_timezone(&FixedOffset::east_opt(5 * 3600 + 1800).expect("offset"))
            .to_rfc3339_opts(SecondsFormat::AutoSi, false),
        2 => at.format("%Y-%m-%dT%H:%M:%S%.f").to_string(),
        _ => at.to_rfc3339_opts(SecondsFormat::Micros, true),
    }
}

/// An instant of `pool`, moved by up to a millisecond (or half of one) so that `eq` and the
/// ordering comparisons land on both sides of the stored values.
fn instant(pool: Vec<DateTime<Utc>>) -> impl Strategy<Value = CompValue> {
    let shift = prop::sample::select(&[-1_000i64, -500, 0, 0, 0, 500, 1_000][..]);
    (prop::sample::select(pool), shift, 0u8..4).prop_map(|(at, micros, form)| {
        CompValue::String(spell(at + TimeDelta::microseconds(micros), form))
    })
}

/// `meta.created`, `meta.lastModified` around the times the server recorded, and the
/// extension's dateTime around the stored ones.
fn date_time_leaf(recorded: Vec<DateTime<Utc>>) -> impl Strategy<Value = Filter> {
    let sinces: Vec<DateTime<Utc>> = SINCES
        .iter()
        .map(|s| {
            let canonical = canonical_date_time(s).expect("a dateTime");
            DateTime::parse_from_rfc3339(&canonical)
                .expect("canonical")
                .to_utc()
        })
        .collect();
    let meta = prop::sample::select(&["meta.created", "meta.lastModified"][..]);
    prop_oneof![
        4 => (meta, ordered_op(), instant(recorded)).prop_map(|(n, op, v)| compare(n, op, v)),
        3 => (ordered_op(), instant(sinces)).prop_map(|(op, v)| compare(SINCE, op, v)),
        1 => (ordered_op(), Just(CompValue::Null)).prop_map(|(op, v)| compare(SINCE, op, v)),
        1 => prop::sample::select(&["meta.created", "meta.lastModified", SINCE][..])
            .prop_map(|n| Filter::Present(path(n))),
    ]
}

/// `meta.version` (an ETag compared as its number) and `meta.resourceType`.
fn meta_leaf() -> impl Strategy<Value = Filter> {
    let version = prop_oneof![
        3 => (0i64..=4).prop_map(|v| CompValue::String(format!("W/\"{v}\""))),
        1 => (0i64..=4).prop_map(|v| CompValue::String(format!("\"{v}\""))),
        1 => (0i64..=4).prop_map(number),
    ];
    let resource_type = prop::sample::select(&["User", "user", "Group", "Us", "ser"][..])
        .prop_map(|s| CompValue::String(s.to_owned()));
    let text_op = prop::sample::select(&[CompareOp::Eq, CompareOp::Ne, CompareOp::Sw][..]);
    prop_oneof![
        4 => (ordered_op(), version).prop_map(|(op, v)| compare("meta.version", op, v)),
        1 => (text_op, resource_type).prop_map(|(op, v)| compare("meta.resourceType", op, v)),
        1 => prop::sample::select(&["meta.version", "meta.resourceType"][..])
            .prop_map(|n| Filter::Present(path(n))),
    ]
}

fn compare(name: &str, op: CompareOp, value: CompValue) -> Filter {
    Filter::Compare {
        path: path(name),
        op,
        value,
    }
}

/// `recorded`: the `meta.created` and `meta.lastModified` of the stored users.
fn filter(recorded: Vec<DateTime<Utc>>) -> impl Strategy<Value = Filter> {
    let top = prop_oneof![
        5 => leaf(TOP),
        2 => numeric_leaf(),
        2 => date_time_leaf(recorded),
        1 => meta_leaf(),
    ];
    let top = combine(top.boxed());
    let element = combine(leaf(SUB).boxed()).prop_map(|f| Filter::ValuePath {
        path: path("emails"),
        filter: Box::new(f),
    });
    combine(prop_oneof![3 => top, 1 => element].boxed())
}

/// The comparisons and value paths a filter is made of.
fn atoms<'f>(filter: &'f Filter, out: &mut Vec<&'f Filter>) {
    match filter {
        Filter::And(a, b) | Filter::Or(a, b) => {
            atoms(a, out);
            atoms(b, out);
        }
        Filter::Not(a) => atoms(a, out),
        other => out.push(other),
    }
}

/// What an atom is about, for the degeneracy guard; `meta.resourceType` resolves to a
/// constant (every user or none) by design, so it has none.
fn category(atom: &Filter) -> Option<&'static str> {
    let path = match atom {
        Filter::Compare { path, .. } | Filter::Present(path) => path,
        Filter::ValuePath { .. } => return Some("emails[…]"),
        _ => return None,
    };
    Some(match path.to_string().as_str() {
        "meta.resourceType" => return None,
        "meta.version" => "meta.version",
        "meta.created" | "meta.lastModified" => "meta.created/lastModified",
        SINCE => "dateTime",
        LEVEL => "integer",
        SCORE => "decimal",
        "active" | "emails.primary" => "boolean",
        _ => "string",
    })
}

/// How often filters matched no user and every user.
#[derive(Default, Debug)]
struct Spread {
    cases: usize,
    none: usize,
    all: usize,
}

impl Spread {
    fn add(&mut self, matched: usize, users: usize) {
        self.cases += 1;
        self.none += usize::from(matched == 0);
        self.all += usize::from(matched == users);
    }

    /// Panics when most filters matched nothing, or everything, or when together those leave
    /// fewer than `100 - trivial_percent` % that split the users: the values the generator
    /// picks no longer fall among the stored ones, and agreement on such filters proves little.
    fn assert_varied(&self, what: &str, trivial_percent: usize) {
        let (none, all, cases) = (self.none, self.all, self.cases);
        let message = format!(
            "the filter generator has become degenerate: of {cases} {what}, {none} matched \
             no user and {all} matched every user"
        );
        assert!(none * 100 < cases * DEGENERATE_PERCENT, "{message}");
        assert!(all * 100 < cases * DEGENERATE_PERCENT, "{message}");
        assert!(
            (none + all) * 100 < cases * trivial_percent,
            "{message}: too few split the users"
        );
    }
}

/// Neither "no user" nor "every user" may be the answer to this share of the filters…
const DEGENERATE_PERCENT: usize = 80;
/// …nor both together to this share of whole filters (about 45 % when healthy: `not` turns
/// "none" into "all", so a generator whose every value misses still makes some of each)…
const TRIVIAL_FILTERS_PERCENT: usize = 65;
/// …or of the comparisons of one kind (at most about 60 % when healthy: `pr` of an attribute
/// every user has, `meta.version gt 0`).
const TRIVIAL_COMPARISONS_PERCENT: usize = 90;
const USERS: usize = 32;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_and_evaluator_agree_on_generated_filters() {
    let app = spawn_app().await;
    let tenant = app.store.tenants().find("default").await.unwrap().unwrap();
    let schema = scimd::scim::schema::custom::parse(&numbers_schema()).unwrap();
    app.store
        .schemas()
        .add(&tenant, &schema, ResourceKind::User, false)
        .await
        .unwrap();
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    for i in 0..USERS {
        let body = user(i).new_tree(&mut runner).unwrap().current();
        let id = id_of(json_status(app.post_user(&body).await, StatusCode::CREATED).await);
        // Versions 1 to 3, and lastModified after created for two users in three.
        for n in 0..i % 3 {
            let mut body = body.clone();
            body["nickName"] = json!(format!("v{n}"));
            json_ok(app.put_user(&id, &body).await).await;
        }
    }
    let registry = app.store.schemas().registry(tenant.id).await.unwrap();
    let users = app.store.tenant(tenant.id).users();
    let everything = ListQuery {
        filter: None,
        sort: None,
        window: Window::Index(Page::new(None, Some(1000), 1000)),
    };
    let all = users.list(&everything, true).await.unwrap().resources;
    assert_eq!(all.len(), USERS);
    let rt = registry.resource_type(ResourceKind::User);
    let documents: Vec<_> = all.iter().map(|r| search_document(rt, &r.data)).collect();
    let mut recorded: Vec<DateTime<Utc>> = all
        .iter()
        .flat_map(|r| [r.meta.created, r.meta.last_modified])
        .collect();
    recorded.sort();
    recorded.dedup();
    let evaluate = |resolved: &Resolved| -> BTreeSet<String> {
        all.iter()
            .zip(&documents)
            .filter(|(r, doc)| matches(resolved, &Subject::new(r, doc)))
            .map(|(r, _)| r.id.clone())
            .collect()
    };

    let handle = tokio::runtime::Handle::current();
    let spread = Mutex::new((Spread::default(), BTreeMap::<&str, Spread>::new()));
    let mut runner = TestRunner::new(Config {
        cases: 400,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&filter(recorded), |f| {
        let Ok(resolved) = resolve(rt, &f, Leniency::Lenient) else {
            return Ok(());
        };
        let query = ListQuery {
            filter: Some(resolved.clone()),
            ..everything.clone()
        };
        let found = tokio::task::block_in_place(|| handle.block_on(users.list(&query, false)))
            .map_err(|e| TestCaseError::fail(format!("{f}: {e}")))?;
        let from_sql: BTreeSet<String> = found.resources.into_iter().map(|r| r.id).collect();
        let from_eval = evaluate(&resolved);
        prop_assert_eq!(from_sql.len() as u64, found.total, "total for {}", f);
        prop_assert_eq!(&from_sql, &from_eval, "filter {}", f);

        let mut spread = spread.lock().unwrap();
        spread.0.add(from_sql.len(), USERS);
        let mut parts = Vec::new();
        atoms(&f, &mut parts);
        for atom in parts {
            let (Some(what), Ok(resolved)) = (category(atom), resolve(rt, atom, Leniency::Lenient))
            else {
                continue;
            };
            let matched = evaluate(&resolved).len();
            spread.1.entry(what).or_default().add(matched, USERS);
        }
        Ok(())
    });
    if let Err(err) = result {
        panic!("{err}");
    }
    let (filters, by_category) = spread.into_inner().unwrap();
    eprintln!("generated filters: {filters:?}; their comparisons: {by_category:?}");
    assert!(
        filters.cases > 250,
        "too few generated filters resolved: {}",
        filters.cases
    );
    filters.assert_varied("filters", TRIVIAL_FILTERS_PERCENT);
    for what in [
        "string",
        "boolean",
        "integer",
        "decimal",
        "dateTime",
        "meta.created/lastModified",
        "meta.version",
    ] {
        let spread = by_category
            .get(what)
            .unwrap_or_else(|| panic!("no {what} comparison was generated"));
        assert!(
            spread.cases >= 50,
            "too few {what} comparisons generated: {spread:?}"
        );
        spread.assert_varied(&format!("{what} comparisons"), TRIVIAL_COMPARISONS_PERCENT);
    }
}
