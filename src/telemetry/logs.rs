//! Logging: a `tracing` subscriber writing to stderr, as text or JSON lines.
use tracing::Subscriber;
use tracing_subscriber::{EnvFilter, fmt::MakeWriter, layer::SubscriberExt};

/// `SCIMD_LOG_FORMAT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// A subscriber for `filter` (an `EnvFilter` directive such as `info` or `scimd=debug`)
/// writing to `sink`; injectable so tests can capture or silence it.
pub fn subscriber<W>(
    filter: &str,
    format: LogFormat,
    sink: W,
) -> Result<Box<dyn Subscriber + Send + Sync>, tracing_subscriber::filter::ParseError>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(filter)?;
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let registry = tracing_subscriber::registry().with(filter);
    Ok(match format {
        LogFormat::Text => Box::new(
            registry.with(
                tracing_subscriber::fmt::layer()
                    .with_writer(sink)
                    .with_ansi(ansi)
                    .with_target(false),
            ),
        ),
        LogFormat::Json => Box::new(
            registry.with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(sink),
            ),
        ),
    })
}

/// Installs the process-wide subscriber.
pub fn init(filter: &str, format: LogFormat) -> anyhow::Result<()> {
    let subscriber = subscriber(filter, format, std::io::stderr)
        .map_err(|e| anyhow::anyhow!("invalid SCIMD_LOG filter {filter:?}: {e}"))?;
    tracing::subscriber::set_global_default(subscriber)?;
    Ok(())
}
