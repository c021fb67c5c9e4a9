//! Where a filter's attribute is read from: a column of `resources`, a path in the search
//! document `data_ci`, an element of a JSON array, or a membership row.
use entity::{group_member, resource};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, SimpleExpr};

use super::{Compiler, ELEMENT, GROUP, MEMBER, MEMBERSHIP, Scope, col};
use crate::scim::filter::{Field, MemberField, Target};
use crate::scim::schema::AttrType;

impl Compiler {
    /// The SQL value of a field. `ordered` asks for a collation that sorts bytewise.
    pub(super) fn value(&self, target: &Target, scope: Scope, ordered: bool) -> SimpleExpr {
        let raw = self.raw(&target.field, scope, target.kind);
        let is_text = matches!(
            target.kind,
            AttrType::String | AttrType::Reference | AttrType::Binary | AttrType::DateTime
        );
        if self.postgres()
            && ordered
            && is_text
            && matches!(
                target.field,
                Field::Json(_) | Field::Sub(_) | Field::Element
            )
        {
            // Hand-written: sea-query 1.0 has no COLLATE for expressions (only for tables).
            return Expr::cust_with_expr("($1 COLLATE \"C\")", raw);
        }
        raw
    }

    pub(super) fn raw(&self, field: &Field, scope: Scope, kind: AttrType) -> SimpleExpr {
        let pg = self.postgres();
        let element: SimpleExpr = Expr::col((Alias::new(ELEMENT), Alias::new("value")));
        match (scope, field) {
            (_, Field::Id) => col(resource::Column::Id),
            (_, Field::ExternalId) => col(resource::Column::ExternalId),
            (_, Field::UniqueName) => col(resource::Column::NameCi),
            (_, Field::Active) => col(resource::Column::Active),
            (_, Field::Created) => col(resource::Column::CreatedAt),
            (_, Field::LastModified) => col(resource::Column::LastModified),
            (_, Field::Version) => col(resource::Column::Version),
            (_, Field::ResourceType) => col(resource::Column::ResourceType),
            (_, Field::Json(keys)) => self.typed(
                self.json_at(col(resource::Column::DataCi), keys, true),
                kind,
            ),
            (_, Field::Sub(sub)) => {
                self.typed(self.json_at(element, std::slice::from_ref(sub), true), kind)
            }
            // Hand-written: sea-query 1.0 has `->` and `->>` but not the path operator `#>>`;
            // `#>> '{}'` is the text of a scalar jsonb element.
            (_, Field::Element) if pg => {
                self.typed(Expr::cust_with_expr("($1 #>> '{}')", element), kind)
            }
            (_, Field::Element) => element,
            (_, Field::Member(MemberField::Value)) => {
                Expr::col((Alias::new(MEMBERSHIP), group_member::Column::MemberId))
            }
            (_, Field::Member(MemberField::Type)) => Func::lower(Expr::col((
                Alias::new(MEMBERSHIP),
                group_member::Column::MemberType,
            )))
            .into(),
            (_, Field::Member(MemberField::Display)) => Func::lower(Func::coalesce([
                Expr::col((Alias::new(MEMBERSHIP), group_member::Column::Display)),
                Expr::col((Alias::new(MEMBER), resource::Column::Display)),
            ]))
            .into(),
            (_, Field::GroupValue) => Expr::col((Alias::new(GROUP), group_member::Column::GroupId)),
        }
    }

    /// PostgreSQL reads JSON as text; numbers must become numbers to compare as such.
    fn typed(&self, text: SimpleExpr, kind: AttrType) -> SimpleExpr {
        if self.postgres() && matches!(kind, AttrType::Integer | AttrType::Decimal) {
            text.cast_as(Alias::new("NUMERIC"))
        } else {
            text
        }
    }

    /// The scalar at `keys` inside `doc` (text on PostgreSQL when `text`, else jsonb).
    pub(super) fn json_at(&self, doc: SimpleExpr, keys: &[String], text: bool) -> SimpleExpr {
        if self.postgres() {
            let f = if text {
                "jsonb_extract_path_text"
            } else {
                "jsonb_extract_path"
            };
            let mut call = Func::cust(f).arg(doc);
            for key in keys {
                call = call.arg(key.clone());
            }
            call.into()
        } else {
            Func::cust("json_extract")
                .arg(doc)
                .arg(sqlite_path(keys))
                .into()
        }
    }
}

/// `$."name"."familyName"`, `$."emails"[0]."value"`.
pub(super) fn sqlite_path(keys: &[String]) -> String {
    let mut path = String::from("$");
    for key in keys {
        if let Ok(index) = key.parse::<usize>() {
            path.push_str(&format!("[{index}]"));
        } else {
            // Keys are schema attribute names and URNs, which never contain a quote.
            path.push_str(&format!(".\"{key}\""));
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::sqlite_path;

    #[test]
    fn sqlite_paths_quote_keys_and_index_arrays() {
        let keys = ["urn:x:2.0:User".to_owned(), "department".to_owned()];
        assert_eq!(sqlite_path(&keys), "$.\"urn:x:2.0:User\".\"department\"");
        let keys = ["emails".to_owned(), "0".to_owned(), "value".to_owned()];
        assert_eq!(sqlite_path(&keys), "$.\"emails\"[0].\"value\"");
    }
}
