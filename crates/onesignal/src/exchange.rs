//! One HTTP exchange: send a request, read at most a capped body, and say how it failed.
//!
//! The retry loop in the parent module decides what a failure means; this module only tells the
//! failures apart by what they prove: a connection never opened, a certificate not trusted (which
//! no retry fixes), a request that may have reached the server, an answer too large to hold.

use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{Method, Url};

use super::retry;

/// An answer with any status, its body read up to the cap.
pub(super) struct Received {
    pub(super) status: u16,
    pub(super) retry_after: Option<Duration>,
    pub(super) content_type: Option<String>,
    pub(super) body: Vec<u8>,
    /// The body was longer than the cap and only its start was read (error answers only).
    pub(super) truncated: bool,
}

/// How one attempt failed before a usable answer was in hand.
pub(super) enum AttemptFailure {
    /// The connection could not be established: the request provably never reached the server.
    Connect(String),
    /// The server's TLS certificate was not trusted: the request never left, and retrying cannot
    /// help, since nothing about it will change within the minutes the retries take.
    Certificate(String),
    /// Anything after the request may have been sent (reset, truncated answer).
    AfterSend(String),
    /// No complete answer within the attempt's time; `deadline` is the per-operation deadline when
    /// it, not the per-attempt timeout, cut the attempt short.
    TimedOut {
        after: Duration,
        deadline: Option<Duration>,
    },
    /// A success answer longer than the cap: it acted, but its body is not read.
    TooLarge { status: u16, limit: usize },
}

impl AttemptFailure {
    /// What happened, in a sentence fragment (unscrubbed: the caller scrubs before showing it).
    pub(super) fn detail(&self) -> String {
        match self {
            AttemptFailure::Connect(detail)
            | AttemptFailure::Certificate(detail)
            | AttemptFailure::AfterSend(detail) => detail.clone(),
            AttemptFailure::TimedOut {
                after,
                deadline: None,
            } => format!("no answer within {}", seconds(after)),
            AttemptFailure::TimedOut {
                deadline: Some(deadline),
                ..
            } => format!(
                "no answer before the per-operation deadline ({}) ran out",
                seconds(deadline)
            ),
            AttemptFailure::TooLarge { status, limit } => format!(
                "the HTTP {status} answer is larger than {} MiB, more than any OneSignal answer \
                 needs, so it was not read (is api_url right?)",
                limit / (1024 * 1024)
            ),
        }
    }
}

/// `120 s`, `1.5 s`.
pub(super) fn seconds(d: &Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

/// Sends one request and reads its answer. A success body over `max_body` bytes is an error
/// (checked against `Content-Length` first, then while reading, so no more than the cap is ever
/// held); an error body over it is cut there, since its start is all a message needs.
pub(super) async fn attempt(
    http: &reqwest::Client,
    method: &Method,
    url: &Url,
    authorization: &HeaderValue,
    body: Option<&[u8]>,
    max_body: usize,
) -> Result<Received, AttemptFailure> {
    let mut request = http
        .request(method.clone(), url.clone())
        .header(AUTHORIZATION, authorization.clone())
        .header(CONTENT_TYPE, "application/json")
        .header(ACCEPT, "application/json");
    if let Some(body) = body {
        request = request.body(body.to_vec());
    }
    let mut response = request.send().await.map_err(|e| {
        if let Some(reason) = certificate_failure(&e) {
            AttemptFailure::Certificate(untrusted(&reason))
        } else if e.is_connect() {
            AttemptFailure::Connect(describe(&e.without_url()))
        } else {
            AttemptFailure::AfterSend(describe(&e.without_url()))
        }
    })?;
    let status = response.status().as_u16();
    let success = (200..300).contains(&status);
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let retry_after = header(RETRY_AFTER).and_then(|v| retry::parse_retry_after(&v));
    let content_type = header(CONTENT_TYPE);
    let announced = response.content_length();
    if success && announced.is_some_and(|n| n > max_body as u64) {
        return Err(AttemptFailure::TooLarge {
            status,
            limit: max_body,
        });
    }
    let mut body = Vec::with_capacity(announced.map_or(0, |n| n.min(max_body as u64) as usize));
    let mut truncated = false;
    loop {
        let chunk = response.chunk().await.map_err(|e| {
            AttemptFailure::AfterSend(format!(
                "reading the HTTP {status} answer failed: {}",
                describe(&e.without_url())
            ))
        })?;
        let Some(chunk) = chunk else { break };
        let room = max_body - body.len();
        if chunk.len() > room {
            if success {
                return Err(AttemptFailure::TooLarge {
                    status,
                    limit: max_body,
                });
            }
            body.extend_from_slice(&chunk[..room]);
            truncated = true;
            // Dropping the response closes the connection: the rest is never read.
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Received {
        status,
        retry_after,
        content_type,
        body,
        truncated,
    })
}

/// The certificate failure's own words, when the error chain holds one. TLS errors reach here
/// wrapped in `io::Error`s, whose `source()` skips the wrapped error, hence `get_ref`.
fn certificate_failure(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(tls) = error.downcast_ref::<rustls::Error>()
            && let rustls::Error::InvalidCertificate(reason) = tls
        {
            return Some(format!("{reason:?}"));
        }
        if let Some(io) = error.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && let Some(found) = certificate_failure(inner)
        {
            return Some(found);
        }
        current = error.source();
    }
    None
}

/// The message for a certificate that was not trusted, with how to trust a private CA.
fn untrusted(reason: &str) -> String {
    format!(
        "the server's TLS certificate was not trusted ({reason}), so nothing was sent and the \
         request is not retried. If api_url is right and the server uses a certificate from a \
         private CA (a corporate TLS-inspecting proxy, say), trust that CA: add it to the \
         operating system's trust store, or on Linux set SSL_CERT_FILE to a PEM file holding it \
         together with the public CAs (setting SSL_CERT_FILE replaces the system's CA list)"
    )
}

/// The error and its causes on one line. reqwest's messages never carry headers or bodies; the
/// URL is left out by the caller (the error names the request itself).
pub(super) fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
