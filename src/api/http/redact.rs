//! A request target fit for the log. Credentials belong in headers or bodies (RFC 6749
//! §2.3.1, RFC 6750 §2.3 discouraged), yet clients do put `client_secret` or `access_token`
//! in the URL; the log keeps such a parameter's name and drops its value.
use std::borrow::Cow;

use actix_web::http::Uri;

/// Written instead of a credential's value.
pub const REDACTED: &str = "[redacted]";

/// Parameter names (percent-decoded, any case) containing one of these carry a credential.
/// None of scimd's own query parameters does.
const CREDENTIAL_NAMES: [&str; 4] = ["token", "secret", "password", "assertion"];

/// The path and query of `uri`, with the value of every credential parameter replaced.
pub fn target(uri: &Uri) -> Cow<'_, str> {
    let Some(path_and_query) = uri.path_and_query() else {
        return Cow::Borrowed("");
    };
    let Some(query) = path_and_query.query() else {
        return Cow::Borrowed(path_and_query.as_str());
    };
    if !query.split('&').any(is_credential) {
        return Cow::Borrowed(path_and_query.as_str());
    }
    let query: Vec<Cow<'_, str>> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_credential(pair) => Cow::Owned(format!("{name}={REDACTED}")),
            _ => Cow::Borrowed(pair),
        })
        .collect();
    Cow::Owned(format!("{}?{}", path_and_query.path(), query.join("&")))
}

fn is_credential(pair: &str) -> bool {
    let Some((name, _)) = pair.split_once('=') else {
        return false;
    };
    let name = form_urlencoded::parse(name.as_bytes())
        .next()
        .map(|(name, _)| name.to_lowercase())
        .unwrap_or_default();
    CREDENTIAL_NAMES.iter().any(|word| name.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redacted(uri: &str) -> String {
        target(&uri.parse().unwrap()).into_owned()
    }

    #[test]
    fn credential_values_are_replaced_and_everything_else_kept() {
        assert_eq!(
            redacted("/oauth/token?client_id=c&client_secret=s3cr3t&scope=scim"),
            "/oauth/token?client_id=c&client_secret=[redacted]&scope=scim"
        );
        assert_eq!(
            redacted("/scim/v2/Users?Access_Token=t0k3n&count=1"),
            "/scim/v2/Users?Access_Token=[redacted]&count=1"
        );
        // An encoded name is still recognised.
        assert_eq!(
            redacted("/x?client%5Fsecret=s&client_assertion=a"),
            "/x?client%5Fsecret=[redacted]&client_assertion=[redacted]"
        );
    }

    #[test]
    fn targets_without_credentials_are_unchanged() {
        for uri in [
            "/scim/v2/Users",
            "/scim/v2/Users?filter=userName%20eq%20%22a%22&count=1",
            "/admin/v1/tokens?tenant=acme",
            "/scim/v2/Users?token",
            "/scim/v2/Users?",
        ] {
            assert_eq!(redacted(uri), uri);
        }
    }
}
