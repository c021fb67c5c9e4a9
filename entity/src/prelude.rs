pub use super::group_member::Entity as GroupMember;
pub use super::resource::Entity as Resource;
pub use super::resource_value::Entity as ResourceValue;
pub use super::tenant::Entity as Tenant;
pub use super::tenant_schema::Entity as TenantSchema;
pub use super::token::Entity as Token;
