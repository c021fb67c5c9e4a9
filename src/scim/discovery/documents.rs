//! The discovery documents as types: ServiceProviderConfig (RFC 7643 §5, with RFC 9865 §4
//! `pagination`), ResourceType (§6) and Schema (§7). They are what `/ServiceProviderConfig`,
//! `/ResourceTypes` and `/Schemas` serialise, and their `ToSchema` is what the OpenAPI document
//! says of them, so the two cannot drift.
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};

use crate::scim::schema::{Attribute, RESOURCE_TYPE_URN, SCHEMA_URN, SERVICE_PROVIDER_CONFIG_URN};

/// RFC 7643 §5, with RFC 9865 §4 `pagination`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceProviderConfig {
    /// The ServiceProviderConfig URN.
    #[schema(schema_with = service_provider_config_urns)]
    pub schemas: [&'static str; 1],
    /// This API's reference page.
    #[schema(format = "uri")]
    pub documentation_uri: String,
    /// PATCH (RFC 7644 §3.5.2).
    pub patch: Supported,
    /// `/Bulk` (RFC 7644 §3.7).
    pub bulk: BulkConfig,
    /// Filters (RFC 7644 §3.4.2.2).
    pub filter: FilterConfig,
    /// Password changes.
    pub change_password: Supported,
    /// `sortBy` (RFC 7644 §3.4.2.3).
    pub sort: Supported,
    /// RFC 9865 §4.
    pub pagination: Pagination,
    /// ETags (RFC 7644 §3.14).
    pub etag: Supported,
    pub authentication_schemes: Vec<AuthenticationScheme>,
    pub meta: DiscoveryMeta,
}

/// Whether a feature is supported.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Supported {
    pub supported: bool,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkConfig {
    pub supported: bool,
    /// Operations per request; more is 413.
    #[schema(minimum = 0)]
    pub max_operations: u64,
    /// Bytes per request; more is 413.
    #[schema(minimum = 0)]
    pub max_payload_size: u64,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FilterConfig {
    pub supported: bool,
    /// The largest page a list answers.
    #[schema(minimum = 0)]
    pub max_results: u64,
}

/// RFC 9865 §4. Cursors are keyset positions, valid until the row they name is deleted, so no
/// `cursorTimeout` is advertised.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    pub cursor: bool,
    pub index: bool,
    pub default_pagination_method: PaginationMethod,
    #[schema(minimum = 0)]
    pub default_page_size: u64,
    #[schema(minimum = 0)]
    pub max_page_size: u64,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum PaginationMethod {
    Cursor,
    Index,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationScheme {
    #[serde(rename = "type")]
    #[schema(examples("oauthbearertoken"))]
    pub kind: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    #[schema(format = "uri")]
    pub spec_uri: &'static str,
    pub primary: bool,
}

/// `meta` of a discovery document.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiscoveryMeta {
    #[schema(examples("ResourceType"))]
    pub resource_type: &'static str,
    #[schema(format = "uri")]
    pub location: String,
}

/// RFC 7643 §6.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ResourceType)]
pub struct ResourceTypeDocument {
    /// The ResourceType URN.
    #[schema(schema_with = resource_type_urns)]
    pub schemas: [&'static str; 1],
    #[schema(examples("User"))]
    pub id: String,
    #[schema(examples("User"))]
    pub name: String,
    #[schema(examples("/Users"))]
    pub endpoint: String,
    pub description: String,
    #[schema(examples("urn:ietf:params:scim:schemas:core:2.0:User"))]
    pub schema: String,
    pub schema_extensions: Vec<SchemaExtensionRef>,
    pub meta: DiscoveryMeta,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SchemaExtensionRef {
    pub schema: String,
    pub required: bool,
}

/// RFC 7643 §7: a schema as `/Schemas` serves it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Schema)]
pub struct SchemaDocument {
    /// The Schema URN.
    #[schema(schema_with = schema_urns)]
    pub schemas: [&'static str; 1],
    #[schema(examples("urn:ietf:params:scim:schemas:core:2.0:User"))]
    pub id: String,
    pub name: String,
    pub description: String,
    pub attributes: Vec<Attribute>,
    pub meta: DiscoveryMeta,
}

/// `"schemas": [urn]`, the one URN a document declares.
fn urns(urn: &str) -> ArrayBuilder {
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([urn])),
        )
        .min_items(Some(1))
        .examples([serde_json::json!([urn])])
}

fn service_provider_config_urns() -> ArrayBuilder {
    urns(SERVICE_PROVIDER_CONFIG_URN)
}

fn resource_type_urns() -> ArrayBuilder {
    urns(RESOURCE_TYPE_URN)
}

fn schema_urns() -> ArrayBuilder {
    urns(SCHEMA_URN)
}
