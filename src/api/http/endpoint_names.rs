//! SCIM endpoint names in any case (`/scim/v2/users`, as Microsoft's SCIM validator and its
//! reference collection send them) and Microsoft's `/serviceConfiguration` alias: the path is
//! rewritten to the canonical name before routing, so every route, log line and
//! `meta.location` sees one spelling. Resource ids and the `/scim/v2` prefix are left as sent.
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Uri;
use actix_web::http::uri::PathAndQuery;
use actix_web::middleware::Next;

use crate::api::SCIM_PREFIX;

/// The endpoints directly under the SCIM base, as RFC 7644 §3.2 spells them.
const ENDPOINTS: &[&str] = &[
    "Users",
    "Groups",
    "Schemas",
    "ResourceTypes",
    "ServiceProviderConfig",
    "Bulk",
    "Me",
    ".search",
];

/// Other names for an endpoint: Microsoft's reference SCIM server answers
/// `/serviceConfiguration` for `/ServiceProviderConfig`.
const ALIASES: &[(&str, &str)] = &[("serviceConfiguration", "ServiceProviderConfig")];

/// Middleware: rewrites the request path to its canonical spelling when that differs.
pub async fn canonicalize(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(path) = canonical(req.path())
        && let Some(uri) = with_path(&req.head().uri, &path)
    {
        req.match_info_mut().get_mut().update(&uri);
        req.head_mut().uri = uri;
    }
    next.call(req).await
}

/// The canonical spelling of `path`, or `None` when it already is canonical (or is not a
/// SCIM endpoint at all).
pub fn canonical(path: &str) -> Option<String> {
    let rest = path.strip_prefix(SCIM_PREFIX)?.strip_prefix('/')?;
    let (first, tail) = match rest.split_once('/') {
        Some((first, tail)) => (first, Some(tail)),
        None => (rest, None),
    };
    let endpoint = name_of(first)?;
    // `/Users/.search` and `/Groups/.search`; anything else after the endpoint is an id.
    let tail = match tail {
        Some(t) if t.eq_ignore_ascii_case(".search") && matches!(endpoint, "Users" | "Groups") => {
            Some(".search")
        }
        other => other,
    };
    let canonical = match tail {
        Some(t) => format!("{SCIM_PREFIX}/{endpoint}/{t}"),
        None => format!("{SCIM_PREFIX}/{endpoint}"),
    };
    (canonical != path).then_some(canonical)
}

fn name_of(segment: &str) -> Option<&'static str> {
    ENDPOINTS
        .iter()
        .copied()
        .find(|e| e.eq_ignore_ascii_case(segment))
        .or_else(|| {
            ALIASES
                .iter()
                .find(|(alias, _)| alias.eq_ignore_ascii_case(segment))
                .map(|&(_, endpoint)| endpoint)
        })
}

/// `uri` with its path replaced and its query kept.
fn with_path(uri: &Uri, path: &str) -> Option<Uri> {
    let path_and_query = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(PathAndQuery::try_from(path_and_query).ok()?);
    Uri::from_parts(parts).ok()
}

#[cfg(test)]
mod tests {
    use super::canonical;

    #[test]
    fn endpoint_names_in_any_case_become_canonical() {
        for (sent, expected) in [
            ("/scim/v2/users", "/scim/v2/Users"),
            ("/scim/v2/GROUPS", "/scim/v2/Groups"),
            ("/scim/v2/users/.SEARCH", "/scim/v2/Users/.search"),
            ("/scim/v2/groups/AbC-1", "/scim/v2/Groups/AbC-1"),
            ("/scim/v2/schemas/urn:x:Y", "/scim/v2/Schemas/urn:x:Y"),
            ("/scim/v2/resourcetypes/User", "/scim/v2/ResourceTypes/User"),
            (
                "/scim/v2/serviceproviderconfig",
                "/scim/v2/ServiceProviderConfig",
            ),
            (
                "/scim/v2/serviceConfiguration",
                "/scim/v2/ServiceProviderConfig",
            ),
            ("/scim/v2/bulk", "/scim/v2/Bulk"),
            ("/scim/v2/me", "/scim/v2/Me"),
            ("/scim/v2/.Search", "/scim/v2/.search"),
        ] {
            assert_eq!(canonical(sent).as_deref(), Some(expected), "{sent}");
        }
    }

    #[test]
    fn canonical_paths_ids_and_other_paths_are_left_alone() {
        for path in [
            "/scim/v2/Users",
            "/scim/v2/Users/users",
            "/scim/v2/Users/.search",
            "/scim/v2/Groups/x/.search",
            "/scim/v2/Unknown",
            "/scim/v2",
            "/Users",
            "/SCIM/v2/Users",
            "/admin/v1/tenants",
        ] {
            assert_eq!(canonical(path), None, "{path}");
        }
    }
}
