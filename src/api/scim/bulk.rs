//! POST /Bulk (RFC 7644 §3.7). Each operation runs as the request it stands for would
//! (`writes`); runs of plain POSTs of one type are inserted in one transaction, so a large
//! import costs one commit per run instead of one per user, with a per-operation fallback
//! when the batch fails.
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

use crate::api::AppState;
use crate::api::http::auth::Tenant;
use crate::api::http::respond::{self, BaseUrl};
use crate::api::scim::writes::{self, new_write, prepare};
use crate::scim::ScimError;
use crate::scim::bulk::{self, BulkResult, Method, Operation};
use crate::scim::resource::Resource;
use crate::scim::schema::{Registry, ResourceKind};
use crate::store::{TenantId, Write};

/// Operations per request, advertised in /ServiceProviderConfig.
pub const MAX_OPERATIONS: usize = 1000;

/// POSTs inserted per transaction.
const BATCH: usize = 500;

pub async fn post_bulk(
    req: HttpRequest,
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    body: web::Json<Value>,
) -> Result<HttpResponse, ScimError> {
    let request = bulk::parse(&body, MAX_OPERATIONS)?;
    let registry = state.registry(&tenant).await?;
    let origin = super::endpoint::origin(&req, &tenant, &registry, &base);
    let mut run = Run {
        state: &state,
        registry: &registry,
        origin: &origin,
        tenant: tenant.id,
        base: &base.0,
        ids: HashMap::new(),
        results: vec![None; request.operations.len()],
        errors: 0,
        fail_on_errors: request.fail_on_errors,
        batch: Vec::new(),
    };
    for step in bulk::order(&request.operations) {
        if run.stopped() {
            break;
        }
        match step {
            Err(i) => {
                run.flush().await;
                if run.stopped() {
                    break;
                }
                run.fail(
                    &request.operations[i],
                    i,
                    ScimError::conflict(
                        "circular or unknown bulkId reference; it cannot be resolved",
                    ),
                );
            }
            Ok(i) => run.step(i, &request.operations[i]).await,
        }
    }
    run.flush().await;
    let results = run.results.into_iter().flatten().collect();
    Ok(respond::json(StatusCode::OK, &bulk::response(results)))
}

struct Run<'a> {
    state: &'a AppState,
    registry: &'a Registry,
    origin: &'a std::sync::Arc<crate::store::Origin>,
    tenant: TenantId,
    base: &'a str,
    /// bulkId → the id its POST created.
    ids: HashMap<String, String>,
    results: Vec<Option<BulkResult>>,
    errors: u64,
    /// Stop once this many operations have failed (RFC 7644 §3.7.3).
    fail_on_errors: Option<u64>,
    /// Validated POSTs waiting to be inserted together: (index, operation, write).
    batch: Vec<(usize, Operation, Write)>,
}

impl Run<'_> {
    /// RFC 7644 §3.7.3: once `failOnErrors` operations have failed, the rest are neither
    /// performed nor listed. Failures are only ever recorded in request order (a pending batch
    /// is inserted before anything after it is judged), so the count is exact.
    fn stopped(&self) -> bool {
        self.fail_on_errors
            .is_some_and(|limit| self.errors >= limit)
    }

    async fn step(&mut self, i: usize, op: &Operation) {
        if !bulk::references(op).is_empty() {
            // The ids it names may be in the batch, not yet written.
            self.flush().await;
            if self.stopped() {
                return;
            }
        }
        let op = bulk::substitute(op, &self.ids);
        if let Some(missing) = bulk::references(&op).into_iter().next() {
            return self.fail(
                &op,
                i,
                ScimError::conflict(format!(
                    "bulkId {missing:?} names no resource created in this request"
                )),
            );
        }
        if op.method == Method::Post {
            let Some(data) = &op.data else { return };
            let rt = self.registry.resource_type(op.kind);
            match prepare(self.state, rt, data)
                .await
                .and_then(|(p, hash)| new_write(rt, p, hash))
            {
                Ok(write) => {
                    if self
                        .batch
                        .first()
                        .is_some_and(|(_, b, _)| b.kind != op.kind)
                        || self.batch.len() >= BATCH
                    {
                        self.flush().await;
                        if self.stopped() {
                            return;
                        }
                    }
                    self.batch.push((i, op, write));
                }
                Err(err) => {
                    // The POSTs before it come first, and may already reach the limit.
                    self.flush().await;
                    if !self.stopped() {
                        self.fail(&op, i, err);
                    }
                }
            }
            return;
        }
        // Anything else may read what the batch writes: insert it first.
        self.flush().await;
        if self.stopped() {
            return;
        }
        let if_match = op.version.as_deref().map(|v| {
            v.trim_start_matches("W/")
                .trim_matches('"')
                .parse()
                .unwrap_or(-1)
        });
        let id = op.id.clone().unwrap_or_default();
        let data = op.data.clone().unwrap_or(Value::Null);
        // Bulk answers carry no resource bodies, so memberships are never loaded.
        let scope = writes::Scope {
            state: self.state,
            tenant: self.tenant,
            kind: op.kind,
            memberships: false,
            registry: self.registry,
            origin: self.origin,
        };
        let outcome = match op.method {
            Method::Put => writes::replace(scope, &id, if_match, &data).await.map(Some),
            Method::Patch => writes::patch(scope, &id, if_match, &data).await.map(Some),
            Method::Delete => writes::delete(scope, &id, if_match).await.map(|()| None),
            Method::Post => return,
        };
        match outcome {
            Ok(Some(resource)) => self.succeed(&op, i, 200, &resource),
            Ok(None) => {
                let location = format!("{}{}/{id}", self.base, op.kind.endpoint());
                self.results[i] = Some(bulk::result(&op, 204, Some(location), None, None));
            }
            Err(err) => self.fail(&op, i, err),
        }
    }

    /// Inserts the waiting POSTs in one transaction; if that fails (a duplicate userName,
    /// say), each is created on its own, in order, so every operation gets its own answer and
    /// `failOnErrors` stops at the same operation it would have without the batch.
    async fn flush(&mut self) {
        let batch = std::mem::take(&mut self.batch);
        let Some((_, first, _)) = batch.first() else {
            return;
        };
        let kind: ResourceKind = first.kind;
        let resources = self
            .state
            .store
            .tenant(self.tenant)
            .resources(kind)
            .memberships(false)
            .origin(std::sync::Arc::clone(self.origin));
        let writes: Vec<Write> = batch.iter().map(|(_, _, w)| w.clone()).collect();
        if let Ok(ids) = resources.import(&writes).await {
            for ((i, op, _), id) in batch.iter().zip(ids) {
                if let Some(b) = &op.bulk_id {
                    self.ids.insert(b.clone(), id.clone());
                }
                let location = format!("{}{}/{id}", self.base, kind.endpoint());
                self.results[*i] = Some(bulk::result(
                    op,
                    201,
                    Some(location),
                    Some("W/\"1\"".to_owned()),
                    None,
                ));
            }
            return;
        }
        for (i, op, write) in batch {
            if self.stopped() {
                break;
            }
            match resources.create(write).await {
                Ok(resource) => self.succeed(&op, i, 201, &resource),
                Err(err) => self.fail(&op, i, err.into()),
            }
        }
    }

    fn succeed(&mut self, op: &Operation, i: usize, status: u16, resource: &Resource) {
        if let Some(b) = &op.bulk_id {
            self.ids.insert(b.clone(), resource.id.clone());
        }
        self.results[i] = Some(bulk::result(
            op,
            status,
            Some(resource.location(self.base)),
            Some(resource.etag()),
            None,
        ));
    }

    fn fail(&mut self, op: &Operation, i: usize, err: ScimError) {
        self.errors += 1;
        self.results[i] = Some(bulk::result(op, err.status, None, None, Some(&err)));
    }
}
