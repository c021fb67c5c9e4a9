//! `GET /admin/v1/events`: a tenant's change feed (CONTRACT.md "Change events"), oldest first
//! after a `seq`, with long-polling; `scimd events` over HTTP.
use std::time::Duration;

use actix_web::{HttpResponse, http::header, web};
use serde::Deserialize;

use super::Admin;
use crate::api::AppState;
use crate::api::openapi::admin::{InternalServerError, TenantNotFound, Unauthorized};
use crate::scim::ScimError;
use crate::scim::event::{Envelope, TypeFilter};
use crate::store::{FeedError, Page};

/// Events one answer holds by default.
pub const DEFAULT_LIMIT: u64 = 100;
/// The most events one answer holds; a larger `limit` is lowered to it, as SCIM lowers a
/// `count` above `maxResults` (RFC 7644 §3.4.2.4): the reader pages on with `after` anyway.
pub const MAX_LIMIT: u64 = 1000;
/// The longest long-poll; a longer `wait` is lowered to it, so proxies' idle timeouts
/// (often 60 s or more) do not cut a waiting request.
pub const MAX_WAIT: Duration = Duration::from_secs(60);

/// The feed's query string.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct FeedQuery {
    /// The tenant whose events to read (required: `seq` counts per tenant). An unknown tenant
    /// is 404.
    #[param(required = true, example = "acme")]
    tenant: Option<String>,
    /// Answer the events with a `seq` above this one: the `after` of the previous answer.
    /// `0` (the default) starts at the first retained event. One below what retention
    /// removed is 410.
    #[param(value_type = Option<i64>, minimum = 0, example = 41)]
    after: Option<String>,
    /// At most this many events (1–1000, default 100); a larger value is lowered to 1000.
    #[param(value_type = Option<i64>, minimum = 1, example = 100)]
    limit: Option<String>,
    /// Only events of these types: comma-separated names (`user.created`) and prefixes
    /// (`user.*`, `group.member_*`). Absent: every type. A name that matches no event type
    /// is 400.
    #[param(example = "user.*,group.member_added")]
    types: Option<String>,
    /// Long-poll: when no event is there yet, wait this long (`2s`, `30s`, `1m`, or seconds as a
    /// number) for one to commit before answering, empty if none did. At most 60 s (a longer
    /// wait is lowered to it); absent: answer at once.
    #[param(example = "2s")]
    wait: Option<String>,
}

/// The feed's answer (documentation: the body is written from the stored envelopes' text).
#[derive(utoipa::ToSchema)]
#[schema(as = EventPage)]
#[allow(
    dead_code,
    reason = "describes the answer, which is written from stored text"
)]
pub(super) struct EventPage {
    /// The events, oldest first, each exactly as stored (and as webhooks deliver it).
    events: Vec<Envelope>,
    /// The `seq` of the last event in `events`, or the request's `after` when there is none:
    /// the next request's `after`.
    #[schema(examples(42))]
    after: i64,
}

/// What a valid query asks for.
#[derive(Debug)]
struct Request {
    tenant: String,
    after: i64,
    limit: u64,
    types: TypeFilter,
    wait: Duration,
}

impl TryFrom<FeedQuery> for Request {
    type Error = ScimError;

    fn try_from(query: FeedQuery) -> Result<Self, ScimError> {
        let tenant = query.tenant.filter(|t| !t.is_empty()).ok_or_else(|| {
            ScimError::invalid_value(
                "tenant is required: name the tenant whose events to read, e.g. \
                 ?tenant=acme (seq counts per tenant)",
            )
        })?;
        let after = match query.after.as_deref() {
            None | Some("") => 0,
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    ScimError::invalid_value(format!(
                        "after {text:?} is not a seq: use 0 or the after of the previous answer"
                    ))
                })?,
        };
        let limit = super::limit(query.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)?;
        let types = TypeFilter::parse(query.types.as_deref().unwrap_or(""))
            .map_err(|e| ScimError::invalid_value(format!("types: {e}")))?;
        Ok(Self {
            tenant,
            after,
            limit,
            types,
            wait: wait(query.wait.as_deref())?.min(MAX_WAIT),
        })
    }
}

/// `30s`, `1m`, `500ms` as humantime reads them, or a bare number of seconds.
fn wait(text: Option<&str>) -> Result<Duration, ScimError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(Duration::ZERO);
    };
    text.parse::<u64>()
        .map(Duration::from_secs)
        .or_else(|_| humantime::parse_duration(text))
        .map_err(|_| {
            ScimError::invalid_value(format!(
                "wait {text:?} is not a duration; use a form like 30s or 1m (at most 60s)"
            ))
        })
}

/// Read the change feed
///
/// A tenant's change events with a `seq` above `after`, oldest first, as stored (and as
/// webhooks deliver them). Page on with the answer's `after`. With `wait`, a request that
/// finds no event waits for the next commit (a new event answers within a second, also one
/// another scimd process on the same database wrote) and answers an empty list when the wait
/// expires. Events older than `SCIMD_EVENT_RETENTION` are gone: asking after one of them is
/// 410. `scimd events --tenant NAME` prints the same.
#[utoipa::path(
    get,
    path = "/admin/v1/events",
    tag = "Admin",
    operation_id = "readEvents",
    security(("adminToken" = [])),
    params(FeedQuery),
    responses(
        (status = 200, description = "The events after `after` (none when the wait expired)",
            body = EventPage,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, description = "`tenant` is missing, or `after`, `limit`, `types` or \
            `wait` is malformed", body = ref("#/components/schemas/Error"),
            content_type = "application/scim+json"),
        Unauthorized,
        TenantNotFound,
        (status = 410, description = "Retention removed events after `after`: the reader \
            missed some. Resynchronise from `GET /scim/v2/Users` and `GET /scim/v2/Groups`, \
            then read on from the `seq` the detail names", body = ref("#/components/schemas/Error"),
            content_type = "application/scim+json"),
        InternalServerError,
    )
)]
pub(super) async fn feed(
    admin: Admin,
    state: web::Data<AppState>,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, ScimError> {
    let request = Request::try_from(query.into_inner())?;
    let tenant = admin.tenant(&state, &request.tenant).await?;
    let events = state.store.events();
    let answer = events
        .wait(
            tenant.id,
            request.after,
            request.limit,
            &request.types,
            request.wait,
        )
        .await;
    let page = match answer {
        Ok(page) => page,
        Err(FeedError::Gone { pruned_through }) => {
            let last = events.last_seq(tenant.id).await?;
            return Err(gone(request.after, pruned_through, last));
        }
        Err(FeedError::Store(e)) => return Err(e.into()),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("application/json")
        .body(body(&page)))
}

/// The 410 of a reader that fell behind retention: what it missed and how to go on.
fn gone(after: i64, pruned_through: i64, last: i64) -> ScimError {
    ScimError::new(
        410,
        None,
        format!(
            "the events after seq {after} are gone: retention (SCIMD_EVENT_RETENTION) removed \
             those up to seq {pruned_through}, so this reader missed changes. Resynchronise \
             from GET /scim/v2/Users and GET /scim/v2/Groups, then continue with after={last}"
        ),
    )
}

/// `{"events": [...], "after": N}` with each envelope's stored text as is: re-serialising it
/// could change the bytes a webhook receiver verified.
fn body(page: &Page) -> String {
    let size = page
        .events
        .iter()
        .map(|e| e.envelope.len() + 1)
        .sum::<usize>();
    let mut out = String::with_capacity(size + 40);
    out.push_str("{\"events\":[");
    for (i, event) in page.events.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&event.envelope);
    }
    out.push_str("],\"after\":");
    out.push_str(&page.after.to_string());
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::events::Stored;

    fn query(pairs: &[(&str, &str)]) -> Result<Request, ScimError> {
        let text: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let parsed = web::Query::<FeedQuery>::from_query(&text.join("&")).unwrap();
        Request::try_from(parsed.into_inner())
    }

    #[test]
    fn defaults_read_from_the_first_retained_event_without_waiting() {
        let request = query(&[("tenant", "acme")]).unwrap();
        assert_eq!(request.after, 0);
        assert_eq!(request.limit, DEFAULT_LIMIT);
        assert_eq!(request.wait, Duration::ZERO);
        assert_eq!(request.types, TypeFilter::default());
    }

    #[test]
    fn a_limit_or_wait_beyond_the_maximum_is_lowered_to_it() {
        let request = query(&[("tenant", "a"), ("limit", "5000"), ("wait", "5m")]).unwrap();
        assert_eq!(request.limit, MAX_LIMIT);
        assert_eq!(request.wait, MAX_WAIT);
        let request = query(&[("tenant", "a"), ("wait", "7")]).unwrap();
        assert_eq!(request.wait, Duration::from_secs(7));
    }

    #[test]
    fn malformed_parameters_are_400s_that_name_them() {
        for (pairs, named) in [
            (vec![], "tenant"),
            (vec![("tenant", "")], "tenant"),
            (vec![("tenant", "a"), ("after", "-1")], "after"),
            (vec![("tenant", "a"), ("after", "x")], "after"),
            (vec![("tenant", "a"), ("limit", "0")], "limit"),
            (vec![("tenant", "a"), ("types", "user.renamed")], "types"),
            (vec![("tenant", "a"), ("wait", "soon")], "wait"),
        ] {
            let err = query(&pairs).unwrap_err();
            assert_eq!(err.status, 400, "{pairs:?}");
            assert!(err.detail.starts_with(named), "{pairs:?}: {}", err.detail);
        }
    }

    #[test]
    fn the_body_embeds_the_stored_text_byte_for_byte() {
        let stored = |seq: i64, text: &str| Stored {
            seq,
            id: seq.to_string(),
            event_type: "user.created".to_owned(),
            envelope: text.to_owned(),
        };
        let page = Page {
            events: vec![
                stored(3, r#"{"seq":3, "b":1,"a":2}"#),
                stored(4, r#"{"seq":4}"#),
            ],
            after: 4,
        };
        assert_eq!(
            body(&page),
            r#"{"events":[{"seq":3, "b":1,"a":2},{"seq":4}],"after":4}"#
        );
        let empty = Page {
            events: Vec::new(),
            after: 9,
        };
        assert_eq!(body(&empty), r#"{"events":[],"after":9}"#);
    }
}
