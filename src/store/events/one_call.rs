//! A write's events — and the activity record of the request that made them — go to the
//! database in one call: on PostgreSQL one statement (a round trip each), on SQLite several
//! statements sent together (each call is a hand-off to the connection's thread and back,
//! which costs more than a small statement itself). The outbox would otherwise take three: the
//! counter, the events, the record.
//!
//! The seqs are taken in the call, in SQL: the counter is advanced by `n`, and the events are
//! inserted from it, each envelope stored as the text before its `seq`, the number, and the
//! text after (`head || seq || tail`), so the bytes are exactly what serialising the envelope
//! with that seq gives. The record's `event_seqs` is taken from the counter the same way, and
//! the call ends by reading the counter, which tells the caller the seqs it took.
use chrono::{DateTime, Utc};
use entity::activity;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbBackend, EntityTrait, QueryTrait, Value};

use super::{Rendered, Resolved};
use crate::scim::event::Change;
use crate::store::{StoreError, TenantId, now};

/// The most events one call takes: 8 values each, well under SQLite's parameter limit.
pub(super) const MAX_EVENTS: usize = 200;

/// The `seq` an envelope is rendered with before it is split around it.
const PLACEHOLDER: i64 = i64::MIN;

/// Appends `changes` (1 to [`MAX_EVENTS`]) as the tenant's next events and inserts `record`
/// with their seqs, in one call inside the caller's transaction; returns the seqs.
pub(super) async fn append<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    resolved: &Resolved,
    changes: Vec<Change>,
    record: Option<activity::ActiveModel>,
) -> Result<Vec<i64>, StoreError> {
    let count = i64::try_from(changes.len()).unwrap_or(i64::MAX);
    let statement = match conn.get_database_backend() {
        DbBackend::Postgres => postgres(tenant, resolved, changes, record)?,
        _ => sqlite(tenant, resolved, changes, record)?,
    };
    let rows = conn.query_all_raw(statement).await?;
    let last = rows
        .last()
        .ok_or_else(|| StoreError::Corrupt("the event counter returned no row".to_owned()))?
        .try_get_by_index::<i64>(0)?;
    Ok((last - count + 1..=last).collect())
}

/// PostgreSQL: one statement. The counter's upsert returns the new last seq (`c`), which the
/// events and the record are inserted from: data-modifying `WITH` queries see each other only
/// through what they return.
fn postgres(
    tenant: TenantId,
    resolved: &Resolved,
    changes: Vec<Change>,
    record: Option<activity::ActiveModel>,
) -> Result<sea_orm::Statement, StoreError> {
    let n = changes.len();
    let count = i64::try_from(n).unwrap_or(i64::MAX);
    let at = now();
    let mut p = Params::default();
    let mut sql = format!(
        "WITH c AS (INSERT INTO event_counters (tenant_id, last_seq, pruned_through) \
         VALUES ({}, {}, 0) ON CONFLICT (tenant_id) DO UPDATE SET last_seq = \
         event_counters.last_seq + {} RETURNING last_seq), \
         v (k, id, event_type, resource_type, resource_id, head, tail) AS (VALUES ",
        p.push(tenant.get()),
        p.push(count),
        p.push(count)
    );
    sql.push_str(&event_rows(&mut p, changes, resolved, at)?);
    sql.push_str(&format!(
        "), e AS (INSERT INTO events \
         (tenant_id, seq, id, event_type, resource_type, resource_id, occurred_at, envelope) \
         SELECT {}, c.last_seq - {} + v.k, v.id, v.event_type, v.resource_type, \
         v.resource_id, {}, v.head || (c.last_seq - {} + v.k)::text || v.tail FROM v, c) ",
        p.push(tenant.get()),
        p.push(count),
        p.push(at),
        p.push(count)
    ));
    if let Some(record) = record {
        let seqs = seq_list("c.last_seq", n);
        let insert = record_insert(record, DbBackend::Postgres, &mut p, |head, _| {
            format!("{head}(SELECT json_build_array({seqs})::text FROM c))")
        })?;
        sql.push_str(&format!(", a AS ({insert}) "));
    }
    sql.push_str("SELECT last_seq FROM c");
    Ok(p.statement(DbBackend::Postgres, sql))
}

/// SQLite: several statements in one call, which sqlx runs in turn, binding the `?`
/// placeholders in order.
fn sqlite(
    tenant: TenantId,
    resolved: &Resolved,
    changes: Vec<Change>,
    record: Option<activity::ActiveModel>,
) -> Result<sea_orm::Statement, StoreError> {
    let n = changes.len();
    let count = i64::try_from(n).unwrap_or(i64::MAX);
    let at = now();
    let mut p = Params {
        values: Vec::new(),
        numbered: false,
    };
    let mut sql = format!(
        "INSERT INTO event_counters (tenant_id, last_seq, pruned_through) VALUES ({}, {}, 0) \
         ON CONFLICT (tenant_id) DO UPDATE SET last_seq = event_counters.last_seq + {}; \
         WITH v (k, id, event_type, resource_type, resource_id, head, tail) AS (VALUES ",
        p.push(tenant.get()),
        p.push(count),
        p.push(count)
    );
    sql.push_str(&event_rows(&mut p, changes, resolved, at)?);
    sql.push_str(&format!(
        ") INSERT INTO events \
         (tenant_id, seq, id, event_type, resource_type, resource_id, occurred_at, envelope) \
         SELECT c.tenant_id, c.last_seq - {} + v.k, v.id, v.event_type, v.resource_type, \
         v.resource_id, {}, v.head || (c.last_seq - {} + v.k) || v.tail \
         FROM v, event_counters c WHERE c.tenant_id = {} ORDER BY v.k; ",
        p.push(count),
        p.push(at),
        p.push(count),
        p.push(tenant.get())
    ));
    if let Some(record) = record {
        let seqs = seq_list("last_seq", n);
        let insert = record_insert(record, DbBackend::Sqlite, &mut p, |head, p| {
            format!(
                "{head}(SELECT json_array({seqs}) FROM event_counters WHERE tenant_id = {}))",
                p.push(tenant.get())
            )
        })?;
        sql.push_str(&insert);
        sql.push_str("; ");
    }
    sql.push_str(&format!(
        "SELECT last_seq FROM event_counters WHERE tenant_id = {}",
        p.push(tenant.get())
    ));
    Ok(p.statement(DbBackend::Sqlite, sql))
}

/// `(k, id, event_type, resource_type, resource_id, head, tail), …`: the rows of `v`, the
/// events with their envelopes split around the seq each is yet to take.
fn event_rows(
    p: &mut Params,
    changes: Vec<Change>,
    resolved: &Resolved,
    at: DateTime<Utc>,
) -> Result<String, StoreError> {
    let mut rows = Vec::with_capacity(changes.len());
    for (k, change) in (1i64..).zip(changes) {
        let row = Split::of(change, resolved, at)?;
        rows.push(format!(
            "({}, {}, {}, {}, {}, {}, {})",
            p.push(k),
            p.push(row.id),
            p.push(row.event_type),
            p.push(row.resource_type),
            p.push(row.resource_id),
            p.push(row.head),
            p.push(row.tail)
        ));
    }
    Ok(rows.join(", "))
}

/// `last - (n-1), …, last`: the seqs of `n` events, in SQL.
fn seq_list(last: &str, n: usize) -> String {
    let seqs: Vec<String> = (0..n)
        .rev()
        .map(|back| format!("{last} - {back}"))
        .collect();
    seqs.join(", ")
}

/// The record's INSERT with its `event_seqs` — the table's last column — given by
/// `last_value(head, p)`, which receives the statement up to that value's placeholder, after
/// the record's other values were added to `p` (numbered after those before them on
/// PostgreSQL).
fn record_insert(
    mut record: activity::ActiveModel,
    backend: DbBackend,
    p: &mut Params,
    last_value: impl FnOnce(&str, &mut Params) -> String,
) -> Result<String, StoreError> {
    record.event_seqs = Set(None);
    let insert = activity::Entity::insert(record).build(backend);
    let mut values = insert.values.map(|v| v.0).unwrap_or_default();
    let unexpected = || StoreError::Corrupt(format!("unexpected activity insert: {}", insert.sql));
    if !insert.sql.contains(r#""event_seqs") VALUES"#) || values.pop().is_none() {
        return Err(unexpected());
    }
    let offset = p.values.len();
    let sql = if p.numbered {
        renumbered(&insert.sql, offset)
    } else {
        insert.sql.clone()
    };
    let last = if p.numbered {
        format!("${})", offset + values.len() + 1)
    } else {
        "?)".to_owned()
    };
    let head = sql.strip_suffix(&last).ok_or_else(unexpected)?;
    p.values.extend(values);
    Ok(last_value(head, p))
}

/// The values of a statement being written, and how it names them: `$n` on PostgreSQL, `?`
/// in order on SQLite.
struct Params {
    values: Vec<Value>,
    numbered: bool,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            values: Vec::new(),
            numbered: true,
        }
    }
}

impl Params {
    /// Adds `value`; returns its placeholder.
    fn push(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        if self.numbered {
            format!("${}", self.values.len())
        } else {
            "?".to_owned()
        }
    }

    fn statement(self, backend: DbBackend, sql: String) -> sea_orm::Statement {
        sea_orm::Statement::from_sql_and_values(backend, sql, self.values)
    }
}

/// `sql` with its `$n` placeholders numbered after `offset` others. sea-query binds every
/// value, so the SQL text holds no `$` but its placeholders.
fn renumbered(sql: &str, offset: usize) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// One event's row with its envelope split around the seq it is yet to take.
struct Split {
    id: String,
    event_type: String,
    resource_type: String,
    resource_id: String,
    head: String,
    tail: String,
}

impl Split {
    fn of(change: Change, resolved: &Resolved, at: DateTime<Utc>) -> Result<Self, StoreError> {
        let rendered = Rendered::of(change, resolved, PLACEHOLDER, at)?;
        let (head, tail) = split(&rendered.envelope)
            .ok_or_else(|| StoreError::Corrupt("event envelope without its seq".to_owned()))?;
        Ok(Self {
            head: head.to_owned(),
            tail: tail.to_owned(),
            id: rendered.id,
            event_type: rendered.event_type,
            resource_type: rendered.resource_type,
            resource_id: rendered.resource_id,
        })
    }
}

/// The text before and after the placeholder seq. Its first occurrence is the envelope's own:
/// `seq` comes before `data`, and the strings before it (id, type, tenant) cannot hold an
/// unescaped quote.
fn split(text: &str) -> Option<(&str, &str)> {
    let marker = format!("\"seq\":{PLACEHOLDER}");
    let at = text.find(&marker)?;
    let value = at + "\"seq\":".len();
    Some((&text[..value], &text[at + marker.len()..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renumbered_placeholders_follow_the_ones_before() {
        assert_eq!(
            renumbered(r#"INSERT INTO "b" ("z") VALUES ($1), ($2)"#, 3),
            r#"INSERT INTO "b" ("z") VALUES ($4), ($5)"#
        );
    }

    #[test]
    fn an_envelope_split_around_its_placeholder_rejoins_to_the_envelope_with_its_seq() {
        let with = |seq: i64| {
            format!(r#"{{"id":"e","tenant":"a\"seq\":1","seq":{seq},"data":{{"seq":7}}}}"#)
        };
        let text = with(PLACEHOLDER);
        let (head, tail) = split(&text).unwrap();
        assert_eq!(format!("{head}42{tail}"), with(42));
    }
}
