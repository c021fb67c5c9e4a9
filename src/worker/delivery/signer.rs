//! Standard Webhooks signatures (standardwebhooks.com, "Signature scheme"): HMAC-SHA256 over
//! `{webhook-id}.{webhook-timestamp}.{body}` keyed with the base64-decoded part of the
//! `whsec_…` secret after the prefix, sent as `v1,<base64>`; during a rotation one entry per
//! secret, space-separated.
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The secret's prefix.
pub const PREFIX: &str = "whsec_";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the endpoint's secret is not a whsec_ secret with a base64 key")]
pub struct BadSecret;

/// The key bytes of a `whsec_…` secret.
fn key(secret: &str) -> Result<Vec<u8>, BadSecret> {
    let encoded = secret.strip_prefix(PREFIX).ok_or(BadSecret)?;
    STANDARD.decode(encoded).map_err(|_| BadSecret)
}

/// `v1,<base64 HMAC-SHA256>` of one message with one secret.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String, BadSecret> {
    let mut mac = Hmac::<Sha256>::new_from_slice(&key(secret)?).map_err(|_| BadSecret)?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The `webhook-signature` header value: one entry per secret, space-separated.
pub fn signature_header(
    secrets: &[String],
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, BadSecret> {
    let entries: Vec<String> = secrets
        .iter()
        .map(|secret| sign(secret, id, timestamp, body))
        .collect::<Result<_, _>>()?;
    Ok(entries.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example the Standard Webhooks specification publishes.
    #[test]
    fn the_specifications_example_signs_to_its_published_signature() {
        let signature = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn two_secrets_give_two_space_separated_signatures() {
        let secrets = [
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned(),
            crate::store::webhooks::new_secret().unwrap(),
        ];
        let header = signature_header(
            &secrets,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        )
        .unwrap();
        let entries: Vec<&str> = header.split(' ').collect();
        assert_eq!(entries.len(), 2);
        assert_eq!(
            entries[0],
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert!(entries[1].starts_with("v1,"));
    }

    #[test]
    fn a_secret_without_the_prefix_or_base64_is_refused() {
        assert_eq!(sign("MfKQ9r8G", "id", 1, b"{}"), Err(BadSecret));
        assert_eq!(sign("whsec_***", "id", 1, b"{}"), Err(BadSecret));
    }
}
