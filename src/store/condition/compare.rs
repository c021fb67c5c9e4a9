//! The leaves of a filter: `pr` and the comparison operators (RFC 7644 §3.4.2.2, Table 3).
//! `sw`, `ew` and `co` never become `LIKE`: a `%` or `_` in the value is a character like any
//! other, and a prefix on an indexed column is a range the index answers.
use sea_orm::sea_query::{Expr, ExprTrait, Func, SimpleExpr};

use super::{Compiler, Scope, truth};
use crate::scim::filter::CompareOp;
use crate::scim::filter::{Field, Literal, Target};

impl Compiler {
    pub(super) fn present(&self, target: &Target, scope: Scope) -> SimpleExpr {
        if target.field == Field::GroupValue {
            return truth(true);
        }
        let value = self.raw(&target.field, scope, target.kind);
        match self.index_path(&target.field, scope) {
            Some(path) => self.indexed(path, |v| v.is_not_null()),
            None => value.is_not_null(),
        }
    }

    pub(super) fn compare(
        &self,
        target: &Target,
        op: CompareOp,
        literal: &Literal,
        scope: Scope,
    ) -> SimpleExpr {
        let value = self.value(target, scope, op.is_ordering());
        let bound = self.bind(literal, &target.field);
        if let Literal::String(text) = literal
            && op.is_substring()
        {
            return self.substring(target, scope, value, op, text);
        }
        if let Some(path) = self.index_path(&target.field, scope)
            && !op.is_substring()
        {
            return self.indexed(path, |v| ordered(v, op, bound));
        }
        ordered(value, op, bound)
    }

    fn substring(
        &self,
        target: &Target,
        scope: Scope,
        value: SimpleExpr,
        op: CompareOp,
        text: &str,
    ) -> SimpleExpr {
        if text.is_empty() {
            // Every string contains, starts and ends with "".
            return value.is_not_null();
        }
        let prefix_range = op == CompareOp::Sw
            && matches!(
                target.field,
                Field::UniqueName | Field::ExternalId | Field::Id
            );
        if prefix_range || (op == CompareOp::Sw && self.index_path(&target.field, scope).is_some())
        {
            let low = text.to_owned();
            let high = successor(text);
            let range = move |v: SimpleExpr| match high {
                Some(high) => v.clone().gte(low.clone()).and(v.lt(high)),
                None => v.gte(low.clone()),
            };
            return match self.index_path(&target.field, scope) {
                Some(path) => self.indexed(path, range),
                None => range(value),
            };
        }
        let chars = i32::try_from(text.chars().count()).unwrap_or(i32::MAX);
        let pg = self.postgres();
        match op {
            CompareOp::Co => {
                let f = if pg { "strpos" } else { "instr" };
                Expr::expr(Func::cust(f).arg(value).arg(text.to_owned())).gt(0)
            }
            CompareOp::Sw => {
                let head = if pg {
                    Func::cust("left").arg(value).arg(chars)
                } else {
                    Func::cust("substr").arg(value).arg(1).arg(chars)
                };
                Expr::expr(head).eq(text.to_owned())
            }
            _ => {
                let tail = if pg {
                    Func::cust("right").arg(value).arg(chars)
                } else {
                    Func::cust("substr").arg(value).arg(-chars)
                };
                Expr::expr(tail).eq(text.to_owned())
            }
        }
    }

    pub(super) fn bind(&self, literal: &Literal, field: &Field) -> SimpleExpr {
        let in_json = matches!(field, Field::Json(_) | Field::Sub(_) | Field::Element);
        match literal {
            // PostgreSQL's text form of a JSON boolean; SQLite's json_extract gives 1 or 0.
            Literal::Bool(b) if self.postgres() && in_json => {
                Expr::val(if *b { "true" } else { "false" })
            }
            Literal::Bool(b) => Expr::val(*b),
            Literal::Integer(i) => Expr::val(*i),
            Literal::Decimal(d) => Expr::val(*d),
            Literal::String(s) => Expr::val(s.clone()),
            Literal::DateTime(at) => Expr::val(*at),
        }
    }
}

pub(super) fn ordered(value: SimpleExpr, op: CompareOp, bound: SimpleExpr) -> SimpleExpr {
    match op {
        CompareOp::Gt => value.gt(bound),
        CompareOp::Ge => value.gte(bound),
        CompareOp::Lt => value.lt(bound),
        CompareOp::Le => value.lte(bound),
        CompareOp::Ne => value.ne(bound),
        _ => value.eq(bound),
    }
}

/// The smallest string greater than every string that starts with `prefix`, if any: the
/// prefix with its last character incremented (code point order = UTF-8 byte order).
fn successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = last as u32 + 1;
        if (0xD800..0xE000).contains(&next) {
            next = 0xE000;
        }
        if let Some(c) = char::from_u32(next) {
            chars.push(c);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::successor;

    #[test]
    fn successor_bounds_every_string_with_the_prefix() {
        assert_eq!(successor("abc").as_deref(), Some("abd"));
        assert_eq!(successor("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(successor("\u{D7FF}").as_deref(), Some("\u{E000}"));
        assert_eq!(successor("\u{10FFFF}"), None);
    }
}
