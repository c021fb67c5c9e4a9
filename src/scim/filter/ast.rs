//! The filter syntax tree of RFC 7644 §3.4.2.2, exactly as the client wrote it (names are not
//! yet checked against a schema; `resolve` does that).
use std::fmt;

/// `[URI ":"] ATTRNAME *1subAttr`, with the client's spelling and case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    /// The schema URN prefix, without the `:` that separates it from the name.
    pub urn: Option<String>,
    pub name: String,
    pub sub: Option<String>,
}

impl AttrPath {
    /// An unqualified `name` without a sub-attribute.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            urn: None,
            name: name.into(),
            sub: None,
        }
    }
}

/// `compareOp` of RFC 7644 §3.4.2.2 (`pr` is a separate form, [`Filter::Present`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    /// Every operator, in RFC order.
    pub const ALL: [CompareOp; 9] = [
        Self::Eq,
        Self::Ne,
        Self::Co,
        Self::Sw,
        Self::Ew,
        Self::Gt,
        Self::Ge,
        Self::Lt,
        Self::Le,
    ];

    /// The lower-case keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Co => "co",
            Self::Sw => "sw",
            Self::Ew => "ew",
            Self::Gt => "gt",
            Self::Ge => "ge",
            Self::Lt => "lt",
            Self::Le => "le",
        }
    }

    /// True for `gt`, `ge`, `lt` and `le`, which need an ordered type.
    pub fn is_ordering(self) -> bool {
        matches!(self, Self::Gt | Self::Ge | Self::Lt | Self::Le)
    }

    /// True for `co`, `sw` and `ew`, which need a string.
    pub fn is_substring(self) -> bool {
        matches!(self, Self::Co | Self::Sw | Self::Ew)
    }
}

/// `compValue`: a JSON literal.
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: CompValue,
    },
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `emails[type eq "work"]`: some element of `path` satisfies `filter`, whose paths are
    /// relative (sub-attribute names of `path`).
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
    },
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for CompValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("null"),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Number(n) => write!(f, "{n}"),
            // serde_json writes exactly the escapes the grammar reads back.
            Self::String(s) => write!(f, "{}", serde_json::Value::String(s.clone())),
        }
    }
}

/// Binding strength, loosest first; a child printed at a looser level needs parentheses.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Or,
    And,
    Atom,
}

impl Filter {
    fn level(&self) -> Level {
        match self {
            Self::Or(..) => Level::Or,
            Self::And(..) => Level::And,
            _ => Level::Atom,
        }
    }

    /// Prints `self` where the grammar expects an expression binding at least as tightly as
    /// `min`. Operators fold to the left, so a right operand at the same level needs
    /// parentheses too: `a and (b and c)` is not `(a and b) and c`.
    fn write_at(&self, f: &mut fmt::Formatter<'_>, min: Level) -> fmt::Result {
        if self.level() < min {
            write!(f, "(")?;
            self.write_at(f, Level::Or)?;
            return write!(f, ")");
        }
        match self {
            Self::Compare { path, op, value } => write!(f, "{path} {op} {value}"),
            Self::Present(path) => write!(f, "{path} pr"),
            Self::Or(l, r) => {
                l.write_at(f, Level::Or)?;
                write!(f, " or ")?;
                r.write_at(f, Level::And)
            }
            Self::And(l, r) => {
                l.write_at(f, Level::And)?;
                write!(f, " and ")?;
                r.write_at(f, Level::Atom)
            }
            Self::Not(inner) => {
                write!(f, "not (")?;
                inner.write_at(f, Level::Or)?;
                write!(f, ")")
            }
            Self::ValuePath { path, filter } => {
                write!(f, "{path}[")?;
                filter.write_at(f, Level::Or)?;
                write!(f, "]")
            }
        }
    }
}

/// The canonical form: lower-case keywords, single spaces, JSON literals and only the
/// parentheses the precedence needs. It parses back to an equal tree.
impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_at(f, Level::Or)
    }
}
