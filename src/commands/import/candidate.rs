//! A record on its own, before it meets the tenant: its canonical data and what it is matched
//! by (`prepare`), and how it compares with the resource it matched (`updated`,
//! `same_members`).
use std::collections::HashSet;

use serde_json::{Map, Value};

use super::read::{Body, Record};
use crate::scim::ScimError;
use crate::scim::import::{Header, merge};
use crate::scim::resource::{self, MemberInput, Resource};
use crate::scim::schema::{ResourceKind, ResourceType};
use crate::scim::validate::{self, Leniency};

/// A record on its own: the data a new resource would have, and what it is matched by.
pub(super) struct Candidate<'r> {
    pub record: &'r Record,
    pub data: Map<String, Value>,
    /// userName or displayName, as given and lower-cased.
    pub name: String,
    pub name_ci: String,
    pub external_id: Option<String>,
    /// The `id` the file gave it (an export from another server).
    pub source_id: Option<String>,
    /// The members a Group record names; `None` when it names none (membership stays).
    pub members: Option<Vec<MemberInput>>,
}

/// Import input is an application's export, not an RFC-strict client's request: the IdP
/// leniency of POST applies.
const LENIENT: Leniency = Leniency::Lenient;

/// The record's canonical data and what it is matched by; a CSV row needs the file's `header`.
pub(super) fn prepare<'r>(
    header: Option<&Header>,
    rt: &ResourceType,
    record: &'r Record,
) -> Result<Candidate<'r>, String> {
    let (data, members, source_id) = match &record.body {
        Body::Row(cells) => {
            let header = header.ok_or_else(|| "a CSV row without a header".to_owned())?;
            let data = header
                .apply(rt, &Map::new(), &cells.iter().collect::<Vec<_>>())
                .map_err(|e| e.detail)?;
            (data, None, None)
        }
        Body::Json(body) => {
            let data = validate::normalize(rt, body, LENIENT).map_err(|e| e.detail)?;
            if data.contains_key("password") {
                return Err(
                    "passwords are not imported: leave `password` out (scimd keeps \
                            only hashes of the passwords it is sent over SCIM)"
                        .to_owned(),
                );
            }
            let object = body.as_object();
            let field = |name: &str| {
                object.and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
            };
            let names_members = rt.kind == ResourceKind::Group && field("members").is_some();
            let prepared = resource::prepare(rt.kind, data);
            let source_id = field("id").and_then(|(_, v)| v.as_str()).map(str::to_owned);
            let members = prepared.members.filter(|_| names_members);
            (prepared.data, members, source_id)
        }
    };
    let columns = resource::columns(rt.kind, &data).map_err(|e| e.detail)?;
    Ok(Candidate {
        record,
        name: data
            .get(resource::unique_name(rt.kind))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        name_ci: columns.name_ci,
        external_id: columns.external_id,
        source_id,
        members,
        data,
    })
}

/// The stored resource `data` with the record applied: a CSV row's columns (`header`), a
/// JSON resource's attributes.
pub(super) fn updated(
    header: Option<&Header>,
    rt: &ResourceType,
    c: &Candidate<'_>,
    data: &Map<String, Value>,
) -> Result<Map<String, Value>, ScimError> {
    match (&c.record.body, header) {
        (Body::Row(cells), Some(header)) => {
            header.apply(rt, data, &cells.iter().collect::<Vec<_>>())
        }
        _ => merge(rt, data, &c.data),
    }
}

/// Whether `members` (resolved; `None`: the record names none) are the stored group's.
pub(super) fn same_members(members: Option<&[MemberInput]>, stored: &Resource) -> bool {
    let Some(members) = members else {
        return true;
    };
    let stored: HashSet<&str> = stored
        .members
        .iter()
        .flatten()
        .map(|m| m.value.as_str())
        .collect();
    let given: HashSet<&str> = members.iter().map(|m| m.value.as_str()).collect();
    stored == given
}
