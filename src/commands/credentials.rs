//! What `scimd token|client|jwt` share: listing a kind of credential, ending one by id, and
//! naming the tenant one belongs to.
use anyhow::{Context, bail};
use chrono::{DateTime, Utc};

use super::open;
use crate::cli::DatabaseArgs;
use crate::store::{CredentialInfo, Store, StoreError, TenantRecord};

/// The credentials of kind `I`, of one tenant or of all.
pub(super) async fn list<I: CredentialInfo>(
    tenant: Option<&str>,
    db: &DatabaseArgs,
) -> anyhow::Result<Vec<I>> {
    let store = open(db).await?;
    let listed = async {
        let scope = match tenant {
            Some(name) => Some(named(&store, name).await?),
            None => None,
        };
        Ok::<_, anyhow::Error>(store.credentials().list::<I>(scope.as_ref()).await?)
    }
    .await;
    store.close().await;
    listed
}

/// Revokes (a token, a client) or removes (a trust) the credential `id` of kind `I`, and says
/// so with `done` ("revoked", "removed").
pub(super) async fn end<I: CredentialInfo>(
    id: &str,
    db: &DatabaseArgs,
    done: &str,
) -> anyhow::Result<()> {
    let store = open(db).await?;
    let ended = store.credentials().revoke::<I>(id).await;
    store.close().await;
    match ended {
        Ok(()) => println!("{done} {id}"),
        Err(StoreError::NotFound) => bail!("no {} with id {id:?}", I::KIND.noun()),
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// The tenant called `name`, or an error that says how to create it.
pub(super) async fn named(store: &Store, name: &str) -> anyhow::Result<TenantRecord> {
    store
        .tenants()
        .find(name)
        .await?
        .with_context(|| format!("no tenant {name:?}; create it with `scimd tenant create {name}`"))
}

/// A time as the listings show it, to the minute; `-` for none.
pub(super) fn when(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || "-".to_owned(),
        |t| t.format("%Y-%m-%d %H:%M").to_string(),
    )
}

/// `--expires-in D` as the instant it ends, or an error naming the flag when that instant
/// is past what a timestamp can hold (`300000y`).
pub(super) fn expiry(
    expires_in: Option<std::time::Duration>,
) -> anyhow::Result<Option<DateTime<Utc>>> {
    expires_in
        .map(|d| {
            chrono::Duration::from_std(d)
                .ok()
                .and_then(|d| Utc::now().checked_add_signed(d))
                .context("--expires-in ends after the last date scimd can store; use a shorter one")
        })
        .transpose()
}
