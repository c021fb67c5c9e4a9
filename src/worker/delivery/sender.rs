//! Sending one event: a POST of the stored envelope's exact bytes with the Standard Webhooks
//! headers, through a client that follows no redirects, uses no proxy and, unless
//! `SCIMD_WEBHOOK_ALLOW_PRIVATE=true`, refuses destinations on loopback, private, link-local,
//! unique-local or unspecified addresses **when connecting** (its DNS resolver drops such
//! answers, and literal addresses are checked before the request), so a name that resolves
//! elsewhere later, or a rebinding DNS, cannot reach the inside.
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{Url, header};

use super::signer;

/// What allows private destinations, named in every refusal.
pub const ALLOW_PRIVATE: &str = "SCIMD_WEBHOOK_ALLOW_PRIVATE=true";

/// How one attempt ended, as the worker needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The endpoint answered with this status.
    Status {
        code: u16,
        retry_after: Option<Duration>,
    },
    /// No answer: refused destination, connection, timeout, TLS.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("{0:?} is not a URL")]
    NotUrl(String),
    #[error("the webhook URL must use https (plain http only with {ALLOW_PRIVATE})")]
    Scheme,
    #[error("the webhook URL must not carry a user name or password")]
    Credentials,
    #[error("{0} is a loopback, private or link-local address; set {ALLOW_PRIVATE} to allow it")]
    Private(IpAddr),
}

/// A URL an endpoint may have: `https` (or `http` when private destinations are allowed,
/// for tests and apps on the same host), no credentials, and no literal private address
/// unless allowed. Host names are checked each time a connection is made.
pub fn check_url(text: &str, allow_private: bool) -> Result<Url, UrlError> {
    let url = Url::parse(text).map_err(|_| UrlError::NotUrl(text.to_owned()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlError::Credentials);
    }
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err(UrlError::Scheme),
    }
    if url.host_str().is_none() {
        return Err(UrlError::NotUrl(text.to_owned()));
    }
    if !allow_private && let Some(ip) = literal_ip(&url).filter(|ip| forbidden(*ip)) {
        return Err(UrlError::Private(ip));
    }
    Ok(url)
}

fn literal_ip(url: &Url) -> Option<IpAddr> {
    // An IPv6 host comes in brackets.
    let host = url.host_str()?;
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

/// Loopback, private (RFC 1918), shared (RFC 6598), link-local, unique-local (fc00::/7),
/// unspecified, broadcast, multicast and documentation addresses: none is a public webhook
/// receiver, and several are where cloud metadata services and internal admin UIs live.
pub fn forbidden(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

/// The DNS resolver of the webhook client: the system's answers without forbidden addresses;
/// an error naming the setting when nothing is left.
#[derive(Debug, Clone, Copy)]
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| !forbidden(a.ip()))
                .collect();
            if public.is_empty() {
                let first = found
                    .first()
                    .map(|a| a.ip().to_string())
                    .unwrap_or_default();
                return Err(format!(
                    "refused: {host} resolves to {first}, a loopback, private or link-local \
                     address; set {ALLOW_PRIVATE} to allow it"
                )
                .into());
            }
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// Sends events; one per worker, cheap to clone.
#[derive(Debug, Clone)]
pub struct Sender {
    client: reqwest::Client,
    allow_private: bool,
}

impl Sender {
    pub fn new(allow_private: bool, timeout: Duration) -> Result<Self, reqwest::Error> {
        crate::startup::install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve the destination itself, past the check below.
            .no_proxy()
            .timeout(timeout)
            .connect_timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent(concat!("scimd/", env!("CARGO_PKG_VERSION"), " (webhooks)"));
        if !allow_private {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        Ok(Self {
            client: builder.build()?,
            allow_private,
        })
    }

    /// POSTs `body` to `url`, signed with each of `secrets`; the answer and how long it took.
    pub async fn send(
        &self,
        url: &str,
        event_id: &str,
        secrets: &[String],
        body: &str,
    ) -> (Answer, Duration) {
        let started = Instant::now();
        let answer = self.attempt(url, event_id, secrets, body).await;
        (answer, started.elapsed())
    }

    async fn attempt(&self, url: &str, event_id: &str, secrets: &[String], body: &str) -> Answer {
        let url = match check_url(url, self.allow_private) {
            Ok(url) => url,
            Err(e) => return Answer::Failed(format!("refused: {e}")),
        };
        let timestamp = chrono::Utc::now().timestamp();
        let signature =
            match signer::signature_header(secrets, event_id, timestamp, body.as_bytes()) {
                Ok(signature) => signature,
                Err(e) => return Answer::Failed(e.to_string()),
            };
        let sent = self
            .client
            .post(url)
            .header(header::CONTENT_TYPE, "application/json")
            .header("webhook-id", event_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body.to_owned())
            .send()
            .await;
        match sent {
            Ok(response) => {
                let code = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get(header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(super::schedule::retry_after);
                Answer::Status { code, retry_after }
            }
            Err(e) if e.is_timeout() => Answer::Failed("no answer within the timeout".to_owned()),
            Err(e) => Answer::Failed(cause(&e)),
        }
    }
}

/// The innermost cause of a reqwest error, which says more than "error sending request".
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
    fn private_literal_addresses_are_refused_unless_allowed() {
        for private in [
            "https://127.0.0.1/hook",
            "https://10.1.2.3/hook",
            "https://172.16.0.1/hook",
            "https://192.168.1.1/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/hook",
            "https://0.0.0.0/hook",
            "https://[::1]/hook",
            "https://[fd00::1]/hook",
            "https://[fe80::1]/hook",
            "https://[::ffff:127.0.0.1]/hook",
        ] {
            let err = check_url(private, false).unwrap_err();
            assert!(matches!(err, UrlError::Private(_)), "{private}: {err}");
            assert!(err.to_string().contains(ALLOW_PRIVATE), "{err}");
            assert!(check_url(private, true).is_ok(), "{private}");
        }
        assert!(check_url("https://8.8.8.8/hook", false).is_ok());
        assert!(check_url("https://[2606:4700::1111]/hook", false).is_ok());
        assert!(check_url("https://hooks.example.com/scim", false).is_ok());
    }

    #[test]
    fn only_https_unless_private_destinations_are_allowed() {
        assert_eq!(
            check_url("http://hooks.example.com/", false),
            Err(UrlError::Scheme)
        );
        assert!(check_url("http://127.0.0.1:9/", true).is_ok());
        assert_eq!(check_url("ftp://example.com/", true), Err(UrlError::Scheme));
        assert_eq!(
            check_url("https://u:p@example.com/", false),
            Err(UrlError::Credentials)
        );
        assert!(matches!(
            check_url("hooks", false),
            Err(UrlError::NotUrl(_))
        ));
    }

    #[tokio::test]
    async fn a_host_name_resolving_to_loopback_is_refused_when_connecting() {
        let sender = Sender::new(false, Duration::from_secs(2)).unwrap();
        let (answer, _) = sender
            .send(
                "https://localhost:9/hook",
                "evt",
                &[crate::store::webhooks::new_secret().unwrap()],
                "{}",
            )
            .await;
        let Answer::Failed(reason) = answer else {
            panic!("sent: {answer:?}");
        };
        assert!(reason.contains(ALLOW_PRIVATE), "{reason}");
    }
}
