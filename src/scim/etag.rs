//! Resource versions as weak entity tags (RFC 7644 §3.14, RFC 7232).

/// `W/"<version>"`: the value of both `meta.version` and the `ETag` header.
pub fn weak(version: i64) -> String {
    format!("W/\"{version}\"")
}

#[cfg(test)]
mod tests {
    #[test]
    fn weak_tag_quotes_the_version() {
        assert_eq!(super::weak(7), "W/\"7\"");
    }
}
