//! Keyed digests of SecureString values, so equality can be checked without revealing them.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::error::ConfigError;

/// Minimum key length in bytes.
pub const MIN_KEY_BYTES: usize = 16;

/// A user-supplied HMAC key. Its `Debug` output never shows the key.
#[derive(Clone)]
pub struct DigestKey(Vec<u8>);

impl DigestKey {
    /// Wraps a key of at least [`MIN_KEY_BYTES`] bytes.
    pub fn new(key: impl Into<Vec<u8>>) -> Result<Self, ConfigError> {
        let key = key.into();
        if key.len() < MIN_KEY_BYTES {
            return Err(ConfigError::Invalid(format!(
                "the SecureString digest key must be at least {MIN_KEY_BYTES} bytes"
            )));
        }
        Ok(DigestKey(key))
    }

    /// `hmac-sha256:<hex>` of `value`.
    pub fn digest(&self, value: &str) -> String {
        format!("hmac-sha256:{}", hmac_sha256_hex(&self.0, value.as_bytes()))
    }
}

fn hmac_sha256_hex(key: &[u8], data: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    hex::encode(mac.finalize().into_bytes())
}

impl fmt::Debug for DigestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DigestKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_a_known_answer() {
        assert_eq!(
            hmac_sha256_hex(b"key", b"The quick brown fox jumps over the lazy dog"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }

    #[test]
    fn digests_are_stable_keyed_and_opaque() {
        let key = DigestKey::new(vec![0xaa; 20]).unwrap();
        let key2 = DigestKey::new(b"0123456789abcdef".to_vec()).unwrap();
        let a = key2.digest("s3cr3t");
        assert_eq!(a, key2.digest("s3cr3t"));
        assert_ne!(a, key2.digest("s3cr3u"));
        assert_ne!(a, key.digest("s3cr3t"));
        assert!(a.starts_with("hmac-sha256:") && a.len() == 12 + 64);
        assert!(!a.contains("s3cr3t"));
    }

    #[test]
    fn short_keys_are_rejected_and_keys_never_print() {
        assert!(DigestKey::new(b"short".to_vec()).is_err());
        let key = DigestKey::new(b"super-secret-key-material".to_vec()).unwrap();
        assert!(!format!("{key:?}").contains("super"));
    }
}
