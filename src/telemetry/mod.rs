//! What scimd tells its operator: log lines (`logs`: a `tracing` subscriber, text or JSON) and
//! Prometheus metrics (`metrics`: the process-wide recorder, and every series' name).

pub mod logs;
pub mod metrics;

pub use logs::{LogFormat, init, subscriber};
