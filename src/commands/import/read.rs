//! Reading the file: its format, and its records with the line each starts on. What cannot
//! be read as a resource fails alone; only a file that is not one of the formats at all (or
//! a CSV header that names no attributes) stops the import.
use std::io::Read as _;
use std::path::Path;

use anyhow::{Context, bail};
use serde_json::Value;

use super::Failure;
use crate::cli::ImportFormat;
use crate::scim::import::{Header, kind_of, list_response};
use crate::scim::schema::{ResourceKind, ResourceType};

/// One resource of the file.
pub(super) struct Record {
    /// The 1-based line it starts on.
    pub line: u64,
    pub kind: ResourceKind,
    pub body: Body,
}

pub(super) enum Body {
    /// A CSV row's cells, in the header's order.
    Row(csv::StringRecord),
    /// A SCIM resource (JSON Lines, ListResponse).
    Json(Value),
}

/// The whole input as text: `-` is standard input.
pub(super) fn text(file: &Path) -> anyhow::Result<String> {
    let mut text = String::new();
    if file == Path::new("-") {
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read standard input as UTF-8 text")?;
    } else {
        text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {} (it must be UTF-8 text)", file.display()))?;
    }
    // Spreadsheets put a byte order mark before the header.
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

/// `--format`, else the extension, else a guess from the first characters: `{` on a line
/// that is a whole JSON object is JSON Lines, any other `{` a ListResponse, anything else
/// CSV.
pub(super) fn format(file: &Path, given: Option<ImportFormat>, text: &str) -> ImportFormat {
    if let Some(format) = given {
        return format;
    }
    let extension = file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("csv") => return ImportFormat::Csv,
        Some("jsonl" | "ndjson") => return ImportFormat::Jsonl,
        Some("json") => return ImportFormat::Scim,
        _ => {}
    }
    let first = text.lines().map(str::trim).find(|l| !l.is_empty());
    match first {
        Some(line) if line.starts_with('{') => {
            if serde_json::from_str::<serde_json::Map<String, Value>>(line).is_ok() {
                ImportFormat::Jsonl
            } else {
                ImportFormat::Scim
            }
        }
        _ => ImportFormat::Csv,
    }
}

/// What a file holds: its records in order, and the lines that are none.
pub(super) struct Read {
    pub records: Vec<Record>,
    pub failures: Vec<Failure>,
    /// The CSV header, for building rows.
    pub header: Option<Header>,
}

pub(super) fn read(format: ImportFormat, text: &str, users: &ResourceType) -> anyhow::Result<Read> {
    match format {
        ImportFormat::Csv => csv(text, users),
        ImportFormat::Jsonl => Ok(json_lines(text)),
        ImportFormat::Scim => {
            let resources = list_response(text).map_err(|e| anyhow::anyhow!("{}", e.detail))?;
            Ok(json_records(
                resources.into_iter().map(|(line, v)| (line, Ok(v))),
            ))
        }
    }
}

/// A CSV of users (RFC 4180, comma-separated, cells trimmed); rows whose cells are all
/// empty are skipped, as spreadsheets leave them.
fn csv(text: &str, users: &ResourceType) -> anyhow::Result<Read> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let names = reader
        .headers()
        .context("cannot read the CSV header")?
        .clone();
    if names.is_empty() {
        bail!("the file is empty: a CSV import needs a header of SCIM attribute paths");
    }
    let header = Header::parse(users, &names.iter().collect::<Vec<_>>())
        .map_err(|e| anyhow::anyhow!("{e}; nothing was imported"))?;
    let mut records = Vec::new();
    let mut failures = Vec::new();
    for row in reader.records() {
        match row {
            Ok(row) if row.iter().all(str::is_empty) => {}
            Ok(row) if row.len() != names.len() => failures.push(Failure {
                line: line_of(text, row.position()),
                kind: Some(ResourceKind::User),
                reason: format!(
                    "the row has {} cells; the header has {}",
                    row.len(),
                    names.len()
                ),
            }),
            Ok(row) => records.push(Record {
                line: line_of(text, row.position()),
                kind: ResourceKind::User,
                body: Body::Row(row),
            }),
            Err(e) => failures.push(Failure {
                line: line_of(text, e.position()),
                kind: Some(ResourceKind::User),
                reason: format!("not a CSV row: {e}"),
            }),
        }
    }
    Ok(Read {
        records,
        failures,
        header: Some(header),
    })
}

/// The line a record starts on. The reader's position is where it started reading it,
/// before the blank lines it skipped.
fn line_of(text: &str, position: Option<&csv::Position>) -> u64 {
    let Some(position) = position else {
        return 0;
    };
    let rest = usize::try_from(position.byte())
        .ok()
        .and_then(|at| text.as_bytes().get(at..))
        .unwrap_or_default();
    let skipped = rest
        .iter()
        .take_while(|b| matches!(b, b'\n' | b'\r'))
        .filter(|&&b| b == b'\n')
        .count();
    position.line() + skipped as u64
}

/// One JSON resource per line; blank lines are skipped.
fn json_lines(text: &str) -> Read {
    let lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let parsed = serde_json::from_str::<Value>(l).map_err(|e| format!("not JSON: {e}"));
            (i as u64 + 1, parsed)
        });
    json_records(lines)
}

fn json_records(resources: impl Iterator<Item = (u64, Result<Value, String>)>) -> Read {
    let mut records = Vec::new();
    let mut failures = Vec::new();
    for (line, parsed) in resources {
        let typed = parsed.and_then(|v| match kind_of(&v) {
            Ok(kind) => Ok((kind, v)),
            Err(e) => Err(e.detail),
        });
        match typed {
            Ok((kind, body)) => records.push(Record {
                line,
                kind,
                body: Body::Json(body),
            }),
            Err(reason) => failures.push(Failure {
                line,
                kind: None,
                reason,
            }),
        }
    }
    Read {
        records,
        failures,
        header: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::schema::Registry;

    fn users() -> &'static ResourceType {
        Registry::core().resource_type(ResourceKind::User)
    }

    #[test]
    fn format_comes_from_the_flag_the_extension_or_the_first_line() {
        let f = |name: &str, text: &str| format(Path::new(name), None, text);
        assert_eq!(f("a.CSV", "{"), ImportFormat::Csv);
        assert_eq!(f("a.ndjson", ""), ImportFormat::Jsonl);
        assert_eq!(f("a.json", ""), ImportFormat::Scim);
        assert_eq!(f("-", "\n {\"userName\": \"a\"}\n{}"), ImportFormat::Jsonl);
        assert_eq!(f("-", "{\n \"Resources\": []\n}"), ImportFormat::Scim);
        assert_eq!(f("export.txt", "userName,active\n"), ImportFormat::Csv);
        assert_eq!(
            format(Path::new("a.csv"), Some(ImportFormat::Jsonl), ""),
            ImportFormat::Jsonl
        );
    }

    #[test]
    fn csv_rows_carry_their_line_and_bad_rows_fail_alone() {
        let text = "userName,title\n\"a\",x\n\nb\n\"multi\nline\",y\n,\nc,  z  \n";
        let read = read(ImportFormat::Csv, text, users()).unwrap();
        let rows: Vec<(u64, Vec<String>)> = read
            .records
            .iter()
            .map(|r| match &r.body {
                Body::Row(row) => (r.line, row.iter().map(str::to_owned).collect()),
                Body::Json(_) => panic!("a row"),
            })
            .collect();
        assert_eq!(
            rows,
            [
                (2, vec!["a".to_owned(), "x".to_owned()]),
                (5, vec!["multi\nline".to_owned(), "y".to_owned()]),
                (8, vec!["c".to_owned(), "z".to_owned()]),
            ]
        );
        assert_eq!(read.failures.len(), 1);
        assert_eq!(read.failures[0].line, 4);
        assert!(read.failures[0].reason.contains("1 cells"));
    }

    #[test]
    fn an_unknown_csv_header_stops_everything() {
        let Err(err) = read(ImportFormat::Csv, "userName,emial\na,b\n", users()) else {
            panic!("refused");
        };
        assert_eq!(
            err.to_string(),
            "column 2 (`emial`): no attribute `emial` in User; nothing was imported"
        );
        assert!(read(ImportFormat::Csv, "", users()).is_err());
    }

    #[test]
    fn json_lines_are_typed_by_schemas_and_unreadable_lines_fail() {
        let text = concat!(
            r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a"}"#,
            "\n\n",
            "{not json\n",
            r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "g"}"#,
            "\n",
            r#"{"displayName": "?"}"#,
            "\n"
        );
        let read = read(ImportFormat::Jsonl, text, users()).unwrap();
        let kinds: Vec<(u64, ResourceKind)> =
            read.records.iter().map(|r| (r.line, r.kind)).collect();
        assert_eq!(kinds, [(1, ResourceKind::User), (4, ResourceKind::Group)]);
        let failed: Vec<u64> = read.failures.iter().map(|f| f.line).collect();
        assert_eq!(failed, [3, 5]);
        assert!(read.failures[0].reason.starts_with("not JSON"));
    }
}
