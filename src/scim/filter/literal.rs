//! Typing a filter's comparison value by the attribute it is compared with (RFC 7644
//! §3.4.2.2, RFC 7643 §2.3): `null` only under eq/ne, substring operators only on strings,
//! ordering only where values have an order, and the lenient readings IdPs rely on.
use chrono::{DateTime, Utc};

use super::ast::{CompValue, CompareOp};
use super::resolved::{Field, Literal, Target};
use crate::scim::ScimError;
use crate::scim::schema::AttrType;
use crate::scim::search_document::canonical_date_time;
use crate::scim::validate::Leniency;

/// The typed literal for `target op value`; `None` for `null` under eq/ne.
pub(super) fn literal(
    target: &Target,
    op: CompareOp,
    value: &CompValue,
    leniency: Leniency,
) -> Result<Option<Literal>, ScimError> {
    let name = &target.name;
    let mismatch = |expected: &str| {
        ScimError::invalid_filter(format!("`{name} {op} {value}`: {name} needs {expected}"))
    };
    if let CompValue::Null = value {
        return match op {
            CompareOp::Eq | CompareOp::Ne => Ok(None),
            _ => Err(mismatch("a non-null value")),
        };
    }
    let ordered_only = |ok: bool| {
        if op.is_ordering() && !ok {
            Err(ScimError::invalid_filter(format!(
                "`{op}` cannot compare {name}, which has no order"
            )))
        } else {
            Ok(())
        }
    };
    if op.is_substring()
        && !matches!(
            target.kind,
            AttrType::String | AttrType::Reference | AttrType::Binary
        )
    {
        return Err(ScimError::invalid_filter(format!(
            "`{op}` needs a string attribute; {name} is {}",
            type_name(target.kind)
        )));
    }
    let lenient = leniency == Leniency::Lenient;
    let literal = match target.kind {
        AttrType::String | AttrType::Reference | AttrType::Binary => {
            ordered_only(target.kind != AttrType::Binary)?;
            let text = match value {
                CompValue::String(s) => s.clone(),
                CompValue::Number(n) if lenient => n.to_string(),
                CompValue::Bool(b) if lenient => b.to_string(),
                _ => return Err(mismatch("a string")),
            };
            if target.field == Field::Version {
                return version(&text)
                    .map(|v| Some(Literal::Integer(v)))
                    .ok_or_else(|| mismatch("an ETag such as W/\"3\""));
            }
            Literal::String(if target.case_exact {
                text
            } else {
                text.to_lowercase()
            })
        }
        AttrType::Boolean => {
            ordered_only(false)?;
            match value {
                CompValue::Bool(b) => Literal::Bool(*b),
                CompValue::String(s) if lenient && s.eq_ignore_ascii_case("true") => {
                    Literal::Bool(true)
                }
                CompValue::String(s) if lenient && s.eq_ignore_ascii_case("false") => {
                    Literal::Bool(false)
                }
                _ => return Err(mismatch("true or false")),
            }
        }
        AttrType::Integer => match number(value, lenient).and_then(|n| n.as_i64()) {
            Some(i) => Literal::Integer(i),
            None => return Err(mismatch("an integer")),
        },
        AttrType::Decimal => match number(value, lenient).and_then(|n| n.as_f64()) {
            Some(d) => Literal::Decimal(d),
            None => return Err(mismatch("a number")),
        },
        AttrType::DateTime => {
            let CompValue::String(s) = value else {
                return Err(mismatch(
                    "a dateTime string such as \"2026-01-23T04:56:22Z\"",
                ));
            };
            let canonical = canonical_date_time(s)
                .ok_or_else(|| mismatch("a dateTime string such as \"2026-01-23T04:56:22Z\""))?;
            match target.field {
                Field::Created | Field::LastModified => {
                    let at = DateTime::parse_from_rfc3339(&canonical)
                        .map_err(|_| mismatch("a dateTime"))?
                        .with_timezone(&Utc);
                    Literal::DateTime(at)
                }
                _ => Literal::String(canonical),
            }
        }
        AttrType::Complex => return Err(mismatch("a sub-attribute to compare")),
    };
    Ok(Some(literal))
}

fn number(value: &CompValue, lenient: bool) -> Option<serde_json::Number> {
    match value {
        CompValue::Number(n) => Some(n.clone()),
        CompValue::String(s) if lenient => s.trim().parse().ok(),
        _ => None,
    }
}

/// `W/"3"`, `"3"` or `3` → 3.
fn version(text: &str) -> Option<i64> {
    let text = text.strip_prefix("W/").unwrap_or(text);
    text.trim_matches('"').parse().ok()
}

fn type_name(kind: AttrType) -> &'static str {
    match kind {
        AttrType::String => "a string",
        AttrType::Boolean => "a boolean",
        AttrType::Decimal => "a decimal",
        AttrType::Integer => "an integer",
        AttrType::DateTime => "a dateTime",
        AttrType::Binary => "binary",
        AttrType::Reference => "a reference",
        AttrType::Complex => "complex",
    }
}
