//! SCIM filters (RFC 7644 §3.4.2.2): the syntax tree, its resolution against the schema
//! registry, and the in-memory evaluator.
mod ast;
pub mod eval;
mod field;
mod literal;
mod member_id;
mod parse;
mod resolve;
mod resolved;
mod sort;
mod syntax;
mod value_path;

pub use ast::{AttrPath, CompValue, CompareOp, Filter};
pub use member_id::{MemberSelection, member_selection};
pub(crate) use parse::{Ctx, attr_path, bracketed, sub_attr, ws0};
pub use parse::{FilterError, MAX_DEPTH, MAX_OPERATORS, parse_filter};
pub use resolve::{resolve, resolve_partial};
pub use resolved::{Collection, Field, Literal, MemberField, Resolved, SortKey, Target};
pub use sort::resolve_sort;
