//! The filter grammar of RFC 7644 §3.4.2.2 (Figure 1) in nom, one function per ABNF rule.
//!
//! Beyond the ABNF: `and` binds tighter than `or` and both fold left (the RFC's prose), any
//! run of whitespace separates tokens, keywords are case-insensitive, nesting is capped at
//! [`MAX_DEPTH`], and the Entra and MS Postman quirks of shared/idp-quirks.md are read as
//! their RFC equivalents.
use std::cell::Cell;

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{escaped, is_not, tag, tag_no_case, take_while, take_while1};
use nom::character::complete::{anychar, char, one_of, satisfy};
use nom::combinator::{cut, opt, recognize};
use nom::error::context;
use nom::sequence::{delimited, preceded, terminated};

use super::ast::{AttrPath, CompValue, CompareOp, Filter};
use super::syntax::{GENERIC, Res, Syntax, commit, fail, failure};
use crate::scim::validate::Leniency;

pub use super::syntax::FilterError;

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
const NO_NUL: &str = r#"a string without NUL characters (\u0000); no stored value holds one"#;
const NUMBER_RANGE: &str = "a number within the range of a 64-bit float";
const CLOSE_PAREN: &str = r#""and", "or" or ")""#;
const CLOSE_BRACKET: &str = r#""and", "or" or "]""#;
const END: &str = r#""and", "or" or the end of the filter"#;
const TOO_MANY_OPERATORS: &str = r#"at most 1000 "and" and "or" operators in one filter"#;
const TOO_DEEP: &str =
    r#"at most 32 levels of nesting (parentheses, "not" and value paths counted together)"#;

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
    !is_space(c) && !c.is_control() && !matches!(c, '(' | ')' | '[' | ']' | '"')
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
        // PostgreSQL cannot hold NUL in text: a query carrying one would fail, not match.
        Ok(s) if s.contains('\0') => fail(input, NO_NUL),
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
#[path = "parse_tests/mod.rs"]
mod tests;
