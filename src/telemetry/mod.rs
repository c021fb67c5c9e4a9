//! What scimd tells its operator: log lines (`logs`: a `tracing` subscriber, text or JSON).

pub mod logs;

pub use logs::{LogFormat, init, subscriber};
