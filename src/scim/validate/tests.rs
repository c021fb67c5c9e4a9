use serde_json::json;

use super::*;
use crate::scim::schema::{ENTERPRISE_USER_URN, Mutability, Registry, ResourceKind, USER_URN};

fn user_type() -> &'static ResourceType {
    Registry::core().resource_type(ResourceKind::User)
}

fn group_type() -> &'static ResourceType {
    Registry::core().resource_type(ResourceKind::Group)
}

fn lenient(body: Value) -> Result<Map<String, Value>, ScimError> {
    normalize(user_type(), &body, Leniency::Lenient)
}

fn strict(body: Value) -> Result<Map<String, Value>, ScimError> {
    normalize(user_type(), &body, Leniency::Strict)
}

#[test]
fn attribute_names_come_out_canonical() {
    let data = lenient(json!({"USERNAME": "bjensen", "Name": {"GIVENNAME": "Barbara"}})).unwrap();
    assert_eq!(
        data,
        *json!({"userName": "bjensen", "name": {"givenName": "Barbara"}})
            .as_object()
            .unwrap()
    );
}

#[test]
fn read_only_attributes_are_ignored() {
    let data = lenient(json!({
        "userName": "bjensen", "id": "client-chosen", "meta": {"resourceType": "User"},
        "groups": [{"value": "g1"}]
    }))
    .unwrap();
    assert_eq!(data.keys().collect::<Vec<_>>(), ["userName"]);
}

#[test]
fn missing_user_name_is_invalid_value_naming_it() {
    let err = lenient(json!({"displayName": "x"})).unwrap_err();
    assert_eq!(
        (err.status, err.scim_type),
        (400, Some(crate::scim::ScimType::InvalidValue))
    );
    assert!(err.detail.contains("userName"), "{}", err.detail);
}

#[test]
fn null_empty_string_and_empty_array_are_unassigned() {
    let data = lenient(json!({
        "userName": "u", "title": null, "nickName": "", "roles": [], "addresses": null,
        ENTERPRISE_USER_URN: {"department": null, "manager": null}
    }))
    .unwrap();
    assert_eq!(data.keys().collect::<Vec<_>>(), ["userName"]);
}

#[test]
fn string_booleans_are_coerced_when_lenient_and_rejected_when_strict() {
    let data = lenient(json!({"userName": "u", "active": "True"})).unwrap();
    assert_eq!(data["active"], json!(true));
    let data = lenient(json!({"userName": "u", "emails": [{"value": "a@x", "primary": "false"}]}))
        .unwrap();
    assert_eq!(data["emails"][0]["primary"], json!(false));
    let err =
        strict(json!({"schemas": [USER_URN], "userName": "u", "active": "True"})).unwrap_err();
    assert_eq!(err.scim_type, Some(crate::scim::ScimType::InvalidValue));
    assert!(err.detail.contains("active"));
}

#[test]
fn a_boolean_that_is_not_one_names_the_attribute() {
    let err = lenient(json!({"userName": "u", "active": "yes"})).unwrap_err();
    assert_eq!(err.status, 400);
    assert!(
        err.detail.contains("`active` must be a boolean"),
        "{}",
        err.detail
    );
}

#[test]
fn a_wrong_password_value_is_not_quoted_back() {
    let err =
        strict(json!({"schemas": [USER_URN], "userName": "b", "password": 73519246})).unwrap_err();
    assert!(
        err.detail.contains("`password` must be a string"),
        "{err:?}"
    );
    assert!(!err.detail.contains("73519246"), "{err:?}");
}

#[test]
fn single_object_for_multi_valued_is_wrapped_when_lenient() {
    let data =
        lenient(json!({"userName": "u", "emails": {"value": "a@x", "type": "work"}})).unwrap();
    assert_eq!(data["emails"], json!([{"value": "a@x", "type": "work"}]));
    let err = strict(json!({"schemas": [USER_URN], "userName": "u", "emails": {"value": "a@x"}}))
        .unwrap_err();
    assert!(err.detail.contains("emails"));
}

#[test]
fn unknown_attributes_and_schema_urns_are_ignored_when_lenient() {
    let data = lenient(json!({
        "schemas": [USER_URN, "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
        "userName": "u", "user_mobile": "123",
        "urn:example:unknown": {"x": 1}
    }))
    .unwrap();
    assert_eq!(data.keys().collect::<Vec<_>>(), ["userName"]);
}

#[test]
fn strict_mode_rejects_unknown_attributes_and_missing_schemas() {
    let err =
        strict(json!({"schemas": [USER_URN], "userName": "u", "user_mobile": "1"})).unwrap_err();
    assert_eq!(err.scim_type, Some(crate::scim::ScimType::InvalidSyntax));
    assert!(err.detail.contains("user_mobile"));
    let err = strict(json!({"userName": "u"})).unwrap_err();
    assert!(err.detail.contains("schemas"));
    assert!(strict(json!({"schemas": [USER_URN], "userName": "u"})).is_ok());
}

#[test]
fn enterprise_attributes_live_under_their_urn() {
    let data = lenient(json!({
        "userName": "u",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"Department": "R&D"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "42"
    }))
    .unwrap();
    assert_eq!(
        data[ENTERPRISE_USER_URN],
        json!({"department": "R&D", "employeeNumber": "42"})
    );
}

#[test]
fn manager_as_bare_id_or_one_element_array_becomes_an_object() {
    for manager in [
        json!("m-1"),
        json!({"value": "m-1"}),
        json!([{"value": "m-1"}]),
    ] {
        let data =
            lenient(json!({"userName": "u", ENTERPRISE_USER_URN: {"manager": manager}})).unwrap();
        assert_eq!(
            data[ENTERPRISE_USER_URN]["manager"],
            json!({"value": "m-1"})
        );
    }
}

#[test]
fn a_bare_string_where_a_complex_attribute_belongs_is_refused_in_every_mode() {
    for (body, named) in [
        (json!({"userName": "u", "emails": "a@b.c"}), "`emails`"),
        (json!({"userName": "u", "emails": ["a@b.c"]}), "`emails[0]`"),
        (json!({"userName": "u", "name": "Barbara Jensen"}), "`name`"),
        (json!({"userName": "u", "addresses": 7}), "`addresses`"),
        (
            json!({"userName": "u", "phoneNumbers": true}),
            "`phoneNumbers`",
        ),
    ] {
        for mode in [Leniency::Lenient, Leniency::Strict] {
            let mut body = body.clone();
            body["schemas"] = json!([USER_URN]);
            let err = normalize(user_type(), &body, mode).unwrap_err();
            assert_eq!(err.status, 400, "{body} ({mode:?})");
            assert_eq!(err.scim_type, Some(crate::scim::ScimType::InvalidValue));
            assert!(err.detail.contains(named), "{named} in {:?}", err.detail);
        }
    }
}

#[test]
fn bare_ids_stay_accepted_where_a_reference_to_a_resource_belongs() {
    let group = normalize(
        group_type(),
        &json!({"displayName": "g", "members": ["u-1", {"value": "u-2"}]}),
        Leniency::Lenient,
    )
    .unwrap();
    assert_eq!(
        group["members"],
        json!([{"value": "u-1"}, {"value": "u-2"}])
    );
    let one = normalize(
        group_type(),
        &json!({"displayName": "g", "members": "u-1"}),
        Leniency::Lenient,
    )
    .unwrap();
    assert_eq!(one["members"], json!([{"value": "u-1"}]));
}

#[test]
fn a_member_labelled_with_display_name_is_read_as_display_when_lenient() {
    let body = |member: Value| json!({"schemas": [crate::scim::schema::GROUP_URN], "displayName": "g", "members": [member]});
    let data = normalize(
        group_type(),
        &body(json!({"value": "u-1", "displayName": "new User"})),
        Leniency::Lenient,
    )
    .unwrap();
    assert_eq!(
        data["members"],
        json!([{"value": "u-1", "display": "new User"}])
    );
    // `display` wins when both are sent.
    let data = normalize(
        group_type(),
        &body(json!({"value": "u-1", "displayName": "ignored", "display": "kept"})),
        Leniency::Lenient,
    )
    .unwrap();
    assert_eq!(
        data["members"],
        json!([{"value": "u-1", "display": "kept"}])
    );
    let err = normalize(
        group_type(),
        &body(json!({"value": "u-1", "displayName": "new User"})),
        Leniency::Strict,
    )
    .unwrap_err();
    assert!(
        err.detail.contains("members[0].displayName"),
        "{}",
        err.detail
    );
    // Elsewhere the alias does not apply: an email's `displayName` is an unknown sub-attribute.
    let data = lenient(json!({"userName": "u", "emails": [{"value": "a@x", "displayName": "A"}]}))
        .unwrap();
    assert_eq!(data["emails"], json!([{"value": "a@x"}]));
}

#[test]
fn manager_display_name_is_read_only_and_dropped() {
    let data = lenient(json!({"userName": "u", ENTERPRISE_USER_URN: {"manager": {"value": "m", "displayName": "Boss"}}})).unwrap();
    assert_eq!(data[ENTERPRISE_USER_URN]["manager"], json!({"value": "m"}));
}

#[test]
fn only_the_first_primary_value_stays_primary() {
    let data = lenient(json!({"userName": "u", "emails": [
        {"value": "a@x", "primary": true}, {"value": "b@x", "primary": true}]}))
    .unwrap();
    assert_eq!(data["emails"][1]["primary"], json!(false));
    let err = strict(json!({"schemas": [USER_URN], "userName": "u", "emails": [
        {"value": "a@x", "primary": true}, {"value": "b@x", "primary": true}]}))
    .unwrap_err();
    assert!(err.detail.contains("primary"));
}

#[test]
fn duplicate_names_differing_in_case_are_rejected() {
    let err = lenient(json!({"userName": "a", "username": "b"})).unwrap_err();
    assert_eq!(err.scim_type, Some(crate::scim::ScimType::InvalidSyntax));
}

#[test]
fn date_times_are_checked() {
    let rt = user_type();
    let _ = rt;
    assert!(is_date_time("2008-01-23T04:56:22Z"));
    assert!(is_date_time("2008-01-23T04:56:22.123+02:00"));
    assert!(is_date_time("2008-01-23T04:56:22"));
    assert!(!is_date_time("yesterday"));
}

#[test]
fn group_members_need_a_value_and_keep_display() {
    let g = normalize(
        group_type(),
        &json!({"displayName": "G", "members": [{"value": "u1", "display": "x"}, "u2"]}),
        Leniency::Lenient,
    )
    .unwrap();
    assert_eq!(
        g["members"],
        json!([{"value": "u1", "display": "x"}, {"value": "u2"}])
    );
    let err = normalize(
        group_type(),
        &json!({"displayName": "G", "members": [{"type": "User"}]}),
        Leniency::Lenient,
    )
    .unwrap_err();
    assert!(err.detail.contains("members[0].value"), "{}", err.detail);
}

#[test]
fn non_object_bodies_are_invalid_syntax() {
    let err = lenient(json!(["userName"])).unwrap_err();
    assert_eq!(err.scim_type, Some(crate::scim::ScimType::InvalidSyntax));
}

#[test]
fn numbers_for_strings_are_stringified_when_lenient() {
    let data =
        lenient(json!({"userName": "u", ENTERPRISE_USER_URN: {"employeeNumber": 42}})).unwrap();
    assert_eq!(data[ENTERPRISE_USER_URN]["employeeNumber"], json!("42"));
}

#[test]
fn immutable_values_cannot_change_and_are_kept_when_omitted() {
    use crate::scim::schema::{Attribute, Schema, SchemaExtension, string};
    use std::sync::Arc;
    let ext = Schema {
        id: "urn:example:ext".to_owned(),
        name: "Ext".to_owned(),
        description: String::new(),
        attributes: vec![string("badge", "").mutability(Mutability::Immutable)],
    };
    let mut rt = user_type().clone();
    rt.extensions.push(SchemaExtension {
        schema: Arc::new(ext),
        required: false,
    });
    let _: &Attribute = &rt.schema.attributes[0];
    let old = json!({"userName": "u", "urn:example:ext": {"badge": "1"}});
    let old = old.as_object().unwrap();

    let mut same = json!({"userName": "u", "urn:example:ext": {"badge": "1"}})
        .as_object()
        .unwrap()
        .clone();
    assert!(keep_immutable(&rt, old, &mut same).is_ok());

    let mut omitted = json!({"userName": "v"}).as_object().unwrap().clone();
    keep_immutable(&rt, old, &mut omitted).unwrap();
    assert_eq!(omitted["urn:example:ext"], json!({"badge": "1"}));

    let mut changed = json!({"userName": "u", "urn:example:ext": {"badge": "2"}})
        .as_object()
        .unwrap()
        .clone();
    let err = keep_immutable(&rt, old, &mut changed).unwrap_err();
    assert_eq!(err.scim_type, Some(crate::scim::ScimType::Mutability));
    assert!(err.detail.contains("badge"));
}
