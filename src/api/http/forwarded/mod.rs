//! Which URL a request was sent to and who sent it, believing `Forwarded` (RFC 7239) and
//! `X-Forwarded-For` / `-Proto` / `-Host` only from the proxies of `SCIMD_TRUSTED_PROXIES`.
//!
//! actix's `connection_info()` believes those headers from anyone, which let any client put
//! `X-Forwarded-Host: evil.example` into the `Location` and `meta.location` it got back; nothing
//! outside this module reads them. From a peer that is not a trusted proxy the answer is the
//! request's own `Host` header, the connection's scheme and the peer's address.
//!
//! From a trusted peer:
//! - `Forwarded`, when present, is read alone: a proxy speaks one dialect, and a client's
//!   `X-Forwarded-Host` must not fill in what the proxy's `Forwarded` left out. Without it the
//!   `X-Forwarded-*` headers are read. A `Forwarded` that does not parse gives nothing.
//! - Hops are walked from the right, since each proxy appends the hop it received: the
//!   right-most was written by the peer, and each one to its left was written by the address
//!   its right neighbour names in `for`. The walk goes on while that address is a trusted
//!   proxy; the client is the first `for` that is not (the right-most one not from a trusted
//!   proxy). A `for` it cannot read (`unknown`, an obfuscated `_name`, none) ends the walk, and
//!   the client is then the last address known.
//! - `Forwarded`'s `host` and `proto` come from the left-most hop the walk believed — the
//!   trusted proxy that faced the client recorded what the client asked for; an inner proxy's
//!   hop names an internal host — and a field that hop lacks from the nearest hop to its right.
//!   A client's forged hop lies left of every trusted one and is never reached.
//! - `X-Forwarded-Host` / `-Proto` do not line up with hops: the right-most value counts, the
//!   one the peer (the closest hop) set; a proxy that appends leaves a client's forged value on
//!   the left.
//! - A host that is not a plain `host[:port]`, or a proto other than `http`/`https`, is
//!   ignored, so the request's own value is used.
mod parse;

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use actix_web::http::header::{self, HeaderMap, HeaderName};
use actix_web::{HttpRequest, web};
use ipnet::IpNet;

use crate::api::AppState;
use parse::{address, host, proto};

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");

/// The proxies whose forwarding headers are believed (`SCIMD_TRUSTED_PROXIES`): CIDRs and
/// single addresses, IPv4 and IPv6. Empty: nobody's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

/// An entry of `SCIMD_TRUSTED_PROXIES` that is neither an address nor a CIDR.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "SCIMD_TRUSTED_PROXIES: {0:?} is neither an IP address nor a CIDR \
     (use a comma-separated list such as 10.0.0.0/8,127.0.0.1,::1)"
)]
pub struct BadProxy(String);

impl FromStr for TrustedProxies {
    type Err = BadProxy;

    /// `10.0.0.0/8, 127.0.0.1,::1`; a CIDR with host bits set (`10.1.2.3/8`) means its
    /// network, as in most proxy configurations.
    fn from_str(text: &str) -> Result<Self, BadProxy> {
        let nets = text
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .map(|net| net.trunc())
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| BadProxy(entry.to_owned()))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self(nets))
    }
}

impl TrustedProxies {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Where a request was sent and from whom, after the trust rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// `http` or `https`.
    pub scheme: String,
    /// `host[:port]` as the client addressed it.
    pub host: String,
    /// The client's address; `None` without a TCP peer (test requests).
    pub client_ip: Option<IpAddr>,
}

impl Origin {
    /// With the trusted proxies of the app's settings (none when it has no [`AppState`]).
    pub fn of(req: &HttpRequest) -> Self {
        match req.app_data::<web::Data<AppState>>() {
            Some(state) => Self::with(req, &state.settings.trusted_proxies),
            None => Self::with(req, &TrustedProxies::default()),
        }
    }

    pub fn with(req: &HttpRequest, trusted: &TrustedProxies) -> Self {
        let peer = req.peer_addr().map(|a| a.ip().to_canonical());
        let forwarded = match peer {
            Some(ip) if trusted.contains(ip) => believe(req.headers(), ip, trusted),
            _ => Forwarded::default(),
        };
        Self {
            scheme: forwarded.proto.unwrap_or_else(|| own_scheme(req)),
            host: forwarded.host.unwrap_or_else(|| own_host(req)),
            client_ip: forwarded.client.or(peer),
        }
    }
}

/// The connection's scheme: the request URI's (HTTP/2, absolute-form), else the listener's.
fn own_scheme(req: &HttpRequest) -> String {
    req.uri()
        .scheme_str()
        .and_then(proto)
        .unwrap_or(if req.app_config().secure() {
            "https"
        } else {
            "http"
        })
        .to_owned()
}

/// The `Host` header, else the URI's authority (HTTP/2), else the address the connection came
/// in on.
fn own_host(req: &HttpRequest) -> String {
    let from_header = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .and_then(host);
    from_header
        .or_else(|| req.uri().authority().and_then(|a| host(a.as_str())))
        .unwrap_or_else(|| match req.app_config().local_addr() {
            SocketAddr::V6(v6) => format!("[{}]:{}", v6.ip(), v6.port()),
            v4 => v4.to_string(),
        })
}

/// What a trusted peer's forwarding headers say; `None` where they say nothing usable.
#[derive(Debug, Default, PartialEq, Eq)]
struct Forwarded {
    client: Option<IpAddr>,
    host: Option<String>,
    proto: Option<String>,
}

/// One hop of a forwarding chain: what a proxy recorded about the request it received.
#[derive(Debug, Default, PartialEq, Eq)]
struct Hop {
    client: Option<IpAddr>,
    host: Option<String>,
    proto: Option<String>,
}

/// The headers of a request whose peer, `peer`, is a trusted proxy.
fn believe(headers: &HeaderMap, peer: IpAddr, trusted: &TrustedProxies) -> Forwarded {
    if headers.contains_key(header::FORWARDED) {
        let hops = joined(headers, &header::FORWARDED)
            .and_then(|text| parse::forwarded(&text))
            .unwrap_or_default();
        return walk(peer, trusted, &hops);
    }
    let hops: Vec<Hop> = joined(headers, &X_FORWARDED_FOR)
        .map(|text| {
            text.split(',')
                .map(|node| Hop {
                    client: address(node.trim()),
                    ..Hop::default()
                })
                .collect()
        })
        .unwrap_or_default();
    Forwarded {
        host: last(headers, &X_FORWARDED_HOST).as_deref().and_then(host),
        proto: last(headers, &X_FORWARDED_PROTO)
            .as_deref()
            .and_then(proto)
            .map(str::to_owned),
        ..walk(peer, trusted, &hops)
    }
}

/// The chain from the right, as the module documentation says.
fn walk(peer: IpAddr, trusted: &TrustedProxies, hops: &[Hop]) -> Forwarded {
    let mut seen = Forwarded {
        client: Some(peer),
        ..Forwarded::default()
    };
    for hop in hops.iter().rev() {
        if hop.host.is_some() {
            seen.host.clone_from(&hop.host);
        }
        if hop.proto.is_some() {
            seen.proto.clone_from(&hop.proto);
        }
        match hop.client {
            Some(ip) => {
                seen.client = Some(ip);
                if !trusted.contains(ip) {
                    break;
                }
            }
            None => break,
        }
    }
    seen
}

/// All lines of a header as one list (RFC 9110 §5.3); `None` when absent or not text.
fn joined(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    let lines: Option<Vec<&str>> = headers.get_all(name).map(|v| v.to_str().ok()).collect();
    lines.filter(|l| !l.is_empty()).map(|l| l.join(","))
}

/// The right-most value of a list header.
fn last(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    let text = joined(headers, name)?;
    text.rsplit(',').next().map(|v| v.trim().to_owned())
}

#[cfg(test)]
mod tests;
