//! The provisioning activity log (README "Provisioning activity"): what each IdP and admin
//! did and what scimd answered, with identifiers only — never passwords, tokens, secrets or
//! attribute values other than `userName`, `externalId` and a group's `displayName`.
//!
//! A request's [`Slot`] collects what is known as it runs (the credential once authenticated,
//! the identifiers a body names). A successful change writes its record in the transaction
//! of the change (`record`, called by the write seam beside `events::append`), so no change
//! commits without its record. Everything else — failures, reads, admin actions, a Bulk
//! request's own record — goes through the batched writer (`worker::activity_log`), which a
//! crash can cut short by the last batch (at most [`crate::worker::activity_log::FLUSH_EVERY`]
//! of records).
use std::sync::{Arc, Mutex};
use std::time::Instant;

use ::entity::{activity, tenant};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait};
use sea_orm::{QueryFilter, QuerySelect};
use serde_json::Value;

use super::{Store, StoreError, TenantId};
use crate::scim::ScimError;
use crate::scim::event::{Change, EventType};
use crate::scim::resource::Resource;

mod query;

pub use query::{Cursor, Entry, Filter, Outcome, Page};

/// Records per statement: 22 columns each, well under both backends' parameter limits.
const CHUNK: usize = 200;

/// Who made the request, as the log names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialRef {
    /// `token:<id>`, `client:<id>`, `jwt:<trust>:<sub>` or `admin`.
    pub id: String,
    /// `token`, `oauth_client`, `jwt` or `admin`.
    pub kind: &'static str,
    pub label: Option<String>,
}

/// What a request's record holds so far; the answer's status completes it.
#[derive(Debug, Clone)]
pub struct Draft {
    pub at: DateTime<Utc>,
    pub started: Instant,
    pub tenant: Option<TenantId>,
    pub credential: Option<CredentialRef>,
    pub client: String,
    pub request_id: Option<String>,
    pub method: String,
    pub route: String,
    pub operation: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub user_name: Option<String>,
    pub external_id: Option<String>,
    pub display_name: Option<String>,
    pub changed: Vec<String>,
    pub event_seqs: Vec<i64>,
    /// The status a success answers with, for the record written before the answer exists.
    pub success_status: u16,
    /// Whether the write seam wrote the record with the change (nothing is left to write).
    pub recorded: bool,
}

impl Draft {
    pub fn new(method: &str, route: String, operation: &str, client: String) -> Self {
        Self {
            at: super::now(),
            started: Instant::now(),
            tenant: None,
            credential: None,
            client,
            request_id: None,
            method: method.to_owned(),
            route,
            operation: operation.to_owned(),
            resource_type: None,
            resource_id: None,
            user_name: None,
            external_id: None,
            display_name: None,
            changed: Vec::new(),
            event_seqs: Vec::new(),
            success_status: 200,
            recorded: false,
        }
    }

    /// The identifiers a SCIM body names (`userName`, `externalId`, a group's `displayName`),
    /// where the draft has none yet: what a failed create is looked up by.
    pub fn note_identifiers(&mut self, body: &Value) {
        let text = |name: &str| {
            body.get(name)
                .and_then(Value::as_str)
                .map(|s| clip(s.to_owned()))
        };
        self.user_name = self.user_name.take().or_else(|| text("userName"));
        self.external_id = self.external_id.take().or_else(|| text("externalId"));
        if self.resource_type.as_deref() == Some("Group") {
            self.display_name = self.display_name.take().or_else(|| text("displayName"));
        }
    }

    /// The record of a request answered with `status` and, for an error, `error` (its
    /// `scimType` and `detail`).
    pub fn answered(&self, status: u16, error: Option<&ScimError>) -> activity::ActiveModel {
        let scim_type = error.and_then(|e| e.scim_type).and_then(|t| {
            serde_json::to_value(t)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
        });
        self.finish(status, scim_type, error.map(|e| e.detail.clone()))
    }

    /// The record, with the answer's status and, for an error, its `scimType` and `detail`.
    fn finish(
        &self,
        status: u16,
        scim_type: Option<String>,
        detail: Option<String>,
    ) -> activity::ActiveModel {
        let latency = i64::try_from(self.started.elapsed().as_micros()).unwrap_or(i64::MAX);
        let credential = self.credential.as_ref();
        let json = |items: &[String]| {
            (!items.is_empty()).then(|| serde_json::to_string(items).unwrap_or_default())
        };
        activity::ActiveModel {
            id: NotSet,
            at: Set(self.at),
            tenant_id: Set(self.tenant.map(TenantId::get)),
            credential_id: Set(credential.map(|c| c.id.clone())),
            credential_kind: Set(credential.map(|c| c.kind.to_owned())),
            credential_label: Set(credential.and_then(|c| c.label.clone())),
            client: Set(self.client.clone()),
            request_id: Set(self.request_id.clone()),
            method: Set(self.method.clone()),
            route: Set(self.route.clone()),
            operation: Set(self.operation.clone()),
            resource_type: Set(self.resource_type.clone()),
            resource_id: Set(self.resource_id.clone()),
            user_name: Set(self.user_name.clone()),
            external_id: Set(self.external_id.clone()),
            display_name: Set(self.display_name.clone()),
            changed: Set(json(&self.changed)),
            status: Set(i32::from(status)),
            scim_type: Set(scim_type),
            detail: Set(detail.map(clip)),
            outcome: Set(Outcome::of(status).as_str().to_owned()),
            latency_us: Set(latency),
            event_seqs: Set((!self.event_seqs.is_empty())
                .then(|| serde_json::to_string(&self.event_seqs).unwrap_or_default())),
        }
    }
}

/// The longest text a record keeps of one field: a client's 10 kB `userName` or a long
/// `detail` must not make the log the largest table.
const MAX_TEXT: usize = 512;

fn clip(mut text: String) -> String {
    if text.len() > MAX_TEXT {
        let mut end = MAX_TEXT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// A request's draft, shared by the layers it passes through (middleware, auth, handler, the
/// write seam).
#[derive(Debug, Clone)]
pub struct Slot(Arc<Mutex<Draft>>);

impl Slot {
    pub fn new(draft: Draft) -> Self {
        Self(Arc::new(Mutex::new(draft)))
    }

    /// Changes the draft. A panic elsewhere while it was held leaves it as it was.
    pub fn update(&self, change: impl FnOnce(&mut Draft)) {
        let mut draft = self.0.lock().unwrap_or_else(|p| p.into_inner());
        change(&mut draft);
    }

    pub fn snapshot(&self) -> Draft {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// A draft of its own for one operation of a Bulk request: the request's time, tenant,
    /// credential and client, with the operation's method and kind.
    pub fn operation(&self, method: &str, operation: &str, resource_type: &str) -> Slot {
        let mut draft = self.snapshot();
        draft.method = method.to_owned();
        draft.operation = operation.to_owned();
        draft.resource_type = Some(resource_type.to_owned());
        draft.resource_id = None;
        draft.started = Instant::now();
        draft.success_status = match operation {
            "create" => 201,
            "delete" => 204,
            _ => 200,
        };
        draft.recorded = false;
        Slot::new(draft)
    }
}

/// The resource a write's record is about.
#[derive(Debug, Clone)]
pub struct Subject {
    pub kind: &'static str,
    pub id: String,
    pub user_name: Option<String>,
    pub external_id: Option<String>,
    pub display_name: Option<String>,
}

impl Subject {
    /// The identifiers of `resource` as written (or, for a deletion, as it was).
    pub fn of(resource: &Resource) -> Self {
        let text = |name: &str| {
            resource
                .data
                .get(name)
                .and_then(Value::as_str)
                .map(|s| clip(s.to_owned()))
        };
        let kind = resource.kind.as_str();
        Self {
            kind,
            id: resource.id.clone(),
            user_name: text("userName"),
            external_id: text("externalId"),
            display_name: (kind == "Group").then(|| text("displayName")).flatten(),
        }
    }

    /// The identifiers of a `*.created` change's resource, from its `data`.
    fn of_change(change: &Change) -> Self {
        let text = |name: &str| {
            change
                .data
                .get(name)
                .and_then(Value::as_str)
                .map(|s| clip(s.to_owned()))
        };
        let group = change.resource.kind == "Group";
        Self {
            kind: if group { "Group" } else { "User" },
            id: change.resource.id.clone(),
            user_name: text("userName"),
            external_id: text("externalId"),
            display_name: group.then(|| text("displayName")).flatten(),
        }
    }
}

/// The records of a run of creates: per created resource, its identifiers and the changes
/// (by position) that are about it — its `created` event and its members.
pub(crate) struct Plan(Vec<(Subject, Vec<usize>)>, Vec<Summary>);

impl Plan {
    pub fn of(changes: &[Change]) -> Self {
        let mut entries: Vec<(Subject, Vec<usize>)> = Vec::new();
        let mut at: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for (i, change) in changes.iter().enumerate() {
            let id = change.resource.id.as_str();
            match at.get(id) {
                Some(&entry) => entries[entry].1.push(i),
                None => {
                    at.insert(id, entries.len());
                    entries.push((Subject::of_change(change), vec![i]));
                }
            }
        }
        let summaries = entries
            .iter()
            .map(|(_, positions)| Summary::of(positions.iter().map(|&i| &changes[i])))
            .collect();
        Self(entries, summaries)
    }

    /// Each resource's record: its subject, summary and the seqs its changes were given.
    pub fn with_seqs(self, seqs: &[i64]) -> Vec<(Subject, Summary, Vec<i64>)> {
        self.0
            .into_iter()
            .zip(self.1)
            .map(|((subject, positions), summary)| {
                let seqs = positions
                    .iter()
                    .filter_map(|&i| seqs.get(i).copied())
                    .collect();
                (subject, summary, seqs)
            })
            .collect()
    }
}

/// What a write's changes say for its record: the paths touched, and whether it only added or
/// only removed members (`member_add` / `member_remove` rather than `patch`).
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub changed: Vec<String>,
    members_only: Option<bool>,
}

impl Summary {
    pub fn of<'a>(changes: impl IntoIterator<Item = &'a Change>) -> Self {
        let mut changed: Vec<String> = Vec::new();
        let (mut added, mut removed, mut other) = (false, false, false);
        for change in changes {
            match change.event_type {
                EventType::GroupMemberAdded => added = true,
                EventType::GroupMemberRemoved => removed = true,
                _ => other = true,
            }
            for path in &change.changed {
                if !changed.contains(path) {
                    changed.push(path.clone());
                }
            }
        }
        let members_only = (!other && added != removed).then_some(added);
        Self {
            changed,
            members_only,
        }
    }
}

/// The record of one successful change, for its transaction (`events::append_recorded`).
/// `seqs` are the events it appends. A slot already recorded (a retried attempt's earlier
/// record rolled back with it) is written again: the flag is set only once the caller
/// committed.
pub(crate) fn recorded(
    slot: &Slot,
    tenant: TenantId,
    subject: Subject,
    summary: Summary,
    seqs: Vec<i64>,
) -> activity::ActiveModel {
    let mut draft = slot.snapshot();
    fill(&mut draft, tenant, subject, summary, seqs);
    draft.answered(draft.success_status, None)
}

/// The records of many creates in one transaction (a Bulk request's run of POSTs), one per
/// resource, each with its own events.
pub(crate) async fn record_each<C: ConnectionTrait>(
    conn: &C,
    slot: &Slot,
    tenant: TenantId,
    written: Vec<(Subject, Summary, Vec<i64>)>,
) -> Result<(), StoreError> {
    let draft = slot.snapshot();
    let rows: Vec<activity::ActiveModel> = written
        .into_iter()
        .map(|(subject, summary, seqs)| {
            let mut draft = draft.clone();
            fill(&mut draft, tenant, subject, summary, seqs);
            draft.answered(draft.success_status, None)
        })
        .collect();
    insert(conn, rows).await
}

fn fill(draft: &mut Draft, tenant: TenantId, subject: Subject, summary: Summary, seqs: Vec<i64>) {
    draft.tenant = Some(tenant);
    draft.resource_type = Some(subject.kind.to_owned());
    draft.resource_id = Some(subject.id);
    draft.user_name = subject.user_name.or(draft.user_name.take());
    draft.external_id = subject.external_id.or(draft.external_id.take());
    draft.display_name = subject.display_name.or(draft.display_name.take());
    if draft.operation == "patch"
        && let Some(added) = summary.members_only
    {
        draft.operation = if added { "member_add" } else { "member_remove" }.to_owned();
    }
    draft.changed = summary.changed;
    draft.event_seqs = seqs;
}

/// Inserts `rows` in statements of [`CHUNK`].
pub(crate) async fn insert<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<activity::ActiveModel>,
) -> Result<(), StoreError> {
    for chunk in rows.chunks(CHUNK) {
        activity::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

pub struct Activity<'a> {
    store: &'a Store,
}

impl Store {
    /// The provisioning activity log.
    pub fn activity(&self) -> Activity<'_> {
        Activity { store: self }
    }
}

impl Activity<'_> {
    /// Writes records that need not commit with a change (failures, reads, admin actions),
    /// in one transaction.
    pub async fn write(&self, rows: Vec<activity::ActiveModel>) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let tx = self.store.begin_write().await?;
        insert(&tx, rows).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes the records older than `before`, tenant by tenant (on the tenant's time index)
    /// and in batches so no transaction holds the write lock for long; returns how many went.
    pub async fn prune(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let tenants: Vec<i64> = tenant::Entity::find()
            .select_only()
            .column(tenant::Column::Id)
            .into_tuple()
            .all(&self.store.reader)
            .await?;
        let mut removed = self
            .prune_where(before, activity::Column::TenantId.is_null())
            .await?;
        for id in tenants {
            removed += self
                .prune_where(before, activity::Column::TenantId.eq(id))
                .await?;
        }
        Ok(removed)
    }

    async fn prune_where(
        &self,
        before: DateTime<Utc>,
        tenant: sea_orm::sea_query::SimpleExpr,
    ) -> Result<u64, StoreError> {
        const BATCH: u64 = 5000;
        let mut removed = 0;
        loop {
            let ids: Vec<i64> = activity::Entity::find()
                .select_only()
                .column(activity::Column::Id)
                .filter(tenant.clone())
                .filter(activity::Column::At.lt(before))
                .limit(BATCH)
                .into_tuple()
                .all(&self.store.reader)
                .await?;
            if ids.is_empty() {
                return Ok(removed);
            }
            let done = activity::Entity::delete_many()
                .filter(activity::Column::Id.is_in(ids.clone()))
                .exec(&self.store.writer)
                .await?;
            removed += done.rows_affected;
            if (ids.len() as u64) < BATCH {
                return Ok(removed);
            }
        }
    }
}
