//! On SQLite, a write's events — and the activity record of the request that made them — go to
//! the database in one call. Each call is a hand-off to the connection's thread and back,
//! which costs more than a small statement itself, and the outbox would otherwise take three:
//! the counter, the events, the record.
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
    let n = changes.len();
    let count = i64::try_from(n).unwrap_or(i64::MAX);
    let at = now();
    let mut values: Vec<Value> = vec![tenant.get().into(), count.into(), count.into()];
    let mut sql = String::from(
        "INSERT INTO event_counters (tenant_id, last_seq, pruned_through) VALUES (?, ?, 0) \
         ON CONFLICT (tenant_id) DO UPDATE SET last_seq = event_counters.last_seq + ?; \
         WITH v (k, id, event_type, resource_type, resource_id, head, tail) AS (VALUES ",
    );
    for (k, change) in (1i64..).zip(changes) {
        if k > 1 {
            sql.push_str(", ");
        }
        sql.push_str("(?, ?, ?, ?, ?, ?, ?)");
        let row = Split::of(change, resolved, at)?;
        values.extend([
            k.into(),
            row.id.into(),
            row.event_type.into(),
            row.resource_type.into(),
            row.resource_id.into(),
            row.head.into(),
            row.tail.into(),
        ]);
    }
    sql.push_str(
        ") INSERT INTO events \
         (tenant_id, seq, id, event_type, resource_type, resource_id, occurred_at, envelope) \
         SELECT c.tenant_id, c.last_seq - ? + v.k, v.id, v.event_type, v.resource_type, \
         v.resource_id, ?, v.head || (c.last_seq - ? + v.k) || v.tail \
         FROM v, event_counters c WHERE c.tenant_id = ? ORDER BY v.k; ",
    );
    values.extend([count.into(), at.into(), count.into(), tenant.get().into()]);
    if let Some(mut record) = record {
        // `event_seqs`, the table's last column, is taken from the counter like the seqs.
        record.event_seqs = Set(None);
        let insert = activity::Entity::insert(record).build(DbBackend::Sqlite);
        let mut record_values = insert.values.map(|v| v.0).unwrap_or_default();
        let seqs: Vec<String> = (0..n)
            .rev()
            .map(|back| format!("last_seq - {back}"))
            .collect();
        let from_counter = format!(
            "(SELECT json_array({}) FROM event_counters WHERE tenant_id = ?))",
            seqs.join(", ")
        );
        let head = insert
            .sql
            .strip_suffix("?)")
            .filter(|_| insert.sql.contains(r#""event_seqs") VALUES"#))
            .ok_or_else(|| {
                StoreError::Corrupt(format!("unexpected activity insert: {}", insert.sql))
            })?;
        sql.push_str(head);
        sql.push_str(&from_counter);
        sql.push_str("; ");
        record_values.pop();
        record_values.push(tenant.get().into());
        values.extend(record_values);
    }
    sql.push_str("SELECT last_seq FROM event_counters WHERE tenant_id = ?");
    values.push(tenant.get().into());
    let rows = conn
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            DbBackend::Sqlite,
            sql,
            values,
        ))
        .await?;
    let last = rows
        .last()
        .ok_or_else(|| StoreError::Corrupt("the event counter returned no row".to_owned()))?
        .try_get_by_index::<i64>(0)?;
    Ok((last - count + 1..=last).collect())
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
    fn an_envelope_split_around_its_placeholder_rejoins_to_the_envelope_with_its_seq() {
        let with = |seq: i64| {
            format!(r#"{{"id":"e","tenant":"a\"seq\":1","seq":{seq},"data":{{"seq":7}}}}"#)
        };
        let text = with(PLACEHOLDER);
        let (head, tail) = split(&text).unwrap();
        assert_eq!(format!("{head}42{tail}"), with(42));
    }
}
