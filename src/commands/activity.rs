//! `scimd activity`: the provisioning activity log from the database, newest first, as
//! `GET /admin/v1/activity` answers it (`--json`), or as a table an operator reads.
use std::io::Write as _;

use anyhow::Context;

use super::{credentials, open};
use crate::cli::{ActivityArgs, OutcomeArg};
use crate::store::activity::{Cursor, Entry, Filter, Outcome};

pub async fn run(args: ActivityArgs) -> anyhow::Result<()> {
    let store = open(&args.db).await?;
    let listed = async {
        let tenant = match &args.tenant {
            Some(name) => Some(credentials::named(&store, name).await?.id),
            None => None,
        };
        let filter = filter(&args, tenant)?;
        Ok::<_, anyhow::Error>(store.activity().list(&filter).await?)
    }
    .await;
    store.close().await;
    let page = listed?;
    let printed = if args.json {
        print_json(&page.entries)
    } else {
        print_table(&page.entries)
    };
    match printed {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
        printed => printed?,
    }
    if let Some(next) = page.next {
        eprintln!("more records: continue with --cursor {next}");
    }
    Ok(())
}

fn filter(args: &ActivityArgs, tenant: Option<crate::store::TenantId>) -> anyhow::Result<Filter> {
    let from = match args.since {
        Some(back) => Some(
            chrono::Duration::from_std(back)
                .ok()
                .and_then(|back| chrono::Utc::now().checked_sub_signed(back))
                .context("--since reaches before the first date scimd can store")?,
        ),
        None => args.from,
    };
    let cursor = args
        .cursor
        .as_deref()
        .map(str::parse::<Cursor>)
        .transpose()
        .map_err(anyhow::Error::msg)
        .context("--cursor")?;
    Ok(Filter {
        tenant,
        user: args.user.clone(),
        credential: args.credential.clone(),
        operation: args.operation.clone(),
        outcome: args.outcome.map(|o| match o {
            OutcomeArg::Succeeded => Outcome::Succeeded,
            OutcomeArg::Failed => Outcome::Failed,
        }),
        from,
        to: args.to,
        limit: args.limit,
        cursor,
    })
}

fn print_json(entries: &[Entry]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, entries)?;
    writeln!(out)?;
    out.flush()
}

fn print_table(entries: &[Entry]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<20} {:<12} {:<24} {:<13} {:<32} {:>6} DETAIL",
        "AT (UTC)", "TENANT", "CREDENTIAL", "OPERATION", "RESOURCE", "STATUS"
    )?;
    for e in entries {
        let credential = e
            .credential_label
            .clone()
            .or_else(|| e.credential.clone())
            .unwrap_or_else(|| "-".to_owned());
        let resource = e
            .user_name
            .clone()
            .or_else(|| e.display_name.clone())
            .or_else(|| e.external_id.clone())
            .or_else(|| e.resource_id.clone())
            .unwrap_or_else(|| "-".to_owned());
        let detail = match (&e.scim_type, &e.detail) {
            (Some(t), Some(d)) => format!("{t}: {d}"),
            (None, Some(d)) => d.clone(),
            _ => e.changed.join(","),
        };
        writeln!(
            out,
            "{:<20} {:<12} {:<24} {:<13} {:<32} {:>6} {}",
            e.at.format("%Y-%m-%d %H:%M:%S"),
            cut(e.tenant.as_deref().unwrap_or("-"), 12),
            cut(&format!("{credential} ({})", e.client), 24),
            e.operation,
            cut(&resource, 32),
            e.status,
            detail,
        )?;
    }
    out.flush()
}

/// `text` in at most `width` characters, ending in `…` when cut.
fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut kept: String = text.chars().take(width.saturating_sub(1)).collect();
    kept.push('…');
    kept
}
