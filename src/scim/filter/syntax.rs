//! Errors of the filter grammar: where parsing stopped and what it expected there, in words
//! a person can act on (STYLE.md guideline 3: never a bare nom `ErrorKind`).
use std::fmt;

use nom::IResult;
use nom::error::{ContextError, ErrorKind, ParseError};

use crate::scim::ScimError;

/// Only seen if a parser fails without a label, which the tests aim to rule out.
pub(super) const GENERIC: &str = "valid filter syntax";

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
    pub(super) at: &'a str,
    pub(super) expected: &'static str,
    /// Set on errors raised with a precise message, which an enclosing `context` must keep.
    fixed: bool,
}

impl<'a> Syntax<'a> {
    pub(super) fn new(at: &'a str, expected: &'static str) -> Self {
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
pub(super) fn fail<'a, T>(at: &'a str, expected: &'static str) -> Res<'a, T> {
    Err(failure(at, expected))
}

pub(super) fn failure<'a>(at: &'a str, expected: &'static str) -> nom::Err<Syntax<'a>> {
    nom::Err::Failure(Syntax {
        at,
        expected,
        fixed: true,
    })
}

/// Turns a recoverable error into a failure once the input is committed to a rule.
pub(super) fn commit<T>(res: Res<'_, T>) -> Res<'_, T> {
    res.map_err(|err| match err {
        nom::Err::Error(e) => nom::Err::Failure(e),
        other => other,
    })
}
