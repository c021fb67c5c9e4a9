//! PATCH paths (RFC 7644 §3.5.2): `PATH = attrPath / valuePath [subAttr]`.
//!
//! RFC 7644 §3.12 gives a malformed path `invalidPath` but a malformed filter inside its
//! brackets `invalidFilter`, so [`PathError`] keeps the two apart and its `From` impl maps
//! each to its own `scimType`.
use std::cell::Cell;
use std::fmt;

use nom::Parser;
use nom::combinator::opt;
use nom::error::context;

use super::ScimError;
use super::filter::{AttrPath, Ctx, Filter, FilterError, attr_path, bracketed, sub_attr, ws0};
use super::validate::Leniency;

const ATTR_PATH: &str = "an attribute path";
const AFTER_ATTR: &str = r#""[" or the end of the path"#;
const AFTER_FILTER: &str = r#""." and a sub-attribute name, or the end of the path"#;
const SUB_ATTR_FILTER: &str =
    r#"the end of the path; "[...]" can follow an attribute but not a sub-attribute"#;

/// A parsed PATCH path: `attr`, `attr[filter]` or `attr[filter].sub`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    /// The attribute, with its URN; `attr.sub` is `None` whenever `filter` is set.
    pub attr: AttrPath,
    /// The value filter that selects elements of a multi-valued `attr`; its names are relative.
    pub filter: Option<Filter>,
    /// The sub-attribute after `]`, as in `emails[type eq "work"].value`.
    pub sub: Option<String>,
}

/// Why a PATCH path was rejected. Both variants carry the offset into the whole path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// The path itself is malformed (`name..x`, `emails[type eq "work"]x`): `invalidPath`.
    Path(FilterError),
    /// The filter between `[` and `]` is malformed (`emails[type eq]`): `invalidFilter`.
    Filter(FilterError),
}

/// Parses a PATCH operation's `path`; whitespace around it is allowed.
pub fn parse_path(input: &str, leniency: Leniency) -> Result<PatchPath, PathError> {
    let structure = |err| PathError::Path(FilterError::new(input, err));
    let (rest, _) = ws0(input).map_err(structure)?;
    let (rest, attr) = context(ATTR_PATH, attr_path)
        .parse(rest)
        .map_err(structure)?;
    if !rest.starts_with('[') {
        return finish(input, rest, AFTER_ATTR, PatchPath::plain(attr));
    }
    if attr.sub.is_some() {
        let err = FilterError::located(input, rest, SUB_ATTR_FILTER);
        return Err(PathError::Path(err));
    }
    let operators = Cell::new(0);
    let (rest, filter) = bracketed(rest, Ctx::new(leniency, &operators))
        .map_err(|err| PathError::Filter(FilterError::new(input, err)))?;
    let (rest, sub) = opt(sub_attr).parse(rest).map_err(structure)?;
    let path = PatchPath {
        attr,
        filter: Some(filter),
        sub: sub.map(str::to_owned),
    };
    finish(input, rest, AFTER_FILTER, path)
}

/// Accepts `path` if only whitespace is left of the input.
fn finish(
    input: &str,
    rest: &str,
    expected: &str,
    path: PatchPath,
) -> Result<PatchPath, PathError> {
    let rest = rest.trim_start_matches([' ', '\t', '\r', '\n']);
    if rest.is_empty() {
        Ok(path)
    } else {
        Err(PathError::Path(FilterError::located(input, rest, expected)))
    }
}

impl PatchPath {
    fn plain(attr: AttrPath) -> Self {
        Self {
            attr,
            filter: None,
            sub: None,
        }
    }
}

/// The canonical form, which parses back to an equal path.
impl fmt::Display for PatchPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.attr)?;
        if let Some(filter) = &self.filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Path(err) => f.write_str(&err.describe("path", "path")),
            Self::Filter(err) => f.write_str(&err.describe("the filter in the path", "path")),
        }
    }
}

impl std::error::Error for PathError {}

impl From<PathError> for ScimError {
    fn from(err: PathError) -> Self {
        match &err {
            PathError::Path(_) => ScimError::invalid_path(err.to_string()),
            PathError::Filter(_) => ScimError::invalid_filter(err.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use test_case::test_case;

    use super::*;
    use crate::scim::ScimType;
    use crate::scim::filter::{CompValue, CompareOp, parse_filter};
    use Leniency::{Lenient, Strict};

    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

    fn path(input: &str) -> PatchPath {
        parse_path(input, Strict).unwrap_or_else(|e| panic!("{input}: {e}"))
    }

    fn attr(urn: Option<&str>, name: &str, sub: Option<&str>) -> AttrPath {
        AttrPath {
            urn: urn.map(str::to_owned),
            name: name.to_owned(),
            sub: sub.map(str::to_owned),
        }
    }

    fn filter(input: &str) -> Option<Filter> {
        Some(parse_filter(input, Strict).unwrap())
    }

    #[test_case("userName", attr(None, "userName", None))]
    #[test_case("name.givenName", attr(None, "name", Some("givenName")))]
    #[test_case("members.$ref", attr(None, "members", Some("$ref")))]
    #[test_case(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        attr(Some(ENTERPRISE), "manager", None)
    )]
    #[test_case(
        "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName",
        attr(Some(CORE), "name", Some("familyName"))
    )]
    fn reads_attribute_paths(input: &str, expected: AttrPath) {
        let expected = PatchPath {
            attr: expected,
            filter: None,
            sub: None,
        };
        assert_eq!(path(input), expected);
        assert_eq!(path(&expected.to_string()), expected);
    }

    #[test]
    fn reads_value_path() {
        let expected = PatchPath {
            attr: attr(None, "members", None),
            filter: filter(r#"value eq "2819c223""#),
            sub: None,
        };
        assert_eq!(path(r#"members[value eq "2819c223"]"#), expected);
    }

    #[test]
    fn reads_value_path_with_sub_attribute() {
        let expected = PatchPath {
            attr: attr(None, "emails", None),
            filter: filter(r#"type eq "work""#),
            sub: Some("value".to_owned()),
        };
        assert_eq!(path(r#"emails[type eq "work"].value"#), expected);
        assert_eq!(path(&expected.to_string()), expected);
    }

    #[test]
    fn bare_words_in_the_filter_follow_leniency() {
        let parsed = parse_path("emails[type eq work]", Lenient).unwrap();
        let Some(Filter::Compare { op, value, .. }) = parsed.filter else {
            panic!("{parsed:?}");
        };
        assert_eq!(
            (op, value),
            (CompareOp::Eq, CompValue::String("work".into()))
        );
        assert!(matches!(
            parse_path("emails[type eq work]", Strict),
            Err(PathError::Filter(_))
        ));
    }

    #[test_case("", 0; "empty")]
    #[test_case("  ", 2; "only whitespace")]
    #[test_case("name..x", 5; "double dot")]
    #[test_case("name.", 5; "dot at the end")]
    #[test_case("name.givenName.x", 14; "two sub-attributes")]
    #[test_case("name x", 5; "junk after the attribute")]
    #[test_case(r#"emails[type eq "work"]x"#, 22; "junk after the filter")]
    #[test_case(r#"emails[type eq "work"]."#, 23; "dot without sub-attribute")]
    #[test_case(r#"emails[type eq "work"].value.x"#, 28; "two sub-attributes after the filter")]
    #[test_case(r#"name.givenName[type eq "work"]"#, 14; "filter on a sub-attribute")]
    #[test_case("urn:x", 0; "urn without name")]
    fn rejects_malformed_paths_as_invalid_path(input: &str, offset: usize) {
        match parse_path(input, Lenient) {
            Err(PathError::Path(err)) => assert_eq!(err.offset, offset, "{err}"),
            other => panic!("{input}: {other:?}"),
        }
    }

    #[test_case("emails[", 7; "unclosed bracket")]
    #[test_case("emails[]", 7; "empty filter")]
    #[test_case(r#"emails[type eq "work""#, 21; "missing bracket")]
    #[test_case(r#"emails[type eq]"#, 14; "missing value")]
    #[test_case(r#"emails[type[value pr]]"#, 11; "nested value path")]
    fn rejects_malformed_filters_as_invalid_filter(input: &str, offset: usize) {
        match parse_path(input, Lenient) {
            Err(PathError::Filter(err)) => assert_eq!(err.offset, offset, "{err}"),
            other => panic!("{input}: {other:?}"),
        }
    }

    #[test]
    fn maps_errors_to_their_scim_type() {
        let err = parse_path("name..x", Strict).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"path is invalid at character 5 (".x"): expected an attribute name (a letter, then letters, digits, "-" or "_")"#
        );
        let scim = ScimError::from(err);
        assert_eq!(scim.scim_type, Some(ScimType::InvalidPath));

        let err = parse_path("emails[", Strict).unwrap_err();
        assert!(err.to_string().starts_with(
            "the filter in the path is invalid at character 7 (end of path): expected an attribute path"
        ));
        let scim = ScimError::from(err);
        assert_eq!(scim.scim_type, Some(ScimType::InvalidFilter));
    }

    fn arb_name() -> impl Strategy<Value = String> {
        prop::sample::select(vec!["emails", "x", "$ref", "not", "a-1_b"]).prop_map(str::to_owned)
    }

    fn arb_patch_path() -> impl Strategy<Value = PatchPath> {
        let urn = prop::option::of(prop::sample::select(vec![CORE, ENTERPRISE]));
        let value = prop_oneof![
            any::<String>().prop_map(CompValue::String),
            any::<i64>().prop_map(|n| CompValue::Number(n.into())),
        ];
        let inner = (arb_name(), value).prop_map(|(name, value)| Filter::Compare {
            path: AttrPath::new(name),
            op: CompareOp::Eq,
            value,
        });
        let sub = prop::option::of(arb_name());
        (
            urn,
            arb_name(),
            prop::option::of((inner, sub)),
            prop::option::of(arb_name()),
        )
            .prop_map(|(urn, name, filtered, plain_sub)| {
                let urn = urn.map(str::to_owned);
                match filtered {
                    Some((filter, sub)) => PatchPath {
                        attr: AttrPath {
                            urn,
                            name,
                            sub: None,
                        },
                        filter: Some(filter),
                        sub,
                    },
                    None => PatchPath {
                        attr: AttrPath {
                            urn,
                            name,
                            sub: plain_sub,
                        },
                        filter: None,
                        sub: None,
                    },
                }
            })
    }

    proptest! {
        #[test]
        fn display_parses_back_to_the_same_path(expected in arb_patch_path()) {
            prop_assert_eq!(parse_path(&expected.to_string(), Strict), Ok(expected));
        }

        #[test]
        fn never_panics(input in ".*") {
            let _ = parse_path(&input, Strict);
            let _ = parse_path(&input, Lenient);
        }

        #[test]
        fn never_panics_on_pathish_strings(input in "[a-z.\\[\\]\" :$()]{0,30}") {
            let _ = parse_path(&input, Lenient);
        }
    }
}
