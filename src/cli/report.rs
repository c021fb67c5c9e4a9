//! `scimd report`: the provisioning report's flags.
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::Args;

use super::DatabaseArgs;

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// The tenant to report on; by default every tenant (and records no tenant was known for,
    /// such as 401s).
    #[arg(long)]
    pub tenant: Option<String>,
    /// The span ending now (or at --to), e.g. 24h, 7d or 30d; the default is 7d.
    #[arg(long, value_parser = super::parse_duration, conflicts_with = "from")]
    pub since: Option<Duration>,
    /// The span's start (RFC 3339, e.g. 2026-12-01T00:00:00Z), inclusive.
    #[arg(long, value_parser = super::parse_time)]
    pub from: Option<DateTime<Utc>>,
    /// The span's end (RFC 3339), exclusive; the default is now.
    #[arg(long, value_parser = super::parse_time)]
    pub to: Option<DateTime<Utc>>,
    /// Print the counts as CSV for a spreadsheet: `day,operation,outcome,count`, days in UTC.
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,
    /// Print the report as one JSON object, as GET /admin/v1/report answers it.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub db: DatabaseArgs,
}
