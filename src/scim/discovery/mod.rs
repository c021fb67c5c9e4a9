//! Discovery documents: ServiceProviderConfig (RFC 7643 §5), ResourceType (§6) and Schema
//! (§7), rendered from the registry.
mod documents;

pub use documents::{
    AuthenticationScheme, BulkConfig, DiscoveryMeta, FilterConfig, Pagination, PaginationMethod,
    ResourceTypeDocument, SchemaDocument, SchemaExtensionRef, ServiceProviderConfig, Supported,
};

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

pub fn service_provider_config(
    caps: &Capabilities,
    base: &str,
    docs: &str,
) -> ServiceProviderConfig {
    let bulk = match caps.bulk {
        Some(limits) => BulkConfig {
            supported: true,
            max_operations: limits.max_operations,
            max_payload_size: limits.max_payload_size,
        },
        None => BulkConfig {
            supported: false,
            max_operations: 0,
            max_payload_size: 0,
        },
    };
    let supported = |supported| Supported { supported };
    ServiceProviderConfig {
        schemas: [SERVICE_PROVIDER_CONFIG_URN],
        documentation_uri: docs.to_owned(),
        patch: supported(caps.patch),
        bulk,
        filter: FilterConfig {
            supported: caps.filter,
            max_results: caps.max_results,
        },
        change_password: supported(caps.change_password),
        sort: supported(caps.sort),
        pagination: Pagination {
            cursor: caps.cursor,
            index: true,
            default_pagination_method: PaginationMethod::Index,
            default_page_size: caps.max_results,
            max_page_size: caps.max_results,
        },
        etag: supported(caps.etag),
        authentication_schemes: vec![AuthenticationScheme {
            kind: "oauthbearertoken",
            name: "OAuth Bearer Token",
            description: "A bearer token issued by `scimd token issue`, sent as \
                          `Authorization: Bearer <token>`.",
            spec_uri: "https://www.rfc-editor.org/info/rfc6750",
            primary: true,
        }],
        meta: DiscoveryMeta {
            resource_type: "ServiceProviderConfig",
            location: format!("{base}/ServiceProviderConfig"),
        },
    }
}

pub fn resource_type(rt: &ResourceType, base: &str) -> ResourceTypeDocument {
    ResourceTypeDocument {
        schemas: [RESOURCE_TYPE_URN],
        id: rt.name().to_owned(),
        name: rt.name().to_owned(),
        endpoint: rt.endpoint().to_owned(),
        description: rt.description.clone(),
        schema: rt.schema.id.clone(),
        schema_extensions: rt
            .extensions
            .iter()
            .map(|e| SchemaExtensionRef {
                schema: e.schema.id.clone(),
                required: e.required,
            })
            .collect(),
        meta: DiscoveryMeta {
            resource_type: "ResourceType",
            location: format!("{base}/ResourceTypes/{}", rt.name()),
        },
    }
}

pub fn schema(schema: &Schema, base: &str) -> SchemaDocument {
    SchemaDocument {
        schemas: [SCHEMA_URN],
        id: schema.id.clone(),
        name: schema.name.clone(),
        description: schema.description.clone(),
        attributes: schema.attributes.clone(),
        meta: DiscoveryMeta {
            resource_type: "Schema",
            location: format!("{base}/Schemas/{}", schema.id),
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::scim::schema::{ENTERPRISE_USER_URN, Registry, ResourceKind, USER_URN};

    fn json(doc: impl serde::Serialize) -> Value {
        serde_json::to_value(doc).unwrap()
    }

    #[test]
    fn user_resource_type_lists_the_enterprise_extension() {
        let doc = json(resource_type(
            Registry::core().resource_type(ResourceKind::User),
            "http://h/scim/v2",
        ));
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
        let doc = json(schema(user, "http://h/scim/v2"));
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
        let doc = json(service_provider_config(
            &caps,
            "http://h/scim/v2",
            "http://h/docs",
        ));
        assert_eq!(doc["filter"]["maxResults"], 1000);
        assert_eq!(doc["etag"]["supported"], true);
        assert_eq!(doc["authenticationSchemes"][0]["type"], "oauthbearertoken");
    }
}
