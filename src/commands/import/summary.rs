//! What an import did, per resource type, and each record that failed with its line.
use std::io::Write;

use crate::scim::schema::ResourceKind;

/// A record that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Failure {
    /// The 1-based line the record starts on.
    pub line: u64,
    /// `None` for a line that is no resource at all (not JSON, no known `schemas`).
    pub kind: Option<ResourceKind>,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Counts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub failed: u64,
}

impl Counts {
    fn add(self, other: Counts) -> Counts {
        Counts {
            created: self.created + other.created,
            updated: self.updated + other.updated,
            unchanged: self.unchanged + other.unchanged,
            failed: self.failed + other.failed,
        }
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "created {}, updated {}, unchanged {}, failed {}",
            self.created, self.updated, self.unchanged, self.failed
        )
    }
}

#[derive(Debug, Default)]
pub(super) struct Summary {
    pub users: Counts,
    pub groups: Counts,
    /// Lines that are no resource at all.
    pub unreadable: u64,
    failures: Vec<Failure>,
}

impl Summary {
    pub fn counts(&mut self, kind: ResourceKind) -> &mut Counts {
        match kind {
            ResourceKind::User => &mut self.users,
            ResourceKind::Group => &mut self.groups,
        }
    }

    pub fn fail(&mut self, failure: Failure) {
        match failure.kind {
            Some(kind) => self.counts(kind).failed += 1,
            None => self.unreadable += 1,
        }
        self.failures.push(failure);
    }

    pub fn total(&self) -> Counts {
        let mut total = self.users.add(self.groups);
        total.failed += self.unreadable;
        total
    }

    /// The summary: counts per type and in total, then the failures by line.
    pub fn print(&mut self, out: &mut impl Write, dry_run: bool) -> std::io::Result<()> {
        if dry_run {
            writeln!(
                out,
                "dry run: nothing was written; an import would do this:"
            )?;
        }
        writeln!(out, "users:  {}", self.users)?;
        writeln!(out, "groups: {}", self.groups)?;
        writeln!(out, "total:  {}", self.total())?;
        if !self.failures.is_empty() {
            self.failures.sort_by_key(|f| f.line);
            writeln!(out, "failed:")?;
            for failure in &self.failures {
                let kind = failure.kind.map_or(String::new(), |k| format!(" ({k:?})"));
                writeln!(out, "  line {}{kind}: {}", failure.line, failure.reason)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_counts_then_failures_by_line() {
        let mut summary = Summary::default();
        summary.users.created = 2;
        summary.groups.unchanged = 1;
        summary.fail(Failure {
            line: 9,
            kind: Some(ResourceKind::Group),
            reason: "b".into(),
        });
        summary.fail(Failure {
            line: 3,
            kind: None,
            reason: "not JSON".into(),
        });
        let mut out = Vec::new();
        summary.print(&mut out, true).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "dry run: nothing was written; an import would do this:\n\
             users:  created 2, updated 0, unchanged 0, failed 0\n\
             groups: created 0, updated 0, unchanged 1, failed 1\n\
             total:  created 2, updated 0, unchanged 1, failed 2\n\
             failed:\n  line 3: not JSON\n  line 9 (Group): b\n"
        );
    }
}
