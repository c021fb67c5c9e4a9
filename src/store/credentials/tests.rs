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
