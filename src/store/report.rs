//! The provisioning report (issue 18): what the activity log says about a span of time, summed
//! in the database, so a month of a busy tenant costs three grouped queries, not a row scan in
//! Rust.
use chrono::{DateTime, NaiveDate, Utc};
use entity::activity;
use sea_orm::sea_query::{Expr, Order, SimpleExpr};
use sea_orm::{
    ColumnTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Select,
};

use super::{Store, StoreError, TenantId};

/// The most frequent failures a report lists.
pub const TOP_ERRORS: u64 = 10;

/// One span's activity, summed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Records per UTC day, operation and outcome, in that order.
    pub counts: Vec<DayCount>,
    /// The most frequent failures, most frequent first.
    pub errors: Vec<ErrorGroup>,
    /// The credentials that made requests, most recently seen first.
    pub credentials: Vec<CredentialUse>,
}

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct DayCount {
    pub day: NaiveDate,
    pub operation: String,
    pub outcome: String,
    pub count: i64,
}

/// Failures that answered alike: same status, `scimType`, detail and operation.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct ErrorGroup {
    pub status: i32,
    pub scim_type: Option<String>,
    pub detail: Option<String>,
    pub operation: String,
    pub count: i64,
    /// One request of the group, to look up in the activity log or the request log.
    pub example_request_id: Option<String>,
    pub last_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct CredentialUse {
    pub credential_id: String,
    pub credential_kind: Option<String>,
    pub credential_label: Option<String>,
    pub requests: i64,
    pub failed: i64,
    pub last_seen: DateTime<Utc>,
}

impl Store {
    /// The report of `tenant` (every tenant's, and records with none, when `None`) over
    /// `from <= at < to`.
    pub async fn report(
        &self,
        tenant: Option<TenantId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Report, StoreError> {
        let day = day(self.reader.get_database_backend());
        let counts = span(tenant, from, to)
            .column_as(day.clone(), "day")
            .column(activity::Column::Operation)
            .column(activity::Column::Outcome)
            .column_as(activity::Column::Id.count(), "count")
            .group_by(day.clone())
            .group_by(activity::Column::Operation)
            .group_by(activity::Column::Outcome)
            .order_by(day, Order::Asc)
            .order_by_asc(activity::Column::Operation)
            .order_by_asc(activity::Column::Outcome)
            .into_model::<DayCount>()
            .all(&self.reader)
            .await?;

        let count = activity::Column::Id.count();
        let last_at = activity::Column::At.max();
        let errors = span(tenant, from, to)
            .filter(activity::Column::Outcome.eq("failed"))
            .column(activity::Column::Status)
            .column(activity::Column::ScimType)
            .column(activity::Column::Detail)
            .column(activity::Column::Operation)
            .column_as(count.clone(), "count")
            .column_as(activity::Column::RequestId.max(), "example_request_id")
            .column_as(last_at.clone(), "last_at")
            .group_by(activity::Column::Status)
            .group_by(activity::Column::ScimType)
            .group_by(activity::Column::Detail)
            .group_by(activity::Column::Operation)
            // Ties by recency, then by status, so the same data always reports the same list.
            .order_by(count, Order::Desc)
            .order_by(last_at, Order::Desc)
            .order_by_asc(activity::Column::Status)
            .order_by_asc(activity::Column::Operation)
            .limit(TOP_ERRORS)
            .into_model::<ErrorGroup>()
            .all(&self.reader)
            .await?;

        let last_seen = activity::Column::At.max();
        // Kind and label are grouped by id alone: a label renamed within the span would
        // otherwise split one credential into two lines.
        let credentials = span(tenant, from, to)
            .filter(activity::Column::CredentialId.is_not_null())
            .column(activity::Column::CredentialId)
            .column_as(activity::Column::CredentialKind.max(), "credential_kind")
            .column_as(activity::Column::CredentialLabel.max(), "credential_label")
            .column_as(activity::Column::Id.count(), "requests")
            .column_as(failed(), "failed")
            .column_as(last_seen.clone(), "last_seen")
            .group_by(activity::Column::CredentialId)
            .order_by(last_seen, Order::Desc)
            .order_by_asc(activity::Column::CredentialId)
            .into_model::<CredentialUse>()
            .all(&self.reader)
            .await?;

        Ok(Report {
            counts,
            errors,
            credentials,
        })
    }
}

/// The records of the span and tenant, with no columns selected yet: with a tenant, a range of
/// `activity_by_tenant` (tenant_id, at); every tenant's, a scan (the log keeps no index of
/// time alone, which every recorded request would write).
fn span(
    tenant: Option<TenantId>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Select<activity::Entity> {
    activity::Entity::find()
        .select_only()
        .filter(activity::Column::At.gte(from))
        .filter(activity::Column::At.lt(to))
        .apply_if(tenant, |query, tenant| {
            query.filter(activity::Column::TenantId.eq(tenant.get()))
        })
}

/// The UTC calendar day of `at`. SQLite stores it as RFC 3339 text (`…T23:59:59+00:00`), which
/// `date()` reads with its offset; PostgreSQL's `timestamptz` is converted explicitly, since a
/// plain `::date` uses the session's time zone (sqlx sets UTC, a pooler or role setting may
/// not).
fn day(backend: DbBackend) -> SimpleExpr {
    match backend {
        DbBackend::Postgres => Expr::cust("(\"activity\".\"at\" AT TIME ZONE 'UTC')::date"),
        _ => Expr::cust("date(\"activity\".\"at\")"),
    }
}

/// How many of a group's records failed. COUNT of a CASE counts the non-null ones, and is a
/// BIGINT on PostgreSQL where SUM would be NUMERIC.
fn failed() -> SimpleExpr {
    Expr::cust("COUNT(CASE WHEN \"activity\".\"outcome\" = 'failed' THEN 1 END)")
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};

    use super::*;
    use crate::store::tests::fixture;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    async fn record(store: &Store, tenant: TenantId, at: DateTime<Utc>, status: i32, detail: &str) {
        activity::ActiveModel {
            at: Set(at),
            tenant_id: Set(Some(tenant.get())),
            credential_id: Set(Some("token:t".to_owned())),
            client: Set("okta".to_owned()),
            request_id: Set(Some(format!("req-{detail}"))),
            method: Set("POST".to_owned()),
            route: Set("/scim/v2/Users".to_owned()),
            operation: Set("create".to_owned()),
            status: Set(status),
            detail: Set(Some(detail.to_owned())),
            outcome: Set(if status < 400 { "succeeded" } else { "failed" }.to_owned()),
            latency_us: Set(1),
            ..Default::default()
        }
        .insert(&store.writer)
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn sub_second_times_stay_on_their_utc_day_and_in_their_span() {
        let f = fixture().await;
        for t in [
            "2025-03-03T23:59:59.999999999Z",
            "2025-03-04T00:00:00Z",
            "2025-03-04T00:00:00.000001Z",
        ] {
            record(&f.store, f.tenant, at(t), 201, "ok").await;
        }
        let report = f
            .store
            .report(
                Some(f.tenant),
                at("2025-03-03T00:00:00Z"),
                at("2025-03-05T00:00:00Z"),
            )
            .await
            .unwrap();
        let days: Vec<(String, i64)> = report
            .counts
            .iter()
            .map(|c| (c.day.to_string(), c.count))
            .collect();
        assert_eq!(days, [("2025-03-03".into(), 1), ("2025-03-04".into(), 2)]);
        // `to` is exclusive to the nanosecond; `from` inclusive.
        let report = f
            .store
            .report(
                Some(f.tenant),
                at("2025-03-04T00:00:00Z"),
                at("2025-03-04T00:00:00.000001Z"),
            )
            .await
            .unwrap();
        assert_eq!(report.counts.len(), 1);
        assert_eq!(report.counts[0].count, 1);
    }

    #[tokio::test]
    async fn the_top_errors_are_ten_most_frequent_first_and_the_tenants_own() {
        let f = fixture().await;
        let start = at("2025-03-04T00:00:00Z");
        for n in 0..12i64 {
            // Error n happens n + 1 times.
            for k in 0..=n {
                let t = start + Duration::minutes(n * 20 + k);
                record(&f.store, f.tenant, t, 400, &format!("error {n:02}")).await;
            }
        }
        record(&f.store, f.other, start, 409, "theirs").await;
        let report = f
            .store
            .report(Some(f.tenant), start, start + Duration::days(1))
            .await
            .unwrap();
        let details: Vec<&str> = report
            .errors
            .iter()
            .filter_map(|e| e.detail.as_deref())
            .collect();
        let expected: Vec<String> = (2..12).rev().map(|n| format!("error {n:02}")).collect();
        assert_eq!(details, expected);
        assert_eq!(report.errors[0].count, 12);
        assert_eq!(report.credentials.len(), 1);
        assert_eq!(report.credentials[0].requests, (1..=12).sum::<i64>());
        assert_eq!(report.credentials[0].failed, report.credentials[0].requests);
        let everyone = f
            .store
            .report(None, start, start + Duration::days(1))
            .await
            .unwrap();
        assert_eq!(everyone.credentials[0].requests, (1..=12).sum::<i64>() + 1);
    }
}
