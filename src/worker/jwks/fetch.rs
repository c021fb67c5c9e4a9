//! Fetching an issuer's JWKS (RFC 7517 §5) from its URL: `https` only (plain `http` only to a
//! loopback host: tests, an IdP on the same machine), redirects not followed, a timeout and a
//! cap on the body. The document must hold a key usable with the trust's algorithm.
use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Duration;

use jsonwebtoken::Algorithm;
use reqwest::{StatusCode, Url, header};

use crate::jwt::{KeyKind, KeyMaterial, TrustError};

/// The whole fetch, connecting included: a request that saw an unknown kid waits this long at
/// most.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Largest JWKS accepted. Entra ID's is about 10 KiB.
pub const MAX_BYTES: usize = 256 * 1024;

/// Why a JWKS could not be fetched or used. The text is what the operator sees: in `jwt add`'s
/// error, the trust's `fetch_error` and the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("{0:?} is not a URL")]
    NotUrl(String),
    #[error("the JWKS URL must use https (plain http only to a loopback host such as 127.0.0.1)")]
    Scheme,
    #[error("the JWKS URL must not carry a user name or password")]
    Credentials,
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("no complete answer within {} s", TIMEOUT.as_secs())]
    Timeout,
    #[error("the request failed: {0}")]
    Request(String),
    #[error("answered {0} (redirects are not followed; give the final URL)")]
    Redirect(u16),
    #[error("answered {0}, not 200")]
    Status(u16),
    #[error("the answer is larger than {MAX_BYTES} bytes")]
    TooLarge,
    #[error("the answer is not UTF-8 text")]
    NotText,
    #[error(transparent)]
    Keys(#[from] TrustError),
}

/// A JWKS URL scimd may fetch: `https`, or `http` to a loopback host; no credentials in it.
pub fn check_url(text: &str) -> Result<Url, FetchError> {
    let url = Url::parse(text).map_err(|_| FetchError::NotUrl(text.to_owned()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FetchError::Credentials);
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        _ => Err(FetchError::Scheme),
    }
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    // An IPv6 host comes in brackets.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Fetches the JWKS at `url` and checks that it has a key usable with `algorithm`; returns its
/// text, to be stored as the trust's key material.
pub async fn fetch(url: &str, algorithm: Algorithm) -> Result<String, FetchError> {
    let url = check_url(url)?;
    let text = get(url).await?;
    KeyMaterial::parse(KeyKind::Jwks, &text, algorithm)?;
    Ok(text)
}

async fn get(url: Url) -> Result<String, FetchError> {
    let mut response = client()?
        .get(url)
        .header(header::ACCEPT, "application/json, application/jwk-set+json")
        .send()
        .await
        .map_err(failure)?;
    let status = response.status();
    if status.is_redirection() {
        return Err(FetchError::Redirect(status.as_u16()));
    }
    if status != StatusCode::OK {
        return Err(FetchError::Status(status.as_u16()));
    }
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BYTES as u64)
    {
        return Err(FetchError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(failure)? {
        if body.len() + chunk.len() > MAX_BYTES {
            return Err(FetchError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    String::from_utf8(body).map_err(|_| FetchError::NotText)
}

/// One client for the process, for its TLS roots. It keeps no idle connections: fetches are
/// minutes apart, and a pooled connection would belong to whichever runtime (the worker's, an
/// HTTP worker thread's) opened it.
fn client() -> Result<&'static reqwest::Client, FetchError> {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    if let Some(client) = CLIENT.get() {
        return Ok(client);
    }
    crate::startup::install_crypto_provider();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .pool_max_idle_per_host(0)
        .user_agent(concat!("scimd/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| FetchError::Request(cause(&e)))?;
    Ok(CLIENT.get_or_init(|| client))
}

fn failure(e: reqwest::Error) -> FetchError {
    if e.is_timeout() {
        FetchError::Timeout
    } else if e.is_connect() {
        FetchError::Connect(cause(&e))
    } else {
        FetchError::Request(cause(&e))
    }
}

/// The innermost cause of a reqwest error ("Connection refused (os error 111)", "invalid peer
/// certificate: …"), which says more than "error sending request".
fn cause(e: &reqwest::Error) -> String {
    let mut inner: &dyn std::error::Error = e;
    while let Some(source) = inner.source() {
        inner = source;
    }
    inner.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http_urls_are_fetched() {
        for ok in [
            "https://login.microsoftonline.com/common/discovery/v2.0/keys",
            "http://127.0.0.1:8080/jwks.json",
            "http://[::1]/keys",
            "http://localhost:9000/keys",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            check_url("http://idp.example.com/keys").err(),
            Some(FetchError::Scheme)
        );
        assert_eq!(
            check_url("http://10.0.0.1/keys").err(),
            Some(FetchError::Scheme)
        );
        assert_eq!(
            check_url("ftp://127.0.0.1/keys").err(),
            Some(FetchError::Scheme)
        );
        assert_eq!(
            check_url("https://user:pw@idp.example.com/keys").err(),
            Some(FetchError::Credentials)
        );
        assert!(matches!(check_url("keys.json"), Err(FetchError::NotUrl(_))));
    }
}
