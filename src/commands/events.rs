//! `scimd events`: a tenant's change feed from the database, as `GET /admin/v1/events` answers
//! it; with `--follow`, new events as they commit until SIGINT/SIGTERM.
use std::io::Write as _;
use std::time::Duration;

use anyhow::bail;
use serde_json::Value;

use super::{credentials, open};
use crate::cli::EventsArgs;
use crate::scim::event::Envelope;
use crate::store::events::Stored;
use crate::store::{FeedError, Store, TenantId};

/// How often `--follow` asks the database for new events.
const FOLLOW_INTERVAL: Duration = Duration::from_millis(500);
/// Events read per query.
const BATCH: u64 = 1000;

pub async fn run(args: EventsArgs) -> anyhow::Result<()> {
    let store = open(&args.db).await?;
    let printed = print(&store, &args).await;
    store.close().await;
    printed
}

async fn print(store: &Store, args: &EventsArgs) -> anyhow::Result<()> {
    let tenant = credentials::named(store, &args.tenant).await?.id;
    let types = args.types.clone().unwrap_or_default();
    let stop = crate::startup::terminated();
    tokio::pin!(stop);
    let mut after = args.after;
    let mut left = args.limit.unwrap_or(u64::MAX);
    loop {
        let batch = left.min(BATCH);
        let page = match store.events().after(tenant, after, batch, &types).await {
            Ok(page) => page,
            Err(FeedError::Gone { pruned_through }) => {
                return gone(store, tenant, after, pruned_through).await;
            }
            Err(FeedError::Store(e)) => return Err(e.into()),
        };
        match write(&page.events, args.json) {
            // The reader went away (`scimd events --json | head -1`): nothing more to print.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            written => written?,
        }
        let got = page.events.len() as u64;
        left -= got.min(left);
        after = page.after;
        if left == 0 {
            return Ok(());
        }
        if got == batch {
            continue;
        }
        if !args.follow {
            return Ok(());
        }
        tokio::select! {
            () = tokio::time::sleep(FOLLOW_INTERVAL) => {}
            () = &mut stop => return Ok(()),
        }
    }
}

/// Prints `events` to stdout, as stored (`--json`) or as readable lines.
fn write(events: &[Stored], json: bool) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    for event in events {
        if json {
            writeln!(out, "{}", event.envelope)?;
        } else {
            writeln!(out, "{}", line(event))?;
        }
    }
    out.flush()
}

async fn gone(
    store: &Store,
    tenant: TenantId,
    after: i64,
    pruned_through: i64,
) -> anyhow::Result<()> {
    let last = store.events().last_seq(tenant).await?;
    bail!(
        "the events after seq {after} are gone: retention (SCIMD_EVENT_RETENTION) removed those \
         up to seq {pruned_through}; resynchronise from GET /scim/v2/Users and /scim/v2/Groups, \
         then continue with --after {last}"
    )
}

/// `seq  occurredAt  type  Type/id  name  by actor`; the stored text when it is not an
/// envelope this version reads.
fn line(event: &Stored) -> String {
    let Ok(envelope) = serde_json::from_str::<Envelope>(&event.envelope) else {
        return format!("{}  {}", event.seq, event.envelope);
    };
    let data = &envelope.data;
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let about = match data.get("member") {
        Some(member) => format!(
            "member {}/{}",
            text(member, "type").unwrap_or_default(),
            text(member, "value").unwrap_or_default()
        ),
        None => text(data, "userName")
            .or_else(|| text(data, "displayName"))
            .unwrap_or_default(),
    };
    let actor = match (&envelope.actor.label, &envelope.actor.credential) {
        (Some(label), Some(credential)) => format!("{label} ({credential})"),
        (Some(label), None) => label.clone(),
        (None, Some(credential)) => credential.clone(),
        (None, None) => "-".to_owned(),
    };
    format!(
        "{:>6}  {}  {:<20}  {}/{}  {}  by {}",
        envelope.seq,
        envelope.occurred_at,
        envelope.event_type,
        envelope.resource.kind,
        envelope.resource.id,
        if about.is_empty() { "-" } else { &about },
        actor
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(envelope: Value) -> Stored {
        Stored {
            seq: envelope["seq"].as_i64().unwrap(),
            id: "e".to_owned(),
            event_type: envelope["type"].as_str().unwrap().to_owned(),
            envelope: envelope.to_string(),
        }
    }

    fn envelope(event_type: &str, data: Value) -> Value {
        serde_json::json!({
            "id": "0193", "type": event_type, "tenant": "acme", "seq": 7,
            "occurredAt": "2026-12-04T02:00:00.000Z",
            "resource": {"type": "User", "id": "u1", "externalId": null, "version": "W/\"1\""},
            "actor": {"credential": "token:t1", "label": "Okta"},
            "requestId": null, "changed": [], "data": data
        })
    }

    #[test]
    fn a_line_names_seq_time_type_resource_name_and_actor() {
        let event = stored(envelope(
            "user.created",
            serde_json::json!({"userName": "ada"}),
        ));
        assert_eq!(
            line(&event),
            "     7  2026-12-04T02:00:00.000Z  user.created          User/u1  ada  by Okta (token:t1)"
        );
    }

    #[test]
    fn a_membership_line_names_the_member() {
        let event = stored(envelope(
            "group.member_added",
            serde_json::json!({"member": {"value": "u2", "type": "User"}}),
        ));
        assert!(line(&event).contains("member User/u2"), "{}", line(&event));
    }
}
