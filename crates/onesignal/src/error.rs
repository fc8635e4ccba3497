//! The client's error type, and how OneSignal's error bodies are read.
//!
//! Every variant carries what a user needs to act: the HTTP status, the request that was asked
//! (method and URL, never credentials) and OneSignal's own messages. Nothing here ever holds a
//! secret: every text that came from elsewhere (error bodies, library errors, decoding errors) is
//! scrubbed of every secret shape by [`redact`] *before* it is cut to [`MAX_ERROR_TEXT`]. How
//! error bodies become messages is in [`error_body`](super::error_body).

use std::fmt;
use std::time::Duration;

use crate::secret::{Secret, redact};

/// The most error text (OneSignal's messages together, or a detail) one error carries: a 10 MB
/// error body must not become a 10 MB diagnostic.
pub const MAX_ERROR_TEXT: usize = 2048;

/// Why the client stopped retrying a request that was still failing in a retryable way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GaveUp {
    /// `max_retries` retries were sent (its value).
    MaxRetries(u32),
    /// The next wait would have ended past the per-operation deadline (its value).
    Deadline(Duration),
}

impl fmt::Display for GaveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GaveUp::MaxRetries(n) => write!(f, "max_retries ({n}) reached"),
            GaveUp::Deadline(d) => write!(
                f,
                "gave up after {} s, the per-operation deadline",
                d.as_secs_f64()
            ),
        }
    }
}

/// Everything that can go wrong talking to OneSignal.
///
/// `request` fields read `GET https://api.onesignal.com/apps/<id>/auth/tokens`: the method and the
/// URL asked, without credentials (empty when an error was made up by a caller).
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
        /// The request asked: method and URL.
        request: String,
    },
    /// 404: the app or key does not exist, is not visible to this key — or `api_url` points
    /// somewhere else (a proxy's 404 page). The caller decides what it proves.
    NotFound {
        /// The HTTP status.
        status: u16,
        /// OneSignal's messages, verbatim.
        messages: Vec<String>,
        /// The request asked: method and URL.
        request: String,
    },
    /// 429 on every attempt, until `max_retries` or the deadline ran out.
    RateLimited {
        /// How many requests were sent.
        attempts: u32,
        /// The total time spent waiting between them.
        waited: Duration,
        /// OneSignal's messages from the last answer, verbatim.
        messages: Vec<String>,
        /// The request asked: method and URL.
        request: String,
        /// What stopped the retries.
        gave_up: Option<GaveUp>,
    },
    /// A 4xx other than 401/403/404/429: the request was refused as invalid.
    Validation {
        /// The HTTP status.
        status: u16,
        /// OneSignal's messages, verbatim.
        messages: Vec<String>,
        /// The request asked: method and URL.
        request: String,
    },
    /// The app already has the maximum number of API keys (16).
    KeyLimitReached {
        /// The HTTP status.
        status: u16,
        /// OneSignal's messages, verbatim.
        messages: Vec<String>,
        /// The request asked: method and URL.
        request: String,
    },
    /// A 5xx answer: not retryable, or still failing after `max_retries` or the deadline.
    Server {
        /// The HTTP status of the last answer.
        status: u16,
        /// How many requests were sent.
        attempts: u32,
        /// The total time spent waiting between them.
        waited: Duration,
        /// OneSignal's messages from the last answer, verbatim.
        messages: Vec<String>,
        /// The request asked: method and URL.
        request: String,
        /// What stopped the retries (`None` when the status is not retried).
        gave_up: Option<GaveUp>,
    },
    /// No answer could be had (connection refused, reset, timed out, certificate not trusted) and
    /// retrying did not help or was not safe.
    Transport {
        /// How many requests were sent.
        attempts: u32,
        /// The total time spent waiting between them.
        waited: Duration,
        /// What failed, from the HTTP library (never includes headers or bodies).
        detail: String,
        /// The request asked: method and URL.
        request: String,
        /// What stopped the retries (`None` when the failure is not retried).
        gave_up: Option<GaveUp>,
    },
    /// A create reached the server (or may have) but no usable answer came back — connection lost
    /// after sending, timeout, 500/502/504, an unreadable or oversized success body, or
    /// cancellation while in flight: the key may exist with a secret nobody saw. The client never
    /// retries this; the caller must recover (list the app's keys, adopt and rotate its own).
    Ambiguous {
        /// What failed, naming the request.
        detail: String,
    },
    /// The handle's cancellation token ([`Client::with_cancel`](super::Client::with_cancel))
    /// fired before or during a request, or during a wait.
    Cancelled,
    /// A success answer whose body could not be understood (or was larger than the cap).
    InvalidResponse {
        /// The HTTP status.
        status: u16,
        /// What was wrong with it (never the body itself, which might hold a secret).
        detail: String,
        /// The request asked: method and URL.
        request: String,
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

    /// The request behind this error (`GET https://…`), when the error names one.
    pub fn request(&self) -> Option<&str> {
        match self {
            Error::CredentialsRejected { request, .. }
            | Error::NotFound { request, .. }
            | Error::RateLimited { request, .. }
            | Error::Validation { request, .. }
            | Error::KeyLimitReached { request, .. }
            | Error::Server { request, .. }
            | Error::Transport { request, .. }
            | Error::InvalidResponse { request, .. } => {
                Some(request.as_str()).filter(|r| !r.is_empty())
            }
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

    /// Whether this is a 404 (the caller decides what it proves).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }

    /// Whether the per-operation deadline ended the request.
    pub fn hit_deadline(&self) -> bool {
        matches!(
            self,
            Error::RateLimited {
                gave_up: Some(GaveUp::Deadline(_)),
                ..
            } | Error::Server {
                gave_up: Some(GaveUp::Deadline(_)),
                ..
            } | Error::Transport {
                gave_up: Some(GaveUp::Deadline(_)),
                ..
            }
        )
    }

    /// This error with every text scrubbed of secrets (the organization key and any `os_v2_…`
    /// token) and cut to [`MAX_ERROR_TEXT`]. The client passes every error it returns through
    /// this, whatever built it, so no path can forget.
    pub(crate) fn scrubbed(mut self, known: &[&Secret]) -> Error {
        let clean = |text: &mut String| *text = cap_text(&redact(text, known), MAX_ERROR_TEXT);
        match &mut self {
            Error::InvalidConfig { detail } | Error::Ambiguous { detail } => clean(detail),
            Error::Transport {
                detail, request, ..
            }
            | Error::InvalidResponse {
                detail, request, ..
            } => {
                clean(detail);
                clean(request);
            }
            Error::CredentialsRejected {
                messages, request, ..
            }
            | Error::NotFound {
                messages, request, ..
            }
            | Error::RateLimited {
                messages, request, ..
            }
            | Error::Validation {
                messages, request, ..
            }
            | Error::KeyLimitReached {
                messages, request, ..
            }
            | Error::Server {
                messages, request, ..
            } => {
                for message in messages.iter_mut() {
                    *message = redact(message, known);
                }
                *messages = cap_messages(std::mem::take(messages), MAX_ERROR_TEXT);
                clean(request);
            }
            Error::Cancelled => {}
        }
        self
    }

    /// Marks a retryable error as ended by `why`.
    pub(crate) fn gave_up(mut self, why: GaveUp) -> Error {
        if let Error::RateLimited { gave_up, .. }
        | Error::Server { gave_up, .. }
        | Error::Transport { gave_up, .. } = &mut self
        {
            *gave_up = Some(why);
        }
        self
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

/// `GET <url> answered HTTP 404`, or `HTTP 404` when no request is known.
struct Asked<'a>(&'a str, u16);

impl fmt::Display for Asked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            "" => write!(f, "HTTP {}", self.1),
            request => write!(f, "{request} answered HTTP {}", self.1),
        }
    }
}

/// ` (after 3 attempts and 2.5 s of waiting; max_retries (2) reached)`, or less, or nothing.
struct Tries<'a>(u32, &'a Duration, &'a Option<GaveUp>);

impl fmt::Display for Tries<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Tries(attempts, waited, gave_up) = *self;
        if attempts <= 1 && gave_up.is_none() {
            return Ok(());
        }
        f.write_str(" (")?;
        if attempts > 1 {
            write!(
                f,
                "after {attempts} attempts and {} of waiting",
                seconds(waited)
            )?;
            if gave_up.is_some() {
                f.write_str("; ")?;
            }
        }
        if let Some(why) = gave_up {
            write!(f, "{why}")?;
        }
        f.write_str(")")
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
            Error::CredentialsRejected {
                status,
                messages,
                request,
            } => write!(
                f,
                "OneSignal rejected the organization API key: {}{}",
                Asked(request, *status),
                Messages(messages)
            ),
            Error::NotFound {
                status,
                messages,
                request,
            } => write!(
                f,
                "not found on OneSignal: {}{}",
                Asked(request, *status),
                Messages(messages)
            ),
            Error::RateLimited {
                attempts,
                waited,
                messages,
                request,
                gave_up,
            } => write!(
                f,
                "OneSignal kept rate limiting the request: {}{}{}",
                Asked(request, 429),
                Messages(messages),
                Tries(*attempts, waited, gave_up)
            ),
            Error::Validation {
                status,
                messages,
                request,
            } => write!(
                f,
                "OneSignal refused the request: {}{}",
                Asked(request, *status),
                Messages(messages)
            ),
            Error::KeyLimitReached {
                status,
                messages,
                request,
            } => write!(
                f,
                "the app already has the maximum number of API keys (16): {}{}",
                Asked(request, *status),
                Messages(messages)
            ),
            Error::Server {
                status,
                attempts,
                waited,
                messages,
                request,
                gave_up,
            } => write!(
                f,
                "OneSignal answered with a server error: {}{}{}",
                Asked(request, *status),
                Messages(messages),
                Tries(*attempts, waited, gave_up)
            ),
            Error::Transport {
                attempts,
                waited,
                detail,
                request,
                gave_up,
            } => {
                f.write_str("could not reach OneSignal: ")?;
                if !request.is_empty() {
                    write!(f, "{request}: ")?;
                }
                write!(f, "{detail}{}", Tries(*attempts, waited, gave_up))
            }
            Error::Ambiguous { detail } => write!(
                f,
                "the create request was sent but no usable answer came back, so it may or may not have acted: {detail}"
            ),
            Error::Cancelled => f.write_str("the request to OneSignal was cancelled"),
            Error::InvalidResponse {
                status,
                detail,
                request,
            } => write!(
                f,
                "OneSignal sent an answer that could not be understood: {}: {detail}",
                Asked(request, *status)
            ),
        }
    }
}

impl std::error::Error for Error {}

/// `text` cut to at most `max` bytes (at a character boundary), saying that it was cut.
pub(crate) fn cap_text(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!(
        "{}… [truncated: {} more bytes]",
        &text[..cut],
        text.len() - cut
    )
}

/// Keeps messages until together they reach `max` bytes; the one that crosses it is cut and
/// says so, later ones are counted, not kept.
pub(crate) fn cap_messages(messages: Vec<String>, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut used = 0;
    let mut iter = messages.into_iter();
    while let Some(message) = iter.next() {
        if used + message.len() <= max {
            used += message.len();
            out.push(message);
            continue;
        }
        let rest: usize = iter.map(|m| m.len()).sum();
        let mut cut = cap_text(&message, max - used);
        if rest > 0 {
            cut.push_str(&format!(" [and {rest} bytes of further messages]"));
        }
        out.push(cut);
        break;
    }
    out
}

/// [`error_messages`](super::error_body::error_messages) of a body without a content type or a
/// key to scrub (the models' fuzz tests call it with every shape of body).
#[cfg(test)]
pub(crate) fn parse_error_messages(body: &[u8]) -> Vec<String> {
    super::error_body::error_messages(body, None, false, &[])
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
    use crate::error_body::error_messages;

    fn messages(body: &[u8]) -> Vec<String> {
        error_messages(body, None, false, &[&Secret::new("os_v2_org_k")])
    }

    #[test]
    fn scrubbed_cleans_every_text_field() {
        let key = Secret::new("os_v2_org_secretsecret");
        let e = Error::Transport {
            attempts: 1,
            waited: Duration::ZERO,
            detail: format!("boom {} {}", key.expose(), "z".repeat(5000)),
            request: "GET http://h/apps/os_v2_app_x".into(),
            gave_up: None,
        }
        .scrubbed(&[&key]);
        let shown = e.to_string();
        assert!(!shown.contains("os_v2_"), "{shown}");
        assert!(shown.len() < MAX_ERROR_TEXT + 200, "{}", shown.len());
        let e = Error::Validation {
            status: 400,
            messages: vec!["bad os_v2_app_abc".into()],
            request: "POST http://h/apps".into(),
        }
        .scrubbed(&[&key]);
        assert_eq!(e.messages(), ["bad ***"]);
    }

    #[test]
    fn documented_403_body_is_kept_verbatim() {
        let body = br#"{"errors":["Access denied.  Please include an 'Authorization: ...' header with a valid API key (https://documentation.onesignal.com/docs/en/keys-and-ids#api-keys)."]}"#;
        let messages = messages(body);
        assert_eq!(
            messages,
            vec![
                "Access denied.  Please include an 'Authorization: ...' header with a valid API key (https://documentation.onesignal.com/docs/en/keys-and-ids#api-keys)."
            ]
        );
        let e = Error::CredentialsRejected {
            status: 403,
            messages,
            request: "GET https://api.onesignal.com/apps".into(),
        };
        assert_eq!(e.status(), Some(403));
        let shown = e.to_string();
        assert!(
            shown.contains(
                "GET https://api.onesignal.com/apps answered HTTP 403: Access denied.  Please"
            ),
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
    fn display_names_the_request_status_attempts_and_why_it_stopped() {
        let e = Error::RateLimited {
            attempts: 3,
            waited: Duration::from_millis(2500),
            messages: vec!["API rate limit exceeded.".into()],
            request: "GET https://api.onesignal.com/apps".into(),
            gave_up: Some(GaveUp::MaxRetries(2)),
        };
        assert_eq!(
            e.to_string(),
            "OneSignal kept rate limiting the request: GET https://api.onesignal.com/apps answered \
             HTTP 429: API rate limit exceeded. (after 3 attempts and 2.5 s of waiting; \
             max_retries (2) reached)"
        );
        let e = Error::Server {
            status: 503,
            attempts: 1,
            waited: Duration::ZERO,
            messages: vec![],
            request: String::new(),
            gave_up: None,
        };
        assert_eq!(
            e.to_string(),
            "OneSignal answered with a server error: HTTP 503"
        );
        let e = Error::Transport {
            attempts: 4,
            waited: Duration::from_secs(3),
            detail: "no answer within 30 s".into(),
            request: "GET http://127.0.0.1:5/apps".into(),
            gave_up: Some(GaveUp::Deadline(Duration::from_secs(120))),
        };
        assert!(e.hit_deadline());
        assert_eq!(
            e.to_string(),
            "could not reach OneSignal: GET http://127.0.0.1:5/apps: no answer within 30 s (after \
             4 attempts and 3.0 s of waiting; gave up after 120 s, the per-operation deadline)"
        );
    }
}
