//! What the membership table promises: only members of the tenant are linked, changes apply
//! row by row, deletes cascade and move the version of the groups that held the resource,
//! and nested groups are followed to `MAX_NESTING` levels by `User.groups` and filters alike.
use serde_json::json;

use super::MAX_NESTING;
use crate::scim::filter::parse_filter;
use crate::scim::filter::{Collection, Resolved, resolve};
use crate::scim::patch::MemberChange;
use crate::scim::resource::{MemberInput, Resource};
use crate::scim::schema::{Registry, ResourceKind};
use crate::scim::validate::Leniency;
use crate::store::tests::{Fixture, fixture, group_ids, group_write, member_ids, sorted, write};

fn input(id: &str) -> MemberInput {
    MemberInput {
        value: id.to_owned(),
        kind: None,
        display: None,
    }
}

/// The filter inside `members[…]`, as a PATCH `remove` path carries it.
fn member_filter(text: &str) -> Resolved {
    let rt = Registry::core().resource_type(ResourceKind::Group);
    let filter = parse_filter(text, Leniency::Strict).unwrap();
    match resolve(rt, &filter, Leniency::Strict).unwrap() {
        Resolved::Any {
            collection: Collection::Members,
            inner,
        } => *inner,
        other => panic!("not a members filter: {other:?}"),
    }
}

/// Applies `change` to group `group` as a PATCH does.
async fn patch(f: &Fixture, group: &Resource, change: MemberChange) -> Resource {
    let name = group.data["displayName"].as_str().unwrap().to_owned();
    f.acme()
        .groups()
        .replace(&group.id, None, move |_| {
            let mut w = write(ResourceKind::Group, json!({"displayName": name}));
            w.members = None;
            w.member_change = Some(change.clone());
            Ok(w)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn members_outside_the_tenant_or_unknown_are_never_linked() {
    let f = fixture().await;
    let alice = f.user("alice", json!({})).await;
    let foreign = f
        .globex()
        .users()
        .create(write(ResourceKind::User, json!({"userName": "mallory"})))
        .await
        .unwrap();
    let unknown = "2819c223-7f76-453a-919d-413861904646";
    let group = f
        .group("staff", &[&alice.id, &foreign.id, unknown, "not-a-uuid"])
        .await;
    assert_eq!(member_ids(&group), sorted(&[&alice.id]));
    // Nor through a PATCH add, nor the group itself.
    let group = patch(
        &f,
        &group,
        MemberChange {
            add: vec![input(&foreign.id), input(&group.id)],
            ..MemberChange::default()
        },
    )
    .await;
    assert_eq!(member_ids(&group), sorted(&[&alice.id]));
    let foreign = f.globex().users().get(&foreign.id).await.unwrap();
    assert_eq!(group_ids(&foreign), Vec::<String>::new());
}

#[tokio::test]
async fn replace_sets_and_patch_adds_and_removes_row_by_row() {
    let f = fixture().await;
    let [a, b, c] = [
        f.user("a", json!({})).await.id,
        f.user("b", json!({})).await.id,
        f.user("c", json!({})).await.id,
    ];
    let group = f.group("g", &[&a, &b]).await;
    let set = f
        .acme()
        .groups()
        .replace(&group.id, None, |_| Ok(group_write("g", &[&c])))
        .await
        .unwrap();
    assert_eq!(member_ids(&set), sorted(&[&c]));
    let changed = patch(
        &f,
        &set,
        MemberChange {
            add: vec![input(&a), input(&b)],
            remove: vec![c.clone()],
            ..MemberChange::default()
        },
    )
    .await;
    assert_eq!(member_ids(&changed), sorted(&[&a, &b]));
    // `value eq "id"` (one row) and any other filter (judged member by member).
    let by_id = MemberChange {
        remove_where: vec![member_filter(&format!(r#"members[value eq "{a}"]"#))],
        ..MemberChange::default()
    };
    assert_eq!(member_ids(&patch(&f, &changed, by_id).await), sorted(&[&b]));
    let nested = f.group("nested", &[]).await;
    let both = patch(
        &f,
        &changed,
        MemberChange {
            add: vec![input(&nested.id), input(&a)],
            ..MemberChange::default()
        },
    )
    .await;
    let users = MemberChange {
        remove_where: vec![member_filter(r#"members[type eq "User"]"#)],
        ..MemberChange::default()
    };
    assert_eq!(
        member_ids(&patch(&f, &both, users).await),
        sorted(&[&nested.id])
    );
}

#[tokio::test]
async fn deleting_a_member_unlinks_it_and_moves_its_groups_version() {
    let f = fixture().await;
    let alice = f.user("alice", json!({})).await;
    let bob = f.user("bob", json!({})).await;
    let holding = f.group("holding", &[&alice.id, &bob.id]).await;
    let apart = f.group("apart", &[&bob.id]).await;
    f.acme().users().delete(&alice.id, None).await.unwrap();
    let holding_now = f.get(ResourceKind::Group, &holding.id).await.unwrap();
    assert_eq!(member_ids(&holding_now), sorted(&[&bob.id]));
    assert_eq!(holding_now.meta.version, holding.meta.version + 1);
    assert!(holding_now.meta.last_modified >= holding.meta.last_modified);
    let apart_now = f.get(ResourceKind::Group, &apart.id).await.unwrap();
    assert_eq!(apart_now.meta.version, apart.meta.version);
}

#[tokio::test]
async fn deleting_a_group_unlinks_it_from_its_members_and_its_parents() {
    let f = fixture().await;
    let alice = f.user("alice", json!({})).await;
    let child = f.group("child", &[&alice.id]).await;
    let parent = f.group("parent", &[&child.id]).await;
    let alice = f.get(ResourceKind::User, &alice.id).await.unwrap();
    assert_eq!(group_ids(&alice), sorted(&[&child.id, &parent.id]));
    f.acme().groups().delete(&child.id, None).await.unwrap();
    let parent_now = f.get(ResourceKind::Group, &parent.id).await.unwrap();
    assert_eq!(member_ids(&parent_now), Vec::<String>::new());
    assert_eq!(parent_now.meta.version, parent.meta.version + 1);
    let alice = f.get(ResourceKind::User, &alice.id).await.unwrap();
    assert_eq!(group_ids(&alice), Vec::<String>::new());
}

#[tokio::test]
async fn user_groups_say_which_are_direct_and_survive_a_cycle() {
    let f = fixture().await;
    let alice = f.user("alice", json!({})).await;
    let inner = f.group("inner", &[&alice.id]).await;
    let outer = f.group("outer", &[&inner.id]).await;
    // A cycle: inner now also contains outer.
    f.acme()
        .groups()
        .replace(&inner.id, None, |_| {
            Ok(group_write("inner", &[&alice.id, &outer.id]))
        })
        .await
        .unwrap();
    let alice = f.get(ResourceKind::User, &alice.id).await.unwrap();
    let groups: Vec<(&str, bool)> = alice
        .groups
        .iter()
        .flatten()
        .map(|g| (g.value.as_str(), g.direct))
        .collect();
    assert_eq!(
        groups,
        [(inner.id.as_str(), true), (outer.id.as_str(), false)]
    );
    let found = f
        .select(
            ResourceKind::User,
            &format!(r#"groups.value eq "{}""#, outer.id),
        )
        .await;
    assert_eq!(found, sorted(&[&alice.id]));
}

#[tokio::test]
async fn nesting_is_followed_to_max_nesting_levels_by_user_groups_and_filters_alike() {
    let f = fixture().await;
    let alice = f.user("alice", json!({})).await;
    // chain[0] holds alice, chain[i] holds chain[i - 1]: chain[i] is i + 1 levels up.
    let mut chain: Vec<String> = Vec::new();
    for level in 0..=MAX_NESTING {
        let member = chain.last().cloned().unwrap_or_else(|| alice.id.clone());
        chain.push(f.group(&format!("level {level}"), &[&member]).await.id);
    }
    let deepest = MAX_NESTING as usize - 1;
    let alice = f.get(ResourceKind::User, &alice.id).await.unwrap();
    let mut expected = chain[..=deepest].to_vec();
    expected.sort();
    assert_eq!(group_ids(&alice), expected);
    let found = |id: String| {
        let f = &f;
        async move {
            f.select(ResourceKind::User, &format!(r#"groups.value eq "{id}""#))
                .await
        }
    };
    assert_eq!(found(chain[deepest].clone()).await, sorted(&[&alice.id]));
    assert_eq!(
        found(chain[deepest + 1].clone()).await,
        Vec::<String>::new()
    );
}
