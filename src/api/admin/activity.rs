//! `GET /admin/v1/activity`: the provisioning activity log, newest first, with the filters an
//! operator debugging a failed provisioning reaches for; `scimd activity` over HTTP.
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Admin, instant, reply};
use crate::api::AppState;
use crate::api::openapi::admin::{InternalServerError, TenantNotFound, Unauthorized};
use crate::scim::ScimError;
use crate::store::activity::{Cursor, Entry, Filter, Outcome};

/// Records one answer holds by default.
pub const DEFAULT_LIMIT: u64 = 100;
/// The most records one answer holds; a larger `limit` is lowered to it.
pub const MAX_LIMIT: u64 = 1000;

/// The log's query string.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ActivityQuery {
    /// Only this tenant's records. Without it, `all=true` is required: one tenant's view
    /// never mixes in another's unless asked.
    #[param(example = "acme")]
    tenant: Option<String>,
    /// `true`: every tenant's records (and those of requests no tenant was known for).
    #[param(value_type = Option<bool>)]
    all: Option<String>,
    /// An end user or group: its id, `userName`, `externalId` or `displayName`,
    /// case-insensitively.
    #[param(example = "alice@example.com")]
    user: Option<String>,
    /// A credential: its id (`token:<id>`, or the bare id) or its label.
    #[param(example = "Entra ID production")]
    credential: Option<String>,
    /// `create`, `replace`, `patch`, `delete`, `member_add`, `member_remove`, `bulk`, `list`,
    /// `get`, `search`, `auth_failed`, `rate_limited`, or an admin action (`token_create`…).
    #[param(example = "patch")]
    operation: Option<String>,
    /// `succeeded` (2xx and 304) or `failed`.
    #[param(example = "failed")]
    outcome: Option<String>,
    /// Only records of this last span (`24h`, `7d`); not with `from`/`to`.
    #[param(example = "24h")]
    since: Option<String>,
    /// Only records at or after this time (RFC 3339).
    #[param(example = "2026-12-01T00:00:00Z")]
    from: Option<String>,
    /// Only records before this time (RFC 3339).
    #[param(example = "2026-12-02T00:00:00Z")]
    to: Option<String>,
    /// At most this many records (1–1000, default 100).
    #[param(value_type = Option<i64>, minimum = 1, example = 100)]
    limit: Option<String>,
    /// The `next` of the previous answer: the page of older records.
    cursor: Option<String>,
}

/// A page of the log.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ActivityPage)]
pub(crate) struct ActivityPage {
    /// Newest first.
    pub records: Vec<Entry>,
    /// The `cursor` of the next (older) page; `null` on the last one.
    pub next: Option<String>,
}

/// What a valid query asks for: the filter, and the tenant it names (resolved by the caller).
pub(crate) struct Asked {
    pub tenant: Option<String>,
    pub filter: Filter,
}

/// Bounds of a span, each optional: `[from, to)`.
type Bounds = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// A time span as `since` (a duration back from now) or `from`, with an optional `to`;
/// `since` with `from` is refused.
fn span(since: Option<&str>, from: Option<&str>, to: Option<&str>) -> Result<Bounds, ScimError> {
    fn given(text: Option<&str>) -> Option<&str> {
        text.filter(|t| !t.trim().is_empty())
    }
    let from = given(from).map(|t| instant("from", t)).transpose()?;
    let to = given(to).map(|t| instant("to", t)).transpose()?;
    match given(since) {
        Some(_) if from.is_some() => Err(ScimError::invalid_value(
            "since and from exclude each other: give a span back from now (since=24h) or a \
             start (from=…)",
        )),
        Some(text) => {
            let back = super::duration("since", text)?;
            let from = Utc::now().checked_sub_signed(back).ok_or_else(|| {
                ScimError::invalid_value(format!(
                    "since {text:?} reaches before the first date scimd can store; use a \
                     shorter one"
                ))
            })?;
            Ok((Some(from), to))
        }
        None => Ok((from, to)),
    }
}

impl TryFrom<ActivityQuery> for Asked {
    type Error = ScimError;

    fn try_from(query: ActivityQuery) -> Result<Self, ScimError> {
        let tenant = query.tenant.filter(|t| !t.is_empty());
        let all = match query.all.as_deref() {
            None | Some("" | "false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(ScimError::invalid_value(format!(
                    "all {other:?} is neither true nor false"
                )));
            }
        };
        if tenant.is_none() && !all {
            return Err(ScimError::invalid_value(
                "name a tenant (?tenant=acme), or ask for every tenant's records with all=true",
            ));
        }
        let outcome = query
            .outcome
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(str::parse::<Outcome>)
            .transpose()
            .map_err(ScimError::invalid_value)?;
        let (from, to) = span(
            query.since.as_deref(),
            query.from.as_deref(),
            query.to.as_deref(),
        )?;
        let limit = super::limit(query.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)?;
        let cursor = query
            .cursor
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(str::parse::<Cursor>)
            .transpose()
            .map_err(ScimError::invalid_cursor)?;
        let text = |v: Option<String>| v.filter(|t| !t.is_empty());
        Ok(Self {
            tenant,
            filter: Filter {
                tenant: None,
                user: text(query.user),
                credential: text(query.credential),
                operation: text(query.operation),
                outcome,
                from,
                to,
                limit,
                cursor,
            },
        })
    }
}

/// Read the provisioning activity log
///
/// What each IdP (and the admin) did and what scimd answered: one record per SCIM request that
/// writes or fails (per operation of a Bulk request, too), per admin action, and per read when
/// `SCIMD_ACTIVITY_READS` is on. Newest first; page on with `cursor`. Records hold
/// identifiers (`userName`, `externalId`, a group's `displayName`), never attribute values,
/// passwords or tokens, and are kept for `SCIMD_ACTIVITY_RETENTION`. `scimd activity`
/// prints the same.
#[utoipa::path(
    get,
    path = "/admin/v1/activity",
    tag = "Admin",
    operation_id = "readActivity",
    security(("adminToken" = [])),
    params(ActivityQuery),
    responses(
        (status = 200, description = "The records, newest first", body = ActivityPage,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, description = "Neither `tenant` nor `all=true`, or a malformed \
            filter, time, limit or cursor", body = ref("#/components/schemas/Error"),
            content_type = "application/scim+json"),
        Unauthorized,
        TenantNotFound,
        InternalServerError,
    )
)]
pub(super) async fn list(
    admin: Admin,
    state: web::Data<AppState>,
    query: web::Query<ActivityQuery>,
) -> Result<HttpResponse, ScimError> {
    let Asked { tenant, mut filter } = Asked::try_from(query.into_inner())?;
    if let Some(name) = &tenant {
        filter.tenant = Some(admin.tenant(&state, name).await?.id);
    }
    // What this process answered before is in the log when the operator looks.
    if let Some(sink) = &state.activity {
        sink.flush().await;
    }
    let page = state.store.activity().list(&filter).await?;
    Ok(reply(
        actix_web::http::StatusCode::OK,
        &ActivityPage {
            records: page.entries,
            next: page.next.map(|c| c.to_string()),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(text: &str) -> Result<Asked, ScimError> {
        let parsed = web::Query::<ActivityQuery>::from_query(text).unwrap();
        Asked::try_from(parsed.into_inner())
    }

    #[test]
    fn a_tenant_or_all_is_required() {
        assert_eq!(asked("").err().map(|e| e.status), Some(400));
        assert!(asked("all=true").unwrap().tenant.is_none());
        assert_eq!(
            asked("tenant=acme").unwrap().tenant.as_deref(),
            Some("acme")
        );
    }

    #[test]
    fn malformed_filters_are_400s_that_name_them() {
        for (text, named) in [
            ("tenant=a&outcome=maybe", "outcome"),
            ("tenant=a&since=soon", "since"),
            ("tenant=a&from=yesterday", "from"),
            ("tenant=a&since=1h&from=2026-01-01T00:00:00Z", "since"),
            ("tenant=a&to=tomorrow", "to"),
            ("tenant=a&since=100000000y", "since"),
            ("tenant=a&limit=0", "limit"),
            ("tenant=a&cursor=nope", "cursor"),
            ("tenant=a&all=maybe", "all"),
        ] {
            let err = asked(text).err().unwrap();
            assert_eq!(err.status, 400, "{text}");
            assert!(err.detail.starts_with(named), "{text}: {}", err.detail);
        }
    }

    #[test]
    fn since_counts_back_from_now_and_limit_is_capped() {
        let asked = asked("tenant=a&since=24h&limit=5000").unwrap();
        let from = asked.filter.from.unwrap();
        let back = Utc::now() - from;
        assert!((back.num_minutes() - 24 * 60).abs() <= 1, "{back}");
        assert_eq!(asked.filter.limit, MAX_LIMIT);
    }
}
