//! `/Me` (RFC 7644 §3.11): the resource of the subject a request authenticates as. scimd's
//! credentials belong to a tenant's provisioning client, not to a SCIM user, so every method
//! answers 501 — after authentication, so that an anonymous request still gets 401.
use actix_web::HttpResponse;

use crate::api::Tenant;
use crate::scim::ScimError;

/// What `/Me` answers for an authenticated request.
pub const NO_SUBJECT: &str = "/Me is not implemented for this token: this token is not \
    associated with a SCIM user (it authenticates a tenant's provisioning client); read or \
    change the user at /Users/{id} instead";

/// GET, POST, PUT, PATCH and DELETE `/Me`.
pub async fn me(_tenant: Tenant) -> Result<HttpResponse, ScimError> {
    Err(ScimError::not_implemented(NO_SUBJECT))
}
