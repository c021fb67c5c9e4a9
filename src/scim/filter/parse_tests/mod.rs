//! The filter grammar, rule by rule (RFC 7644 §3.4.2.2); `errors` holds where rejections
//! point and the limits, `properties` the generated round trips.
mod errors;
mod properties;

use test_case::test_case;

use super::*;
use CompareOp::*;
use Leniency::{Lenient, Strict};

fn strict(input: &str) -> Filter {
    parse_filter(input, Strict).unwrap_or_else(|e| panic!("{input}: {e}"))
}

fn lenient(input: &str) -> Filter {
    parse_filter(input, Lenient).unwrap_or_else(|e| panic!("{input}: {e}"))
}

fn error(input: &str, leniency: Leniency) -> FilterError {
    match parse_filter(input, leniency) {
        Ok(filter) => panic!("{input} parsed as {filter:?}"),
        Err(err) => err,
    }
}

fn attr(name: &str) -> AttrPath {
    AttrPath::new(name)
}

fn sub(name: &str, sub: &str) -> AttrPath {
    AttrPath {
        sub: Some(sub.to_owned()),
        ..attr(name)
    }
}

fn urn(urn: &str, name: &str, sub: Option<&str>) -> AttrPath {
    AttrPath {
        urn: Some(urn.to_owned()),
        name: name.to_owned(),
        sub: sub.map(str::to_owned),
    }
}

fn text(s: &str) -> CompValue {
    CompValue::String(s.to_owned())
}

fn num(s: &str) -> CompValue {
    CompValue::Number(s.parse().unwrap())
}

fn cmp(path: AttrPath, op: CompareOp, value: CompValue) -> Filter {
    Filter::Compare { path, op, value }
}

fn eq(path: AttrPath, s: &str) -> Filter {
    cmp(path, Eq, text(s))
}

fn pr(path: AttrPath) -> Filter {
    Filter::Present(path)
}

fn and(l: Filter, r: Filter) -> Filter {
    Filter::And(Box::new(l), Box::new(r))
}

fn or(l: Filter, r: Filter) -> Filter {
    Filter::Or(Box::new(l), Box::new(r))
}

fn not(f: Filter) -> Filter {
    Filter::Not(Box::new(f))
}

fn vp(path: AttrPath, filter: Filter) -> Filter {
    Filter::ValuePath {
        path,
        filter: Box::new(filter),
    }
}

const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const LAST_MODIFIED: &str = "2011-05-13T04:42:34Z";

// RFC 7644 §3.4.2.2, Figure 2, in order.
#[test_case(r#"userName eq "bjensen""#, eq(attr("userName"), "bjensen"))]
#[test_case(
    r#"name.familyName co "O'Malley""#,
    cmp(sub("name", "familyName"), Co, text("O'Malley"))
)]
#[test_case(r#"userName sw "J""#, cmp(attr("userName"), Sw, text("J")))]
#[test_case(
    r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
    cmp(urn(CORE, "userName", None), Sw, text("J"))
)]
#[test_case("title pr", pr(attr("title")))]
#[test_case(
    r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
    cmp(sub("meta", "lastModified"), Gt, text(LAST_MODIFIED))
)]
#[test_case(
    r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
    cmp(sub("meta", "lastModified"), Ge, text(LAST_MODIFIED))
)]
#[test_case(
    r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
    cmp(sub("meta", "lastModified"), Lt, text(LAST_MODIFIED))
)]
#[test_case(
    r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
    cmp(sub("meta", "lastModified"), Le, text(LAST_MODIFIED))
)]
#[test_case(
    r#"title pr and userType eq "Employee""#,
    and(pr(attr("title")), eq(attr("userType"), "Employee"))
)]
#[test_case(
    r#"title pr or userType eq "Intern""#,
    or(pr(attr("title")), eq(attr("userType"), "Intern"))
)]
#[test_case(
    r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
    eq(attr("schemas"), ENTERPRISE)
)]
#[test_case(
    r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
    and(
        eq(attr("userType"), "Employee"),
        or(
            cmp(attr("emails"), Co, text("example.com")),
            cmp(sub("emails", "value"), Co, text("example.org"))
        ),
    )
)]
#[test_case(
    r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
    and(
        cmp(attr("userType"), Ne, text("Employee")),
        not(or(
            cmp(attr("emails"), Co, text("example.com")),
            cmp(sub("emails", "value"), Co, text("example.org"))
        )),
    )
)]
#[test_case(
    r#"userType eq "Employee" and (emails.type eq "work")"#,
    and(eq(attr("userType"), "Employee"), eq(sub("emails", "type"), "work"))
)]
#[test_case(
    r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
    and(
        eq(attr("userType"), "Employee"),
        vp(
            attr("emails"),
            and(eq(attr("type"), "work"), cmp(attr("value"), Co, text("@example.com")))
        ),
    )
)]
#[test_case(
    r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
    or(
        vp(attr("emails"), and(eq(attr("type"), "work"), cmp(attr("value"), Co, text("@example.com")))),
        vp(attr("ims"), and(eq(attr("type"), "xmpp"), cmp(attr("value"), Co, text("@foo.com")))),
    )
)]
fn parses_rfc_figure_2(input: &str, expected: Filter) {
    assert_eq!(strict(input), expected);
    assert_eq!(lenient(input), expected);
    assert_eq!(strict(&expected.to_string()), expected);
}

#[test_case("a pr and b pr or c pr", or(and(pr(attr("a")), pr(attr("b"))), pr(attr("c"))); "and binds tighter on the left")]
#[test_case("a pr or b pr and c pr", or(pr(attr("a")), and(pr(attr("b")), pr(attr("c")))); "and binds tighter on the right")]
#[test_case("a pr and b pr and c pr", and(and(pr(attr("a")), pr(attr("b"))), pr(attr("c"))); "and folds left")]
#[test_case("a pr or b pr or c pr", or(or(pr(attr("a")), pr(attr("b"))), pr(attr("c"))); "or folds left")]
#[test_case("a pr and (b pr or c pr)", and(pr(attr("a")), or(pr(attr("b")), pr(attr("c")))); "parentheses group")]
#[test_case("not (a pr) and b pr", and(not(pr(attr("a"))), pr(attr("b"))); "not binds tightest")]
#[test_case("a pr or not (b pr) and c pr", or(pr(attr("a")), and(not(pr(attr("b"))), pr(attr("c")))); "not inside and inside or")]
#[test_case("((a pr))", pr(attr("a")); "redundant parentheses vanish")]
fn respects_precedence(input: &str, expected: Filter) {
    assert_eq!(strict(input), expected);
}

#[test]
fn keywords_are_case_insensitive_and_names_keep_their_case() {
    let expected = or(
        and(eq(attr("UserName"), "x"), pr(attr("Title"))),
        not(cmp(attr("x"), Ne, num("1"))),
    );
    assert_eq!(
        strict(r#"UserName EQ "x" AND Title Pr oR NOT (x nE 1)"#),
        expected
    );
    for op in CompareOp::ALL {
        let upper = op.as_str().to_uppercase();
        assert_eq!(
            strict(&format!("a {upper} 1")),
            cmp(attr("a"), op, num("1"))
        );
    }
}

#[test]
fn keywords_can_be_attribute_names() {
    assert_eq!(strict("not pr"), pr(attr("not")));
    assert_eq!(strict(r#"not eq "x""#), eq(attr("not"), "x"));
    assert_eq!(
        strict("and pr and or pr"),
        and(pr(attr("and")), pr(attr("or")))
    );
    assert_eq!(strict("pr pr"), pr(attr("pr")));
}

#[test_case(ENTERPRISE, "department", None)]
#[test_case(CORE, "name", Some("givenName"))]
#[test_case(ENTERPRISE, "manager", Some("value"))]
#[test_case("URN:IETF:params:scim:schemas:core:2.0:User", "userName", None; "URN prefix in any case, spelling kept")]
#[test_case("urn:example:v1.0", "x-y_z", Some("$ref"))]
fn reads_urn_qualified_paths(urn_text: &str, name: &str, sub_name: Option<&str>) {
    let path = urn(urn_text, name, sub_name);
    assert_eq!(strict(&format!("{path} pr")), pr(path));
}

#[test]
fn reads_ref_sub_attributes() {
    assert_eq!(
        strict(r#"members.$ref eq "x""#),
        eq(sub("members", "$ref"), "x")
    );
}

#[test]
fn reads_value_paths() {
    let expected = vp(
        attr("addresses"),
        and(
            eq(attr("type"), "work"),
            or(
                cmp(attr("postalCode"), Sw, text("9")),
                not(eq(attr("country"), "US")),
            ),
        ),
    );
    let input = r#"addresses[type eq "work" and (postalCode sw "9" or not (country eq "US"))]"#;
    assert_eq!(strict(input), expected);
    assert_eq!(
        strict(r#"members[value eq "x"]"#),
        vp(attr("members"), eq(attr("value"), "x"))
    );
    let qualified = urn(ENTERPRISE, "manager", None);
    assert_eq!(
        strict(&format!("{qualified}[value pr]")),
        vp(qualified, pr(attr("value")))
    );
}

#[test]
fn reads_entra_sub_attribute_after_value_path() {
    let work = eq(attr("type"), "work");
    let expected = vp(attr("emails"), and(work.clone(), eq(attr("value"), "x@y")));
    assert_eq!(strict(r#"emails[type eq "work"].value eq "x@y""#), expected);
    assert_eq!(
        lenient(r#"emails[type eq "work"].value eq "x@y""#),
        expected
    );
    let present = vp(attr("emails"), and(work.clone(), pr(attr("value"))));
    assert_eq!(strict(r#"emails[type eq "work"].value pr"#), present);
    let combined = and(
        vp(attr("emails"), and(work, pr(attr("value")))),
        pr(attr("x")),
    );
    assert_eq!(
        strict(r#"emails[type eq "work"].value pr and x pr"#),
        combined
    );
}

#[test_case(r#"emails[type eq "work"].value"#, 28; "sub-attribute without operator")]
#[test_case(r#"emails[type eq "work"].value eqx "a""#, 29; "operator glued to a word")]
#[test_case(r#"emails[type eq "work"]."#, 23; "dot without name")]
fn rejects_broken_entra_sub_attribute(input: &str, offset: usize) {
    assert_eq!(error(input, Lenient).offset, offset);
}

#[test_case(r#""a\"b""#, "a\"b")]
#[test_case(r#""\u00e9""#, "é")]
#[test_case(r#""\ud83d\ude00""#, "😀")]
#[test_case(r#""""#, "")]
#[test_case(r#""\\""#, "\\")]
#[test_case(r#""\/\b\f\n\r\t""#, "/\u{8}\u{c}\n\r\t")]
#[test_case(r#""é 😀 raw""#, "é 😀 raw")]
fn decodes_json_strings(literal: &str, decoded: &str) {
    let expected = eq(attr("x"), decoded);
    assert_eq!(strict(&format!("x eq {literal}")), expected);
    assert_eq!(lenient(&format!("x eq {literal}")), expected);
    assert_eq!(
        strict(&format!("x eq {literal} and y pr")),
        and(expected, pr(attr("y")))
    );
}

#[test_case(r#"x eq "\q""#; "unknown escape")]
#[test_case(r#"x eq "\ud83d""#; "lone surrogate")]
#[test_case(r#"x eq "\u12""#; "short unicode escape")]
#[test_case("x eq \"a\tb\""; "raw control character")]
fn rejects_bad_strings_at_their_opening_quote(input: &str) {
    for leniency in [Strict, Lenient] {
        let err = error(input, leniency);
        assert_eq!(err.offset, 5, "{err}");
        assert_eq!(err.expected, STRING_ESCAPES);
    }
}

#[test]
fn rejects_nul_characters_in_values_which_no_database_column_can_hold() {
    for leniency in [Strict, Lenient] {
        let err = error(r#"x eq "a\u0000b""#, leniency);
        assert_eq!((err.offset, err.expected.as_str()), (5, NO_NUL), "{err}");
    }
    // Unquoted (lenient) words end at a control character, so the NUL is left over.
    let err = error("x eq a\u{0}b", Lenient);
    assert_eq!(err.offset, 6, "{err}");
}

#[test]
fn rejects_unterminated_string_at_its_opening_quote() {
    for input in [r#"x eq "abc"#, r#"x eq "abc\""#, r#"x eq "abc\"#] {
        let err = error(input, Lenient);
        assert_eq!(
            (err.offset, err.expected.as_str()),
            (5, CLOSING_QUOTE),
            "{input}"
        );
    }
}

#[test_case("-12")]
#[test_case("3.5e-2")]
#[test_case("0")]
#[test_case("-0.5")]
#[test_case("1E+3")]
#[test_case("18446744073709551615")]
#[test_case("123456789012345678901234567890"; "too big for 64 bits becomes a float")]
fn reads_json_numbers(number: &str) {
    let expected = cmp(attr("x"), Gt, num(number));
    assert_eq!(strict(&format!("x gt {number}")), expected);
    assert_eq!(strict(&format!("(x gt {number})")), expected);
}

#[test_case("x gt 12abc", 5)]
#[test_case("x gt 012", 5)]
#[test_case("x gt 1.", 5)]
#[test_case("x gt +1", 5)]
#[test_case("x gt .5", 5)]
fn strict_rejects_malformed_numbers(input: &str, offset: usize) {
    let err = error(input, Strict);
    assert_eq!((err.offset, err.expected.as_str()), (offset, JSON_VALUE));
}

#[test]
fn rejects_numbers_out_of_range() {
    let err = error("x gt 1e400", Lenient);
    assert_eq!((err.offset, err.expected.as_str()), (5, NUMBER_RANGE));
}

#[test]
fn reads_literals() {
    assert_eq!(
        strict("x eq true"),
        cmp(attr("x"), Eq, CompValue::Bool(true))
    );
    assert_eq!(
        strict("x eq false"),
        cmp(attr("x"), Eq, CompValue::Bool(false))
    );
    assert_eq!(strict("x eq null"), cmp(attr("x"), Eq, CompValue::Null));
    assert_eq!(
        lenient("x eq TRUE"),
        cmp(attr("x"), Eq, CompValue::Bool(true))
    );
    assert_eq!(lenient("(x eq Null)"), cmp(attr("x"), Eq, CompValue::Null));
    assert_eq!(error("x eq True", Strict).offset, 5);
    assert_eq!(error("x eq truex", Strict).offset, 5);
}

#[test_case("userName eq john@example.com", "john@example.com")]
#[test_case("x eq truex", "truex")]
#[test_case("x eq 12abc", "12abc")]
#[test_case("x eq -", "-")]
#[test_case("x eq a'b", "a'b")]
fn lenient_reads_bare_words_as_strings(input: &str, word: &str) {
    assert_eq!(
        lenient(input),
        eq(attr(input.split(' ').next().unwrap()), word)
    );
}

#[test]
fn bare_words_end_at_whitespace_and_brackets() {
    let expected = and(eq(attr("a"), "x"), vp(attr("e"), eq(attr("v"), "y")));
    assert_eq!(lenient("(a eq x) and e[v eq y]"), expected);
}

#[test]
fn strict_rejects_bare_words() {
    let err = error("userName eq john@example.com", Strict);
    assert_eq!(err.offset, 12);
    assert_eq!(
        err.to_string(),
        r#"filter is invalid at character 12 ("john@example.com"): expected a JSON value (a quoted string, number, true, false or null)"#
    );
}

#[test]
fn accepts_any_whitespace_between_tokens() {
    let expected = and(pr(attr("a")), vp(attr("e"), not(eq(attr("v"), "x"))));
    assert_eq!(
        strict(" \t a  pr\tand\r\n e[ not( v  eq  \"x\" ) ] \n"),
        expected
    );
    assert_eq!(strict("(a pr)and(b pr)"), and(pr(attr("a")), pr(attr("b"))));
}
