//! Reading a bearer as a JWT without verifying it (RFC 7515 §7.1 compact serialisation), only
//! to find which trusts could verify it. Nothing read here is believed.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use super::Rejection;

/// What an unverified JWT claims about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unverified {
    /// The header's `alg`, as written.
    pub alg: String,
    pub kid: Option<String>,
    pub issuer: Option<String>,
    /// `aud` as a list (RFC 7519 §4.1.3 allows a string or an array).
    pub audiences: Vec<String>,
}

/// `None` when `bearer` is not shaped like a JWT (an opaque token); otherwise its unverified
/// header and the claims that select trusts, or why it cannot be one.
///
/// A bearer counts as a JWT when it has three dot-separated parts and the first decodes to a
/// JSON object with an `alg`: opaque scimd tokens have no dots, and a token that merely
/// contains dots is still looked up as an opaque one.
pub fn peek(bearer: &str) -> Option<Result<Unverified, Rejection>> {
    let mut parts = bearer.split('.');
    let (Some(header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let header = decode_object(header)?;
    let alg = header.get("alg")?.as_str()?.to_owned();
    Some(read(alg, &header, payload))
}

fn read(alg: String, header: &Map<String, Value>, payload: &str) -> Result<Unverified, Rejection> {
    if alg.eq_ignore_ascii_case("none") {
        return Err(Rejection::Unsigned);
    }
    let claims = decode_object(payload).ok_or(Rejection::Malformed)?;
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let audiences = match claims.get("aud") {
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Array(many)) => many
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    Ok(Unverified {
        alg,
        kid: text(header.get("kid")),
        issuer: text(claims.get("iss")),
        audiences,
    })
}

fn decode_object(part: &str) -> Option<Map<String, Value>> {
    let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(json: &str) -> String {
        URL_SAFE_NO_PAD.encode(json)
    }

    #[test]
    fn opaque_tokens_are_not_jwts() {
        assert_eq!(peek("scimd_abcdef"), None);
        assert_eq!(peek("a.b.c"), None);
        assert_eq!(
            peek(&format!("{}.{}", b64(r#"{"alg":"HS256"}"#), b64("{}"))),
            None
        );
        assert_eq!(peek(&format!("{}.x.y", b64(r#"{"typ":"JWT"}"#))), None);
    }

    #[test]
    fn header_and_selecting_claims_are_read() {
        let token = format!(
            "{}.{}.sig",
            b64(r#"{"alg":"RS256","kid":"k1"}"#),
            b64(r#"{"iss":"https://idp","aud":["a","b"],"sub":"x"}"#)
        );
        let got = peek(&token).unwrap().unwrap();
        assert_eq!(got.alg, "RS256");
        assert_eq!(got.kid.as_deref(), Some("k1"));
        assert_eq!(got.issuer.as_deref(), Some("https://idp"));
        assert_eq!(got.audiences, ["a", "b"]);
    }

    #[test]
    fn alg_none_is_refused_in_any_case() {
        for alg in ["none", "None", "NONE"] {
            let token = format!("{}.{}.", b64(&format!(r#"{{"alg":"{alg}"}}"#)), b64("{}"));
            assert_eq!(peek(&token), Some(Err(Rejection::Unsigned)), "{alg}");
        }
    }

    #[test]
    fn a_jwt_header_with_a_broken_payload_is_malformed() {
        let token = format!("{}.!!!.sig", b64(r#"{"alg":"HS256"}"#));
        assert_eq!(peek(&token), Some(Err(Rejection::Malformed)));
    }
}
