//! A string that never prints itself.
//!
//! The organization API key and every App API key secret travel through the client and its caller inside
//! [`Secret`]. Its `Debug` and `Display` print `***`, so a secret cannot reach a log line, an error
//! message or a panic through formatting; code that really needs the value calls [`Secret::expose`].
//!
//! Text that came from elsewhere (a server's error body, a library's error message) may still
//! quote a secret; [`redact`] scrubs every secret shape out of such text before it is kept.

use std::fmt;

/// A secret string whose formatting is redacted.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself. Call sites are the places a secret leaves the process (an HTTP header,
    /// the caller's stored state), so they are easy to audit with a search for `expose`.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Consumes the wrapper and returns the secret.
    pub fn into_exposed(self) -> String {
        self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// What a scrubbed secret is replaced with.
pub const REDACTED: &str = "***";

/// The prefix of every OneSignal v2 key, organization and app alike: `os_v2_org_…`, `os_v2_app_…`.
const V2_PREFIX: &str = "os_v2_";

/// A known secret shorter than this is not scrubbed by value: no real key is that short, and
/// replacing every occurrence of two or three letters would garble the text beyond use.
const MIN_KNOWN_LEN: usize = 6;

/// `text` with every secret shape replaced by [`REDACTED`]: each of `known` (the organization
/// key, whatever its shape) wherever it occurs, and every `os_v2_…` token (the prefix in any case,
/// then letters, digits and `_`), known or not. Call it on the whole text before cutting it
/// short: a cut first could split a secret so that neither half is recognised.
pub fn redact(text: &str, known: &[&Secret]) -> String {
    let mut out = text.to_owned();
    for secret in known {
        let value = secret.expose();
        if value.len() >= MIN_KNOWN_LEN && out.contains(value) {
            out = out.replace(value, REDACTED);
        }
    }
    redact_v2_tokens(&out)
}

/// Replaces every `os_v2_` token; the prefix is matched ASCII-case-insensitively.
fn redact_v2_tokens(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i + V2_PREFIX.len() <= bytes.len() {
        if bytes[i..i + V2_PREFIX.len()].eq_ignore_ascii_case(V2_PREFIX.as_bytes()) {
            let mut end = i + V2_PREFIX.len();
            while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
                end += 1;
            }
            // Both ends are ASCII positions, so they are char boundaries.
            out.push_str(&text[copied..i]);
            out.push_str(REDACTED);
            copied = end;
            i = end;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::{REDACTED, Secret, redact};

    #[test]
    fn formatting_redacts() {
        let secret = Secret::new("os_v2_app_abcdef");
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(format!("{secret:?}"), "***");
        assert_eq!(format!("{:?}", Some(&secret)), "Some(***)");
        assert_eq!(secret.expose(), "os_v2_app_abcdef");
    }

    #[test]
    fn redact_scrubs_every_shape() {
        let org = Secret::new("legacyOrgKey1234567890");
        let app = format!("os_v2_app_{}", "a1b2_".repeat(20));
        let text = format!(
            "key {org} and {app}! OS_V2_ORG_XYZ, os_v2_ alone; ok",
            org = org.expose()
        );
        let shown = redact(&text, &[&org]);
        assert_eq!(
            shown,
            format!("key {REDACTED} and {REDACTED}! {REDACTED}, {REDACTED} alone; ok")
        );
        // An os_v2 organization key is scrubbed whole even when it is the known one.
        let v2 = Secret::new("os_v2_org_abc123");
        assert_eq!(redact("x os_v2_org_abc123 y", &[&v2]), "x *** y");
        // Too short to be a key: left alone rather than garbling the text.
        assert_eq!(redact("abc abc", &[&Secret::new("abc")]), "abc abc");
        assert_eq!(redact("é os_v2_ü", &[]), "é ***ü");
        assert_eq!(redact("", &[&org]), "");
    }
}
