//! Schema URNs (RFC 8141) as scimd accepts them for tenant extensions: a character set that
//! needs no quoting in filter and PATCH paths, JSON paths in SQL or `/Schemas/{urn}`, outside
//! the namespaces the SCIM RFCs reserve, and never a prefix of another registered URN.
use super::{DocumentError, err};
use crate::scim::schema::{ENTERPRISE_USER_URN, GROUP_URN, USER_URN};

const MAX_URN_LEN: usize = 200;

/// URN prefixes the SCIM RFCs own: core schemas and protocol messages.
const RESERVED_PREFIXES: [&str; 2] = [
    "urn:ietf:params:scim:schemas:core:",
    "urn:ietf:params:scim:api:",
];

/// Refuses a URN that is not an RFC 8141 URN in scimd's character set, or that lies in a
/// namespace the SCIM RFCs reserve.
pub fn check_urn(urn: &str) -> Result<(), DocumentError> {
    let shape = "a URN looks like \"urn:ietf:params:scim:schemas:extension:acme:2.0:User\"";
    if urn.len() > MAX_URN_LEN {
        return err(format!(
            "schema id is {} characters long; at most {MAX_URN_LEN}",
            urn.len()
        ));
    }
    let Some(rest) = urn
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("urn:"))
        .and_then(|_| urn.get(4..))
    else {
        return err(format!("schema id {urn:?} is not a URN: {shape}"));
    };
    let Some((nid, nss)) = rest.split_once(':') else {
        return err(format!(
            "schema id {urn:?} has no name after its namespace: {shape}"
        ));
    };
    // RFC 8141 §2: NID = alphanum 0*30ldh alphanum.
    let nid_ok = (2..=32).contains(&nid.len())
        && nid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !nid.starts_with('-')
        && !nid.ends_with('-');
    if !nid_ok {
        return err(format!(
            "schema id {urn:?}: the namespace {nid:?} must be 2-32 letters, digits or '-': {shape}"
        ));
    }
    if let Some(bad) = nss.chars().find(|c| !urn_char(*c)) {
        return err(format!(
            "schema id {urn:?} contains {bad:?}; use letters, digits and - . _ ~ : + = @ only"
        ));
    }
    if nss.is_empty() || nss.ends_with(':') || nss.starts_with(':') {
        return err(format!(
            "schema id {urn:?} must not end with ':' or have an empty name: {shape}"
        ));
    }
    let lower = urn.to_ascii_lowercase();
    if let Some(prefix) = RESERVED_PREFIXES.iter().find(|p| lower.starts_with(*p)) {
        return err(format!(
            "schema id {urn:?} is in the namespace {prefix}… that RFC 7643/7644 reserve; use a URN of your own"
        ));
    }
    Ok(())
}

/// Refuses `urn` when it is a schema `taken` already lists, or when one of the two is the
/// other followed by ':' (then `urn:…:Name:attr` would have two readings). The core URNs and
/// EnterpriseUser are always taken.
pub fn check_clash<'a>(
    urn: &str,
    taken: impl IntoIterator<Item = &'a str>,
) -> Result<(), DocumentError> {
    let core = [USER_URN, GROUP_URN, ENTERPRISE_USER_URN];
    let lower = urn.to_ascii_lowercase();
    if let Some(builtin) = core.iter().find(|c| c.eq_ignore_ascii_case(urn)) {
        return err(format!(
            "schema {builtin:?} is built into scimd; give your extension a URN of its own"
        ));
    }
    for other in core.into_iter().chain(taken) {
        let other_lower = other.to_ascii_lowercase();
        if lower == other_lower {
            return err(format!(
                "schema {urn:?} is already registered for this tenant; remove it first to replace it"
            ));
        }
        let nested = |a: &str, b: &str| {
            a.len() > b.len() && a.starts_with(b) && a.as_bytes()[b.len()] == b':'
        };
        if nested(&lower, &other_lower) || nested(&other_lower, &lower) {
            return err(format!(
                "schema {urn:?} overlaps schema {other:?}: one URN may not continue another with ':'"
            ));
        }
    }
    Ok(())
}

fn urn_char(c: char) -> bool {
    // No '/': `/Schemas/{urn}` must be one path segment.
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | ':' | '+' | '=' | '@')
}
