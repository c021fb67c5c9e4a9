//! Group membership as a table (RFC 7643 §4.2 `members`, §4.1 `groups`): set, read, and
//! detach on delete. Members that do not exist in the tenant are dropped, never stored.
use std::collections::{HashMap, HashSet};

use entity::{group_member, resource};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::convert::kind_of;
use super::{StoreError, TenantId, now};
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

/// Replaces the members of `group_id` with those of `inputs` that exist in the tenant.
pub(super) async fn set<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    group_id: &str,
    inputs: &[MemberInput],
) -> Result<(), StoreError> {
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
    Ok(())
}

/// Applies a PATCH's membership change row by row: the cost follows the change, not the
/// group's size (except for `members[…]` filters on more than the member id).
pub(super) async fn apply<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    group_id: &str,
    change: &MemberChange,
) -> Result<(), StoreError> {
    if let Some(list) = &change.replace {
        set(conn, tenant, group_id, list).await?;
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
    for chunk in gone.chunks(CHUNK) {
        group_member::Entity::delete_many()
            .filter(group_member::Column::TenantId.eq(tenant.get()))
            .filter(group_member::Column::GroupId.eq(group_id))
            .filter(group_member::Column::MemberId.is_in(chunk.iter().cloned()))
            .exec(conn)
            .await?;
    }
    if change.add.is_empty() {
        return Ok(());
    }
    let found = resolve(conn, tenant, group_id, &change.add).await?;
    let mut present: HashSet<String> = HashSet::new();
    for chunk in found.chunks(CHUNK) {
        let ids: Vec<String> = group_member::Entity::find()
            .select_only()
            .column(group_member::Column::MemberId)
            .filter(group_member::Column::GroupId.eq(group_id))
            .filter(group_member::Column::MemberId.is_in(chunk.iter().map(|m| m.id.clone())))
            .into_tuple()
            .all(conn)
            .await?;
        present.extend(ids);
    }
    let new: Vec<&Found> = found.iter().filter(|m| !present.contains(&m.id)).collect();
    for chunk in new.chunks(CHUNK) {
        let rows = chunk.iter().map(|m| m.row(tenant, group_id));
        group_member::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
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
/// changes), and every membership naming it goes.
pub(super) async fn detach<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    id: &str,
) -> Result<(), StoreError> {
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
    Ok(())
}
