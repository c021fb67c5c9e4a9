//! SCIM filters (RFC 7644 §3.4.2.2). Placeholder: being written.
