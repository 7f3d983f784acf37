//! Plain configuration values that look like secrets: found as a snapshot is assembled and
//! replaced by a marker with a fingerprint, so the value never reaches a snapshot, report,
//! alert, metric or log, while a change to it is still drift.
//!
//! A value is taken for a secret when its name says so (a container variable or the last
//! segment of a parameter name containing `PASSWORD`, `SECRET`, `TOKEN`, `API_KEY`, ...) or
//! when the value itself is recognized: an AWS access key id, a private key block, a JSON Web
//! Token, a URL with a password in it, or a long high-entropy token. The `plaintext-secret`
//! compliance rule then names the resource and the variable, never the value.

use std::sync::OnceLock;

use regex::Regex;
use sha2::{Digest, Sha256};

use super::Resource;
use crate::digest::DigestKey;

/// What a redacted value starts with: `redacted-secret:<detector>:<fingerprint>`.
pub const REDACTED_PREFIX: &str = "redacted-secret:";

/// Words that make a variable or parameter name a secret's (after upper-casing and turning
/// `-`, `.` and `/` into `_`).
pub const SECRET_NAME_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIAL",
];

/// Why a value was taken for a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detector {
    /// The name says so.
    Name,
    /// `AKIA...`/`ASIA...` access key id.
    AwsAccessKeyId,
    /// `-----BEGIN ... PRIVATE KEY-----`.
    PrivateKey,
    /// `eyJ...`.`eyJ...`.`...`.
    Jwt,
    /// `scheme://user:password@host`.
    UrlPassword,
    /// 32+ characters of mixed case and digits with high entropy.
    HighEntropy,
}

impl Detector {
    /// The detector's name in markers and findings.
    pub fn as_str(self) -> &'static str {
        match self {
            Detector::Name => "secret-name",
            Detector::AwsAccessKeyId => "aws-access-key-id",
            Detector::PrivateKey => "private-key",
            Detector::Jwt => "jwt",
            Detector::UrlPassword => "url-password",
            Detector::HighEntropy => "high-entropy",
        }
    }
}

/// Whether `name` names a secret (`DB_PASSWORD`, `/prod/api-token`, `stripeApiKey`).
pub fn secret_name(name: &str) -> bool {
    let last = name.rsplit('/').next().unwrap_or(name);
    // camelCase -> CAMEL_CASE, then separators to `_`.
    let mut normalized = String::with_capacity(last.len() + 4);
    let mut previous_lower = false;
    for c in last.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            normalized.push('_');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        normalized.push(match c {
            '-' | '.' | ' ' => '_',
            c => c.to_ascii_uppercase(),
        });
    }
    SECRET_NAME_WORDS.iter().any(|w| normalized.contains(w))
}

/// What in `value` looks like a secret, if anything.
pub fn secret_value(value: &str) -> Option<Detector> {
    static PATTERNS: OnceLock<[(Detector, Regex); 4]> = OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        let build = |p: &str| Regex::new(p).expect("valid secret pattern");
        [
            (
                Detector::AwsAccessKeyId,
                build(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
            ),
            (
                Detector::PrivateKey,
                build(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
            ),
            (
                Detector::Jwt,
                build(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"),
            ),
            (
                Detector::UrlPassword,
                build(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"),
            ),
        ]
    });
    if let Some((detector, _)) = patterns.iter().find(|(_, p)| p.is_match(value)) {
        return Some(*detector);
    }
    high_entropy(value).then_some(Detector::HighEntropy)
}

/// A single token of 32+ base64/url-safe characters mixing upper case, lower case and digits,
/// with at least 4.3 bits of entropy per character: a generated key. Hex digests, ids, ARNs,
/// lists and sentences fail one of these.
fn high_entropy(value: &str) -> bool {
    let token = value.trim();
    if token.len() < 32
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=_-".contains(&b))
    {
        return false;
    }
    let has = |f: fn(&u8) -> bool| token.bytes().any(|b| f(&b));
    if !(has(u8::is_ascii_uppercase) && has(u8::is_ascii_lowercase) && has(u8::is_ascii_digit)) {
        return false;
    }
    let mut counts = [0usize; 256];
    token.bytes().for_each(|b| counts[usize::from(b)] += 1);
    let n = token.len() as f64;
    let entropy: f64 = counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| {
            let p = *c as f64 / n;
            -p * p.log2()
        })
        .sum();
    entropy >= 4.3
}

/// The marker that replaces a secret value: with the user's digest key a full keyed digest
/// (`hmac-sha256:<hex>`); without one a 16-bit fingerprint (`sha256/16:<4 hex>`), which tells a
/// change with probability 65535/65536 and gives away too little to confirm a guess.
pub fn redacted(detector: Detector, value: &str, key: Option<&DigestKey>) -> String {
    let fingerprint = match key {
        Some(key) => key.digest(value),
        None => {
            let hash = Sha256::digest(value.as_bytes());
            format!("sha256/16:{}", hex::encode(&hash[..2]))
        }
    };
    format!("{REDACTED_PREFIX}{}:{fingerprint}", detector.as_str())
}

/// The marker for `value` (known by `name`) when it looks like a secret, else `None`.
pub fn redacted_if_secret(name: &str, value: &str, key: Option<&DigestKey>) -> Option<String> {
    if is_redacted(value) || value.is_empty() {
        return None;
    }
    let detector = if secret_name(name) {
        Some(Detector::Name)
    } else {
        secret_value(value)
    };
    detector.map(|d| redacted(d, value, key))
}

/// Whether a recorded value is a redaction marker.
pub fn is_redacted(value: &str) -> bool {
    value.starts_with(REDACTED_PREFIX)
}

/// Replaces every plain value that looks like a secret (what each kind declares as plain values:
/// container environment values, `String` and `StringList` parameter values, bucket policy
/// condition values, listener rules' header and query values) with its marker. Values already redacted stay as they
/// are, so a snapshot read back is redacted once.
pub fn redact(resources: &mut [Resource], key: Option<&DigestKey>) {
    let redact_one = |name: &str, value: &mut String| {
        if let Some(marker) = redacted_if_secret(name, value, key) {
            *value = marker;
        }
    };
    for Resource { id, properties, .. } in resources {
        for plain in properties.plain_values_mut(id) {
            redact_one(&plain.name, plain.value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_say_secret() {
        for name in [
            "DB_PASSWORD",
            "db-password",
            "/prod/db-password",
            "stripeApiKey",
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "jwt.secret",
            "SERVICE_CREDENTIALS",
        ] {
            assert!(secret_name(name), "{name}");
        }
        for name in [
            "PORT",
            "APP_ENV",
            "/prod/cache-ttl",
            "AUTHOR",
            "TOKENIZER_MODEL",
        ] {
            // TOKENIZER contains TOKEN: a false positive an allow-list entry settles.
            assert_eq!(secret_name(name), name == "TOKENIZER_MODEL", "{name}");
        }
    }

    #[test]
    fn values_that_are_secrets() {
        let cases = [
            ("AKIAIOSFODNN7EXAMPLE", Some(Detector::AwsAccessKeyId)),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nMIIEow...",
                Some(Detector::PrivateKey),
            ),
            (
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
                Some(Detector::Jwt),
            ),
            (
                "postgres://app:hunter2@db.internal:5432/trading",
                Some(Detector::UrlPassword),
            ),
            (
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                Some(Detector::HighEntropy),
            ),
            ("8080", None),
            ("info", None),
            ("postgres://db.internal:5432/trading", None),
            ("https://user@example.com/path", None),
            (
                "subnet-0a1b2c3d4e5f60718,subnet-0a1b2c3d4e5f60719,subnet-0a1b2c3d4e5f60710",
                None,
            ),
            (
                "sha256:5d41402abc4b2a76b9719d911017c592a1b2c3d4e5f60718293a4b5c6d7e8f90",
                None,
            ),
            ("0123456789abcdef0123456789abcdef01234567", None),
            (
                "arn:aws:ssm:us-east-1:123456789012:parameter/prod/db-password",
                None,
            ),
            ("The quick brown fox jumps over the lazy dog again", None),
            (
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/trading-app:v1.4.2",
                None,
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(secret_value(value), expected, "{value}");
        }
    }

    #[test]
    fn markers_keep_changes_visible_and_values_hidden() {
        let a = redacted(Detector::Name, "hunter2", None);
        let b = redacted(Detector::Name, "hunter3", None);
        assert!(
            a.starts_with("redacted-secret:secret-name:sha256/16:"),
            "{a}"
        );
        assert_ne!(a, b, "a change shows");
        assert!(!a.contains("hunter2"));
        let key = DigestKey::new("0123456789abcdef0123").unwrap();
        let keyed = redacted(Detector::Name, "hunter2", Some(&key));
        assert!(keyed.contains(":hmac-sha256:"), "{keyed}");
        assert!(is_redacted(&keyed) && !is_redacted("hunter2"));
    }
}
