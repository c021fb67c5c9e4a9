use serde_json::json;

use super::*;
use crate::scim::schema::{ENTERPRISE_USER_URN, Registry};

fn user() -> &'static ResourceType {
    Registry::core().resource_type(ResourceKind::User)
}

fn run(data: Value, body: Value) -> Result<(Map<String, Value>, MemberChange), ScimError> {
    let ops = parse(&body, Leniency::Lenient)?;
    let Value::Object(data) = data else {
        unreachable!()
    };
    apply(user(), &data, &ops, Leniency::Lenient)
}

fn patch_body(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP_URN], "Operations": ops})
}

#[test]
fn replace_on_a_filter_changes_only_matching_elements() {
    let (data, _) = run(
        json!({"userName": "u", "emails": [{"type": "work", "value": "a@x"}, {"type": "home", "value": "b@x"}]}),
        patch_body(json!([{"op": "replace", "path": "emails[type eq \"WORK\"].value", "value": "c@x"}])),
    )
    .unwrap();
    assert_eq!(
        data["emails"],
        json!([{"type": "work", "value": "c@x"}, {"type": "home", "value": "b@x"}])
    );
}

#[test]
fn remove_by_filter_and_by_sub_attribute() {
    let start = json!({"userName": "u", "name": {"givenName": "g", "familyName": "f"},
                       "emails": [{"type": "work", "value": "a@x"}, {"type": "home", "value": "b@x"}]});
    let (data, _) = run(
        start,
        patch_body(json!([
            {"op": "remove", "path": "emails[type eq \"home\"]"},
            {"op": "remove", "path": "name.givenName"}
        ])),
    )
    .unwrap();
    assert_eq!(data["emails"], json!([{"type": "work", "value": "a@x"}]));
    assert_eq!(data["name"], json!({"familyName": "f"}));
}

#[test]
fn add_merges_complex_values_and_appends_to_multi_valued_ones() {
    let (data, _) = run(
        json!({"userName": "u", "name": {"givenName": "g"}, "emails": [{"value": "a@x"}]}),
        patch_body(json!([
            {"op": "add", "path": "name", "value": {"familyName": "f"}},
            {"op": "add", "path": "emails", "value": [{"value": "a@x"}, {"value": "b@x"}]}
        ])),
    )
    .unwrap();
    assert_eq!(data["name"], json!({"givenName": "g", "familyName": "f"}));
    assert_eq!(data["emails"], json!([{"value": "a@x"}, {"value": "b@x"}]));
}

#[test]
fn whole_extension_object_and_removing_it() {
    let (data, _) = run(
        json!({"userName": "u"}),
        patch_body(
            json!([{"op": "add", "path": ENTERPRISE_USER_URN, "value": {"department": "d"}}]),
        ),
    )
    .unwrap();
    assert_eq!(data[ENTERPRISE_USER_URN], json!({"department": "d"}));
    let (data, _) = run(
        Value::Object(data),
        patch_body(json!([{"op": "remove", "path": ENTERPRISE_USER_URN}])),
    )
    .unwrap();
    assert!(data.get(ENTERPRISE_USER_URN).is_none());
}

#[test]
fn group_member_operations_become_a_change_set() {
    let group = Registry::core().resource_type(ResourceKind::Group);
    let data = json!({"displayName": "g"});
    let Value::Object(data) = data else {
        unreachable!()
    };
    let body = patch_body(json!([
        {"op": "add", "path": "members", "value": [{"value": "a"}, {"value": "b"}]},
        {"op": "remove", "path": "members", "value": [{"value": "c"}]},
        {"op": "remove", "path": "members[value eq \"d\"]"}
    ]));
    let ops = parse(&body, Leniency::Lenient).unwrap();
    let (_, change) = apply(group, &data, &ops, Leniency::Lenient).unwrap();
    assert_eq!(change.add.len(), 2);
    assert_eq!(change.remove, vec!["c".to_owned()]);
    assert_eq!(change.remove_where.len(), 1);
    assert!(change.replace.is_none());
}

#[test]
fn the_password_is_found_for_hashing() {
    let ops = parse(
        &patch_body(json!([{"op": "replace", "value": {"password": "s3cret"}}])),
        Leniency::Lenient,
    )
    .unwrap();
    assert_eq!(password(&ops).as_deref(), Some("s3cret"));
}

#[test]
fn the_password_is_found_under_the_user_urn_and_in_any_case() {
    let urn = "urn:ietf:params:scim:schemas:core:2.0:User";
    for op in [
        json!({"op": "replace", "value": {format!("{urn}:password"): "s3cret"}}),
        json!({"op": "replace", "value": {"Password": "s3cret"}}),
        json!({"op": "add", "path": format!("{urn}:password"), "value": "s3cret"}),
        json!({"op": "Replace", "path": "PASSWORD", "value": "s3cret"}),
    ] {
        let ops = parse(&patch_body(json!([op])), Leniency::Lenient).unwrap();
        assert_eq!(password(&ops).as_deref(), Some("s3cret"), "{op}");
    }
    // The last operation that sets one wins; removing or naming something else sets none.
    let ops = parse(
        &patch_body(json!([
            {"op": "replace", "path": "password", "value": "first"},
            {"op": "replace", "value": {"password": "second", "title": "x"}},
            {"op": "remove", "path": "password"},
            {"op": "replace", "path": "name.password", "value": "no"}
        ])),
        Leniency::Lenient,
    )
    .unwrap();
    assert_eq!(password(&ops).as_deref(), Some("second"));
}
