//! Group membership as a table (RFC 7643 §4.2 `members`, §4.1 `groups`): set, read, and
//! detach on delete. Members that do not exist in the tenant are dropped, never stored.
use std::collections::{HashMap, HashSet};

use entity::{group_member, resource};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::convert::kind_of;
use super::{StoreError, TenantId, now};
use crate::scim::event::GroupAt;
use crate::scim::filter::eval::member_matches;
use crate::scim::filter::{MemberSelection, member_selection};
use crate::scim::id::ResourceId;
use crate::scim::patch::MemberChange;
use crate::scim::resource::MemberInput;
use crate::scim::schema::ResourceKind;

mod read;
#[cfg(test)]
mod tests;

pub(super) use read::{groups_of, members_of};

/// Rows per statement, well under SQLite's and PostgreSQL's bound-parameter limits.
const CHUNK: usize = 500;

/// How many levels of nested groups count: a User is in the groups that contain it, the
/// groups containing those, and so on up to this depth (RFC 7643 §4.1.2 `groups` "either
/// direct or indirect"). `User.groups` (`groups_of`) and a filter on `groups`
/// (`condition`'s recursive walk) both stop here, so what a User shows and what a filter
/// finds it by agree. It also bounds the walk over a cycle of groups.
pub(super) const MAX_NESTING: u32 = 32;

/// What a write did to a group's members: the change events it makes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Delta {
    pub added: Vec<(String, ResourceKind)>,
    pub removed: Vec<(String, ResourceKind)>,
}

impl Delta {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }

    /// `self` then `next`; a member removed and added again (or the reverse) nets out.
    pub fn then(mut self, next: Delta) -> Delta {
        for (id, kind) in next.removed {
            match self.added.iter().position(|(a, _)| *a == id) {
                Some(i) => {
                    self.added.remove(i);
                }
                None => self.removed.push((id, kind)),
            }
        }
        for (id, kind) in next.added {
            match self.removed.iter().position(|(r, _)| *r == id) {
                Some(i) => {
                    self.removed.remove(i);
                }
                None => self.added.push((id, kind)),
            }
        }
        self
    }
}

/// The current members of `group_id`, with their types.
async fn current<C: ConnectionTrait>(
    conn: &C,
    group_id: &str,
) -> Result<Vec<(String, ResourceKind)>, StoreError> {
    let rows: Vec<(String, String)> = group_member::Entity::find()
        .select_only()
        .column(group_member::Column::MemberId)
        .column(group_member::Column::MemberType)
        .filter(group_member::Column::GroupId.eq(group_id))
        .into_tuple()
        .all(conn)
        .await?;
    rows.into_iter()
        .map(|(id, kind)| Ok((id, kind_of(&kind)?)))
        .collect()
}

/// Replaces the members of `group_id` with those of `inputs` that exist in the tenant.
pub(super) async fn set<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    group_id: &str,
    inputs: &[MemberInput],
) -> Result<Delta, StoreError> {
    let before = current(conn, group_id).await?;
    group_member::Entity::delete_many()
        .filter(group_member::Column::TenantId.eq(tenant.get()))
        .filter(group_member::Column::GroupId.eq(group_id))
        .exec(conn)
        .await?;
    let found = resolve(conn, tenant, group_id, inputs).await?;
    for chunk in found.chunks(CHUNK) {
        let rows = chunk.iter().map(|m| m.row(tenant, group_id));
        group_member::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
    }
    let was: HashSet<&str> = before.iter().map(|(id, _)| id.as_str()).collect();
    let now_in: HashSet<&str> = found.iter().map(|m| m.id.as_str()).collect();
    let mut seen = HashSet::new();
    Ok(Delta {
        added: found
            .iter()
            .filter(|m| !was.contains(m.id.as_str()) && seen.insert(m.id.as_str()))
            .map(|m| (m.id.clone(), m.kind))
            .collect(),
        removed: before
            .iter()
            .filter(|(id, _)| !now_in.contains(id.as_str()))
            .cloned()
            .collect(),
    })
}

/// Applies a PATCH's membership change row by row: the cost follows the change, not the
/// group's size (except for `members[…]` filters on more than the member id).
pub(super) async fn apply<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    group_id: &str,
    change: &MemberChange,
) -> Result<Delta, StoreError> {
    let mut delta = Delta::default();
    if let Some(list) = &change.replace {
        delta = set(conn, tenant, group_id, list).await?;
    }
    let mut gone: Vec<String> = change.remove.clone();
    for inner in &change.remove_where {
        match member_selection(inner) {
            MemberSelection::Id(id) => gone.push(id.to_owned()),
            MemberSelection::Matching(inner) => {
                let current = members_of(conn, &[group_id.to_owned()]).await?;
                gone.extend(
                    current
                        .into_values()
                        .flatten()
                        .filter(|m| member_matches(inner, m))
                        .map(|m| m.value),
                );
            }
        }
    }
    let mut removed = Vec::new();
    for chunk in gone.chunks(CHUNK) {
        // One statement: the rows it deleted are the members that were there.
        let delete = Query::delete()
            .from_table(group_member::Entity)
            .and_where(group_member::Column::TenantId.eq(tenant.get()))
            .and_where(group_member::Column::GroupId.eq(group_id))
            .and_where(group_member::Column::MemberId.is_in(chunk.iter().cloned()))
            .returning(Query::returning().columns([
                group_member::Column::MemberId,
                group_member::Column::MemberType,
            ]))
            .to_owned();
        removed.extend(members_returned(conn, conn.get_database_backend().build(&delete)).await?);
    }
    let removed = in_order(&gone, removed);
    delta = delta.then(Delta {
        added: Vec::new(),
        removed,
    });
    if change.add.is_empty() {
        return Ok(delta);
    }
    let found = resolve(conn, tenant, group_id, &change.add).await?;
    let mut seen = HashSet::new();
    let found: Vec<&Found> = found
        .iter()
        .filter(|m| seen.insert(m.id.as_str()))
        .collect();
    let mut added = Vec::new();
    for chunk in found.chunks(CHUNK) {
        // One statement: the rows it inserted are the members that were not there yet.
        let mut insert = Query::insert();
        insert.into_table(group_member::Entity).columns([
            group_member::Column::GroupId,
            group_member::Column::MemberId,
            group_member::Column::TenantId,
            group_member::Column::MemberType,
            group_member::Column::Display,
        ]);
        for m in chunk {
            insert.values_panic([
                group_id.into(),
                m.id.clone().into(),
                tenant.get().into(),
                m.kind.as_str().into(),
                m.display.clone().into(),
            ]);
        }
        insert
            .on_conflict(
                OnConflict::columns([
                    group_member::Column::GroupId,
                    group_member::Column::MemberId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .returning(Query::returning().columns([
                group_member::Column::MemberId,
                group_member::Column::MemberType,
            ]));
        added.extend(members_returned(conn, conn.get_database_backend().build(&insert)).await?);
    }
    let order: Vec<String> = found.iter().map(|m| m.id.clone()).collect();
    Ok(delta.then(Delta {
        added: in_order(&order, added),
        removed: Vec::new(),
    }))
}

/// The `(member_id, member_type)` rows a statement's `RETURNING` gave.
async fn members_returned<C: ConnectionTrait>(
    conn: &C,
    statement: sea_orm::Statement,
) -> Result<Vec<(String, ResourceKind)>, StoreError> {
    let rows = conn.query_all_raw(statement).await?;
    rows.iter()
        .map(|row| {
            let id: String = row.try_get_by_index(0)?;
            let kind: String = row.try_get_by_index(1)?;
            Ok((id, kind_of(&kind)?))
        })
        .collect()
}

/// `members` in the order their ids come in `order` (the request's), each once: events
/// follow what the client asked, not the order a database returned rows in.
fn in_order(order: &[String], members: Vec<(String, ResourceKind)>) -> Vec<(String, ResourceKind)> {
    let kinds: HashMap<String, ResourceKind> = members.into_iter().collect();
    let mut seen = HashSet::new();
    order
        .iter()
        .filter(|id| seen.insert(id.as_str()))
        .filter_map(|id| kinds.get(id).map(|kind| (id.clone(), *kind)))
        .collect()
}

/// The members of `inputs` that exist in the tenant, with their real type. A group is not
/// made a member of itself.
async fn resolve<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    group_id: &str,
    inputs: &[MemberInput],
) -> Result<Vec<Found>, StoreError> {
    let wanted: Vec<&MemberInput> = inputs
        .iter()
        .filter(|m| m.value != group_id && ResourceId::parse(&m.value).is_some())
        .collect();
    let mut kinds: HashMap<String, ResourceKind> = HashMap::with_capacity(wanted.len());
    for chunk in wanted.chunks(CHUNK) {
        let rows: Vec<(String, String)> = resource::Entity::find()
            .select_only()
            .column(resource::Column::Id)
            .column(resource::Column::ResourceType)
            .filter(resource::Column::TenantId.eq(tenant.get()))
            .filter(resource::Column::Id.is_in(chunk.iter().map(|m| m.value.as_str())))
            .into_tuple()
            .all(conn)
            .await?;
        for (id, kind) in rows {
            kinds.insert(id, kind_of(&kind)?);
        }
    }
    Ok(wanted
        .into_iter()
        .filter_map(|m| {
            Some(Found {
                id: m.value.clone(),
                kind: *kinds.get(&m.value)?,
                display: m.display.clone(),
            })
        })
        .collect())
}

/// A member that exists in the tenant, as it will be stored.
struct Found {
    id: String,
    kind: ResourceKind,
    display: Option<String>,
}

impl Found {
    fn row(&self, tenant: TenantId, group_id: &str) -> group_member::ActiveModel {
        group_member::ActiveModel {
            group_id: Set(group_id.to_owned()),
            member_id: Set(self.id.clone()),
            tenant_id: Set(tenant.get()),
            member_type: Set(self.kind.as_str().to_owned()),
            display: Set(self.display.clone()),
        }
    }
}

/// Before `id` is deleted: the groups containing it get a new version (their member list
/// changes), and every membership naming it goes. Returns those groups at their new version.
pub(super) async fn detach<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    id: &str,
) -> Result<Vec<GroupAt>, StoreError> {
    let holders: Vec<(String, Option<String>, i64)> = resource::Entity::find()
        .select_only()
        .column(resource::Column::Id)
        .column(resource::Column::ExternalId)
        .column(resource::Column::Version)
        .filter(resource::Column::TenantId.eq(tenant.get()))
        .filter(
            resource::Column::Id.in_subquery(
                Query::select()
                    .column(group_member::Column::GroupId)
                    .from(group_member::Entity)
                    .and_where(Expr::col(group_member::Column::MemberId).eq(id))
                    .to_owned(),
            ),
        )
        .into_tuple()
        .all(conn)
        .await?;
    let containing = Query::select()
        .column(group_member::Column::GroupId)
        .from(group_member::Entity)
        .and_where(Expr::col(group_member::Column::MemberId).eq(id))
        .to_owned();
    resource::Entity::update_many()
        .col_expr(
            resource::Column::Version,
            Expr::col(resource::Column::Version).add(1),
        )
        .col_expr(resource::Column::LastModified, Expr::value(now()))
        .filter(resource::Column::TenantId.eq(tenant.get()))
        .filter(resource::Column::Id.in_subquery(containing))
        .exec(conn)
        .await?;
    group_member::Entity::delete_many()
        .filter(group_member::Column::TenantId.eq(tenant.get()))
        .filter(
            group_member::Column::MemberId
                .eq(id)
                .or(group_member::Column::GroupId.eq(id)),
        )
        .exec(conn)
        .await?;
    Ok(holders
        .into_iter()
        .map(|(id, external_id, version)| GroupAt {
            id,
            external_id,
            version: version + 1,
        })
        .collect())
}
