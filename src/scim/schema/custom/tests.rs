use serde_json::{Value, json};
use test_case::test_case;

use super::*;
use crate::scim::schema::{ENTERPRISE_USER_URN, USER_URN};

const ACME: &str = "urn:ietf:params:scim:schemas:extension:acme:2.0:User";

/// Salesforce's custom `Company` mapping, as a tenant would register it.
fn acme() -> Value {
    json!({
        "id": ACME,
        "name": "AcmeUser",
        "description": "Acme's custom user attributes",
        "attributes": [
            {"name": "Company", "type": "string"},
            {"name": "CostCenter", "type": "integer", "required": true},
            {"name": "badges", "type": "complex", "multiValued": true, "subAttributes": [
                {"name": "value", "type": "string", "caseExact": true},
                {"name": "type", "type": "string", "canonicalValues": ["gold", "silver"]}
            ]}
        ]
    })
}

fn refused(doc: Value) -> String {
    parse(&doc).unwrap_err().0
}

/// `acme()` with attribute 0 replaced by `attr`.
fn with_attribute(attr: Value) -> Value {
    let mut doc = acme();
    doc["attributes"][0] = attr;
    doc
}

#[test]
fn omitted_characteristics_take_the_rfc_7643_defaults() {
    let schema = parse(&acme()).unwrap();
    assert_eq!(schema.id, ACME);
    assert_eq!(schema.name, "AcmeUser");
    let company = schema.attribute("company").unwrap();
    assert_eq!(company.kind, AttrType::String);
    assert!(!company.multi_valued && !company.required && !company.case_exact);
    assert_eq!(company.mutability, Mutability::ReadWrite);
    assert_eq!(company.returned, Returned::Default);
    assert_eq!(company.uniqueness, Uniqueness::None);
    let badges = schema.attribute("badges").unwrap();
    assert!(badges.multi_valued && badges.is_complex());
    assert!(badges.sub_attribute("VALUE").unwrap().case_exact);
    assert_eq!(
        badges.sub_attribute("type").unwrap().canonical_values,
        ["gold", "silver"]
    );
}

#[test]
fn an_attribute_without_a_type_is_a_string_and_a_schema_without_a_name_is_named_by_its_urn() {
    let doc = json!({"id": "urn:example:mailchimp:merge", "attributes": [{"name": "FNAME"}]});
    let schema = parse(&doc).unwrap();
    assert_eq!(schema.name, "urn:example:mailchimp:merge");
    assert_eq!(schema.attributes[0].kind, AttrType::String);
}

#[test]
fn the_stored_document_reads_back_to_the_same_schema() {
    let schema = parse(&acme()).unwrap();
    assert_eq!(parse(&document(&schema)).unwrap(), schema);
}

#[test]
fn keywords_are_accepted_in_any_case_and_stored_as_the_rfc_spells_them() {
    let schema = parse(&with_attribute(
        json!({"name": "since", "type": "DATETIME", "mutability": "IMMUTABLE", "returned": "Request"}),
    ))
    .unwrap();
    let since = &schema.attributes[0];
    assert_eq!(since.kind, AttrType::DateTime);
    assert_eq!(since.mutability, Mutability::Immutable);
    assert_eq!(since.returned, Returned::Request);
    assert_eq!(document(&schema)["attributes"][0]["type"], "dateTime");
}

#[test]
fn a_write_only_attribute_is_never_returned() {
    let schema = parse(&with_attribute(
        json!({"name": "pin", "mutability": "writeOnly"}),
    ))
    .unwrap();
    assert_eq!(schema.attributes[0].returned, Returned::Never);
    let e = refused(with_attribute(
        json!({"name": "pin", "mutability": "writeOnly", "returned": "default"}),
    ));
    assert!(e.contains("writeOnly") && e.contains("never"), "{e}");
}

#[test]
fn references_need_known_reference_types() {
    let schema = parse(&with_attribute(
        json!({"name": "buddy", "type": "reference", "referenceTypes": ["user"]}),
    ))
    .unwrap();
    assert_eq!(schema.attributes[0].reference_types, ["User"]);
    let e = refused(with_attribute(
        json!({"name": "buddy", "type": "reference"}),
    ));
    assert!(e.contains("`buddy`") && e.contains("referenceTypes"), "{e}");
    let e = refused(with_attribute(
        json!({"name": "buddy", "type": "reference", "referenceTypes": ["Device"]}),
    ));
    assert!(e.contains("\"Device\"") && e.contains("external"), "{e}");
    let e = refused(with_attribute(
        json!({"name": "buddy", "referenceTypes": ["external"]}),
    ));
    assert!(e.contains("not a reference"), "{e}");
}

#[test_case(json!("urn:ietf:params:scim:schemas:extension:acme:2.0:User"); "scim extension namespace")]
#[test_case(json!("urn:example:mailchimp:merge-fields"); "example namespace")]
#[test_case(json!("URN:acme:v1.0_user"); "upper-case scheme")]
fn these_urns_are_accepted(id: Value) {
    let mut doc = acme();
    doc["id"] = id;
    parse(&doc).unwrap();
}

#[test_case("acme:Company", "not a URN"; "no urn scheme")]
#[test_case("urn:acme", "no name after its namespace"; "namespace only")]
#[test_case("urn:a:b", "namespace \"a\""; "one-letter namespace")]
#[test_case("urn:-acme:b", "namespace"; "namespace starting with a hyphen")]
#[test_case("urn:acme:User:", "must not end with ':'"; "trailing colon")]
#[test_case("urn:acme:My User", "contains ' '"; "space")]
#[test_case("urn:acme:a\"b", "contains '\"'"; "quote")]
#[test_case("urn:acme:a[b]", "contains '['"; "bracket")]
#[test_case("urn:acme:v1/User", "contains '/'"; "slash")]
#[test_case("urn:ietf:params:scim:schemas:core:2.0:Company", "reserve"; "core namespace")]
#[test_case("urn:ietf:params:scim:api:messages:2.0:Mine", "reserve"; "api namespace")]
fn bad_urns_are_refused_with_the_reason(id: &str, reason: &str) {
    let mut doc = acme();
    doc["id"] = json!(id);
    let e = refused(doc);
    assert!(e.contains(reason), "{e}");
    assert!(!e.contains('\n'), "one line: {e}");
}

#[test_case(json!({"type": "string"}), "has no `name`"; "missing name")]
#[test_case(json!({"name": "2fa"}), "must start with a letter"; "leading digit")]
#[test_case(json!({"name": "cost center"}), "only letters, digits"; "space in name")]
#[test_case(json!({"name": "Company", "type": "text"}), "unknown type \"text\""; "unknown type")]
#[test_case(json!({"name": "Company", "type": "string", "mutabilty": "readOnly"}), "did you mean `mutability`"; "misspelt characteristic")]
#[test_case(json!({"name": "Company", "required": "yes"}), "must be true or false"; "string flag")]
#[test_case(json!({"name": "Company", "returned": "sometimes"}), "unknown returned"; "unknown returned")]
#[test_case(json!({"name": "Company", "uniqueness": "server"}), "uniqueness \"server\" is not supported"; "server uniqueness")]
#[test_case(json!({"name": "Company", "uniqueness": "global"}), "use \"none\""; "global uniqueness")]
#[test_case(json!({"name": "Company", "required": true, "mutability": "readOnly"}), "required and readOnly"; "required read-only")]
#[test_case(json!({"name": "badge", "type": "complex"}), "list its `subAttributes`"; "complex without sub-attributes")]
#[test_case(json!({"name": "badge", "type": "complex", "subAttributes": []}), "list its `subAttributes`"; "complex with no sub-attributes")]
#[test_case(json!({"name": "Company", "subAttributes": [{"name": "x"}]}), "is not complex"; "sub-attributes on a string")]
#[test_case(json!({"name": "badge", "type": "complex", "subAttributes": [{"name": "inner", "type": "complex", "subAttributes": [{"name": "x"}]}]}), "one level only"; "nested complex")]
#[test_case(json!({"name": "badge", "type": "complex", "subAttributes": [{"name": "tags", "multiValued": true}]}), "multi-valued sub-attribute"; "multi-valued sub-attribute")]
#[test_case(json!({"name": "badge", "type": "complex", "subAttributes": [{"name": "x"}, {"name": "X"}]}), "`badge.X` is defined twice"; "duplicate sub-attribute")]
#[test_case(json!({"name": "company"}), "`company` is defined twice"; "duplicate attribute")]
#[test_case(json!({"name": "Company", "canonicalValues": "a,b"}), "array of strings"; "canonical values not an array")]
#[test_case(json!({"name": "badge", "type": "complex", "subAttributes": [{"name": "secret", "mutability": "writeOnly"}]}), "top-level attributes only"; "write-only sub-attribute")]
#[test_case(json!({"name": "badge", "type": "complex", "subAttributes": [{"name": "x", "returned": "request"}]}), "top-level attributes only"; "request-only sub-attribute")]
fn bad_attributes_are_refused_with_the_attribute_named(attr: Value, reason: &str) {
    let mut doc = acme();
    // Appended, so that the duplicate cases meet the original attribute 0.
    doc["attributes"].as_array_mut().unwrap().push(attr);
    let e = refused(doc);
    assert!(e.contains(reason), "{e}");
    assert!(!e.contains('\n'), "one line: {e}");
}

#[test_case(json!([]), "is empty"; "empty attributes")]
#[test_case(json!("Company"), "must be an array"; "attributes not an array")]
fn a_document_needs_attributes(attributes: Value, reason: &str) {
    let mut doc = acme();
    doc["attributes"] = attributes;
    assert!(refused(doc).contains(reason));
}

#[test]
fn document_level_mistakes_are_named() {
    assert!(refused(json!([])).contains("JSON object"));
    assert!(refused(json!({"attributes": [{"name": "a"}]})).contains("needs an `id`"));
    let mut doc = acme();
    doc["attribute"] = json!([]);
    assert!(refused(doc).contains("unknown member `attribute`"));
    let mut doc = acme();
    doc["schemas"] = json!(["urn:ietf:params:scim:schemas:core:2.0:Schema"]);
    doc["meta"] = json!({"resourceType": "Schema"});
    parse(&doc).unwrap();
}

#[test]
fn too_many_attributes_are_refused() {
    let attrs: Vec<Value> = (0..=MAX_ATTRIBUTES)
        .map(|i| json!({"name": format!("a{i}")}))
        .collect();
    let e = refused(json!({"id": ACME, "attributes": attrs}));
    assert!(e.contains("too many"), "{e}");
}

#[test_case(USER_URN, "built into scimd"; "core user")]
#[test_case("urn:ietf:params:scim:schemas:extension:enterprise:2.0:user", "built into scimd"; "enterprise in another case")]
#[test_case("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:Extra", "overlaps"; "continues enterprise")]
#[test_case(ACME, "already registered"; "taken by the tenant")]
#[test_case("urn:ietf:params:scim:schemas:extension:acme:2.0", "overlaps"; "prefix of a taken urn")]
fn clashing_urns_are_refused(urn: &str, reason: &str) {
    let e = check_clash(urn, [ACME]).unwrap_err().0;
    assert!(e.contains(reason), "{e}");
}

#[test]
fn distinct_urns_do_not_clash() {
    check_clash(
        "urn:ietf:params:scim:schemas:extension:acme:2.0:Group",
        [ACME],
    )
    .unwrap();
    // Sharing a prefix without the ':' boundary is no overlap.
    check_clash(&format!("{ACME}s"), [ACME]).unwrap();
}

#[test]
fn attributes_an_earlier_schema_already_names_are_reported_as_shadowed() {
    let user = crate::scim::schema::Registry::core()
        .resource_type(crate::scim::schema::ResourceKind::User);
    let schema = parse(&acme()).unwrap();
    let mut doc = acme();
    doc["attributes"][0]["name"] = json!("DisplayName");
    let shadowing = parse(&doc).unwrap();
    // Enterprise's costCenter, core displayName.
    assert_eq!(
        shadowed(&schema, user),
        [("CostCenter", Some(ENTERPRISE_USER_URN.to_owned()))]
    );
    assert_eq!(
        shadowed(&shadowing, user),
        [
            ("DisplayName", Some(USER_URN.to_owned())),
            ("CostCenter", Some(ENTERPRISE_USER_URN.to_owned()))
        ]
    );
}

#[test]
fn an_extended_registry_resolves_extension_attributes_by_urn_and_by_name() {
    use crate::scim::schema::{Registry, ResourceKind, SchemaExtension};
    use std::sync::Arc;

    let extension = SchemaExtension {
        schema: Arc::new(parse(&acme()).unwrap()),
        required: true,
    };
    let registry = Registry::extended([(ResourceKind::User, extension)]);
    let user = registry.resource_type(ResourceKind::User);
    assert_eq!(
        user.schema_urns().collect::<Vec<_>>(),
        [USER_URN, ENTERPRISE_USER_URN, ACME]
    );
    assert!(user.extension(&ACME.to_uppercase()).unwrap().required);
    let path = format!("{ACME}:badges.value");
    let (urn, rest) = user.split_urn(&path);
    assert_eq!((urn, rest), (Some(ACME), "badges.value"));
    assert_eq!(
        user.attribute(None, "company").unwrap().schema.unwrap().id,
        ACME
    );
    assert_eq!(registry.schema(ACME).unwrap().name, "AcmeUser");
    assert!(
        registry
            .resource_type(ResourceKind::Group)
            .extensions
            .is_empty()
    );
    // The core registry is untouched.
    assert!(Registry::core().schema(ACME).is_none());
}
