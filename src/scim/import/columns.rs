//! A CSV header as SCIM attribute paths (RFC 7644 §3.10 attribute notation, §3.5.2 value
//! paths), and a row as the resource it describes.
//!
//! A header names an attribute as a PATCH path does: `userName`, `name.givenName`,
//! `emails[type eq "work"].value`, `urn:…:enterprise:2.0:User:department`, or an extension's
//! attribute by its short name (`department`) when no other schema of the resource type has
//! one by that name. A row is applied as one `replace` per filled cell (and, on a resource
//! that exists, a `remove` per empty one), so a cell is typed and checked exactly as a
//! lenient PATCH or POST value is, by `validate`.
use std::fmt;

use serde_json::{Map, Value};

use crate::scim::ScimError;
use crate::scim::ScimType;
use crate::scim::filter::AttrPath;
use crate::scim::patch::{self, Op, Operation};
use crate::scim::path::{PatchPath, parse_path};
use crate::scim::schema::{Attribute, Mutability, ResourceType};
use crate::scim::validate::{self, Leniency};

/// Why a header was refused: before any row is read, so nothing is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnError {
    /// 1-based, as a spreadsheet counts; `None` for what the header as a whole lacks.
    pub column: Option<usize>,
    /// The header as written.
    pub header: String,
    pub reason: String,
}

impl fmt::Display for ColumnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(column) => write!(f, "column {column} (`{}`): {}", self.header, self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

impl std::error::Error for ColumnError {}

/// One column: where its cells go and how they are typed.
#[derive(Debug, Clone)]
pub struct Column {
    /// The header as written (trimmed), the name messages about its cells use.
    pub header: String,
    /// The canonical path: names as the schema spells them, extension attributes under
    /// their URN.
    pub path: PatchPath,
    /// What an empty cell removes from a resource that exists: the whole element for
    /// `attr[filter].value` (an email without its address is no email), else `path`.
    clear: PatchPath,
    /// The attribute or sub-attribute a cell is a value of.
    leaf: Attribute,
}

/// A header: one column per cell of each row.
#[derive(Debug, Clone)]
pub struct Header {
    columns: Vec<Column>,
}

impl Header {
    /// Maps each header to an attribute of `rt`. Refuses an unknown, read-only, ambiguous,
    /// repeated or incomplete one (a complex attribute without the sub-attribute, a
    /// multi-valued one without a filter saying which value), and a header without the
    /// attributes `rt` requires (`userName`).
    pub fn parse<S: AsRef<str>>(rt: &ResourceType, headers: &[S]) -> Result<Self, ColumnError> {
        let mut columns: Vec<Column> = Vec::with_capacity(headers.len());
        for (i, header) in headers.iter().enumerate() {
            let header = header.as_ref().trim();
            let refuse = |reason: String| ColumnError {
                column: Some(i + 1),
                header: header.to_owned(),
                reason,
            };
            let column = column(rt, header).map_err(refuse)?;
            let key = column.path.to_string().to_lowercase();
            if let Some(first) = columns
                .iter()
                .position(|c| c.path.to_string().to_lowercase() == key)
            {
                return Err(refuse(format!(
                    "the same attribute as column {} (`{}`)",
                    first + 1,
                    columns[first].header
                )));
            }
            columns.push(column);
        }
        for attr in rt
            .schema
            .attributes
            .iter()
            .filter(|a| a.required && !a.is_read_only())
        {
            let present = columns
                .iter()
                .any(|c| c.path.attr.urn.is_none() && c.path.attr.name == attr.name);
            if !present {
                return Err(ColumnError {
                    column: None,
                    header: String::new(),
                    reason: format!(
                        "the header has no `{}` column: every {} needs one",
                        attr.name,
                        rt.name()
                    ),
                });
            }
        }
        Ok(Self { columns })
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The resource a row describes, as canonical data (what `validate::normalize` gives).
    /// On a new resource (`base` empty) each filled cell sets its attribute. On one that
    /// exists (`base`, its stored data) the row changes only what its columns name: a filled
    /// cell replaces the value, an empty one removes it; immutable values stay (RFC 7644
    /// §3.5.1). Cells are trimmed by the reader, not here.
    pub fn apply<S: AsRef<str>>(
        &self,
        rt: &ResourceType,
        base: &Map<String, Value>,
        cells: &[S],
    ) -> Result<Map<String, Value>, ScimError> {
        if cells.len() != self.columns.len() {
            return Err(ScimError::invalid_syntax(format!(
                "the row has {} cells; the header has {}",
                cells.len(),
                self.columns.len()
            )));
        }
        let mut ops = Vec::with_capacity(cells.len());
        for (column, cell) in self.columns.iter().zip(cells) {
            let cell = Value::String(cell.as_ref().to_owned());
            let value =
                validate::normalize_attribute(&column.leaf, &cell, &column.header, LENIENT)?;
            match value {
                Some(value) => ops.push(Operation {
                    op: Op::Replace,
                    path: Some(column.path.clone()),
                    value: Some(value),
                }),
                None if base.is_empty() => {}
                None => ops.push(Operation {
                    op: Op::Remove,
                    path: Some(column.clear.clone()),
                    value: None,
                }),
            }
        }
        let (data, _) = patch::apply(rt, base, &ops, LENIENT)?;
        Ok(data)
    }
}

/// Import input is what an application exported, not what an RFC-strict client sent: the
/// IdP leniency of POST applies (string booleans, numbers as strings, bare reference ids).
const LENIENT: Leniency = Leniency::Lenient;

/// The column a header names, or why it names none.
fn column(rt: &ResourceType, header: &str) -> Result<Column, String> {
    if header.is_empty() {
        return Err("the header is empty; name the attribute the column holds".to_owned());
    }
    let path = parse_path(header, LENIENT).map_err(|e| format!("not an attribute path: {e}"))?;
    let (urn, attr) = attribute(rt, &path.attr)?;
    if attr.name == "password" && urn.is_none() {
        return Err(
            "passwords are not imported: scimd keeps only hashes of the passwords it is sent \
             over SCIM"
                .to_owned(),
        );
    }
    if attr.is_read_only() {
        return Err(match attr.name.as_str() {
            "id" => "ids are scimd's to assign; a row matches an existing resource by \
                     externalId or userName"
                .to_owned(),
            name => format!("`{name}` is readOnly"),
        });
    }
    let sub_name = path.attr.sub.as_deref().or(path.sub.as_deref());
    let sub = match sub_name {
        Some(_) if !attr.is_complex() => {
            return Err(format!("`{}` has no sub-attributes", attr.name));
        }
        Some(name) => Some(
            attr.sub_attribute(name)
                .ok_or_else(|| format!("`{}` has no sub-attribute `{name}`", attr.name))?,
        ),
        None => None,
    };
    if let Some(sub) = sub
        && sub.mutability == Mutability::ReadOnly
    {
        return Err(format!("`{}.{}` is readOnly", attr.name, sub.name));
    }
    let example = |attr: &Attribute| {
        let sub = attr
            .sub_attribute("value")
            .or_else(|| attr.sub_attributes.first())
            .map_or("value", |s| s.name.as_str());
        let kind = match attr.name.as_str() {
            "emails" | "addresses" => "work",
            "phoneNumbers" => "mobile",
            _ => "…",
        };
        format!("{}[type eq \"{kind}\"].{sub}", attr.name)
    };
    match (&path.filter, sub) {
        (Some(_), _) if !attr.multi_valued => {
            return Err(format!(
                "`{}` has one value; `[…]` selects among the values of a multi-valued attribute",
                attr.name
            ));
        }
        (Some(_), None) => {
            return Err(format!(
                "name the sub-attribute the cells hold, as in `{}`",
                example(attr)
            ));
        }
        (None, _) if attr.multi_valued && attr.is_complex() => {
            return Err(format!(
                "`{}` has several values: say which one the column holds, as in `{}`",
                attr.name,
                example(attr)
            ));
        }
        (None, None) if attr.is_complex() && !attr.refers_to_resources() => {
            let first = attr.sub_attributes.first().map_or("…", |s| s.name.as_str());
            return Err(format!(
                "`{}` is complex: name one of its sub-attributes, as in `{}.{first}`",
                attr.name, attr.name
            ));
        }
        _ => {}
    }
    let canonical_sub = |given: &Option<String>| given.as_ref().and(sub).map(|s| s.name.clone());
    let canonical = PatchPath {
        attr: AttrPath {
            urn: urn.map(str::to_owned),
            name: attr.name.clone(),
            sub: canonical_sub(&path.attr.sub),
        },
        filter: path.filter.clone(),
        sub: canonical_sub(&path.sub),
    };
    check_filter(rt, &canonical)?;
    let clear = match (&canonical.filter, &canonical.sub) {
        (Some(_), Some(sub)) if sub == "value" => PatchPath {
            sub: None,
            ..canonical.clone()
        },
        _ => canonical.clone(),
    };
    Ok(Column {
        header: header.to_owned(),
        path: canonical,
        clear,
        leaf: sub.unwrap_or(attr).clone(),
    })
}

/// The attribute `path` names and the extension URN it lives under (`None`: core or common).
/// An unqualified name is the core schema's when it has one, as everywhere in scimd (RFC
/// 7644 §3.10); else an extension's, if exactly one extension has it.
fn attribute<'r>(
    rt: &'r ResourceType,
    path: &AttrPath,
) -> Result<(Option<&'r str>, &'r Attribute), String> {
    let unknown = || format!("no attribute `{}` in {}", path.name, rt.name());
    if let Some(urn) = &path.urn {
        let Some(schema) = rt.schema_by_urn(urn) else {
            let known: Vec<&str> = rt.schema_urns().collect();
            return Err(format!(
                "{urn} is not a schema of {} (it has {})",
                rt.name(),
                known.join(", ")
            ));
        };
        let found = rt
            .attribute(Some(&schema.id), &path.name)
            .ok_or_else(unknown)?;
        let urn = found.is_extension(&rt.schema).then_some(schema.id.as_str());
        return Ok((urn, found.attribute));
    }
    let found = rt.attribute(None, &path.name).ok_or_else(unknown)?;
    if !found.is_extension(&rt.schema) {
        return Ok((None, found.attribute));
    }
    let holders: Vec<&str> = rt
        .extensions
        .iter()
        .filter(|e| e.schema.attribute(&path.name).is_some())
        .map(|e| e.schema.id.as_str())
        .collect();
    match holders.as_slice() {
        [urn] => Ok((Some(urn), found.attribute)),
        _ => Err(format!(
            "`{}` is an attribute of {}; name it with its schema's URN, as in `{}:{}`",
            path.name,
            holders.join(" and "),
            holders.first().copied().unwrap_or_default(),
            found.attribute.name
        )),
    }
}

/// Refuses a value filter PATCH would refuse (`emails[typo eq "work"].value`), by applying
/// the column once to an empty resource: what fails then for the path, not the value, would
/// fail for every row.
fn check_filter(rt: &ResourceType, path: &PatchPath) -> Result<(), String> {
    if path.filter.is_none() {
        return Ok(());
    }
    let op = Operation {
        op: Op::Replace,
        path: Some(path.clone()),
        value: Some(Value::String("x".to_owned())),
    };
    match patch::apply(rt, &Map::new(), &[op], LENIENT) {
        Err(e)
            if matches!(
                e.scim_type,
                Some(ScimType::InvalidPath | ScimType::InvalidFilter | ScimType::Mutability)
            ) =>
        {
            Err(e.detail)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
