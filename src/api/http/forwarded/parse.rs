//! The syntax of forwarding headers: `Forwarded` (RFC 7239 §4) into hops, and the node, host
//! and proto values they carry. What to believe of them is `super`'s business.
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use actix_web::http::uri::Authority;

use super::Hop;

/// `Forwarded` (RFC 7239 §4): elements by `,`, pairs by `;`, values tokens or quoted strings.
/// `None` when malformed, including a parameter given twice in one element (§4 forbids it,
/// and either reading would be a guess). Unknown parameters (`by`, extensions) are skipped.
pub(super) fn forwarded(text: &str) -> Option<Vec<Hop>> {
    let mut hops = Vec::new();
    for element in split_unquoted(text, ',')? {
        if element.trim().is_empty() {
            continue;
        }
        let mut hop = Hop::default();
        let (mut has_for, mut has_host, mut has_proto) = (false, false, false);
        for pair in split_unquoted(element, ';')? {
            let pair = pair.trim();
            if pair.is_empty() {
                continue;
            }
            let (name, value) = pair.split_once('=')?;
            let value = unquote(value.trim())?;
            let seen = match name.trim().to_ascii_lowercase().as_str() {
                "for" => {
                    hop.client = address(&value);
                    &mut has_for
                }
                "host" => {
                    hop.host = host(&value);
                    &mut has_host
                }
                "proto" => {
                    hop.proto = proto(&value).map(str::to_owned);
                    &mut has_proto
                }
                _ => continue,
            };
            if std::mem::replace(seen, true) {
                return None;
            }
        }
        hops.push(hop);
    }
    Some(hops)
}

/// `text` cut at each `sep` outside a quoted string; `None` when a quote is left open.
fn split_unquoted(text: &str, sep: char) -> Option<Vec<&str>> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    if quoted {
        return None;
    }
    parts.push(&text[start..]);
    Some(parts)
}

/// A token, or a quoted string with its `\` escapes undone. Unquoted values are taken as
/// long as they have no space or quote: proxies write `for=[::1]` unquoted although §4 asks
/// for quotes, and the sender is trusted already.
fn unquote(value: &str) -> Option<String> {
    match value.strip_prefix('"') {
        Some(rest) => {
            let inner = rest.strip_suffix('"')?;
            let mut out = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                out.push(if c == '\\' { chars.next()? } else { c });
            }
            Some(out)
        }
        None if !value.is_empty() && !value.contains(|c: char| c.is_whitespace() || c == '"') => {
            Some(value.to_owned())
        }
        None => None,
    }
}

/// A node (RFC 7239 §6): `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]`, `[2001:db8::1]:4711`,
/// and a bare `2001:db8::1` as `X-Forwarded-For` writes it. `unknown` and obfuscated names
/// (`_hidden`) are no address.
pub(super) fn address(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Some(rest) = node.strip_prefix('[') {
        let (ip, port) = rest.split_once(']')?;
        if !(port.is_empty() || port.starts_with(':')) {
            return None;
        }
        return ip
            .parse::<Ipv6Addr>()
            .ok()
            .map(|ip| IpAddr::V6(ip).to_canonical());
    }
    let (ip, _port) = node.rsplit_once(':')?;
    ip.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
}

/// `host[:port]` fit for a URL: an authority without user info.
pub(super) fn host(text: &str) -> Option<String> {
    let text = text.trim();
    let fits = !text.is_empty() && !text.contains('@') && Authority::from_str(text).is_ok();
    fits.then(|| text.to_owned())
}

pub(super) fn proto(text: &str) -> Option<&'static str> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("https") {
        Some("https")
    } else if text.eq_ignore_ascii_case("http") {
        Some("http")
    } else {
        None
    }
}
