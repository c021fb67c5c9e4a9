//! PATCH paths (RFC 7644 §3.5.2). Placeholder: being written.
