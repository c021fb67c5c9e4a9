//! Group membership as a table (RFC 7643 §4.2 `members`, §4.1 `groups`): set, read, and
//! detach on delete. Members that do not exist in the tenant are dropped, never stored.
use std::collections::{BTreeSet, HashMap, HashSet};

use entity::{group_member, resource};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::convert::kind_of;
use super::resources::is_resource_id;
use super::{StoreError, TenantId, now};
use crate::scim::filter::eval::member_matches;
use crate::scim::filter::{MemberSelection, member_selection};
use crate::scim::patch::MemberChange;
use crate::scim::resource::{GroupRef, Member, MemberInput};
use crate::scim::schema::ResourceKind;

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
        .filter(|m| m.value != group_id && is_resource_id(&m.value))
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

/// Members of each group in `group_ids`, ordered by member id, with their display names.
pub(super) async fn members_of<C: ConnectionTrait>(
    conn: &C,
    group_ids: &[String],
) -> Result<HashMap<String, Vec<Member>>, StoreError> {
    let mut out: HashMap<String, Vec<Member>> = HashMap::new();
    for chunk in group_ids.chunks(CHUNK) {
        let stmt = Query::select()
            .column((group_member::Entity, group_member::Column::GroupId))
            .column((group_member::Entity, group_member::Column::MemberId))
            .column((group_member::Entity, group_member::Column::MemberType))
            .expr_as(
                Func::coalesce([
                    Expr::col((group_member::Entity, group_member::Column::Display)),
                    Expr::col((resource::Entity, resource::Column::Display)),
                ]),
                Alias::new("display"),
            )
            .from(group_member::Entity)
            .inner_join(
                resource::Entity,
                Expr::col((resource::Entity, resource::Column::Id))
                    .equals((group_member::Entity, group_member::Column::MemberId)),
            )
            .and_where(
                Expr::col((group_member::Entity, group_member::Column::GroupId))
                    .is_in(chunk.iter().cloned()),
            )
            .order_by(
                (group_member::Entity, group_member::Column::MemberId),
                sea_orm::sea_query::Order::Asc,
            )
            .to_owned();
        for row in conn.query_all(&stmt).await? {
            let group: String = row.try_get("", "group_id")?;
            let member_type: String = row.try_get("", "member_type")?;
            out.entry(group).or_default().push(Member {
                value: row.try_get("", "member_id")?,
                kind: kind_of(&member_type)?,
                display: row.try_get("", "display")?,
            });
        }
    }
    Ok(out)
}

/// The groups each user in `user_ids` belongs to: directly, or through nested groups up to
/// [`MAX_NESTING`] levels up.
pub(super) async fn groups_of<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    user_ids: &[String],
) -> Result<HashMap<String, Vec<GroupRef>>, StoreError> {
    let direct = parents(conn, tenant, user_ids).await?;
    // Walk upwards level by level: one query per nesting level for the whole page. The
    // direct groups are level 1, so MAX_NESTING - 1 more levels.
    let mut parents_of: HashMap<String, Vec<(String, String)>> = HashMap::new();
    let mut frontier: BTreeSet<String> = direct
        .values()
        .flatten()
        .map(|(id, _)| id.clone())
        .collect();
    let mut seen: HashSet<String> = HashSet::new();
    for _ in 1..MAX_NESTING {
        frontier.retain(|g| seen.insert(g.clone()));
        if frontier.is_empty() {
            break;
        }
        let ids: Vec<String> = std::mem::take(&mut frontier).into_iter().collect();
        for (child, groups) in parents(conn, tenant, &ids).await? {
            frontier.extend(groups.iter().map(|(id, _)| id.clone()));
            parents_of.insert(child, groups);
        }
    }
    let mut out = HashMap::with_capacity(direct.len());
    for (user, groups) in direct {
        let mut refs: Vec<GroupRef> = Vec::new();
        let mut included: HashSet<String> = groups.iter().map(|(id, _)| id.clone()).collect();
        let mut stack: Vec<String> = groups.iter().map(|(id, _)| id.clone()).collect();
        for (id, display) in groups {
            refs.push(GroupRef {
                value: id,
                display,
                direct: true,
            });
        }
        while let Some(group) = stack.pop() {
            for (parent, display) in parents_of.get(&group).into_iter().flatten() {
                if included.insert(parent.clone()) {
                    stack.push(parent.clone());
                    refs.push(GroupRef {
                        value: parent.clone(),
                        display: display.clone(),
                        direct: false,
                    });
                }
            }
        }
        refs.sort_by(|a, b| {
            (!a.direct, &a.display, &a.value).cmp(&(!b.direct, &b.display, &b.value))
        });
        out.insert(user, refs);
    }
    Ok(out)
}

/// The groups directly containing each of `member_ids`, as (group id, display).
async fn parents<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    member_ids: &[String],
) -> Result<HashMap<String, Vec<(String, String)>>, StoreError> {
    let mut out: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for chunk in member_ids.chunks(CHUNK) {
        let stmt = Query::select()
            .column((group_member::Entity, group_member::Column::MemberId))
            .column((group_member::Entity, group_member::Column::GroupId))
            .column((resource::Entity, resource::Column::Display))
            .from(group_member::Entity)
            .inner_join(
                resource::Entity,
                Expr::col((resource::Entity, resource::Column::Id))
                    .equals((group_member::Entity, group_member::Column::GroupId)),
            )
            .and_where(
                Expr::col((group_member::Entity, group_member::Column::TenantId)).eq(tenant.get()),
            )
            .and_where(
                Expr::col((group_member::Entity, group_member::Column::MemberId))
                    .is_in(chunk.iter().cloned()),
            )
            .to_owned();
        for row in conn.query_all(&stmt).await? {
            let member: String = row.try_get("", "member_id")?;
            out.entry(member)
                .or_default()
                .push((row.try_get("", "group_id")?, row.try_get("", "display")?));
        }
    }
    Ok(out)
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
