//! Listing and revoking the three kinds of credential, through each kind's handle and the
//! unified `Credentials::list` / `revoke`.
use super::{ClientInfo, CredentialInfo, CredentialKind, TokenInfo, TrustInfo};
use crate::jwt::{self, KeyKind, NewTrust};
use crate::store::StoreError;
use crate::store::tests::fixture;

fn trust(issuer: &str) -> NewTrust {
    let secret = jwt::secret_text(b"a shared secret of at least 32 bytes!");
    NewTrust::new(issuer, "scimd", None, KeyKind::Secret, secret, None).unwrap()
}

#[tokio::test]
async fn each_kind_lists_all_or_one_tenants() {
    let f = fixture().await;
    let acme = f.store.tenants().ensure("acme").await.unwrap();
    let globex = f.store.tenants().ensure("globex").await.unwrap();
    let (first, _) = f
        .store
        .tokens()
        .issue(&acme, Some("one"), None)
        .await
        .unwrap();
    let (second, _) = f.store.tokens().issue(&globex, None, None).await.unwrap();
    f.store.oauth_clients().create(&acme, None).await.unwrap();
    f.store.oauth_clients().create(&globex, None).await.unwrap();
    f.store
        .jwt_trusts()
        .add(&acme, &trust("https://idp.example"))
        .await
        .unwrap();

    let tokens = f.store.tokens().list(None).await.unwrap();
    // Issued within one millisecond, the two may come in either order.
    let mut tenants: Vec<(&str, &str)> = tokens
        .iter()
        .map(|t| (t.id.as_str(), t.tenant.as_str()))
        .collect();
    tenants.sort();
    let mut expected = [(first.id.as_str(), "acme"), (second.id.as_str(), "globex")];
    expected.sort();
    assert_eq!(tenants, expected);
    assert_eq!(
        f.store.tokens().list(Some(&globex)).await.unwrap(),
        [second]
    );
    let clients = f.store.oauth_clients().list(Some(&acme)).await.unwrap();
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0].tenant, "acme");
    assert_eq!(f.store.jwt_trusts().list(Some(&globex)).await.unwrap(), []);

    let credentials = f.store.credentials();
    assert_eq!(credentials.list::<TokenInfo>(None).await.unwrap().len(), 2);
    assert_eq!(
        credentials.list::<ClientInfo>(Some(&acme)).await.unwrap(),
        clients
    );
    let trusts = credentials.list::<TrustInfo>(None).await.unwrap();
    assert_eq!(
        trusts,
        f.store.jwt_trusts().list(Some(&acme)).await.unwrap()
    );
    assert_eq!(trusts[0].issuer, "https://idp.example");
}

#[tokio::test]
async fn revoking_marks_tokens_and_clients_once_and_removes_trusts() {
    let f = fixture().await;
    let acme = f.store.tenants().ensure("acme").await.unwrap();
    let (token, secret) = f.store.tokens().issue(&acme, None, None).await.unwrap();
    let (client, _) = f.store.oauth_clients().create(&acme, None).await.unwrap();
    let (trust, _) = f
        .store
        .jwt_trusts()
        .add(&acme, &trust("https://idp.example"))
        .await
        .unwrap();
    assert!(
        f.store
            .tokens()
            .authenticate(&secret)
            .await
            .unwrap()
            .is_some()
    );

    f.store.tokens().revoke(&token.id).await.unwrap();
    assert!(
        f.store
            .tokens()
            .authenticate(&secret)
            .await
            .unwrap()
            .is_none()
    );
    let revoked_at = f.store.tokens().list(None).await.unwrap()[0].revoked_at;
    assert!(revoked_at.is_some());
    // Again: still revoked, at the first time.
    f.store
        .credentials()
        .revoke::<TokenInfo>(&token.id)
        .await
        .unwrap();
    assert_eq!(
        f.store.tokens().list(None).await.unwrap()[0].revoked_at,
        revoked_at
    );

    f.store
        .credentials()
        .revoke::<ClientInfo>(&client.id)
        .await
        .unwrap();
    f.store.oauth_clients().revoke(&client.id).await.unwrap();
    assert!(
        f.store.oauth_clients().list(None).await.unwrap()[0]
            .revoked_at
            .is_some()
    );

    f.store.jwt_trusts().remove(&trust.id).await.unwrap();
    assert_eq!(f.store.jwt_trusts().list(None).await.unwrap(), []);
    let again = f.store.credentials().revoke::<TrustInfo>(&trust.id).await;
    assert!(matches!(again, Err(StoreError::NotFound)), "{again:?}");
}

#[tokio::test]
async fn revoking_an_unknown_credential_is_not_found_for_every_kind() {
    let f = fixture().await;
    let credentials = f.store.credentials();
    for result in [
        credentials.revoke::<TokenInfo>("nope").await,
        credentials.revoke::<ClientInfo>("nope").await,
        credentials.revoke::<TrustInfo>("nope").await,
    ] {
        assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
    }
    assert_eq!(
        [TokenInfo::KIND, ClientInfo::KIND, TrustInfo::KIND].map(CredentialKind::noun),
        ["token", "OAuth client", "JWT trust"]
    );
}

/// A trust fetched from a URL: the claim lets one caller fetch, the record keeps the last good
/// keys on a failure and changes `updated_at` only when the keys change.
#[tokio::test]
async fn one_claim_per_fetch_and_a_failed_fetch_keeps_the_keys() {
    use chrono::{Duration, Utc};

    use crate::store::Fetched;

    const URL: &str = "https://idp.example/keys";
    let jwks = include_str!("../../../tests/fixtures/jwt/jwks.json");
    let rotated = include_str!("../../../tests/fixtures/jwt/jwks_rotated.json");
    let f = fixture().await;
    let acme = f.store.tenants().ensure("acme").await.unwrap();
    let new = NewTrust::new(
        "https://idp.example",
        "scimd",
        None,
        KeyKind::Jwks,
        jwks.into(),
        None,
    )
    .unwrap()
    .fetched_from(URL)
    .unwrap();
    let (added, _) = f.store.jwt_trusts().add(&acme, &new).await.unwrap();
    assert_eq!(added.jwks_url.as_deref(), Some(URL));
    assert!(added.fetched_at.is_some());
    // Only a trust with a URL is refreshed; an HS trust is not.
    f.store
        .jwt_trusts()
        .add(&acme, &trust("https://other.example"))
        .await
        .unwrap();
    let trusts = f.store.jwt_trusts();
    let refreshable = trusts.refreshable(None).await.unwrap();
    assert_eq!(refreshable.len(), 1);
    assert_eq!(refreshable[0].attempted_at, None, "adding is no claim");
    assert!(
        trusts
            .refreshable(Some("https://other.example"))
            .await
            .unwrap()
            .is_empty()
    );

    let a_minute_ago = Utc::now() - Duration::seconds(60);
    assert!(
        trusts
            .claim_fetch(&added.id, URL, a_minute_ago, None)
            .await
            .unwrap()
    );
    assert!(
        !trusts
            .claim_fetch(&added.id, URL, a_minute_ago, None)
            .await
            .unwrap()
    );
    // Keys fetched a moment ago are not stale for the interval.
    let later = Utc::now() + Duration::seconds(1);
    let an_hour_ago = Utc::now() - Duration::hours(1);
    assert!(
        !trusts
            .claim_fetch(&added.id, URL, later, Some(an_hour_ago))
            .await
            .unwrap()
    );
    assert!(
        !trusts
            .claim_fetch(&added.id, "https://elsewhere/", later, None)
            .await
            .unwrap()
    );

    trusts
        .record_fetch(&added.id, URL, Fetched::Failed("answered 503, not 200"))
        .await
        .unwrap();
    let failed = &trusts.list(None).await.unwrap()[0];
    assert_eq!(failed.fetch_error.as_deref(), Some("answered 503, not 200"));
    assert_eq!(failed.key_ids, ["test-rsa-1", "test-rsa-2"]);
    assert_eq!(failed.fetched_at, added.fetched_at);

    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let keys = Fetched::Keys {
        material: rotated,
        changed: true,
    };
    trusts.record_fetch(&added.id, URL, keys).await.unwrap();
    let refreshed = &trusts.list(None).await.unwrap()[0];
    assert_eq!(refreshed.key_ids, ["test-rsa-2"]);
    assert_eq!(refreshed.fetch_error, None);
    assert!(refreshed.fetched_at > added.fetched_at);
    assert!(refreshed.updated_at > added.updated_at);
}
