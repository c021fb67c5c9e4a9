//! `POST /oauth/token`: the OAuth 2.0 client credentials grant (RFC 6749 §4.4) for IdPs that
//! provision through an OAuth client. Clients authenticate with HTTP Basic (§2.3.1) or with
//! `client_id`/`client_secret` in the form body; errors are RFC 6749 §5.2 JSON, not SCIM.
use std::collections::HashMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use crate::api::AppState;

/// An RFC 6749 §5.2 error response.
struct OauthError {
    code: &'static str,
    description: String,
    /// The client tried or should try HTTP Basic: 401 with a challenge (§5.2, RFC 9110 §15.5.2).
    challenge: bool,
}

impl OauthError {
    fn new(code: &'static str, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
            challenge: false,
        }
    }

    fn invalid_client(description: impl Into<String>) -> Self {
        Self {
            challenge: true,
            ..Self::new("invalid_client", description)
        }
    }

    fn response(&self) -> HttpResponse {
        let status = if self.challenge {
            StatusCode::UNAUTHORIZED
        } else if self.code == "server_error" {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::BAD_REQUEST
        };
        let mut response = HttpResponse::build(status);
        no_store(&mut response);
        if self.challenge {
            response.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"scimd\""));
        }
        response.json(json!({"error": self.code, "error_description": self.description}))
    }
}

/// RFC 6749 §5.1: token responses, and errors alike, must not be cached.
fn no_store(response: &mut actix_web::HttpResponseBuilder) {
    response
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"));
}

/// The client credentials grant.
pub async fn token(req: HttpRequest, body: web::Bytes, state: web::Data<AppState>) -> HttpResponse {
    match grant(&req, &body, &state).await {
        Ok(response) => response,
        Err(err) => err.response(),
    }
}

async fn grant(
    req: &HttpRequest,
    body: &[u8],
    state: &AppState,
) -> Result<HttpResponse, OauthError> {
    let form = form(req, body)?;
    match form.get("grant_type").map(String::as_str) {
        None => {
            return Err(OauthError::new(
                "invalid_request",
                "grant_type is missing; send grant_type=client_credentials",
            ));
        }
        Some("client_credentials") => {}
        Some(_) => {
            return Err(OauthError::new(
                "unsupported_grant_type",
                "scimd supports only grant_type=client_credentials",
            ));
        }
    }
    let (client_id, secret) = client_credentials(req, &form)?;
    let ttl = state.settings.oauth_token_ttl;
    let granted = state
        .store
        .oauth_clients()
        .grant(&client_id, &secret, ttl)
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "OAuth token grant failed");
            OauthError::new("server_error", "the token could not be issued; try again")
        })?
        .ok_or_else(|| {
            OauthError::invalid_client(
                "the client id or secret is wrong, or the client was revoked",
            )
        })?;
    let mut response = HttpResponse::Ok();
    no_store(&mut response);
    Ok(response.json(json!({
        "access_token": granted.token,
        "token_type": "Bearer",
        "expires_in": granted.expires_in,
    })))
}

/// The form parameters (RFC 6749 §3.2: each at most once; `application/x-www-form-urlencoded`).
fn form(req: &HttpRequest, body: &[u8]) -> Result<HashMap<String, String>, OauthError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(OauthError::new(
            "invalid_request",
            "send the parameters as application/x-www-form-urlencoded",
        ));
    }
    let mut params = HashMap::new();
    for (name, value) in form_urlencoded::parse(body) {
        if params
            .insert(name.to_string(), value.into_owned())
            .is_some()
        {
            return Err(OauthError::new(
                "invalid_request",
                format!("the parameter {name} is repeated"),
            ));
        }
    }
    Ok(params)
}

/// The client id and secret, from HTTP Basic or the body; one method only (§2.3).
fn client_credentials(
    req: &HttpRequest,
    form: &HashMap<String, String>,
) -> Result<(String, String), OauthError> {
    let body_id = form.get("client_id");
    let body_secret = form.get("client_secret");
    let Some(authorization) = req.headers().get(header::AUTHORIZATION) else {
        return match (body_id, body_secret) {
            (Some(id), Some(secret)) => Ok((id.clone(), secret.clone())),
            _ => Err(OauthError::invalid_client(
                "authenticate the client with HTTP Basic or client_id and client_secret",
            )),
        };
    };
    let (id, secret) = basic(authorization).ok_or_else(|| {
        OauthError::invalid_client(
            "the Authorization header must be Basic base64(client_id:client_secret)",
        )
    })?;
    if body_secret.is_some() {
        return Err(OauthError::new(
            "invalid_request",
            "use one client authentication method: HTTP Basic or client_secret in the body, not both",
        ));
    }
    if body_id.is_some_and(|body_id| *body_id != id) {
        return Err(OauthError::new(
            "invalid_request",
            "client_id in the body differs from the one in the Authorization header",
        ));
    }
    Ok((id, secret))
}

/// RFC 6749 §2.3.1: `Basic base64(urlencode(id) ":" urlencode(secret))`.
fn basic(header: &header::HeaderValue) -> Option<(String, String)> {
    let value = header.to_str().ok()?.trim();
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    // Decoded as one form value; a raw `&` (a client that skipped the encoding) stays literal.
    let unescape = |s: &str| -> String {
        form_urlencoded::parse(format!("x={}", s.replace('&', "%26")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Some((unescape(id), unescape(secret)))
}
