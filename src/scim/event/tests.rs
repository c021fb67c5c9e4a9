use serde_json::json;

use super::*;

fn map(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[test]
fn changed_paths_name_the_attributes_and_sub_attributes_that_differ() {
    let before = map(json!({
        "schemas": ["a"], "userName": "ann", "active": true,
        "name": {"givenName": "Ann", "familyName": "Lee"},
        "emails": [{"value": "a@x"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"}
    }));
    let after = map(json!({
        "schemas": ["b"], "userName": "ann", "active": false,
        "name": {"givenName": "Anne", "familyName": "Lee", "middleName": "M"},
        "emails": [{"value": "a@y"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Ops"},
        "title": "CTO"
    }));
    assert_eq!(
        changed_paths(&before, &after),
        [
            "active",
            "name.givenName",
            "name.middleName",
            "emails",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            "title"
        ]
    );
    assert_eq!(changed_paths(&after, &after), Vec::<String>::new());
    let removed = map(json!({"userName": "ann"}));
    assert_eq!(
        changed_paths(
            &map(json!({"userName": "ann", "title": "x", "name": {"givenName": "A"}})),
            &removed
        ),
        ["title", "name.givenName"]
    );
}

#[test]
fn type_filters_take_names_and_prefixes_and_refuse_typos() {
    let filter = TypeFilter::parse("user.*, group.member_added").unwrap();
    assert!(filter.admits("user.deleted"));
    assert!(filter.admits("group.member_added"));
    assert!(!filter.admits("group.created"));
    assert_eq!(filter.types().len(), 6);
    assert!(TypeFilter::parse("").unwrap().admits("group.deleted"));
    let err = TypeFilter::parse("user.create").unwrap_err();
    assert!(
        err.contains("user.create") && err.contains("user.created"),
        "{err}"
    );
    assert!(TypeFilter::parse("usr.*").is_err());
}
