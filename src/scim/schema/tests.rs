use super::*;

fn user() -> &'static ResourceType {
    Registry::core().resource_type(ResourceKind::User)
}

#[test]
fn every_attribute_has_a_description_and_complex_ones_have_sub_attributes() {
    fn walk(attrs: &[Attribute]) {
        for a in attrs {
            assert!(!a.description.is_empty(), "{} lacks a description", a.name);
            assert_eq!(a.is_complex(), !a.sub_attributes.is_empty(), "{}", a.name);
            assert!(
                a.sub_attributes.iter().all(|s| !s.is_complex()),
                "{}: nested complex",
                a.name
            );
            if a.kind == AttrType::Reference {
                assert!(
                    !a.reference_types.is_empty(),
                    "{} lacks referenceTypes",
                    a.name
                );
            }
            walk(&a.sub_attributes);
        }
    }
    for schema in Registry::core().schemas() {
        walk(&schema.attributes);
    }
    walk(common_attributes());
}

#[test]
fn core_schemas_are_user_group_and_enterprise_user() {
    let ids: Vec<_> = Registry::core()
        .schemas()
        .iter()
        .map(|s| s.id.clone())
        .collect();
    assert_eq!(ids, [USER_URN, GROUP_URN, ENTERPRISE_USER_URN]);
}

#[test]
fn user_name_is_required_unique_and_case_insensitive() {
    let a = user().attribute(None, "USERNAME").unwrap().attribute;
    assert_eq!(a.name, "userName");
    assert!(a.required && !a.case_exact);
    assert_eq!(a.uniqueness, Uniqueness::Server);
}

#[test]
fn password_is_write_only_and_never_returned() {
    let a = user().attribute(None, "password").unwrap().attribute;
    assert_eq!(
        (a.mutability, a.returned),
        (Mutability::WriteOnly, Returned::Never)
    );
}

#[test]
fn id_is_read_only_always_returned_and_case_exact() {
    let a = user().attribute(None, "id").unwrap();
    assert!(a.schema.is_none());
    assert_eq!(a.attribute.returned, Returned::Always);
    assert!(a.attribute.is_read_only() && a.attribute.case_exact);
}

#[test]
fn extension_attributes_resolve_with_and_without_urn() {
    let (urn, rest) = user()
        .split_urn("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value");
    assert_eq!((urn, rest), (Some(ENTERPRISE_USER_URN), "manager.value"));
    let qualified = user().attribute(urn, "manager").unwrap();
    assert!(qualified.is_extension(&user().schema));
    let bare = user().attribute(None, "department").unwrap();
    assert_eq!(bare.schema.unwrap().id, ENTERPRISE_USER_URN);
}

#[test]
fn core_urn_prefix_reaches_core_and_common_attributes() {
    let (urn, rest) = user().split_urn("urn:ietf:params:scim:schemas:core:2.0:User:userName");
    assert_eq!(rest, "userName");
    assert!(
        !user()
            .attribute(urn, rest)
            .unwrap()
            .is_extension(&user().schema)
    );
    let id = user().attribute(Some(USER_URN), "id").unwrap();
    assert!(id.schema.is_none());
}

#[test]
fn unknown_names_and_urns_resolve_to_nothing() {
    assert!(user().attribute(None, "shoeSize").is_none());
    assert!(
        user()
            .attribute(Some("urn:example:x"), "userName")
            .is_none()
    );
    assert_eq!(
        user().split_urn("urn:example:x:attr"),
        (None, "urn:example:x:attr")
    );
}

#[test]
fn members_sub_attributes_are_immutable_and_display_read_only() {
    let group = Registry::core().resource_type(ResourceKind::Group);
    let members = group.attribute(None, "members").unwrap().attribute;
    assert!(members.multi_valued);
    assert_eq!(
        members.sub_attribute("VALUE").unwrap().mutability,
        Mutability::Immutable
    );
    assert_eq!(
        members.sub_attribute("display").unwrap().mutability,
        Mutability::ReadWrite
    );
}
