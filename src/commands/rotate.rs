//! `scimd token rotate`: the new secret alone on stdout (as `token issue` prints it, so scripts
//! can capture it), what happens to the old token on stderr.
use std::time::Duration;

use anyhow::Context;

use crate::cli::DatabaseArgs;

pub async fn run(
    id: &str,
    overlap: Duration,
    expires_in: Option<Duration>,
    db: &DatabaseArgs,
) -> anyhow::Result<()> {
    let overlap = chrono::Duration::from_std(overlap).context("--overlap is too long")?;
    let expires_at = super::credentials::expiry(expires_in)?;
    let store = super::open(db).await?;
    let rotated = store.tokens().rotate(id, overlap, expires_at).await;
    store.close().await;
    let rotated = rotated?;
    println!("{}", rotated.secret);
    if let Some(expires) = rotated.old.expires_at {
        eprintln!(
            "new token {} issued; token {} stops working at {}",
            rotated.new.id,
            rotated.old.id,
            expires.format("%Y-%m-%d %H:%M:%SZ")
        );
    }
    Ok(())
}
