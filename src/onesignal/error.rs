//! The client's error type, and how OneSignal's error bodies are read.
//!
//! Every variant carries what a user needs to act: the HTTP status and OneSignal's own messages,
//! verbatim. Nothing here ever holds a secret: messages come from error bodies (which never carry
//! one) and are scrubbed of the organization key anyway before they are stored.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

/// Everything that can go wrong talking to OneSignal.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The configuration cannot work (an unusable base URL, or a key that is not a valid header).
    InvalidConfig {
        /// What is wrong.
        detail: String,
    },
    /// 401 or 403: OneSignal refused the organization API key.
    CredentialsRejected {
        /// The HTTP status.
        status: u16,
        /// OneSignal's messages, verbatim.
        messages: Vec<String>,
    },
    /// 404: the app or key does not exist (or is not visible to this key).
    NotFound {
        /// The HTTP status.
        status: u16,
        /// OneSignal's messages, verbatim.
        messages: Vec<String>,
    },
    /// 429 on every attempt, until `max_retries` ran out.
    RateLimited {
        /// How many requests were sent.
        attempts: u32,
        /// The total time spent waiting between them.
        waited: Duration,
        /// OneSignal's messages from the last answer, verbatim.
        messages: Vec<String>,
    },
    /// A 4xx other than 401/403/404/429: the request was refused as invalid.
    Validation {
        /// The HTTP status.
        status: u16,
        /// OneSignal's messages, verbatim.
        messages: Vec<String>,
    },
    /// The app already has the maximum number of API keys (16).
    KeyLimitReached {
        /// The HTTP status.
        status: u16,
        /// OneSignal's messages, verbatim.
        messages: Vec<String>,
    },
    /// A 5xx answer: not retryable, or still failing after `max_retries`.
    Server {
        /// The HTTP status of the last answer.
        status: u16,
        /// How many requests were sent.
        attempts: u32,
        /// The total time spent waiting between them.
        waited: Duration,
        /// OneSignal's messages from the last answer, verbatim.
        messages: Vec<String>,
    },
    /// No answer could be had (connection refused, reset, timed out) and retrying did not help or
    /// was not safe.
    Transport {
        /// How many requests were sent.
        attempts: u32,
        /// The total time spent waiting between them.
        waited: Duration,
        /// What failed, from the HTTP library (never includes headers or bodies).
        detail: String,
    },
    /// A create reached the server (or may have) but no usable answer came back — connection lost
    /// after sending, timeout, 502/504 from a gateway, unreadable success body, or cancellation
    /// while in flight: the key may exist
    /// with a secret nobody saw. The client never retries this; the caller must recover (list the
    /// app's keys, adopt and rotate a match).
    Ambiguous {
        /// What failed.
        detail: String,
    },
    /// The cancellation token fired (Terraform's `StopProvider`) during a request or a wait.
    Cancelled,
    /// A success answer whose body could not be understood.
    InvalidResponse {
        /// The HTTP status.
        status: u16,
        /// What was wrong with it (never the body itself, which might hold a secret).
        detail: String,
    },
}

impl Error {
    /// The HTTP status of the answer behind this error, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::CredentialsRejected { status, .. }
            | Error::NotFound { status, .. }
            | Error::Validation { status, .. }
            | Error::KeyLimitReached { status, .. }
            | Error::Server { status, .. }
            | Error::InvalidResponse { status, .. } => Some(*status),
            Error::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// OneSignal's own messages carried by this error (empty when there were none).
    pub fn messages(&self) -> &[String] {
        match self {
            Error::CredentialsRejected { messages, .. }
            | Error::NotFound { messages, .. }
            | Error::RateLimited { messages, .. }
            | Error::Validation { messages, .. }
            | Error::KeyLimitReached { messages, .. }
            | Error::Server { messages, .. } => messages,
            _ => &[],
        }
    }

    /// Whether this is a 404 (the caller decides whether "gone" is fine).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }
}

/// Formats `: "m1"; "m2"` or nothing, so Display lines read naturally.
pub(crate) struct Messages<'a>(pub(crate) &'a [String]);

impl fmt::Display for Messages<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, message) in self.0.iter().enumerate() {
            f.write_str(if i == 0 { ": " } else { "; " })?;
            f.write_str(message)?;
        }
        Ok(())
    }
}

fn seconds(d: &Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidConfig { detail } => {
                write!(f, "invalid OneSignal client configuration: {detail}")
            }
            Error::CredentialsRejected { status, messages } => write!(
                f,
                "OneSignal rejected the organization API key (HTTP {status}){}",
                Messages(messages)
            ),
            Error::NotFound { status, messages } => {
                write!(
                    f,
                    "not found on OneSignal (HTTP {status}){}",
                    Messages(messages)
                )
            }
            Error::RateLimited {
                attempts,
                waited,
                messages,
            } => write!(
                f,
                "OneSignal kept rate limiting the request (HTTP 429) after {attempts} attempts and {} of waiting{}",
                seconds(waited),
                Messages(messages)
            ),
            Error::Validation { status, messages } => {
                write!(
                    f,
                    "OneSignal refused the request (HTTP {status}){}",
                    Messages(messages)
                )
            }
            Error::KeyLimitReached { status, messages } => write!(
                f,
                "the app already has the maximum number of API keys (16) (HTTP {status}){}",
                Messages(messages)
            ),
            Error::Server {
                status,
                attempts,
                waited,
                messages,
            } => {
                write!(f, "OneSignal answered with a server error (HTTP {status})")?;
                if *attempts > 1 {
                    write!(
                        f,
                        " after {attempts} attempts and {} of waiting",
                        seconds(waited)
                    )?;
                }
                write!(f, "{}", Messages(messages))
            }
            Error::Transport {
                attempts,
                waited,
                detail,
            } => {
                write!(f, "could not reach OneSignal: {detail}")?;
                if *attempts > 1 {
                    write!(
                        f,
                        " (after {attempts} attempts and {} of waiting)",
                        seconds(waited)
                    )?;
                }
                Ok(())
            }
            Error::Ambiguous { detail } => write!(
                f,
                "the create request was sent but no usable answer came back, so the key may or may not exist: {detail}"
            ),
            Error::Cancelled => f.write_str("the request to OneSignal was cancelled"),
            Error::InvalidResponse { status, detail } => {
                write!(
                    f,
                    "OneSignal sent an answer that could not be understood (HTTP {status}): {detail}"
                )
            }
        }
    }
}

impl std::error::Error for Error {}

/// The longest non-JSON error body kept as a message (an HTML error page is not useful whole).
const MAX_TEXT_MESSAGE: usize = 500;

/// Extracts the messages of an error body in any of the documented shapes:
/// `{"errors": ["m", ...]}`, `{"errors": [{"code", "title", "meta"}]}`, `{"errors": "m"}` and
/// `{"success": false, "errors": ..., "reference": [...]}`; a body that is not JSON is kept as text.
/// An empty or `{}` body yields no messages.
pub(crate) fn parse_error_messages(body: &[u8]) -> Vec<String> {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() {
            return Vec::new();
        }
        let mut cut: String = text.chars().take(MAX_TEXT_MESSAGE).collect();
        if cut.len() < text.len() {
            cut.push('…');
        }
        return vec![cut];
    };
    let mut out = Vec::new();
    match &value {
        Value::Object(map) => {
            if let Some(errors) = map.get("errors") {
                collect(errors, &mut out);
            }
            // Some endpoints explain themselves in other fields; use them only when `errors` said nothing.
            if out.is_empty() {
                for field in ["error", "message", "title", "detail"] {
                    if let Some(v) = map.get(field) {
                        collect(v, &mut out);
                    }
                }
            }
        }
        other => collect(other, &mut out),
    }
    out
}

fn collect(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) if !s.is_empty() => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|item| collect(item, out)),
        Value::Object(map) => {
            let text = |k: &str| map.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
            let main = text("title")
                .or_else(|| text("message"))
                .or_else(|| text("detail"));
            match (main, text("code")) {
                (Some(m), Some(code)) if code != m => out.push(format!("{m} ({code})")),
                (Some(m), _) => out.push(m.to_owned()),
                (None, Some(code)) => out.push(code.to_owned()),
                (None, None) if !map.is_empty() => out.push(value.to_string()),
                (None, None) => {}
            }
        }
        Value::Null | Value::String(_) => {}
        other => out.push(other.to_string()),
    }
}

/// Whether error messages say the per-app key limit was hit. OneSignal's wording is undocumented;
/// this recognises the emulator's ("App API key limit reached: … at most 16 API keys …") and the
/// plausible variants ("too many API keys", "maximum of 16 tokens").
pub(crate) fn is_key_limit(messages: &[String]) -> bool {
    messages.iter().any(|m| {
        let m = m.to_ascii_lowercase();
        let about_keys = m.contains("key") || m.contains("token");
        let limit_words = ["limit", "maximum", "at most", "max "]
            .iter()
            .any(|w| m.contains(w));
        about_keys
            && (m.contains("too many")
                || (limit_words && (m.contains("16") || m.contains("reached"))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_error_body_shapes() {
        assert_eq!(
            parse_error_messages(br#"{"errors":["a","b"]}"#),
            vec!["a", "b"]
        );
        assert_eq!(
            parse_error_messages(
                br#"{"errors":[{"code":"invalid_cidr","title":"Bad CIDR","meta":{"x":1}}]}"#
            ),
            vec!["Bad CIDR (invalid_cidr)"]
        );
        assert_eq!(
            parse_error_messages(br#"{"errors":"just one"}"#),
            vec!["just one"]
        );
        assert_eq!(
            parse_error_messages(
                br#"{"success":false,"errors":["nope"],"reference":["https://x"]}"#
            ),
            vec!["nope"]
        );
    }

    #[test]
    fn odd_bodies() {
        assert!(parse_error_messages(b"{}").is_empty());
        assert!(parse_error_messages(b"").is_empty());
        assert_eq!(
            parse_error_messages(b"Service temporarily unavailable"),
            vec!["Service temporarily unavailable"]
        );
        assert_eq!(parse_error_messages(br#"{"error":"x"}"#), vec!["x"]);
        assert_eq!(
            parse_error_messages(br#"{"errors":[{"code":"c"}]}"#),
            vec!["c"]
        );
        let long = "x".repeat(2000);
        assert_eq!(
            parse_error_messages(long.as_bytes())[0].chars().count(),
            MAX_TEXT_MESSAGE + 1
        );
    }

    #[test]
    fn documented_403_body_is_kept_verbatim() {
        let body = br#"{"errors":["Access denied.  Please include an 'Authorization: ...' header with a valid API key (https://documentation.onesignal.com/docs/en/keys-and-ids#api-keys)."]}"#;
        let messages = parse_error_messages(body);
        assert_eq!(
            messages,
            vec![
                "Access denied.  Please include an 'Authorization: ...' header with a valid API key (https://documentation.onesignal.com/docs/en/keys-and-ids#api-keys)."
            ]
        );
        let e = Error::CredentialsRejected {
            status: 403,
            messages,
        };
        let shown = e.to_string();
        assert!(
            shown.contains("HTTP 403") && shown.contains("Access denied.  Please"),
            "{shown}"
        );
    }

    #[test]
    fn key_limit_recognition() {
        let yes = |s: &str| is_key_limit(&[s.to_owned()]);
        assert!(yes(
            "App API key limit reached: an app can have at most 16 API keys."
        ));
        assert!(yes("Too many API keys for this app"));
        assert!(yes("You have reached the maximum of 16 tokens"));
        assert!(!yes("name must be at most 128 characters"));
        assert!(!yes(
            "API key name exceeds the maximum length of 128 characters"
        ));
        assert!(!yes("ip_allowlist entry 'x' is not a valid CIDR"));
    }

    #[test]
    fn display_includes_status_and_attempts() {
        let e = Error::RateLimited {
            attempts: 3,
            waited: Duration::from_millis(2500),
            messages: vec!["API rate limit exceeded.".into()],
        };
        assert_eq!(
            e.to_string(),
            "OneSignal kept rate limiting the request (HTTP 429) after 3 attempts and 2.5 s of waiting: API rate limit exceeded."
        );
        let e = Error::Server {
            status: 503,
            attempts: 1,
            waited: Duration::ZERO,
            messages: vec![],
        };
        assert_eq!(
            e.to_string(),
            "OneSignal answered with a server error (HTTP 503)"
        );
    }
}
