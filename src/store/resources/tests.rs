//! What the write seam promises: ids and versions, uniqueness as `Uniqueness`, the version
//! check behind `If-Match`, and a tenant's resources out of every other tenant's reach.
use serde_json::json;

use crate::scim::ScimError;
use crate::scim::schema::ResourceKind;
use crate::store::StoreError;
use crate::store::tests::{fixture, write};

#[tokio::test]
async fn create_gives_an_id_and_version_one_and_reads_back() {
    let f = fixture().await;
    let user = f.user("bjensen", json!({"title": "Tour Guide"})).await;
    assert!(crate::scim::id::ResourceId::parse(&user.id).is_some());
    assert_eq!(user.meta.version, 1);
    assert_eq!(user.groups, Some(Vec::new()));
    let read = f.get(ResourceKind::User, &user.id).await.unwrap();
    assert_eq!(read, user);
    assert_eq!(read.data["title"], json!("Tour Guide"));
}

#[tokio::test]
async fn a_second_user_name_differing_only_in_case_is_a_uniqueness_error() {
    let f = fixture().await;
    f.user("bjensen", json!({})).await;
    let err = f
        .acme()
        .users()
        .create(write(ResourceKind::User, json!({"userName": "BJensen"})))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Uniqueness { attribute } if attribute == "userName"),
        "{err:?}"
    );
    // Another tenant may use the name.
    f.globex()
        .users()
        .create(write(ResourceKind::User, json!({"userName": "bjensen"})))
        .await
        .unwrap();
}

#[tokio::test]
async fn replace_bumps_the_version_and_checks_if_match() {
    let f = fixture().await;
    let user = f.user("bjensen", json!({"title": "a"})).await;
    let users = f.acme().users();
    let titled = |title: &'static str| {
        move |_: &crate::scim::resource::Resource| {
            Ok(write(
                ResourceKind::User,
                json!({"userName": "bjensen", "title": title}),
            ))
        }
    };
    let stale = users.replace(&user.id, Some(7), titled("b")).await;
    assert!(
        matches!(stale, Err(StoreError::PreconditionFailed)),
        "{stale:?}"
    );
    let unchanged = f.get(ResourceKind::User, &user.id).await.unwrap();
    assert_eq!(
        (unchanged.meta.version, &unchanged.data["title"]),
        (1, &json!("a"))
    );

    let replaced = users.replace(&user.id, Some(1), titled("b")).await.unwrap();
    assert_eq!(
        (replaced.meta.version, &replaced.data["title"]),
        (2, &json!("b"))
    );
    let again = users.replace(&user.id, None, titled("c")).await.unwrap();
    assert_eq!(again.meta.version, 3);
    assert_eq!(f.get(ResourceKind::User, &user.id).await.unwrap(), again);
}

#[tokio::test]
async fn replace_refused_by_the_rules_or_by_uniqueness_changes_nothing() {
    let f = fixture().await;
    f.user("taken", json!({})).await;
    let user = f.user("bjensen", json!({})).await;
    let users = f.acme().users();
    let refused = users
        .replace(&user.id, None, |_| Err(ScimError::mutability("no")))
        .await;
    assert!(
        matches!(refused, Err(StoreError::Rejected(_))),
        "{refused:?}"
    );
    let taken = users
        .replace(&user.id, None, |_| {
            Ok(write(ResourceKind::User, json!({"userName": "Taken"})))
        })
        .await;
    assert!(
        matches!(taken, Err(StoreError::Uniqueness { .. })),
        "{taken:?}"
    );
    assert_eq!(f.get(ResourceKind::User, &user.id).await.unwrap(), user);
}

#[tokio::test]
async fn delete_checks_if_match_then_removes() {
    let f = fixture().await;
    let user = f.user("bjensen", json!({})).await;
    let users = f.acme().users();
    let stale = users.delete(&user.id, Some(2)).await;
    assert!(
        matches!(stale, Err(StoreError::PreconditionFailed)),
        "{stale:?}"
    );
    assert!(f.get(ResourceKind::User, &user.id).await.is_ok());
    users.delete(&user.id, Some(1)).await.unwrap();
    assert!(matches!(
        f.get(ResourceKind::User, &user.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        users.delete(&user.id, None).await,
        Err(StoreError::NotFound)
    ));
}

#[tokio::test]
async fn another_tenant_or_type_or_a_malformed_id_finds_nothing() {
    let f = fixture().await;
    let user = f.user("bjensen", json!({})).await;
    fn nothing<T>(r: Result<T, StoreError>) -> bool {
        matches!(r, Err(StoreError::NotFound))
    }
    assert!(nothing(f.globex().users().get(&user.id).await));
    assert!(nothing(f.acme().groups().get(&user.id).await));
    assert!(nothing(f.acme().users().get("not-a-uuid\0").await));
    assert!(nothing(f.globex().users().delete(&user.id, None).await));
    let replaced = f
        .globex()
        .users()
        .replace(&user.id, None, |_| {
            Ok(write(ResourceKind::User, json!({"userName": "x"})))
        })
        .await;
    assert!(nothing(replaced));
    assert!(f.get(ResourceKind::User, &user.id).await.is_ok());
}

#[tokio::test]
async fn import_creates_all_in_order_or_none() {
    let f = fixture().await;
    let users = f.acme().users();
    let writes: Vec<_> = ["a", "b", "c"]
        .iter()
        .map(|name| write(ResourceKind::User, json!({"userName": name})))
        .collect();
    let ids = users.import(&writes).await.unwrap();
    assert_eq!(ids.len(), 3);
    for (id, name) in ids.iter().zip(["a", "b", "c"]) {
        let user = users.get(id).await.unwrap();
        assert_eq!(
            (user.data["userName"].as_str(), user.meta.version),
            (Some(name), 1)
        );
    }
    let clash = [
        write(ResourceKind::User, json!({"userName": "d"})),
        write(ResourceKind::User, json!({"userName": "A"})),
    ];
    let err = users.import(&clash).await.unwrap_err();
    assert!(matches!(err, StoreError::Uniqueness { .. }), "{err:?}");
    // The batch rolled back: "d" is free.
    f.user("d", json!({})).await;
    let groups = f.acme().groups();
    let imported = groups
        .import(&[crate::store::tests::group_write("g", &[&ids[0], &ids[2]])])
        .await
        .unwrap();
    let group = groups.get(&imported[0]).await.unwrap();
    assert_eq!(
        crate::store::tests::member_ids(&group),
        crate::store::tests::sorted(&[&ids[0], &ids[2]])
    );
}

#[tokio::test]
async fn import_as_uses_the_given_ids_and_a_group_may_name_one_of_the_same_batch() {
    use crate::scim::id::ResourceId;
    let f = fixture().await;
    let user = f.user("bjensen", json!({})).await;
    let (outer, inner) = (ResourceId::new(), ResourceId::new());
    let writes = [
        crate::store::tests::group_write("outer", &[inner.as_str()]),
        crate::store::tests::group_write("inner", &[&user.id]),
    ];
    let groups = f.acme().groups();
    groups
        .import_as(&[outer.clone(), inner.clone()], &writes)
        .await
        .unwrap();
    let read = groups.get(outer.as_str()).await.unwrap();
    assert_eq!(
        crate::store::tests::member_ids(&read),
        vec![inner.as_str().to_owned()]
    );
    assert_eq!(read.data["displayName"], "outer");
    let mismatch = groups.import_as(&[ResourceId::new()], &[]).await;
    assert!(
        matches!(mismatch, Err(StoreError::Config(_))),
        "{mismatch:?}"
    );
}

#[tokio::test]
async fn find_looks_up_by_id_name_in_any_case_and_external_id_within_the_tenant() {
    use crate::store::Lookup;
    let f = fixture().await;
    let a = f.user("Alice", json!({"externalId": "E-1"})).await;
    let b = f.user("bob", json!({"externalId": "e-2"})).await;
    let c = f.user("carol", json!({})).await;
    f.globex()
        .users()
        .create(write(ResourceKind::User, json!({"userName": "dave"})))
        .await
        .unwrap();
    let users = f.acme().users().memberships(false);
    let found = |lookup: Lookup| {
        let users = &users;
        async move {
            let mut ids: Vec<String> = users
                .find(&lookup)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.id)
                .collect();
            ids.sort();
            ids
        }
    };
    let sorted = |ids: &[&String]| {
        let mut ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        ids.sort();
        ids
    };
    // One resource named twice comes back once; externalId is exact, names are not.
    let lookup = Lookup {
        ids: vec![c.id.to_uppercase(), "not-an-id\0".into()],
        names: vec!["ALICE".into(), "dave".into()],
        external_ids: vec!["E-1".into(), "E-2".into()],
    };
    assert_eq!(found(lookup).await, sorted(&[&a.id, &c.id]));
    let lookup = Lookup {
        external_ids: vec!["e-2".into()],
        ..Lookup::default()
    };
    assert_eq!(found(lookup).await, sorted(&[&b.id]));
    assert!(found(Lookup::default()).await.is_empty());
}

#[tokio::test]
async fn replace_all_rewrites_every_resource_or_none() {
    let f = fixture().await;
    let a = f.user("a", json!({"title": "x"})).await;
    let b = f.user("b", json!({"title": "x"})).await;
    f.user("taken", json!({})).await;
    let users = f.acme().users();
    let ids = [a.id.clone(), b.id.clone()];
    let titled = |i: usize, current: &crate::scim::resource::Resource| {
        let name = current.data["userName"].as_str().unwrap();
        Ok(write(
            ResourceKind::User,
            json!({"userName": name, "title": format!("t{i}")}),
        ))
    };
    users.replace_all(&ids, titled).await.unwrap();
    let read = f.get(ResourceKind::User, &b.id).await.unwrap();
    assert_eq!((read.meta.version, &read.data["title"]), (2, &json!("t1")));
    // The index follows: a filter on the new title finds it.
    let found = users
        .find(&crate::store::Lookup {
            names: vec!["b".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found[0].data["title"], "t1");

    // One clash, or one id that is not there, and nothing changes.
    let clash = |i: usize, _: &crate::scim::resource::Resource| {
        let name = if i == 1 { "Taken" } else { "a" };
        Ok(write(ResourceKind::User, json!({"userName": name})))
    };
    let err = users.replace_all(&ids, clash).await.unwrap_err();
    assert!(matches!(err, StoreError::Uniqueness { .. }), "{err:?}");
    let missing = [
        a.id.clone(),
        crate::scim::id::ResourceId::new().into_string(),
    ];
    let err = users.replace_all(&missing, titled).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    let read = f.get(ResourceKind::User, &a.id).await.unwrap();
    assert_eq!((read.meta.version, &read.data["title"]), (2, &json!("t0")));
}
