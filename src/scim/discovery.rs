//! Discovery documents: ServiceProviderConfig (RFC 7643 §5), ResourceType (§6) and Schema
//! (§7), rendered from the registry.
use serde_json::{Value, json};

use super::schema::{
    RESOURCE_TYPE_URN, ResourceType, SCHEMA_URN, SERVICE_PROVIDER_CONFIG_URN, Schema,
};

/// What this server supports, as ServiceProviderConfig advertises it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    pub patch: bool,
    pub bulk: Option<BulkLimits>,
    pub filter: bool,
    pub max_results: u64,
    pub sort: bool,
    /// RFC 9865 cursor paging beside index paging.
    pub cursor: bool,
    pub etag: bool,
    pub change_password: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkLimits {
    pub max_operations: u64,
    pub max_payload_size: u64,
}

pub fn service_provider_config(caps: &Capabilities, base: &str, docs: &str) -> Value {
    let bulk = match caps.bulk {
        Some(limits) => json!({
            "supported": true,
            "maxOperations": limits.max_operations,
            "maxPayloadSize": limits.max_payload_size,
        }),
        None => json!({"supported": false, "maxOperations": 0, "maxPayloadSize": 0}),
    };
    json!({
        "schemas": [SERVICE_PROVIDER_CONFIG_URN],
        "documentationUri": docs,
        "patch": {"supported": caps.patch},
        "bulk": bulk,
        "filter": {"supported": caps.filter, "maxResults": caps.max_results},
        "changePassword": {"supported": caps.change_password},
        "sort": {"supported": caps.sort},
        // RFC 9865 §4. Cursors are keyset positions, valid until the row they name is
        // deleted, so no cursorTimeout is advertised.
        "pagination": {
            "cursor": caps.cursor,
            "index": true,
            "defaultPaginationMethod": "index",
            "defaultPageSize": caps.max_results,
            "maxPageSize": caps.max_results,
        },
        "etag": {"supported": caps.etag},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "A bearer token issued by `scimd token issue`, sent as \
                            `Authorization: Bearer <token>`.",
            "specUri": "https://www.rfc-editor.org/info/rfc6750",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{base}/ServiceProviderConfig"),
        },
    })
}

pub fn resource_type(rt: &ResourceType, base: &str) -> Value {
    let extensions: Vec<Value> = rt
        .extensions
        .iter()
        .map(|e| json!({"schema": e.schema.id, "required": e.required}))
        .collect();
    json!({
        "schemas": [RESOURCE_TYPE_URN],
        "id": rt.name(),
        "name": rt.name(),
        "endpoint": rt.endpoint(),
        "description": rt.description,
        "schema": rt.schema.id,
        "schemaExtensions": extensions,
        "meta": {
            "resourceType": "ResourceType",
            "location": format!("{base}/ResourceTypes/{}", rt.name()),
        },
    })
}

pub fn schema(schema: &Schema, base: &str) -> Value {
    json!({
        "schemas": [SCHEMA_URN],
        "id": schema.id,
        "name": schema.name,
        "description": schema.description,
        "attributes": schema.attributes,
        "meta": {
            "resourceType": "Schema",
            "location": format!("{base}/Schemas/{}", schema.id),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::schema::{ENTERPRISE_USER_URN, Registry, ResourceKind, USER_URN};

    #[test]
    fn user_resource_type_lists_the_enterprise_extension() {
        let doc = resource_type(
            Registry::core().resource_type(ResourceKind::User),
            "http://h/scim/v2",
        );
        assert_eq!(doc["endpoint"], "/Users");
        assert_eq!(doc["schema"], USER_URN);
        assert_eq!(
            doc["schemaExtensions"],
            json!([{"schema": ENTERPRISE_USER_URN, "required": false}])
        );
        assert_eq!(
            doc["meta"]["location"],
            "http://h/scim/v2/ResourceTypes/User"
        );
    }

    #[test]
    fn schema_document_has_every_characteristic() {
        let user = Registry::core().schema(USER_URN).unwrap();
        let doc = schema(user, "http://h/scim/v2");
        let user_name = &doc["attributes"][0];
        assert_eq!(user_name["name"], "userName");
        for key in [
            "type",
            "multiValued",
            "description",
            "required",
            "caseExact",
            "mutability",
            "returned",
            "uniqueness",
        ] {
            assert!(user_name.get(key).is_some(), "userName lacks {key}");
        }
        assert_eq!(user_name["uniqueness"], "server");
        let emails = doc["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "emails")
            .unwrap();
        assert_eq!(
            emails["subAttributes"][2]["canonicalValues"],
            json!(["work", "home", "other"])
        );
    }

    #[test]
    fn service_provider_config_advertises_limits() {
        let caps = Capabilities {
            patch: false,
            bulk: None,
            filter: false,
            max_results: 1000,
            sort: false,
            cursor: true,
            etag: true,
            change_password: true,
        };
        let doc = service_provider_config(&caps, "http://h/scim/v2", "http://h/docs");
        assert_eq!(doc["filter"]["maxResults"], 1000);
        assert_eq!(doc["etag"]["supported"], true);
        assert_eq!(doc["authenticationSchemes"][0]["type"], "oauthbearertoken");
    }
}
