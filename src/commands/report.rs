//! `scimd report`: the provisioning report read from the database, as `GET /admin/v1/report`
//! answers it: readable tables, CSV of the day counts (`--csv`) or the API's JSON (`--json`).
use std::collections::BTreeMap;
use std::io::Write as _;

use chrono::{DateTime, Utc};

use super::{credentials, open};
use crate::api::{ReportView, report_span};
use crate::cli::ReportArgs;
use crate::store::{CredentialUse, DayCount, ErrorGroup, Report};

pub async fn run(args: ReportArgs) -> anyhow::Result<()> {
    let since = args
        .since
        .map(chrono::Duration::from_std)
        .transpose()
        .map_err(|_| anyhow::anyhow!("--since is too long; use a shorter span such as 30d"))?;
    let (from, to) =
        report_span(since, args.from, args.to, Utc::now()).map_err(anyhow::Error::msg)?;
    let store = open(&args.db).await?;
    let read = async {
        let tenant = match &args.tenant {
            Some(name) => Some(credentials::named(&store, name).await?),
            None => None,
        };
        let report = store
            .report(tenant.as_ref().map(|t| t.id), from, to)
            .await?;
        Ok::<_, anyhow::Error>((tenant.map(|t| t.name), report))
    }
    .await;
    store.close().await;
    let (tenant, report) = read?;
    let written = if args.csv {
        csv(&report.counts)
    } else if args.json {
        json(&ReportView::new(tenant, from, to, report))
    } else {
        print(tenant.as_deref(), from, to, &report)
    };
    match written {
        // The reader went away (`scimd report --csv | head`): nothing more to print.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(())
        }
        written => written,
    }
}

/// `day,operation,outcome,count`, one row per count, quoted where a field needs it.
fn csv(counts: &[DayCount]) -> anyhow::Result<()> {
    let mut out = csv::Writer::from_writer(std::io::stdout().lock());
    out.write_record(["day", "operation", "outcome", "count"])?;
    for c in counts {
        let day = c.day.to_string();
        let count = c.count.to_string();
        out.write_record([day.as_str(), &c.operation, &c.outcome, &count])?;
    }
    out.flush()?;
    Ok(())
}

fn json(view: &ReportView) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, view)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

fn print(
    tenant: Option<&str>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    report: &Report,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let whom = tenant.map_or_else(|| "all tenants".to_owned(), |t| format!("tenant {t}"));
    writeln!(
        out,
        "Provisioning report for {whom}, {} to {} (UTC)",
        credentials::when(Some(from)),
        credentials::when(Some(to))
    )?;
    writeln!(out)?;
    if report.counts.is_empty() {
        writeln!(out, "No activity in this span.")?;
        return Ok(out.flush()?);
    }
    for line in days(&report.counts) {
        writeln!(out, "{line}")?;
    }
    writeln!(out)?;
    writeln!(out, "Top errors")?;
    for line in errors(&report.errors) {
        writeln!(out, "{line}")?;
    }
    writeln!(out)?;
    writeln!(out, "Credentials")?;
    for line in used(&report.credentials) {
        writeln!(out, "{line}")?;
    }
    Ok(out.flush()?)
}

/// One line per day and operation, its outcomes side by side: the table an operator scans for
/// a day where failures jumped.
fn days(counts: &[DayCount]) -> Vec<String> {
    let mut rows: BTreeMap<(String, &str), (i64, i64)> = BTreeMap::new();
    for c in counts {
        let row = rows
            .entry((c.day.to_string(), c.operation.as_str()))
            .or_default();
        // `outcome` is `succeeded` or `failed` by construction; anything else is no success.
        if c.outcome == "succeeded" {
            row.0 += c.count;
        } else {
            row.1 += c.count;
        }
    }
    let mut lines = vec![format!(
        "{:<10}  {:<16}  {:>9}  {:>6}",
        "DAY", "OPERATION", "SUCCEEDED", "FAILED"
    )];
    lines.extend(rows.iter().map(|((day, operation), (ok, failed))| {
        format!("{day:<10}  {operation:<16}  {ok:>9}  {failed:>6}")
    }));
    lines
}

fn errors(errors: &[ErrorGroup]) -> Vec<String> {
    if errors.is_empty() {
        return vec!["none".to_owned()];
    }
    let mut lines = vec![format!(
        "{:>6}  {:<6}  {:<14}  {:<36}  DETAIL",
        "COUNT", "STATUS", "SCIMTYPE", "EXAMPLE REQUEST ID"
    )];
    lines.extend(errors.iter().map(|e| {
        format!(
            "{:>6}  {:<6}  {:<14}  {:<36}  {} ({})",
            e.count,
            e.status,
            e.scim_type.as_deref().unwrap_or("-"),
            e.example_request_id.as_deref().unwrap_or("-"),
            e.detail.as_deref().unwrap_or("-"),
            e.operation
        )
    }));
    lines
}

fn used(credentials: &[CredentialUse]) -> Vec<String> {
    if credentials.is_empty() {
        return vec!["none".to_owned()];
    }
    let mut lines = vec![format!(
        "{:<44}  {:<24}  {:>8}  {:>6}  LAST SEEN",
        "ID", "LABEL", "REQUESTS", "FAILED"
    )];
    lines.extend(credentials.iter().map(|c| {
        format!(
            "{:<44}  {:<24}  {:>8}  {:>6}  {}",
            c.credential_id,
            c.credential_label.as_deref().unwrap_or("-"),
            c.requests,
            c.failed,
            credentials::when(Some(c.last_seen))
        )
    }));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(day: &str, operation: &str, outcome: &str, count: i64) -> DayCount {
        DayCount {
            day: day.parse().unwrap(),
            operation: operation.to_owned(),
            outcome: outcome.to_owned(),
            count,
        }
    }

    #[test]
    fn the_day_table_puts_outcomes_side_by_side() {
        let lines = days(&[
            count("2026-12-03", "create", "failed", 2),
            count("2026-12-03", "create", "succeeded", 5),
            count("2026-12-04", "patch", "succeeded", 1),
        ]);
        assert_eq!(
            lines,
            [
                "DAY         OPERATION         SUCCEEDED  FAILED",
                "2026-12-03  create                    5       2",
                "2026-12-04  patch                     1       0",
            ]
        );
    }
}
