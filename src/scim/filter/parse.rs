//! The filter grammar of RFC 7644 §3.4.2.2 (Figure 1) in nom, one function per ABNF rule.
//!
//! Beyond the ABNF: `and` binds tighter than `or` and both fold left (the RFC's prose), any
//! run of whitespace separates tokens, keywords are case-insensitive, nesting is capped at
//! [`MAX_DEPTH`], and the Entra and MS Postman quirks of shared/idp-quirks.md are read as
//! their RFC equivalents.
use std::cell::Cell;
use std::fmt;

use nom::branch::alt;
use nom::bytes::complete::{escaped, is_not, tag, tag_no_case, take_while, take_while1};
use nom::character::complete::{anychar, char, one_of, satisfy};
use nom::combinator::{cut, opt, recognize};
use nom::error::{ContextError, ErrorKind, ParseError, context};
use nom::sequence::{delimited, preceded, terminated};
use nom::{IResult, Parser};

use super::ast::{AttrPath, CompValue, CompareOp, Filter};
use crate::scim::ScimError;
use crate::scim::validate::Leniency;

/// How deep parentheses, `not` and value paths may nest, all counted together. Deeper input is
/// rejected instead of recursing, so a hostile filter cannot exhaust the stack.
pub const MAX_DEPTH: usize = 32;

/// How many `and` and `or` a filter may hold in all. Each one adds a level to the left-folded
/// tree, and dropping, printing or evaluating a tree recurses once per level: without a cap,
/// a 50 000-term chain overflows the stack.
pub const MAX_OPERATORS: usize = 1000;

const ATOM: &str = r#"an attribute path, "(" or "not (""#;
const ATTR_NAME: &str = r#"an attribute name (a letter, then letters, digits, "-" or "_")"#;
const URN: &str = r#"a schema URN followed by ":" and an attribute name"#;
const RELATIVE_NAME: &str = r#"a plain sub-attribute name: inside "[...]" names are relative to the attribute before "[", so they take no URN and no ".""#;
const OPERATOR: &str = r#"a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or "pr""#;
const NESTED_VALUE_PATH: &str =
    r#"a comparison operator or "pr"; a value path ("[...]") cannot contain another"#;
const SUB_ATTR_FILTER: &str =
    r#"a comparison operator or "pr"; "[...]" can follow an attribute but not a sub-attribute"#;
const VALUE_SPACE: &str = "a space, then a value";
const JSON_VALUE: &str = "a JSON value (a quoted string, number, true, false or null)";
const LENIENT_VALUE: &str =
    "a value (a quoted string, number, true, false, null or a word without spaces)";
const CLOSING_QUOTE: &str = r#"a closing " for the string that starts here"#;
const STRING_ESCAPES: &str = r#"a JSON string with valid escapes (\" \\ \/ \b \f \n \r \t or \uXXXX, surrogates in pairs) and no raw control characters"#;
const NUMBER_RANGE: &str = "a number within the range of a 64-bit float";
const CLOSE_PAREN: &str = r#""and", "or" or ")""#;
const CLOSE_BRACKET: &str = r#""and", "or" or "]""#;
const END: &str = r#""and", "or" or the end of the filter"#;
const TOO_MANY_OPERATORS: &str = r#"at most 1000 "and" and "or" operators in one filter"#;
const TOO_DEEP: &str =
    r#"at most 32 levels of nesting (parentheses, "not" and value paths counted together)"#;
/// Only seen if a parser fails without a label, which the tests aim to rule out.
const GENERIC: &str = "valid filter syntax";

/// Why the filter (or PATCH path) was rejected, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// 0-based offset in characters (not bytes) into the input.
    pub offset: usize,
    /// What the grammar would have accepted at `offset`, phrased for a person.
    pub expected: String,
    /// Up to 20 characters of the input from `offset`; `None` at the end of the input.
    pub found: Option<String>,
}

/// How much of the rejected input [`FilterError`] quotes.
const FOUND_CHARS: usize = 20;

impl FilterError {
    /// Locates `err` in `input`, which it must be a suffix of.
    pub(crate) fn new(input: &str, err: nom::Err<Syntax<'_>>) -> Self {
        let err = match err {
            nom::Err::Error(e) | nom::Err::Failure(e) => e,
            // Only streaming parsers ask for more input, and none is used here.
            nom::Err::Incomplete(_) => Syntax::new("", GENERIC),
        };
        Self::located(input, err.at, err.expected)
    }

    /// An error at `at`, a suffix of `input`.
    pub(crate) fn located(input: &str, at: &str, expected: &str) -> Self {
        let consumed = input.len().saturating_sub(at.len());
        let offset = input.get(..consumed).map_or(0, |s| s.chars().count());
        Self {
            offset,
            expected: expected.to_owned(),
            found: (!at.is_empty()).then(|| quote(at)),
        }
    }

    /// The message: `subject` names what is invalid, `input` what the offset counts in.
    pub(crate) fn describe(&self, subject: &str, input: &str) -> String {
        let found = match &self.found {
            Some(found) => format!("\"{found}\""),
            None => format!("end of {input}"),
        };
        format!(
            "{subject} is invalid at character {} ({found}): expected {}",
            self.offset, self.expected
        )
    }
}

fn quote(rest: &str) -> String {
    let mut chars = rest.chars();
    let mut shown: String = chars.by_ref().take(FOUND_CHARS).collect();
    if chars.next().is_some() {
        shown.push('…');
    }
    shown
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe("filter", "filter"))
    }
}

impl std::error::Error for FilterError {}

impl From<FilterError> for ScimError {
    fn from(err: FilterError) -> Self {
        ScimError::invalid_filter(err.to_string())
    }
}

/// The parsers' error: where they stopped and what they wanted there.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Syntax<'a> {
    at: &'a str,
    expected: &'static str,
    /// Set on errors raised with a precise message, which an enclosing `context` must keep.
    fixed: bool,
}

impl<'a> Syntax<'a> {
    fn new(at: &'a str, expected: &'static str) -> Self {
        Self {
            at,
            expected,
            fixed: false,
        }
    }
}

impl<'a> ParseError<&'a str> for Syntax<'a> {
    fn from_error_kind(input: &'a str, _kind: ErrorKind) -> Self {
        Self::new(input, GENERIC)
    }

    fn append(_input: &'a str, _kind: ErrorKind, other: Self) -> Self {
        other
    }

    /// Of two failed alternatives, the one that got further knows more about what went wrong.
    fn or(self, other: Self) -> Self {
        if other.at.len() <= self.at.len() {
            other
        } else {
            self
        }
    }
}

impl<'a> ContextError<&'a str> for Syntax<'a> {
    /// A label describes what a rule expects at its start, so it replaces only an error raised
    /// right there; an error further in is more specific.
    fn add_context(input: &'a str, label: &'static str, other: Self) -> Self {
        if other.fixed || other.at.len() != input.len() {
            return other;
        }
        Self::new(input, label)
    }
}

pub(crate) type Res<'a, T> = IResult<&'a str, T, Syntax<'a>>;

/// Fails without backtracking: the input can only have meant one thing here.
fn fail<'a, T>(at: &'a str, expected: &'static str) -> Res<'a, T> {
    Err(failure(at, expected))
}

fn failure<'a>(at: &'a str, expected: &'static str) -> nom::Err<Syntax<'a>> {
    nom::Err::Failure(Syntax {
        at,
        expected,
        fixed: true,
    })
}

/// Turns a recoverable error into a failure once the input is committed to a rule.
fn commit<T>(res: Res<'_, T>) -> Res<'_, T> {
    res.map_err(|err| match err {
        nom::Err::Error(e) => nom::Err::Failure(e),
        other => other,
    })
}

/// What the rules need to know about where they are.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx<'c> {
    leniency: Leniency,
    depth: usize,
    /// Inside `[...]`: names are relative and value paths cannot nest.
    in_value_path: bool,
    /// `and` and `or` read so far in the whole input.
    operators: &'c Cell<usize>,
}

impl<'c> Ctx<'c> {
    /// The context at the start of an input; `operators` counts for the whole of it.
    pub(crate) fn new(leniency: Leniency, operators: &'c Cell<usize>) -> Self {
        Self {
            leniency,
            depth: 0,
            in_value_path: false,
            operators,
        }
    }

    /// One level deeper, or a failure at `at` past [`MAX_DEPTH`].
    fn nest<'a>(self, at: &'a str) -> Result<Self, nom::Err<Syntax<'a>>> {
        if self.depth >= MAX_DEPTH {
            return Err(failure(at, TOO_DEEP));
        }
        Ok(Self {
            depth: self.depth + 1,
            ..self
        })
    }

    /// Counts one more `and` or `or`, found at `at`; a failure past [`MAX_OPERATORS`].
    fn count_operator<'a>(self, at: &'a str) -> Result<(), nom::Err<Syntax<'a>>> {
        let count = self.operators.get() + 1;
        if count > MAX_OPERATORS {
            return Err(failure(at, TOO_MANY_OPERATORS));
        }
        self.operators.set(count);
        Ok(())
    }
}

/// Parses a whole filter, with whitespace allowed around it. Names are kept as written;
/// checking them against a schema is a later step. `leniency` decides whether bare words
/// (`userName eq john@example.com`) and literals in any case (`True`) are accepted.
///
/// Fails on invalid syntax, on nesting deeper than [`MAX_DEPTH`] and on more than
/// [`MAX_OPERATORS`] `and`/`or`.
pub fn parse_filter(input: &str, leniency: Leniency) -> Result<Filter, FilterError> {
    let operators = Cell::new(0);
    let ctx = Ctx::new(leniency, &operators);
    let mut whole = (
        ws0,
        |i| filter(i, ctx),
        ws0,
        context(END, nom::combinator::eof),
    );
    match whole.parse(input) {
        Ok((_, (_, filter, _, _))) => Ok(filter),
        Err(err) => Err(FilterError::new(input, err)),
    }
}

/// RFC 7644 uses a single SP; any run of spaces, tabs and line breaks is accepted.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

pub(crate) fn ws0(input: &str) -> Res<'_, &str> {
    take_while(is_space)(input)
}

fn ws1(input: &str) -> Res<'_, &str> {
    take_while1(is_space)(input)
}

/// Characters that continue a word, so that `eqfoo` is not `eq` followed by `foo`.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '$')
}

/// A case-insensitive keyword that is not the start of a longer word.
fn keyword<'a>(word: &'static str) -> impl Parser<&'a str, Output = &'a str, Error = Syntax<'a>> {
    terminated(
        tag_no_case(word),
        nom::combinator::not(satisfy(is_word_char)),
    )
}

/// Where a bare token (`pr`, a number, `true`) may end, so that `prx` and `12abc` are not
/// read as `pr x` or `12 abc`.
fn token_end(input: &str) -> Res<'_, ()> {
    match input.chars().next() {
        None => Ok((input, ())),
        Some(c) if is_space(c) || c == ')' || c == ']' => Ok((input, ())),
        Some(_) => Err(nom::Err::Error(Syntax::new(input, GENERIC))),
    }
}

/// `FILTER = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"`.
fn filter<'a>(input: &'a str, ctx: Ctx<'_>) -> Res<'a, Filter> {
    log_exp(input, ctx, Logic::Or)
}

#[derive(Debug, Clone, Copy)]
enum Logic {
    Or,
    And,
}

impl Logic {
    fn keyword(self) -> &'static str {
        match self {
            Self::Or => "or",
            Self::And => "and",
        }
    }

    fn join(self, left: Filter, right: Filter) -> Filter {
        match self {
            Self::Or => Filter::Or(Box::new(left), Box::new(right)),
            Self::And => Filter::And(Box::new(left), Box::new(right)),
        }
    }
}

/// `logExp = FILTER SP ("and" / "or") SP FILTER`. The ABNF is ambiguous; the RFC's prose gives
/// `and` precedence over `or`, so this is one left-folded loop per level rather than
/// recursion: `a and b or c` is `(a and b) or c`.
fn log_exp<'a>(input: &'a str, ctx: Ctx<'_>, logic: Logic) -> Res<'a, Filter> {
    let operand = |i| match logic {
        Logic::Or => log_exp(i, ctx, Logic::And),
        Logic::And => atom(i, ctx),
    };
    let (mut rest, mut acc) = operand(input)?;
    loop {
        // RFC 7644 wants a space before the keyword; after `)`, `]` or `"` nothing else can
        // be meant, so a missing one is no reason to reject.
        let (before_keyword, _) = ws0(rest)?;
        let Ok((after_keyword, _)) = keyword(logic.keyword()).parse(before_keyword) else {
            return Ok((rest, acc));
        };
        ctx.count_operator(before_keyword)?;
        let (after_space, _) = ws0(after_keyword)?;
        let (after, right) = commit(operand(after_space))?;
        acc = logic.join(acc, right);
        rest = after;
    }
}

/// The forms that bind tighter than `and`: a grouping, an attrExp or a valuePath.
fn atom<'a>(input: &'a str, ctx: Ctx<'_>) -> Res<'a, Filter> {
    context(ATOM, alt((|i| grouping(i, ctx), |i| attr_exp(i, ctx)))).parse(input)
}

/// `*1"not" "(" FILTER ")"`, and the same form of valFilter. The space after `not` is
/// optional: the ABNF has none, the RFC's own example has one (erratum 7319).
fn grouping<'a>(input: &'a str, ctx: Ctx<'_>) -> Res<'a, Filter> {
    let (rest, negated) = opt(terminated(keyword("not"), ws0)).parse(input)?;
    // Without "(" this was an attribute called `not`, so backtrack.
    let (rest, _) = char('(').parse(rest)?;
    let inner_ctx = ctx.nest(input)?;
    let (rest, inner) = commit(delimited(ws0, |i| filter(i, inner_ctx), ws0).parse(rest))?;
    let (rest, _) = commit(context(CLOSE_PAREN, char(')')).parse(rest))?;
    let inner = match negated {
        Some(_) => Filter::Not(Box::new(inner)),
        None => inner,
    };
    Ok((rest, inner))
}

/// `attrExp = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)`. valuePath also
/// starts with an attrPath, so it branches off here once the path is read.
fn attr_exp<'a>(input: &'a str, ctx: Ctx<'_>) -> Res<'a, Filter> {
    let (rest, path) = attr_path(input)?;
    if ctx.in_value_path && (path.urn.is_some() || path.sub.is_some()) {
        return fail(input, RELATIVE_NAME);
    }
    if rest.starts_with('[') {
        if ctx.in_value_path {
            return fail(rest, NESTED_VALUE_PATH);
        }
        if path.sub.is_some() {
            return fail(rest, SUB_ATTR_FILTER);
        }
        return value_path(rest, path, ctx);
    }
    commit(attr_exp_tail(rest, path, ctx))
}

/// What follows attrPath in attrExp: `SP "pr"` or `SP compareOp SP compValue`.
fn attr_exp_tail<'a>(input: &'a str, path: AttrPath, ctx: Ctx<'_>) -> Res<'a, Filter> {
    let (rest, _) = context(OPERATOR, ws1).parse(input)?;
    if let Ok((rest, _)) = present(rest) {
        return Ok((rest, Filter::Present(path)));
    }
    let (rest, op) = compare_op(rest)?;
    let (rest, _) = context(VALUE_SPACE, ws1).parse(rest)?;
    let (rest, value) = comp_value(rest, ctx.leniency)?;
    Ok((rest, Filter::Compare { path, op, value }))
}

/// `"pr"`, which must end at whitespace, a bracket or the end of the filter.
fn present(input: &str) -> Res<'_, &str> {
    terminated(tag_no_case("pr"), token_end).parse(input)
}

/// `valuePath = attrPath "[" valFilter "]"`, given the attrPath and the input from "[".
///
/// Entra writes `emails[type eq "work"].value eq "x"` (idp-quirks.md, "valuePath.subAttr
/// eq"); it can only mean `emails[type eq "work" and value eq "x"]`, so it is read as that.
fn value_path<'a>(input: &'a str, path: AttrPath, ctx: Ctx<'_>) -> Res<'a, Filter> {
    let (mut rest, mut inner) = bracketed(input, ctx)?;
    if rest.starts_with('.') {
        let (after_sub, sub) = sub_attr(rest)?;
        let (after, extra) = commit(attr_exp_tail(after_sub, AttrPath::new(sub), ctx))?;
        inner = Filter::And(Box::new(inner), Box::new(extra));
        rest = after;
    }
    let filter = Filter::ValuePath {
        path,
        filter: Box::new(inner),
    };
    Ok((rest, filter))
}

/// `"[" valFilter "]"`: the part of valuePath after its attrPath, shared with PATCH paths.
pub(crate) fn bracketed<'a>(input: &'a str, ctx: Ctx<'_>) -> Res<'a, Filter> {
    let (rest, _) = char('[').parse(input)?;
    let inner_ctx = ctx.nest(input)?;
    let (rest, inner) = commit(delimited(ws0, |i| val_filter(i, inner_ctx), ws0).parse(rest))?;
    let (rest, _) = commit(context(CLOSE_BRACKET, char(']')).parse(rest))?;
    Ok((rest, inner))
}

/// `valFilter = attrExp / logExp / *1"not" "(" valFilter ")"`: FILTER with relative names
/// and without value paths, as errata 4690 and 7322 read it.
fn val_filter<'a>(input: &'a str, ctx: Ctx<'_>) -> Res<'a, Filter> {
    let ctx = Ctx {
        in_value_path: true,
        ..ctx
    };
    filter(input, ctx)
}

/// `attrPath = [URI ":"] ATTRNAME *1subAttr`, spelled as the client wrote it.
pub(crate) fn attr_path(input: &str) -> Res<'_, AttrPath> {
    let (rest, urn) = opt(uri).parse(input)?;
    let (rest, name) = attr_name(rest)?;
    let (rest, sub) = opt(sub_attr).parse(rest)?;
    let path = AttrPath {
        urn: urn.map(str::to_owned),
        name: name.to_owned(),
        sub: sub.map(str::to_owned),
    };
    Ok((rest, path))
}

/// Characters of an unquoted token: an attribute path with its URN, or a bare word.
fn is_token_char(c: char) -> bool {
    !is_space(c) && !matches!(c, '(' | ')' | '[' | ']' | '"')
}

/// `URI`, which in a filter is a schema URN. URNs contain ":" and "." themselves
/// (`…:enterprise:2.0:User`), so the URN is everything before the path's last ":".
/// Returns it without that ":", and the input after it.
fn uri(input: &str) -> Res<'_, &str> {
    let (_, _) = tag_no_case("urn:").parse(input)?;
    let end = input.find(|c| !is_token_char(c)).unwrap_or(input.len());
    let path = input.get(..end).unwrap_or(input);
    match path.rfind(':') {
        // "urn:" alone is no URN: a namespace must follow.
        Some(colon) if colon > "urn".len() => match (input.get(..colon), input.get(colon + 1..)) {
            (Some(urn), Some(rest)) => Ok((rest, urn)),
            _ => fail(input, URN),
        },
        _ => fail(input, URN),
    }
}

/// `ATTRNAME = ALPHA *(nameChar)`, plus a leading "$": RFC 7643 §2.4 names the `$ref`
/// sub-attribute, which the ABNF cannot spell.
fn attr_name(input: &str) -> Res<'_, &str> {
    let first = context(ATTR_NAME, satisfy(|c| c.is_ascii_alphabetic()));
    let name = recognize((
        opt(char('$')),
        first,
        take_while(|c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')),
    ));
    context(ATTR_NAME, name).parse(input)
}

/// `subAttr = "." ATTRNAME`
pub(crate) fn sub_attr(input: &str) -> Res<'_, &str> {
    preceded(char('.'), cut(attr_name)).parse(input)
}

/// `compareOp = "eq" / "ne" / "co" / "sw" / "ew" / "gt" / "lt" / "ge" / "le"`, in any case.
fn compare_op(input: &str) -> Res<'_, CompareOp> {
    for op in CompareOp::ALL {
        if let Ok((rest, _)) = keyword(op.as_str()).parse(input) {
            return Ok((rest, op));
        }
    }
    Err(nom::Err::Error(Syntax::new(input, OPERATOR)))
}

/// `compValue = false / null / true / number / string`. Lenient mode also takes a bare word,
/// as MS Postman sends `userName eq john@example.com`.
fn comp_value(input: &str, leniency: Leniency) -> Res<'_, CompValue> {
    let json = |i| alt((string, |i| json_token(i, leniency))).parse(i);
    match leniency {
        Leniency::Strict => context(JSON_VALUE, json).parse(input),
        Leniency::Lenient => context(LENIENT_VALUE, alt((json, bare_word))).parse(input),
    }
}

/// `false / null / true / number`, which must end where a token can, so that `12abc` and
/// `truex` are not values followed by junk (and are bare words when lenient).
fn json_token(input: &str, leniency: Leniency) -> Res<'_, CompValue> {
    let (rest, value) = alt((|i| literal(i, leniency), number)).parse(input)?;
    match token_end(rest) {
        Ok(_) => Ok((rest, value)),
        Err(_) => Err(nom::Err::Error(Syntax::new(input, JSON_VALUE))),
    }
}

/// `false / null / true`. Lenient mode takes any case: `True` cannot mean anything else.
fn literal(input: &str, leniency: Leniency) -> Res<'_, CompValue> {
    const LITERALS: [(&str, CompValue); 3] = [
        ("false", CompValue::Bool(false)),
        ("null", CompValue::Null),
        ("true", CompValue::Bool(true)),
    ];
    for (word, value) in LITERALS {
        let matched: Res<'_, &str> = match leniency {
            Leniency::Strict => tag(word).parse(input),
            Leniency::Lenient => tag_no_case(word).parse(input),
        };
        if let Ok((rest, _)) = matched {
            return Ok((rest, value));
        }
    }
    Err(nom::Err::Error(Syntax::new(input, JSON_VALUE)))
}

/// `number = [ minus ] int [ frac ] [ exp ]` (RFC 8259 §6); serde_json converts the text.
fn number(input: &str) -> Res<'_, CompValue> {
    // Not `character::complete::digit0`: in nom 8.0.0 it returns a misplaced empty rest at
    // the end of the input, and `recognize` then cuts the number short (`-12` read as `-1`).
    let digits0 = take_while(|c: char| c.is_ascii_digit());
    let digits1 = || take_while1(|c: char| c.is_ascii_digit());
    let int = alt((
        tag("0"),
        recognize((satisfy(|c| matches!(c, '1'..='9')), digits0)),
    ));
    let frac = (char('.'), digits1());
    let exp = (one_of("eE"), opt(one_of("+-")), digits1());
    let (rest, text) = recognize((opt(char('-')), int, opt(frac), opt(exp))).parse(input)?;
    match text.parse::<serde_json::Number>() {
        Ok(n) => Ok((rest, CompValue::Number(n))),
        Err(_) => fail(input, NUMBER_RANGE),
    }
}

/// `string = quotation-mark *char quotation-mark` (RFC 8259 §7). nom finds where it ends;
/// serde_json decodes the escapes, surrogate pairs included.
fn string(input: &str) -> Res<'_, CompValue> {
    let (_, _) = char('"').parse(input)?;
    // `escaped` fails when it consumes nothing, so `""` needs the `opt` (ECOSYSTEM.md §7).
    let body = opt(escaped(is_not("\"\\"), '\\', anychar));
    let closed: Res<'_, &str> = recognize((char('"'), body, char('"'))).parse(input);
    let Ok((rest, text)) = closed else {
        return fail(input, CLOSING_QUOTE);
    };
    match serde_json::from_str::<String>(text) {
        Ok(s) => Ok((rest, CompValue::String(s))),
        Err(_) => fail(input, STRING_ESCAPES),
    }
}

/// An unquoted value, up to whitespace, a bracket or a quote (lenient mode only).
fn bare_word(input: &str) -> Res<'_, CompValue> {
    let (rest, word) = take_while1(is_token_char)(input)?;
    Ok((rest, CompValue::String(word.to_owned())))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use proptest::prelude::*;
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
            not(or(cmp(attr("emails"), Co, text("example.com")), cmp(sub("emails", "value"), Co, text("example.org")))),
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

    fn arb_name() -> impl Strategy<Value = String> {
        let names = [
            "userName", "Title", "emails", "x", "a1-b_c", "$ref", "not", "and", "or",
        ];
        prop::sample::select(names.to_vec()).prop_map(str::to_owned)
    }

    fn arb_urn() -> impl Strategy<Value = String> {
        prop::sample::select([CORE, ENTERPRISE, "URN:Example:v1.0"].as_slice())
            .prop_map(str::to_owned)
    }

    fn arb_path() -> impl Strategy<Value = AttrPath> {
        let sub = prop::option::of(arb_name());
        (prop::option::of(arb_urn()), arb_name(), sub).prop_map(|(urn, name, sub)| AttrPath {
            urn,
            name,
            sub,
        })
    }

    /// Floats with few digits: serde_json's default float parsing is only guaranteed to round
    /// trip those.
    fn arb_float() -> impl Strategy<Value = serde_json::Number> {
        (-1_000_000_i64..1_000_000, -20_i32..20)
            .prop_filter_map("in range", |(m, e)| format!("{m}e{e}").parse().ok())
    }

    fn arb_value() -> impl Strategy<Value = CompValue> {
        prop_oneof![
            Just(CompValue::Null),
            any::<bool>().prop_map(CompValue::Bool),
            any::<i64>().prop_map(|n| CompValue::Number(n.into())),
            any::<u64>().prop_map(|n| CompValue::Number(n.into())),
            arb_float().prop_map(CompValue::Number),
            any::<String>().prop_map(CompValue::String),
            "[\"\\\\/a é😀\u{1}\u{2028}]{0,6}".prop_map(CompValue::String),
        ]
    }

    fn arb_leaf(path: BoxedStrategy<AttrPath>) -> BoxedStrategy<Filter> {
        let op = prop::sample::select(CompareOp::ALL.as_slice());
        prop_oneof![
            3 => (path.clone(), op, arb_value()).prop_map(|(path, op, value)| cmp(path, op, value)),
            1 => path.prop_map(Filter::Present),
        ]
        .boxed()
    }

    fn arb_tree(leaf: BoxedStrategy<Filter>) -> BoxedStrategy<Filter> {
        leaf.prop_recursive(4, 24, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(l, r)| and(l, r)),
                (inner.clone(), inner.clone()).prop_map(|(l, r)| or(l, r)),
                inner.prop_map(not),
            ]
        })
        .boxed()
    }

    fn arb_filter() -> impl Strategy<Value = Filter> {
        let relative = arb_tree(arb_leaf(arb_name().prop_map(AttrPath::new).boxed()));
        let parent = (prop::option::of(arb_urn()), arb_name()).prop_map(|(urn, name)| AttrPath {
            urn,
            name,
            sub: None,
        });
        let value_path = (parent, relative).prop_map(|(path, filter)| vp(path, filter));
        let leaf = prop_oneof![3 => arb_leaf(arb_path().boxed()), 1 => value_path].boxed();
        arb_tree(leaf)
    }

    fn filterish() -> impl Strategy<Value = String> {
        let tokens = [
            "(", ")", "[", "]", "not", "and", "or", "pr", "eq", " ", "\"", "\\", "x", ".", ":",
            "urn:a:b:", "1e5", "-", "true", "\\u", "d83d", "$", "\t", "é",
        ];
        prop::collection::vec(prop::sample::select(tokens.to_vec()), 0..40)
            .prop_map(|parts| parts.concat())
    }

    proptest! {
        #[test]
        fn display_parses_back_to_the_same_tree(filter in arb_filter()) {
            let printed = filter.to_string();
            prop_assert_eq!(parse_filter(&printed, Strict), Ok(filter.clone()), "{}", printed);
            prop_assert_eq!(parse_filter(&printed, Lenient), Ok(filter), "{}", printed);
        }

        #[test]
        fn never_panics_on_any_string(input in ".*") {
            let _ = parse_filter(&input, Strict);
            let _ = parse_filter(&input, Lenient);
        }

        #[test]
        fn never_panics_on_filterish_strings(input in filterish()) {
            for leniency in [Strict, Lenient] {
                if let Err(err) = parse_filter(&input, leniency) {
                    prop_assert!(err.offset <= input.chars().count());
                    prop_assert_ne!(err.expected.as_str(), GENERIC, "{}", input);
                }
            }
        }
    }
}
