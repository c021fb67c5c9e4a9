//! `GET /admin/v1/report`: the provisioning report (issue 18) over HTTP, as `scimd report
//! --json` prints it: counts per UTC day, operation and outcome, the most frequent errors and
//! the credentials used in a span.
use actix_web::{HttpResponse, http::StatusCode, web};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::Admin;
use crate::api::AppState;
use crate::api::openapi::admin::{InternalServerError, TenantNotFound, Unauthorized};
use crate::scim::ScimError;
use crate::store::{CredentialUse, DayCount, ErrorGroup, Report};

/// The span a report covers without `since` or `from`: a week, the rhythm operators review
/// provisioning in.
pub(crate) const DEFAULT_SPAN: Duration = Duration::days(7);

/// The report's query string.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ReportQuery {
    /// The tenant to report on. Without it, `all=true` is required. An unknown tenant is 404.
    #[param(example = "acme")]
    tenant: Option<String>,
    /// `true`: report on every tenant together (and on records no tenant was known for, such as
    /// 401s), when `tenant` is absent.
    #[param(value_type = Option<bool>, example = true)]
    all: Option<String>,
    /// The span ending now: `7d`, `24h`, `30m` (humantime). Not with `from`. Default: `7d`.
    #[param(example = "7d")]
    since: Option<String>,
    /// The span's start (RFC 3339), inclusive. Without `to`, the span ends now.
    #[param(value_type = Option<String>, format = DateTime, example = "2026-12-01T00:00:00Z")]
    from: Option<String>,
    /// The span's end (RFC 3339), exclusive. Without `from` or `since`, the span is the 7 days
    /// before it.
    #[param(value_type = Option<String>, format = DateTime, example = "2026-12-08T00:00:00Z")]
    to: Option<String>,
}

/// The report: `scimd report --json` prints the same object.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReportView {
    /// The tenant reported on; `null`: every tenant (`all=true`).
    #[schema(examples("acme"))]
    tenant: Option<String>,
    /// The span's start, inclusive.
    #[schema(value_type = String, format = DateTime)]
    from: DateTime<Utc>,
    /// The span's end, exclusive.
    #[schema(value_type = String, format = DateTime)]
    to: DateTime<Utc>,
    /// Records per UTC day, operation and outcome, ordered by day, operation, outcome; a
    /// combination with no record is absent.
    days: Vec<DayView>,
    /// The 10 most frequent failures, most frequent first.
    errors: Vec<ErrorView>,
    /// The credentials that made requests in the span, most recently seen first.
    credentials: Vec<CredentialView>,
}

/// How many records one UTC day has of one operation and outcome.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DayView {
    /// The UTC calendar day.
    #[schema(value_type = String, format = Date, examples("2026-12-04"))]
    day: NaiveDate,
    /// `create`, `replace`, `patch`, `delete`, `member_add`, `member_remove`, `bulk`, `list`,
    /// `get`, `search`, `auth_failed`, `rate_limited`, or an admin action (`token_create`).
    #[schema(examples("create"))]
    operation: String,
    /// `succeeded` (2xx, 304) or `failed`.
    #[schema(examples("succeeded"))]
    outcome: String,
    #[schema(examples(42))]
    count: i64,
}

/// Failures that answered alike.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorView {
    /// The HTTP status answered.
    #[schema(examples(409))]
    status: i32,
    /// The SCIM `scimType` answered, if any.
    #[schema(examples("uniqueness"))]
    scim_type: Option<String>,
    /// The SCIM `detail` answered.
    #[schema(examples("userName is not unique"))]
    detail: Option<String>,
    #[schema(examples("create"))]
    operation: String,
    /// How many records failed this way in the span.
    #[schema(examples(17))]
    count: i64,
    /// One of these requests' ids, to find it with `scimd activity` and in the request log.
    #[schema(examples("0193a5f0-7c1e-7d2a-9b1c-3e4f5a6b7c8d"))]
    example_request_id: Option<String>,
    /// When the last of them arrived.
    #[schema(value_type = String, format = DateTime)]
    last_at: DateTime<Utc>,
}

/// One credential's requests in the span.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CredentialView {
    #[schema(examples("token:3f2b8c1e-5d4a-4e0b-9a53-2f1c0d9e7b61"))]
    credential_id: String,
    /// `token`, `oauth_client`, `jwt` or `admin`.
    #[schema(examples("token"))]
    credential_kind: Option<String>,
    #[schema(examples("Entra ID production"))]
    credential_label: Option<String>,
    /// Its records in the span.
    #[schema(examples(1200))]
    requests: i64,
    /// How many of them failed.
    #[schema(examples(3))]
    failed: i64,
    /// Its latest record in the span.
    #[schema(value_type = String, format = DateTime)]
    last_seen: DateTime<Utc>,
}

impl ReportView {
    pub(crate) fn new(
        tenant: Option<String>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        report: Report,
    ) -> Self {
        Self {
            tenant,
            from,
            to,
            days: report.counts.into_iter().map(DayView::from).collect(),
            errors: report.errors.into_iter().map(ErrorView::from).collect(),
            credentials: report
                .credentials
                .into_iter()
                .map(CredentialView::from)
                .collect(),
        }
    }
}

impl From<DayCount> for DayView {
    fn from(c: DayCount) -> Self {
        Self {
            day: c.day,
            operation: c.operation,
            outcome: c.outcome,
            count: c.count,
        }
    }
}

impl From<ErrorGroup> for ErrorView {
    fn from(e: ErrorGroup) -> Self {
        Self {
            status: e.status,
            scim_type: e.scim_type,
            detail: e.detail,
            operation: e.operation,
            count: e.count,
            example_request_id: e.example_request_id,
            last_at: e.last_at,
        }
    }
}

impl From<CredentialUse> for CredentialView {
    fn from(c: CredentialUse) -> Self {
        Self {
            credential_id: c.credential_id,
            credential_kind: c.credential_kind,
            credential_label: c.credential_label,
            requests: c.requests,
            failed: c.failed,
            last_seen: c.last_seen,
        }
    }
}

/// The span `[from, to)` of `since` (ending at `to`, else now), or of `from` and `to`; the
/// [`DEFAULT_SPAN`] before `to` when neither `since` nor `from` is given. The CLI's flags mean
/// the same.
pub(crate) fn span(
    since: Option<Duration>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
    let to = to.unwrap_or(now);
    let from = match (since, from) {
        (Some(_), Some(_)) => return Err("since and from exclude each other: pass one".into()),
        (None, Some(from)) => from,
        (since, None) => to
            .checked_sub_signed(since.unwrap_or(DEFAULT_SPAN))
            .ok_or("since reaches before the first date scimd can store; use a shorter one")?,
    };
    if from >= to {
        return Err(format!(
            "the span is empty: from {from} is not before to {to}"
        ));
    }
    Ok((from, to))
}

/// What a valid query asks for.
#[derive(Debug, PartialEq, Eq)]
struct Request {
    /// `None`: every tenant.
    tenant: Option<String>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

impl Request {
    fn parse(query: ReportQuery, now: DateTime<Utc>) -> Result<Self, ScimError> {
        let all = match query.all.as_deref() {
            None | Some("" | "false") => false,
            Some("true") => true,
            Some(text) => {
                return Err(ScimError::invalid_value(format!(
                    "all {text:?} is not true or false"
                )));
            }
        };
        let tenant = query.tenant.filter(|t| !t.is_empty());
        if tenant.is_none() && !all {
            return Err(ScimError::invalid_value(
                "name the tenant to report on with tenant=NAME, or pass all=true to report on \
                 every tenant",
            ));
        }
        let since = nonempty(query.since)
            .map(|text| super::duration("since", &text))
            .transpose()?;
        let from = nonempty(query.from)
            .map(|text| super::instant("from", &text))
            .transpose()?;
        let to = nonempty(query.to)
            .map(|text| super::instant("to", &text))
            .transpose()?;
        let (from, to) = span(since, from, to, now).map_err(ScimError::invalid_value)?;
        Ok(Self { tenant, from, to })
    }
}

fn nonempty(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.trim().is_empty())
}

/// Report on provisioning
///
/// What the activity log holds for a tenant (or, with `all=true`, for every tenant) in a span:
/// records per UTC day, operation and outcome; the 10 most frequent failures with an example
/// request id; and each credential's requests, failures and last use. The span is `since`
/// (ending now) or `from`–`to`, by default the last 7 days. `scimd report --json` prints the
/// same.
#[utoipa::path(
    get,
    path = "/admin/v1/report",
    tag = "Admin",
    operation_id = "readReport",
    security(("adminToken" = [])),
    params(ReportQuery),
    responses(
        (status = 200, description = "The report", body = ReportView,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, description = "Neither `tenant` nor `all=true`; `since` with `from`; \
            a malformed duration or time; or an empty span", body = ref("#/components/schemas/Error"),
            content_type = "application/scim+json"),
        Unauthorized,
        TenantNotFound,
        InternalServerError,
    )
)]
pub(super) async fn report(
    admin: Admin,
    state: web::Data<AppState>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ScimError> {
    let request = Request::parse(query.into_inner(), Utc::now())?;
    let scope = match &request.tenant {
        Some(name) => Some(admin.tenant(&state, name).await?),
        None => None,
    };
    let report = state
        .store
        .report(scope.as_ref().map(|t| t.id), request.from, request.to)
        .await?;
    let view = ReportView::new(scope.map(|t| t.name), request.from, request.to, report);
    Ok(super::reply(StatusCode::OK, &view))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn parse(pairs: &[(&str, &str)]) -> Result<Request, ScimError> {
        let text: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let query = web::Query::<ReportQuery>::from_query(&text.join("&")).unwrap();
        Request::parse(query.into_inner(), at("2026-12-08T12:00:00Z"))
    }

    #[test]
    fn the_default_span_is_the_last_seven_days() {
        let request = parse(&[("tenant", "acme")]).unwrap();
        assert_eq!(request.tenant.as_deref(), Some("acme"));
        assert_eq!(request.from, at("2026-12-01T12:00:00Z"));
        assert_eq!(request.to, at("2026-12-08T12:00:00Z"));
    }

    #[test]
    fn since_ends_now_and_from_to_are_taken_as_given() {
        let request = parse(&[("all", "true"), ("since", "24h")]).unwrap();
        assert_eq!(request.tenant, None);
        assert_eq!(request.from, at("2026-12-07T12:00:00Z"));
        let request = parse(&[
            ("tenant", "a"),
            ("from", "2026-12-01T00:00:00Z"),
            ("to", "2026-12-03T00:00:00%2B01:00"),
        ])
        .unwrap();
        assert_eq!(request.from, at("2026-12-01T00:00:00Z"));
        assert_eq!(request.to, at("2026-12-02T23:00:00Z"));
    }

    #[test]
    fn malformed_parameters_are_400s_that_name_them() {
        for (pairs, named) in [
            (vec![], "tenant=NAME"),
            (vec![("all", "false")], "all=true"),
            (vec![("all", "yes")], "all \"yes\""),
            (vec![("tenant", "a"), ("since", "soon")], "since \"soon\""),
            (
                vec![("tenant", "a"), ("from", "yesterday")],
                "from \"yesterday\"",
            ),
            (
                vec![("tenant", "a"), ("to", "2026-12-01")],
                "to \"2026-12-01\"",
            ),
            (
                vec![
                    ("tenant", "a"),
                    ("since", "1d"),
                    ("from", "2026-12-01T00:00:00Z"),
                ],
                "since and from",
            ),
            (
                vec![("tenant", "a"), ("from", "2026-12-09T00:00:00Z")],
                "the span is empty",
            ),
        ] {
            let err = parse(&pairs).unwrap_err();
            assert_eq!(err.status, 400, "{pairs:?}");
            assert!(err.detail.contains(named), "{pairs:?}: {}", err.detail);
        }
    }
}
