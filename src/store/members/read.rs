//! Reading memberships: the members of Groups and the groups of Users (RFC 7643 §4.1.2
//! `groups`, direct and inherited), for a whole page of resources at once.
use std::collections::{BTreeSet, HashMap, HashSet};

use entity::{group_member, resource};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};

use super::{CHUNK, MAX_NESTING};
use crate::scim::resource::{GroupRef, Member};
use crate::store::convert::kind_of;
use crate::store::{StoreError, TenantId};

/// Members of each group in `group_ids`, ordered by member id, with their display names.
pub(in crate::store) async fn members_of<C: ConnectionTrait>(
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
pub(in crate::store) async fn groups_of<C: ConnectionTrait>(
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
