//! `scimd webhook add|list|remove|rotate-secret|enable|replay|attempts`.
use anyhow::bail;

use super::credentials::{named, when};
use super::{open, show};
use crate::api::{AttemptView, WebhookView};
use crate::cli::WebhookCommand;
use crate::store::webhooks::event_types;
use crate::store::{AttemptRecord, ReplayError, StoreError, WebhookRecord};
use crate::worker::delivery::check_url;

pub(super) async fn run(command: WebhookCommand) -> anyhow::Result<()> {
    match command {
        WebhookCommand::Add {
            url,
            tenant,
            events,
            allow_private,
            db,
        } => {
            check_url(&url, allow_private)?;
            let types = event_types(&events).map_err(anyhow::Error::msg)?;
            let store = open(&db).await?;
            let added = async {
                let owner = match &tenant {
                    Some(name) => Some(named(&store, name).await?),
                    None => None,
                };
                Ok::<_, anyhow::Error>(store.webhooks().add(&url, owner.as_ref(), &types).await?)
            }
            .await;
            store.close().await;
            let (record, secret) = added?;
            println!("{}", record.id);
            println!("{secret}");
        }
        WebhookCommand::List { format, db } => {
            let store = open(&db).await?;
            let listed = store.webhooks().list().await;
            store.close().await;
            show(format, listed?, print_webhooks, WebhookView::from)?;
        }
        WebhookCommand::Remove { id, db } => {
            let store = open(&db).await?;
            let removed = store.webhooks().remove(&id).await;
            store.close().await;
            found(&id, removed)?;
            println!("removed {id}");
        }
        WebhookCommand::RotateSecret { id, db } => {
            let store = open(&db).await?;
            let rotated = store.webhooks().rotate_secret(&id).await;
            store.close().await;
            println!("{}", found(&id, rotated)?);
        }
        WebhookCommand::Enable { id, db } => {
            let store = open(&db).await?;
            let enabled = store.webhooks().enable(&id).await;
            store.close().await;
            found(&id, enabled)?;
            println!("enabled {id}");
        }
        WebhookCommand::Replay {
            id,
            tenant,
            from_seq,
            db,
        } => {
            let store = open(&db).await?;
            let replayed = async {
                let owner = named(&store, &tenant).await?;
                match store.webhooks().replay(&id, &owner, from_seq).await {
                    Err(ReplayError::Store(StoreError::NotFound)) => {
                        bail!("no webhook endpoint with id {id:?}")
                    }
                    other => Ok::<_, anyhow::Error>(other?),
                }
            }
            .await;
            store.close().await;
            replayed?;
            println!("replaying {tenant}'s events from seq {from_seq} to {id}");
        }
        WebhookCommand::Attempts {
            id,
            limit,
            format,
            db,
        } => {
            let store = open(&db).await?;
            let listed = async {
                found(&id, store.webhooks().get(&id).await)?;
                Ok::<_, anyhow::Error>(store.webhooks().attempts(&id, limit.max(1)).await?)
            }
            .await;
            store.close().await;
            show(format, listed?, print_attempts, AttemptView::from)?;
        }
    }
    Ok(())
}

fn found<T>(id: &str, result: Result<T, StoreError>) -> anyhow::Result<T> {
    match result {
        Err(StoreError::NotFound) => bail!("no webhook endpoint with id {id:?}"),
        other => Ok(other?),
    }
}

fn print_webhooks(webhooks: &[WebhookRecord]) {
    println!(
        "{:<36}  {:<16}  {:<8}  {:<16}  {:<24}  {:<40}  DETAIL",
        "ID", "TENANT", "STATE", "FAILING SINCE", "LAST ATTEMPT", "URL"
    );
    for w in webhooks {
        let state = WebhookView::from(w.clone()).state();
        let last = w.last_attempt.as_ref().map_or_else(
            || "-".to_owned(),
            |a| format!("{} {}", when(Some(a.attempted_at)), a.outcome),
        );
        let detail = match (&w.disabled_reason, w.event_types.is_empty()) {
            (Some(reason), _) => format!("disabled: {reason}"),
            (None, true) => "every event type".to_owned(),
            (None, false) => format!("events: {}", w.event_types),
        };
        println!(
            "{:<36}  {:<16}  {:<8}  {:<16}  {:<24}  {:<40}  {}",
            w.id,
            w.tenant.as_deref().unwrap_or("(all)"),
            state,
            when(w.failing_since),
            last,
            w.url,
            detail
        );
    }
}

fn print_attempts(attempts: &[AttemptRecord]) {
    println!(
        "{:<16}  {:<16}  {:>8}  {:<8}  {:>7}  {:<9}  ERROR",
        "ATTEMPTED", "TENANT", "SEQ", "STATUS", "MS", "OUTCOME"
    );
    for a in attempts {
        println!(
            "{:<16}  {:<16}  {:>8}  {:<8}  {:>7}  {:<9}  {}",
            when(Some(a.attempted_at)),
            a.tenant,
            a.seq,
            a.status_code
                .map_or_else(|| "-".to_owned(), |s| s.to_string()),
            a.latency_ms,
            a.outcome,
            a.error.as_deref().unwrap_or("")
        );
    }
}
