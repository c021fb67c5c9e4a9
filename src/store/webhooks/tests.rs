//! What the webhook tables promise: where a new endpoint starts, the lease's exclusivity and
//! expiry, replay, and the type filter's skipping.
use serde_json::json;

use super::Due;
use crate::scim::event::TypeFilter;
use crate::store::tests::fixture;

const LEASE: i64 = 60_000;

fn now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[tokio::test]
async fn a_new_endpoint_starts_after_the_tenants_last_event() {
    let f = fixture().await;
    f.user("before", json!({})).await;
    let acme = f.store.tenants().find("acme").await.unwrap().unwrap();
    let (record, secret) = f
        .store
        .webhooks()
        .add("https://hooks.example.com/", Some(&acme), "")
        .await
        .unwrap();
    assert!(secret.starts_with("whsec_"));
    assert!(f.store.webhooks().due(now(), 10).await.unwrap().is_empty());
    f.user("after", json!({})).await;
    let due = f.store.webhooks().due(now(), 10).await.unwrap();
    assert_eq!(
        due,
        vec![Due {
            endpoint_id: record.id.clone(),
            tenant: f.tenant
        }]
    );
    let claim = f
        .store
        .webhooks()
        .claim(&due[0], "a", now(), LEASE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        claim.delivered_seq, 1,
        "the event before the endpoint is not sent"
    );
}

#[tokio::test]
async fn one_process_at_a_time_holds_a_pairs_lease_until_it_expires() {
    let f = fixture().await;
    let acme = f.store.tenants().find("acme").await.unwrap().unwrap();
    let webhooks = f.store.webhooks();
    let (record, _) = webhooks
        .add("https://hooks.example.com/", Some(&acme), "")
        .await
        .unwrap();
    f.user("alice", json!({})).await;
    let due = Due {
        endpoint_id: record.id,
        tenant: f.tenant,
    };
    let t = now();
    let mut a = webhooks.claim(&due, "a", t, 1_000).await.unwrap().unwrap();
    assert!(webhooks.claim(&due, "b", t, LEASE).await.unwrap().is_none());
    assert!(
        webhooks.due(t, 10).await.unwrap().is_empty(),
        "a leased pair is not due"
    );
    // a's lease runs out (a died): b takes the pair, and a can no longer move the cursor.
    let b = webhooks
        .claim(&due, "b", t + 1_001, LEASE)
        .await
        .unwrap()
        .unwrap();
    assert!(!webhooks.advance(&mut a, 1).await.unwrap());
    assert!(!webhooks.renew(&a, t + LEASE).await.unwrap());
    assert!(webhooks.renew(&b, t + LEASE).await.unwrap());
    webhooks.release(&b).await.unwrap();
    webhooks
        .record_attempt(super::Attempt {
            endpoint_id: &due.endpoint_id,
            tenant: due.tenant,
            seq: 1,
            event_id: "e",
            attempted_at: chrono::Utc::now() - chrono::Duration::days(31),
            status_code: Some(500),
            latency_ms: 3,
            error: Some("answered 500".into()),
            outcome: super::Outcome::Failed,
        })
        .await
        .unwrap();
    let old = chrono::Utc::now() - chrono::Duration::days(30);
    assert_eq!(webhooks.prune_attempts(old).await.unwrap(), 1);
    assert!(
        webhooks
            .claim(&due, "c", t + 1_002, LEASE)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn a_failed_attempt_defers_the_pair_and_replay_rewinds_it() {
    let f = fixture().await;
    let acme = f.store.tenants().find("acme").await.unwrap().unwrap();
    let webhooks = f.store.webhooks();
    let (record, _) = webhooks
        .add("https://hooks.example.com/", Some(&acme), "")
        .await
        .unwrap();
    f.user("alice", json!({})).await;
    f.user("bob", json!({})).await;
    let due = Due {
        endpoint_id: record.id.clone(),
        tenant: f.tenant,
    };
    let t = now();
    let mut claim = webhooks.claim(&due, "a", t, LEASE).await.unwrap().unwrap();
    assert!(webhooks.advance(&mut claim, 1).await.unwrap());
    assert!(webhooks.defer(&claim, 1, t + 5_000).await.unwrap());
    assert!(webhooks.due(t, 10).await.unwrap().is_empty(), "backing off");
    assert_eq!(webhooks.due(t + 5_000, 10).await.unwrap().len(), 1);
    let again = webhooks
        .claim(&due, "a", t + 5_000, LEASE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.delivered_seq, again.attempts), (1, 1));
    webhooks.replay(&record.id, &acme, 1).await.unwrap();
    assert!(
        !webhooks.renew(&again, t + LEASE).await.unwrap(),
        "replay takes the lease back"
    );
    let rewound = webhooks
        .claim(&due, "b", now(), LEASE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((rewound.delivered_seq, rewound.attempts), (0, 0));
}

#[tokio::test]
async fn events_the_filter_leaves_out_are_skipped_and_all_tenant_endpoints_reach_new_tenants() {
    let f = fixture().await;
    f.user("before", json!({})).await;
    let webhooks = f.store.webhooks();
    let (record, _) = webhooks
        .add("https://hooks.example.com/", None, "group.*")
        .await
        .unwrap();
    f.user("alice", json!({})).await;
    let types = TypeFilter::parse("group.*").unwrap();
    let (events, last) = webhooks.next_events(f.tenant, 1, &types, 10).await.unwrap();
    assert!(events.is_empty());
    assert_eq!(last.last_seq, 2, "the cursor may move past the user events");
    let late = f.store.tenants().ensure("initech").await.unwrap();
    assert_eq!(webhooks.ensure_cursors().await.unwrap(), 1);
    assert_eq!(webhooks.ensure_cursors().await.unwrap(), 0);
    let due = Due {
        endpoint_id: record.id,
        tenant: late.id,
    };
    f.store
        .tenant(late.id)
        .groups()
        .create(crate::store::tests::group_write("staff", &[]))
        .await
        .unwrap();
    let claim = webhooks
        .claim(&due, "a", now(), LEASE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        claim.delivered_seq, 0,
        "a tenant created later starts at its first event"
    );
    assert!(super::event_types("user.creatd").is_err());
    assert_eq!(
        super::event_types(" user.* , group.deleted ").unwrap(),
        "user.*,group.deleted"
    );
}
