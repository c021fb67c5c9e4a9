//! `scimd backup`, `scimd healthcheck` and `scimd completions`.
use anyhow::{Context, bail};

use super::open;
use crate::cli::{BackupArgs, Cli, CompletionsArgs, HealthcheckArgs};

pub(super) async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    let store = open(&args.db).await?;
    let written = store.backup_into(&args.file).await;
    store.close().await;
    let backup = written?;
    println!(
        "backup written to {} ({} bytes)",
        backup.file.display(),
        backup.bytes
    );
    Ok(())
}

/// Exit 0 only for a 200: a container runtime reads anything else as unhealthy.
pub(super) async fn healthcheck(args: HealthcheckArgs) -> anyhow::Result<()> {
    let url = args.target();
    let client = reqwest::Client::builder()
        .timeout(args.timeout)
        .build()
        .context("cannot build an HTTP client")?;
    let response = client.get(&url).send().await.with_context(|| {
        format!("no answer from {url} (is scimd running? --url or SCIMD_LISTEN name the address)")
    })?;
    let status = response.status();
    if status != reqwest::StatusCode::OK {
        let body = response.text().await.unwrap_or_default();
        bail!("{url} answered {status}: {}", body.trim());
    }
    Ok(())
}

pub(super) fn completions(args: CompletionsArgs) -> anyhow::Result<()> {
    use clap::CommandFactory;
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "scimd", &mut std::io::stdout());
    Ok(())
}
