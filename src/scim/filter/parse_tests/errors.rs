//! Where a rejected filter's error points, what it quotes, and the nesting and operator
//! limits.
use std::time::{Duration, Instant};

use test_case::test_case;

use super::*;
use crate::scim::ScimError;

#[test_case("", 0; "empty")]
#[test_case("   ", 3; "only whitespace")]
#[test_case("()", 1; "empty parentheses")]
#[test_case("emails[]", 7; "empty value filter")]
#[test_case("title pr and", 12; "nothing after and")]
#[test_case("title pr or ", 12; "nothing after or")]
#[test_case("not ()", 5; "empty not")]
#[test_case("5 eq 1", 0; "name starting with a digit")]
fn expects_an_attribute_path(input: &str, offset: usize) {
    let err = error(input, Lenient);
    assert_eq!((err.offset, err.expected.as_str()), (offset, ATOM));
    assert!(
        err.to_string().contains("expected an attribute path"),
        "{err}"
    );
}

#[test_case("title pr x", 9, END)]
#[test_case("title pr)", 8, END)]
#[test_case("title pr ]", 9, END)]
#[test_case(r#"x eq "a" "b""#, 9, END)]
#[test_case(r#"x eq "a"b"#, 8, END)]
#[test_case("(title pr", 9, CLOSE_PAREN)]
#[test_case("(title pr x", 10, CLOSE_PAREN)]
#[test_case(r#"emails[type eq "work""#, 21, CLOSE_BRACKET)]
#[test_case(r#"emails[type eq "work" x"#, 22, CLOSE_BRACKET)]
fn rejects_trailing_junk_where_it_starts(input: &str, offset: usize, expected: &str) {
    let err = error(input, Lenient);
    assert_eq!((err.offset, err.expected.as_str()), (offset, expected));
}

#[test_case("title prx", 6; "pr glued to a word")]
#[test_case(r#"title pr"x""#, 6; "pr glued to a string")]
#[test_case("title pr.x", 6; "pr glued to a dot")]
#[test_case(r#"userName eqfoo"#, 9; "operator glued to a word")]
#[test_case(r#"userNameeq "x""#, 11; "name glued to an operator")]
#[test_case(r#"userName "x""#, 9; "missing operator")]
#[test_case(r#"userName"#, 8; "name alone")]
#[test_case(r#"userName xx "a""#, 9; "unknown operator")]
fn expects_an_operator(input: &str, offset: usize) {
    let err = error(input, Lenient);
    assert_eq!(
        (err.offset, err.expected.as_str()),
        (offset, OPERATOR),
        "{err}"
    );
}

#[test]
fn error_message_quotes_what_was_found() {
    let err = error("userName eqfoo and title pr or x pr", Strict);
    assert_eq!(
        err.to_string(),
        r#"filter is invalid at character 9 ("eqfoo and title pr o…"): expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or "pr""#
    );
    let err = error("userName eq", Strict);
    assert_eq!(
        err.to_string(),
        "filter is invalid at character 11 (end of filter): expected a space, then a value"
    );
}

#[test]
fn offsets_count_characters_not_bytes() {
    let err = error(r#"name eq "é😀" junk"#, Strict);
    assert_eq!(err.offset, 13);
    assert_eq!(err.found.as_deref(), Some("junk"));
}

#[test_case("a[b[c pr]]", 3, NESTED_VALUE_PATH; "nested value path")]
#[test_case("a[x pr and b[c pr]]", 12, NESTED_VALUE_PATH; "nested value path after and")]
#[test_case("name.x[y pr]", 6, SUB_ATTR_FILTER; "value path on a sub-attribute")]
#[test_case("emails[value.x pr]", 7, RELATIVE_NAME; "sub-attribute inside brackets")]
#[test_case("emails[urn:a:b:value pr]", 7, RELATIVE_NAME; "urn inside brackets")]
#[test_case("urn:x pr", 0, URN; "urn without namespace")]
#[test_case("urn:a:b: pr", 8, ATTR_NAME; "urn without attribute name")]
#[test_case("name. pr", 5, ATTR_NAME; "dot without sub-attribute")]
#[test_case("name..x pr", 5, ATTR_NAME; "double dot")]
#[test_case("$ pr", 1, ATTR_NAME; "dollar alone")]
fn rejects_malformed_paths(input: &str, offset: usize, expected: &str) {
    let err = error(input, Lenient);
    assert_eq!(
        (err.offset, err.expected.as_str()),
        (offset, expected),
        "{err}"
    );
}

fn nested(levels: usize, open: &str, close: &str) -> String {
    format!("{}a pr{}", open.repeat(levels), close.repeat(levels))
}

#[test]
fn allows_max_depth_of_nesting() {
    assert_eq!(strict(&nested(MAX_DEPTH, "(", ")")), pr(attr("a")));
    let nots = strict(&nested(MAX_DEPTH, "not (", ")"));
    assert!(matches!(nots, Filter::Not(_)));
    let mixed = format!("e[{}]", nested(MAX_DEPTH - 1, "not(", ")"));
    assert!(parse_filter(&mixed, Strict).is_ok());
}

#[test]
fn rejects_nesting_beyond_max_depth() {
    let err = error(&nested(MAX_DEPTH + 1, "(", ")"), Strict);
    assert_eq!((err.offset, err.expected.as_str()), (MAX_DEPTH, TOO_DEEP));
    assert!(
        err.to_string()
            .contains(&format!("at most {MAX_DEPTH} levels"))
    );
    let err = error(&nested(MAX_DEPTH + 1, "not (", ")"), Strict);
    assert_eq!(err.offset, MAX_DEPTH * 5);
    let mixed = format!("e[{}]", nested(MAX_DEPTH, "(", ")"));
    assert_eq!(error(&mixed, Strict).offset, 2 + MAX_DEPTH - 1);
}

#[test]
fn rejects_huge_nesting_fast() {
    let start = Instant::now();
    for open in ["(", "not (", "not", "e[", "(a pr and ", "a pr and "] {
        let input = open.repeat(100_000);
        assert!(parse_filter(&input, Lenient).is_err());
    }
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn allows_max_operators() {
    let input = format!("{}a pr", "a pr and ".repeat(MAX_OPERATORS));
    assert!(parse_filter(&input, Strict).is_ok());
    let inner = format!("{}v pr", "v pr or ".repeat((MAX_OPERATORS - 1) / 2));
    let split = format!("({inner}) and e[{inner}]");
    assert!(parse_filter(&split, Strict).is_ok());
}

#[test]
fn rejects_more_than_max_operators_in_all() {
    let input = format!("{}a pr", "a pr or ".repeat(MAX_OPERATORS + 1));
    let err = error(&input, Strict);
    assert_eq!(
        err.offset,
        (MAX_OPERATORS + 1) * "a pr or ".len() - "or ".len()
    );
    assert!(
        err.to_string()
            .contains(&format!("at most {MAX_OPERATORS} "))
    );
    let inner = format!("{}v pr", "v pr or ".repeat(MAX_OPERATORS / 2));
    let split = format!("({inner}) and e[{inner}]");
    assert_eq!(error(&split, Strict).expected, TOO_MANY_OPERATORS);
}

#[test]
fn converts_to_invalid_filter() {
    let err = error("title pr x", Strict);
    let scim = ScimError::from(err.clone());
    assert_eq!(scim.status, 400);
    assert_eq!(scim.scim_type, Some(crate::scim::ScimType::InvalidFilter));
    assert_eq!(scim.detail, err.to_string());
}
