//! `scimd webhook …`: webhook endpoints and their deliveries (README "Webhooks").
use clap::Subcommand;

use super::{DatabaseArgs, ListFormat};

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Register an endpoint; prints its id, then once its whsec_ secret, one per line. It
    /// receives the events committed from now on (`replay` sends older ones).
    Add {
        /// Where events are POSTed: https (plain http only with SCIMD_WEBHOOK_ALLOW_PRIVATE).
        #[arg(long)]
        url: String,
        /// Only this tenant's events; by default every tenant's, those created later included.
        #[arg(long)]
        tenant: Option<String>,
        /// Event types and prefixes to send, comma-separated, e.g. user.*,group.member_added;
        /// by default every type.
        #[arg(long, default_value = "")]
        events: String,
        /// Allow a URL on a loopback, private or link-local address (and plain http).
        #[arg(long, env = "SCIMD_WEBHOOK_ALLOW_PRIVATE")]
        allow_private: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// List endpoints: state (active, failing, disabled and why), the last attempt.
    List {
        #[command(flatten)]
        format: ListFormat,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Remove an endpoint, with its delivery state and attempts log.
    Remove {
        /// The endpoint's id, as `scimd webhook list` shows it.
        id: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Issue a new secret (printed once); the old one keeps signing beside it for 24 h.
    RotateSecret {
        /// The endpoint's id, as `scimd webhook list` shows it.
        id: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Enable an endpoint its receiver disabled (it answered 410): delivery resumes with the
    /// event it refused.
    Enable {
        /// The endpoint's id, as `scimd webhook list` shows it.
        id: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Send a tenant's stored events to the endpoint again, from a seq on.
    Replay {
        /// The endpoint's id, as `scimd webhook list` shows it.
        id: String,
        /// The tenant whose events to send again.
        #[arg(long)]
        tenant: String,
        /// The first seq to send again (the envelope's `seq`).
        #[arg(long)]
        from_seq: i64,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// List an endpoint's recorded delivery attempts, newest first.
    Attempts {
        /// The endpoint's id, as `scimd webhook list` shows it.
        id: String,
        /// How many attempts to show.
        #[arg(long, default_value_t = 50)]
        limit: u64,
        #[command(flatten)]
        format: ListFormat,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}
