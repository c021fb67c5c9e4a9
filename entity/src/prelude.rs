pub use super::group_member::Entity as GroupMember;
pub use super::jwt_trust::Entity as JwtTrust;
pub use super::oauth_client::Entity as OauthClient;
pub use super::resource::Entity as Resource;
pub use super::resource_value::Entity as ResourceValue;
pub use super::signing_key::Entity as SigningKey;
pub use super::tenant::Entity as Tenant;
pub use super::token::Entity as Token;
