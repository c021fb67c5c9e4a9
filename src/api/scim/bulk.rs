//! POST /Bulk (RFC 7644 §3.7). Each operation runs as the request it stands for would
//! (`writes`); runs of plain POSTs of one type are inserted in one transaction, so a large
//! import costs one commit per run instead of one per user, with a per-operation fallback
//! when the batch fails.
use std::collections::HashMap;
use std::sync::Arc;

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
use crate::store::{Origin, Slot, TenantId, Write};

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
        slots: vec![None; request.operations.len()],
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
    /// The Bulk request's origin; each operation writes with one of its own
    /// ([`Run::origin_of`]), so each gets its own activity record.
    origin: &'a Arc<Origin>,
    /// Each operation's activity record, once it started.
    slots: Vec<Option<Slot>>,
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
        self.start(i, op);
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
        let origin = self.origin_of(i);
        let scope = writes::Scope {
            state: self.state,
            tenant: self.tenant,
            kind: op.kind,
            memberships: false,
            registry: self.registry,
            origin: &origin,
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
                self.log(i, 204, None);
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
        let (store, tenant) = (&self.state.store, self.tenant);
        let resources = |origin: Arc<Origin>| {
            store
                .tenant(tenant)
                .resources(kind)
                .memberships(false)
                .origin(origin)
        };
        let writes: Vec<Write> = batch.iter().map(|(_, _, w)| w.clone()).collect();
        // One draft for the run, written once per resource with the change.
        let run = Arc::new(Origin {
            activity: self
                .origin
                .activity
                .as_ref()
                .map(|parent| parent.operation("POST", "create", first.kind.as_str())),
            ..Origin::clone(self.origin)
        });
        if let Ok(ids) = resources(run).import(&writes).await {
            for ((i, op, _), id) in batch.iter().zip(ids) {
                if let Some(Some(slot)) = self.slots.get(*i) {
                    slot.update(|draft| draft.recorded = true);
                }
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
            match resources(self.origin_of(i)).create(write).await {
                Ok(resource) => self.succeed(&op, i, 201, &resource),
                Err(err) => self.fail(&op, i, err.into()),
            }
        }
    }

    /// Opens operation `i`'s activity record (a Bulk request's own record is the
    /// middleware's).
    fn start(&mut self, i: usize, op: &Operation) {
        let Some(parent) = &self.origin.activity else {
            return;
        };
        let (method, operation) = match op.method {
            Method::Post => ("POST", "create"),
            Method::Put => ("PUT", "replace"),
            Method::Patch => ("PATCH", "patch"),
            Method::Delete => ("DELETE", "delete"),
        };
        let slot = parent.operation(method, operation, op.kind.as_str());
        slot.update(|draft| {
            draft.resource_id = op.id.as_ref().map(|id| id.chars().take(256).collect());
            if let Some(data) = &op.data {
                draft.note_identifiers(data);
            }
        });
        if let Some(entry) = self.slots.get_mut(i) {
            *entry = Some(slot);
        }
    }

    /// The origin operation `i` writes with: the request's, with the operation's record.
    fn origin_of(&self, i: usize) -> Arc<Origin> {
        Arc::new(Origin {
            activity: self.slots.get(i).cloned().flatten(),
            ..Origin::clone(self.origin)
        })
    }

    /// Queues operation `i`'s record unless the write seam wrote it with the change.
    fn log(&self, i: usize, status: u16, err: Option<&ScimError>) {
        let (Some(Some(slot)), Some(sink)) = (self.slots.get(i), &self.state.activity) else {
            return;
        };
        let draft = slot.snapshot();
        if draft.recorded && err.is_none() {
            return;
        }
        sink.send(draft.answered(status, err));
    }

    fn succeed(&mut self, op: &Operation, i: usize, status: u16, resource: &Resource) {
        self.log(i, status, None);
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
        if self.slots.get(i).is_some_and(Option::is_none) {
            self.start(i, op);
        }
        self.log(i, err.status, Some(&err));
        self.errors += 1;
        self.results[i] = Some(bulk::result(op, err.status, None, None, Some(&err)));
    }
}
