use std::sync::Arc;

use serde_json::{Map, Value, json};
use test_case::test_case;

use super::*;
use crate::scim::schema::{
    ENTERPRISE_USER_URN, Registry, ResourceKind, Schema, SchemaExtension, string,
};

fn users() -> &'static ResourceType {
    Registry::core().resource_type(ResourceKind::User)
}

fn header(names: &[&str]) -> Header {
    Header::parse(users(), names).unwrap_or_else(|e| panic!("{names:?}: {e}"))
}

fn refused(names: &[&str]) -> ColumnError {
    Header::parse(users(), names).unwrap_err()
}

fn row(header: &Header, cells: &[&str]) -> Value {
    Value::Object(header.apply(users(), &Map::new(), cells).unwrap())
}

#[test]
fn paths_become_canonical_and_extension_short_names_get_their_urn() {
    let h = header(&[
        "username",
        " name.givenName ",
        r#"emails[type eq "work"].value"#,
        "department",
        &format!("{ENTERPRISE_USER_URN}:costCenter"),
        "externalId",
    ]);
    let paths: Vec<String> = h.columns().iter().map(|c| c.path.to_string()).collect();
    assert_eq!(
        paths,
        [
            "userName".to_owned(),
            "name.givenName".to_owned(),
            r#"emails[type eq "work"].value"#.to_owned(),
            format!("{ENTERPRISE_USER_URN}:department"),
            format!("{ENTERPRISE_USER_URN}:costCenter"),
            "externalId".to_owned(),
        ]
    );
    assert_eq!(h.columns()[1].header, "name.givenName");
}

#[test]
fn a_row_is_typed_by_the_schema_like_lenient_post_input() {
    let h = header(&[
        "userName",
        "name.givenName",
        r#"emails[type eq "work"].value"#,
        r#"emails[type eq "work"].primary"#,
        r#"phoneNumbers[type eq "mobile"].value"#,
        "active",
        "department",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        "externalId",
    ]);
    let user = row(
        &h,
        &[
            "bjensen",
            "Barbara",
            "bjensen@example.com",
            "TRUE",
            "+1 555 0100",
            "False",
            "Tour Operations",
            "26118915-6090-4610-87e4-49d8ca9f808d",
            "701984",
        ],
    );
    assert_eq!(
        user,
        json!({
            "userName": "bjensen",
            "name": {"givenName": "Barbara"},
            "emails": [{"type": "work", "value": "bjensen@example.com", "primary": true}],
            "phoneNumbers": [{"type": "mobile", "value": "+1 555 0100"}],
            "active": false,
            ENTERPRISE_USER_URN: {
                "department": "Tour Operations",
                "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
            },
            "externalId": "701984",
        })
    );
}

#[test]
fn empty_cells_leave_a_new_resource_without_the_attribute() {
    let h = header(&["userName", r#"emails[type eq "work"].value"#, "title"]);
    assert_eq!(row(&h, &["a", "", ""]), json!({"userName": "a"}));
}

#[test]
fn a_wrongly_typed_cell_names_its_column() {
    let h = header(&["userName", "active"]);
    let err = h.apply(users(), &Map::new(), &["a", "maybe"]).unwrap_err();
    assert_eq!(
        err.detail,
        r#"`active` must be a boolean (true or false), got "maybe""#
    );
    let err = h.apply(users(), &Map::new(), &["", "true"]).unwrap_err();
    assert!(err.detail.contains("userName"), "{}", err.detail);
    let err = h.apply(users(), &Map::new(), &["a"]).unwrap_err();
    assert!(err.detail.contains("1 cells"), "{}", err.detail);
}

#[test]
fn on_a_stored_resource_a_row_changes_only_its_columns() {
    let h = header(&[
        "userName",
        r#"emails[type eq "work"].value"#,
        "title",
        "department",
    ]);
    let stored = json!({
        "userName": "a",
        "nickName": "kept",
        "title": "cleared",
        "emails": [
            {"type": "work", "value": "old@example.com", "primary": true},
            {"type": "home", "value": "home@example.com"}
        ],
        ENTERPRISE_USER_URN: {"department": "R&D", "division": "kept"},
    });
    let stored = stored.as_object().unwrap();
    let same = h
        .apply(users(), stored, &["a", "old@example.com", "cleared", "R&D"])
        .unwrap();
    assert_eq!(&same, stored);
    let changed = h
        .apply(users(), stored, &["a", "new@example.com", "", ""])
        .unwrap();
    assert_eq!(
        Value::Object(changed),
        json!({
            "userName": "a",
            "nickName": "kept",
            "emails": [
                {"type": "work", "value": "new@example.com", "primary": true},
                {"type": "home", "value": "home@example.com"}
            ],
            ENTERPRISE_USER_URN: {"division": "kept"},
        })
    );
    // An empty email cell removes the work email, not just its address.
    let cleared = h
        .apply(users(), stored, &["a", "", "cleared", "R&D"])
        .unwrap();
    assert_eq!(
        cleared["emails"],
        json!([{"type": "home", "value": "home@example.com"}])
    );
}

#[test_case("emial", "no attribute `emial` in User"; "unknown")]
#[test_case("name.middle", "`name` has no sub-attribute `middle`"; "unknown sub-attribute")]
#[test_case("id", "ids are scimd's to assign"; "id")]
#[test_case("meta.created", "`meta` is readOnly"; "meta")]
#[test_case("groups", "`groups` is readOnly"; "groups")]
#[test_case("password", "passwords are not imported"; "password")]
#[test_case("emails", r#"as in `emails[type eq "work"].value`"#; "multi-valued without filter")]
#[test_case("emails.value", r#"as in `emails[type eq "work"].value`"#; "multi-valued sub without filter")]
#[test_case(r#"emails[type eq "work"]"#, r#"name the sub-attribute the cells hold, as in `emails[type eq "work"].value`"#; "filter without sub")]
#[test_case("name", "`name` is complex: name one of its sub-attributes, as in `name.formatted`"; "complex")]
#[test_case(r#"title[value eq "x"]"#, "`title` has one value"; "filter on singular")]
#[test_case("active.value", "`active` has no sub-attributes"; "sub of simple")]
#[test_case(r#"emails[typo eq "work"].value"#, "typo"; "filter naming no sub-attribute")]
#[test_case("name..x", "not an attribute path"; "malformed")]
#[test_case("urn:example:Nope:title", "urn:example:Nope is not a schema of User"; "unknown urn")]
#[test_case("", "the header is empty"; "empty")]
fn refuses_a_header_that_names_no_writable_value(name: &str, reason: &str) {
    let err = refused(&["userName", name]);
    assert_eq!(err.column, Some(2), "{err}");
    assert!(err.reason.contains(reason), "{name}: {err}");
    assert!(
        err.to_string()
            .starts_with(&format!("column 2 (`{}`): ", name.trim())),
        "{err}"
    );
}

#[test]
fn refuses_a_repeated_column_and_a_missing_user_name() {
    let err = refused(&["userName", "Name.GivenName", "name.givenName"]);
    assert_eq!(err.column, Some(3));
    assert!(err.reason.contains("column 2 (`Name.GivenName`)"), "{err}");
    let err = refused(&[
        "department",
        &format!("{ENTERPRISE_USER_URN}:Department"),
        "userName",
    ]);
    assert_eq!(err.column, Some(2));
    let err = refused(&["externalId", "title"]);
    assert_eq!(err.column, None);
    assert_eq!(
        err.to_string(),
        "the header has no `userName` column: every User needs one"
    );
}

#[test]
fn a_short_name_two_extensions_share_must_be_qualified() {
    let custom = |urn: &str| SchemaExtension {
        schema: Arc::new(Schema {
            id: urn.to_owned(),
            name: "Custom".to_owned(),
            description: String::new(),
            attributes: vec![string("badge", "Badge number"), string("department", "x")],
        }),
        required: false,
    };
    let registry = Registry::extended([
        (ResourceKind::User, custom("urn:example:a:User")),
        (ResourceKind::User, custom("urn:example:b:User")),
    ]);
    let rt = registry.resource_type(ResourceKind::User);
    let err = Header::parse(rt, &["userName", "badge"]).unwrap_err();
    assert!(
        err.reason
            .contains("`badge` is an attribute of urn:example:a:User and urn:example:b:User"),
        "{err}"
    );
    let err = Header::parse(rt, &["userName", "department"]).unwrap_err();
    assert!(err.reason.contains(ENTERPRISE_USER_URN), "{err}");
    let h = Header::parse(rt, &["userName", "urn:example:b:User:badge"]).unwrap();
    let user = h.apply(rt, &Map::new(), &["a", "42"]).unwrap();
    assert_eq!(user["urn:example:b:User"], json!({"badge": "42"}));
}
