//! Reading the activity log: newest first, filtered by tenant, end user, credential,
//! operation, outcome and time span, in pages with a `(at, id)` cursor. Every filter a
//! caller combines with a tenant is served by an index (migration 000009): the end user by
//! one index per identifier, each ending in `at`; the others by the tenant's time range, read
//! newest first until a page is full. Every tenant's records at once (`all=true`) have no
//! index of their own: a rare question, not worth an index every request writes.
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use entity::{activity, tenant};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde::Serialize;

use super::Activity;
use crate::store::{StoreError, TenantId};

/// `succeeded` (2xx and 304) or `failed` (everything else, 412 and 429 included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Failed,
}

impl Outcome {
    pub fn of(status: u16) -> Self {
        if (200..300).contains(&status) || status == 304 {
            Self::Succeeded
        } else {
            Self::Failed
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }
}

impl FromStr for Outcome {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "succeeded" => Ok(Self::Succeeded),
            "failed" => Ok(Self::Failed),
            other => Err(format!(
                "outcome {other:?} is neither `succeeded` nor `failed`"
            )),
        }
    }
}

/// Where the next page starts: just older than the last record returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: i64,
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.at.timestamp_micros(), self.id)
    }
}

impl FromStr for Cursor {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let invalid = || format!("cursor {text:?} is not one a previous page returned as `next`");
        let (micros, id) = text.split_once('.').ok_or_else(invalid)?;
        let at = micros
            .parse()
            .ok()
            .and_then(DateTime::from_timestamp_micros)
            .ok_or_else(invalid)?;
        Ok(Self {
            at,
            id: id.parse().map_err(|_| invalid())?,
        })
    }
}

/// What to list. `tenant: None` lists every tenant's records (the caller asked for all).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub tenant: Option<TenantId>,
    /// An end user or group: its id, `userName`, `externalId` or `displayName`,
    /// case-insensitively.
    pub user: Option<String>,
    /// A credential: its id (`token:<id>` or the bare id) or its label.
    pub credential: Option<String>,
    pub operation: Option<String>,
    pub outcome: Option<Outcome>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub limit: u64,
    pub cursor: Option<Cursor>,
}

/// One record as the admin API and `scimd activity --json` show it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ActivityRecord)]
pub struct Entry {
    #[schema(examples(1042))]
    pub id: i64,
    /// When the request arrived.
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<Utc>,
    /// The tenant's name; `null` when no tenant was known (a 401 for an unknown token).
    #[schema(examples("acme"))]
    pub tenant: Option<String>,
    /// `token:<id>`, `client:<id>`, `jwt:<trust>:<sub>` or `admin`.
    pub credential: Option<String>,
    /// `token`, `oauth_client`, `jwt` or `admin`.
    pub credential_kind: Option<String>,
    #[schema(examples("Entra ID production"))]
    pub credential_label: Option<String>,
    /// The client guessed from the `User-Agent`: `entra`, `okta`, `onelogin`, `google`,
    /// `jumpcloud`, `miniorange`, … or `unknown`.
    #[schema(examples("entra"))]
    pub client: String,
    pub request_id: Option<String>,
    #[schema(examples("PATCH"))]
    pub method: String,
    /// The route template, never the path itself.
    #[schema(examples("/scim/v2/Users/{id}"))]
    pub route: String,
    /// `create`, `replace`, `patch`, `delete`, `member_add`, `member_remove`, `bulk`, `list`,
    /// `get`, `search`, `auth_failed`, `rate_limited`, or an admin action such as
    /// `token_create`.
    #[schema(examples("patch"))]
    pub operation: String,
    #[schema(examples("User"))]
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub user_name: Option<String>,
    pub external_id: Option<String>,
    /// A group's `displayName`.
    pub display_name: Option<String>,
    /// The attribute paths the write touched (names, never values).
    pub changed: Vec<String>,
    #[schema(examples(200))]
    pub status: i32,
    pub scim_type: Option<String>,
    pub detail: Option<String>,
    /// `succeeded` or `failed`.
    #[schema(examples("succeeded"))]
    pub outcome: String,
    /// From the request's arrival to its answer (for a write: to its commit), in
    /// milliseconds.
    #[schema(examples(3.2))]
    pub latency_ms: f64,
    /// The change events the request produced (their `seq` in the tenant's feed).
    pub event_seqs: Vec<i64>,
}

/// A page of records, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub entries: Vec<Entry>,
    /// The next (older) page's cursor; `None` on the last page.
    pub next: Option<Cursor>,
}

impl Activity<'_> {
    /// The records `filter` selects, newest first, at most `filter.limit`.
    pub async fn list(&self, filter: &Filter) -> Result<Page, StoreError> {
        let limit = Ord::max(filter.limit, 1);
        let mut rows = select(filter).all(&self.store.reader).await?;
        let more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let next = more
            .then(|| rows.last().map(|r| Cursor { at: r.at, id: r.id }))
            .flatten();
        let names = self.tenant_names(&rows).await?;
        let entries = rows.into_iter().map(|row| entry(row, &names)).collect();
        Ok(Page { entries, next })
    }

    /// How the database runs [`list`](Self::list) for `filter` (`EXPLAIN QUERY PLAN` on
    /// SQLite, `EXPLAIN` on PostgreSQL): which index serves it, for the benchmark and for an
    /// operator checking theirs.
    pub async fn plan(&self, filter: &Filter) -> Result<String, StoreError> {
        let conn = &self.store.reader;
        let backend = conn.get_database_backend();
        let query = select(filter).build(backend);
        let explain = match backend {
            sea_orm::DbBackend::Sqlite => "EXPLAIN QUERY PLAN",
            _ => "EXPLAIN",
        };
        let statement = sea_orm::Statement::from_sql_and_values(
            backend,
            format!("{explain} {}", query.sql),
            query.values.map(|v| v.0).unwrap_or_default(),
        );
        let rows = conn.query_all_raw(statement).await?;
        let column = match backend {
            sea_orm::DbBackend::Sqlite => "detail",
            _ => "QUERY PLAN",
        };
        let lines: Vec<String> = rows
            .iter()
            .filter_map(|row| row.try_get::<String>("", column).ok())
            .collect();
        Ok(lines.join("; "))
    }

    async fn tenant_names(
        &self,
        rows: &[activity::Model],
    ) -> Result<HashMap<i64, String>, StoreError> {
        let mut ids: Vec<i64> = rows.iter().filter_map(|r| r.tenant_id).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let tenants = tenant::Entity::find()
            .filter(tenant::Column::Id.is_in(ids))
            .all(&self.store.reader)
            .await?;
        Ok(tenants.into_iter().map(|t| (t.id, t.name)).collect())
    }
}

/// The query of [`Activity::list`]: one more than `limit`, to tell whether a next page exists.
fn select(filter: &Filter) -> sea_orm::Select<activity::Entity> {
    let mut query = activity::Entity::find()
        .filter(conditions(filter))
        .order_by_desc(activity::Column::At)
        .order_by_desc(activity::Column::Id)
        .limit(Ord::max(filter.limit, 1) + 1);
    if let Some(tenant) = filter.tenant {
        query = query.filter(activity::Column::TenantId.eq(tenant.get()));
    }
    query
}

fn conditions(filter: &Filter) -> Condition {
    let mut all = Condition::all();
    if let Some(user) = &filter.user {
        let lowered = user.to_lowercase();
        // The expressions of the indexes `activity_by_name` and `activity_by_external_id`.
        let name = Func::coalesce([
            Expr::col(activity::Column::UserName),
            Expr::col(activity::Column::DisplayName),
        ]);
        let external = Expr::col(activity::Column::ExternalId);
        all = all.add(
            Condition::any()
                .add(activity::Column::ResourceId.eq(user.clone()))
                .add(ExprTrait::eq(Func::lower(name), lowered.clone()))
                .add(ExprTrait::eq(Func::lower(external), lowered)),
        );
    }
    if let Some(credential) = &filter.credential {
        let mut ids = vec![credential.clone()];
        if !credential.contains(':') {
            ids.extend(["token", "client"].map(|kind| format!("{kind}:{credential}")));
        }
        all = all.add(
            Condition::any()
                .add(activity::Column::CredentialId.is_in(ids))
                .add(activity::Column::CredentialLabel.eq(credential.clone())),
        );
    }
    if let Some(operation) = &filter.operation {
        all = all.add(activity::Column::Operation.eq(operation.clone()));
    }
    if let Some(outcome) = filter.outcome {
        all = all.add(activity::Column::Outcome.eq(outcome.as_str()));
    }
    if let Some(from) = filter.from {
        all = all.add(activity::Column::At.gte(from));
    }
    if let Some(to) = filter.to {
        all = all.add(activity::Column::At.lt(to));
    }
    if let Some(cursor) = filter.cursor {
        // `at <= …` bounds the index range; the rest orders records of the same instant.
        all = all.add(activity::Column::At.lte(cursor.at)).add(
            Condition::any()
                .add(activity::Column::At.lt(cursor.at))
                .add(activity::Column::Id.lt(cursor.id)),
        );
    }
    all
}

fn entry(row: activity::Model, names: &HashMap<i64, String>) -> Entry {
    fn list<T: serde::de::DeserializeOwned>(text: Option<String>) -> Option<Vec<T>> {
        text.and_then(|t| serde_json::from_str(&t).ok())
    }
    Entry {
        id: row.id,
        at: row.at,
        tenant: row.tenant_id.and_then(|id| names.get(&id).cloned()),
        credential: row.credential_id,
        credential_kind: row.credential_kind,
        credential_label: row.credential_label,
        client: row.client,
        request_id: row.request_id,
        method: row.method,
        route: row.route,
        operation: row.operation,
        resource_type: row.resource_type,
        resource_id: row.resource_id,
        user_name: row.user_name,
        external_id: row.external_id,
        display_name: row.display_name,
        changed: list(row.changed).unwrap_or_default(),
        status: row.status,
        scim_type: row.scim_type,
        detail: row.detail,
        outcome: row.outcome,
        latency_ms: (row.latency_us as f64 / 10.0).round() / 100.0,
        event_seqs: list(row.event_seqs).unwrap_or_default(),
    }
}
