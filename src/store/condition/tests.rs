//! The condition builder against real rows: a few filters and the resources they select, on
//! SQLite (PostgreSQL runs the same filters in the HTTP suite). `%` and `_` are characters,
//! never wildcards.
use serde_json::json;

use crate::scim::schema::ResourceKind;
use crate::store::tests::{Fixture, fixture, sorted};

/// Users whose names say what the filters below look for.
async fn people(f: &Fixture) -> [String; 6] {
    [
        f.user("alice", json!({"title": "CEO", "emails": [{"value": "alice@example.com", "type": "work"}]}))
            .await
            .id,
        f.user("a_b", json!({"title": "50% off", "emails": [{"value": "ab@example.org", "type": "home"}]}))
            .await
            .id,
        f.user("a%c", json!({"name": {"familyName": "Jensen"}}))
            .await
            .id,
        f.user("bjensen", json!({"displayName": "Babs", "emails": [{"value": "BJ@Example.com", "type": "work", "primary": true}]}))
            .await
            .id,
        f.user("bob", json!({"active": false, "title": "c_o"})).await.id,
        f.user("abc", json!({"active": true})).await.id,
    ]
}

#[tokio::test]
async fn comparisons_select_the_rows_the_evaluator_would() {
    let f = fixture().await;
    let [alice, a_b, a_pct_c, bjensen, bob, abc] = people(&f).await;
    let users = |filter: &'static str| f.select(ResourceKind::User, filter);
    assert_eq!(users(r#"userName eq "BJensen""#).await, sorted(&[&bjensen]));
    assert_eq!(users(r#"userName sw "b""#).await, sorted(&[&bjensen, &bob]));
    assert_eq!(
        users(r#"title co "O""#).await,
        sorted(&[&alice, &a_b, &bob])
    );
    assert_eq!(users(r#"active eq false"#).await, sorted(&[&bob]));
    assert_eq!(
        users(r#"not (title pr)"#).await,
        sorted(&[&a_pct_c, &bjensen, &abc])
    );
    // A missing value is not "not equal" in SQL, but it is in SCIM.
    assert_eq!(
        users(r#"not (title eq "ceo")"#).await,
        sorted(&[&a_b, &a_pct_c, &bjensen, &bob, &abc])
    );
    assert_eq!(
        users(r#"emails[type eq "work" and value ew "example.com"]"#).await,
        sorted(&[&alice, &bjensen])
    );
    assert_eq!(
        users(r#"emails.value eq "bj@example.com""#).await,
        sorted(&[&bjensen])
    );
    assert_eq!(
        users(r#"emails[primary eq true]"#).await,
        sorted(&[&bjensen])
    );
    assert_eq!(
        users(
            r#"name.familyName eq "jensen" or (displayName eq "babs" and emails.type eq "work")"#
        )
        .await,
        sorted(&[&a_pct_c, &bjensen])
    );
}

#[tokio::test]
async fn percent_and_underscore_are_never_wildcards() {
    let f = fixture().await;
    let [_, a_b, a_pct_c, _, bob, _] = people(&f).await;
    let users = |filter: &'static str| f.select(ResourceKind::User, filter);
    // As LIKE patterns, `a_%` and `a%%` would also match alice and abc.
    assert_eq!(users(r#"userName sw "a_""#).await, sorted(&[&a_b]));
    assert_eq!(users(r#"userName sw "a%""#).await, sorted(&[&a_pct_c]));
    assert_eq!(users(r#"userName co "_""#).await, sorted(&[&a_b]));
    assert_eq!(users(r#"userName co "%""#).await, sorted(&[&a_pct_c]));
    assert_eq!(users(r#"userName ew "%c""#).await, sorted(&[&a_pct_c]));
    assert_eq!(users(r#"title co "%""#).await, sorted(&[&a_b]));
    assert_eq!(users(r#"title sw "c_""#).await, sorted(&[&bob]));
    assert_eq!(users(r#"title ew "_o""#).await, sorted(&[&bob]));
}

#[tokio::test]
async fn group_filters_read_the_membership_table() {
    let f = fixture().await;
    let [alice, _, _, bjensen, ..] = people(&f).await;
    let admins = f.group("admins", &[&alice]).await.id;
    let staff = f.group("staff", &[&alice, &bjensen, &admins]).await.id;
    let groups = |filter: String| {
        let f = &f;
        async move { f.select(ResourceKind::Group, &filter).await }
    };
    assert_eq!(
        groups(format!(r#"members[value eq "{bjensen}"]"#)).await,
        sorted(&[&staff])
    );
    assert_eq!(
        groups(format!(r#"members.value eq "{alice}""#)).await,
        sorted(&[&admins, &staff])
    );
    assert_eq!(
        groups(r#"members[type eq "Group"]"#.to_owned()).await,
        sorted(&[&staff])
    );
    assert_eq!(
        groups(r#"members[display eq "babs"]"#.to_owned()).await,
        sorted(&[&staff])
    );
    assert_eq!(
        groups(format!(r#"not (members[value eq "{bjensen}"])"#)).await,
        sorted(&[&admins])
    );
}
