//! The HTTP client for OneSignal's App API key endpoints.
//!
//! Wall: this crate knows nothing of the program that uses it (the caller names itself in
//! [`ClientConfig::user_agent`]). It turns six operations (list apps, and list / create / update /
//! rotate / delete keys) into HTTP requests, retries what is safe to retry, and returns typed
//! models ([`ApiKey`], [`CreatedKey`], [`App`]) or a typed [`Error`] that the caller maps to its
//! own messages. [`secret`] holds the redacting [`Secret`] string, shared with the caller.
//! The OneSignal facts it relies on, and how it tolerates what is unknown: `docs/onesignal-api.md`.
//!
//! Cancellation: a [`Client`] handle carries the token of the work it serves
//! ([`Client::with_cancel`]); when it is cancelled, that handle's requests in flight and retry
//! waits end at once with [`Error::Cancelled`], and other handles of the same client go on.
//!
//! Bounds: every operation ends within [`Limits::deadline`] (attempts and waits included), each
//! attempt within [`Limits::attempt_timeout`], and no answer is held beyond
//! [`Limits::max_body_bytes`]. The defaults are the public constants below, which the docs state.
//!
//! Secrets: the organization key and every App API key secret are held in [`Secret`]; the
//! `Authorization` header is marked sensitive, and tracing events carry only method, path, status,
//! attempt and duration, never headers or bodies. Every error the client returns is scrubbed of
//! the organization key and of any `os_v2_…` token before its text is cut short.

#![forbid(unsafe_code)]

mod apps;
mod error;
mod error_body;
mod exchange;
mod models;
mod retry;
pub mod secret;

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use reqwest::{Method, Url};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

pub use apps::{AppCredentials, AppSettings, AppView};
pub use error::{Error, GaveUp, MAX_ERROR_TEXT};
pub use models::ReportedMode;
pub use models::{AllowlistMode, ApiKey, App, CreatedKey, KeySpec};
pub use retry::MAX_RETRY_AFTER;

use crate::secret::{Secret, redact};
use exchange::{AttemptFailure, Received};
use retry::Idempotency;

/// How long establishing a TCP (+TLS) connection may take before it counts as a connect failure.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one attempt (request and whole answer) may take; the key endpoints answer in well
/// under a second, so an attempt this slow is stuck, and a fresh one has a better chance.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one operation may take, every attempt and wait included: a black-holed OneSignal
/// fails a resource within this, not after every retry's timeout in turn. It leaves room for one
/// full `Retry-After` of 100 s, which OneSignal's rate-limits page advises.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);
/// The largest answer read: OneSignal's largest (16 keys, or an organization's apps) is a few
/// dozen KiB, so a bigger one is not OneSignal, and is not held whole.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Time and size bounds of a [`Client`]; [`Limits::default`] is what the provider uses, tests
/// shorten them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The per-operation deadline ([`DEFAULT_DEADLINE`]).
    pub deadline: Duration,
    /// The per-attempt timeout ([`ATTEMPT_TIMEOUT`]).
    pub attempt_timeout: Duration,
    /// The connect timeout ([`CONNECT_TIMEOUT`]).
    pub connect_timeout: Duration,
    /// The answer size cap ([`MAX_BODY_BYTES`]).
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            deadline: DEFAULT_DEADLINE,
            attempt_timeout: ATTEMPT_TIMEOUT,
            connect_timeout: CONNECT_TIMEOUT,
            max_body_bytes: MAX_BODY_BYTES,
        }
    }
}

/// Settings of one [`Client`], normally one per configured provider.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Scheme, host and optional path prefix: `https://api.onesignal.com`, `http://127.0.0.1:PORT`.
    /// Which schemes are acceptable for which hosts is the provider's decision; this accepts both.
    pub base_url: String,
    /// The organization API key, sent as `Authorization: Key …`.
    pub organization_api_key: Secret,
    /// How many times a retryable failure is retried (so at most `max_retries + 1` requests).
    pub max_retries: u32,
    /// The `User-Agent` header, as the caller names itself.
    pub user_agent: String,
    /// Time and size bounds.
    pub limits: Limits,
}

/// A OneSignal API client. Cloning is cheap and shares one connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    /// Ends this handle's requests and waits; never cancelled unless set by [`Client::with_cancel`].
    cancel: CancellationToken,
    /// Secrets this handle's requests carry besides the organization key (an app's push
    /// credentials), scrubbed from every error like it: see [`Client::carrying`].
    carried: Arc<[Secret]>,
}

struct Inner {
    http: reqwest::Client,
    base_url: Url,
    authorization: HeaderValue,
    /// Kept only to scrub it out of error messages, in case a server ever echoes it.
    key: Secret,
    max_retries: u32,
    limits: Limits,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .field("max_retries", &self.inner.max_retries)
            .field("limits", &self.inner.limits)
            .finish_non_exhaustive()
    }
}

/// A 2xx answer: status and body, with what an operation needs to report that it could not
/// understand it ([`invalid`]).
struct Answer {
    status: u16,
    body: Vec<u8>,
    /// `METHOD url`, without credentials.
    request: String,
    /// The secrets to scrub from errors about this answer (the organization key first).
    known: Vec<Secret>,
}

/// What the retry loop does next.
enum Step {
    Done(Answer),
    Fail(Error),
    /// Wait, then try again; `error` is what to report if the wait would pass the deadline.
    Retry {
        wait: Duration,
        error: Error,
    },
}

impl Client {
    /// Builds a client. Fails only on an unusable base URL or a key that cannot be a header value.
    pub fn new(config: ClientConfig) -> Result<Client, Error> {
        let key = config.organization_api_key.clone();
        Client::build(config).map_err(|e| e.scrubbed(&[&key]))
    }

    fn build(config: ClientConfig) -> Result<Client, Error> {
        let shown = without_credentials(&config.base_url);
        let base_url = Url::parse(config.base_url.trim()).map_err(|e| Error::InvalidConfig {
            detail: format!("api_url {shown:?} is not a URL: {e}"),
        })?;
        if !matches!(base_url.scheme(), "http" | "https") || base_url.cannot_be_a_base() {
            return Err(Error::InvalidConfig {
                detail: format!("api_url {shown:?} must be an http:// or https:// URL"),
            });
        }
        if !base_url.username().is_empty() || base_url.password().is_some() {
            return Err(Error::InvalidConfig {
                detail: format!(
                    "api_url {shown:?} must not carry credentials; the organization API key is sent \
                     in the Authorization header"
                ),
            });
        }
        let mut authorization =
            HeaderValue::from_str(&format!("Key {}", config.organization_api_key.expose()))
                .map_err(|_| {
                    Error::InvalidConfig {
            detail:
                "the organization API key contains characters that cannot be sent in an HTTP header"
                    .into(),
        }
                })?;
        authorization.set_sensitive(true);
        let http = reqwest::Client::builder()
            .user_agent(config.user_agent)
            .connect_timeout(config.limits.connect_timeout)
            // An API does not redirect; following one could carry the key somewhere unexpected.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            // The causes matter here: "No CA certificates were loaded" follows a bad SSL_CERT_FILE.
            .map_err(|e| Error::InvalidConfig {
                detail: format!("cannot build the HTTP client: {}", exchange::describe(&e)),
            })?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                authorization,
                key: config.organization_api_key,
                max_retries: config.max_retries,
                limits: config.limits,
            }),
            cancel: CancellationToken::new(),
            carried: Arc::new([]),
        })
    }

    /// This client (same settings and connection pool) for one piece of work: its requests in
    /// flight and retry waits end with [`Error::Cancelled`] when `cancel` is cancelled, and once
    /// it is, it sends nothing more. Other handles of the client go on.
    pub fn with_cancel(&self, cancel: CancellationToken) -> Client {
        Client {
            inner: self.inner.clone(),
            cancel,
            carried: self.carried.clone(),
        }
    }

    /// A handle on the same pool whose errors are also scrubbed of `secrets` (the credentials a
    /// request body carries), before any text is cut, as the organization key is.
    pub(crate) fn carrying(&self, secrets: impl IntoIterator<Item = Secret>) -> Client {
        Client {
            inner: self.inner.clone(),
            cancel: self.cancel.clone(),
            carried: secrets.into_iter().collect(),
        }
    }

    /// Every secret to scrub from this handle's errors.
    fn known(&self) -> Vec<&Secret> {
        std::iter::once(&self.inner.key)
            .chain(self.carried.iter())
            .collect()
    }

    /// The token that ends this handle's work (see [`Client::with_cancel`]).
    pub fn cancel_token(&self) -> &CancellationToken {
        &self.cancel
    }

    /// `GET /apps`: every app the organization key can see.
    pub async fn list_apps(&self) -> Result<Vec<App>, Error> {
        let answer = self
            .execute(Method::GET, &["apps"], None, Idempotency::Safe)
            .await?;
        models::parse_app_list(&answer.body).map_err(|detail| invalid(&answer, detail))
    }

    /// `GET /apps/{app_id}/auth/tokens`: the app's keys, without secrets.
    pub async fn list_keys(&self, app_id: &str) -> Result<Vec<ApiKey>, Error> {
        let answer = self
            .execute(
                Method::GET,
                &["apps", app_id, "auth", "tokens"],
                None,
                Idempotency::Safe,
            )
            .await?;
        models::parse_key_list(&answer.body).map_err(|detail| invalid(&answer, detail))
    }

    /// `POST /apps/{app_id}/auth/tokens`: creates a key and returns its one-time secret.
    ///
    /// Retried only after a connect failure or a 429/503 answer. When the request may have acted
    /// without a usable answer (connection lost after sending, timeout, a 500/502/504, an
    /// unreadable or oversized success body, cancellation mid-flight), returns
    /// [`Error::Ambiguous`] and does not retry.
    pub async fn create_key(&self, app_id: &str, spec: &KeySpec) -> Result<CreatedKey, Error> {
        let body = json_body(spec)?;
        let answer = self
            .execute(
                Method::POST,
                &["apps", app_id, "auth", "tokens"],
                Some(body),
                Idempotency::Unsafe,
            )
            .await?;
        // The key exists now; if its secret cannot be read, the caller must recover as for a lost answer.
        models::parse_created(&answer.body).map_err(|detail| unreadable_create(&answer, detail))
    }

    /// `PATCH /apps/{app_id}/auth/tokens/{token_id}` with all three fields.
    pub async fn update_key(
        &self,
        app_id: &str,
        token_id: &str,
        spec: &KeySpec,
    ) -> Result<(), Error> {
        let body = json_body(spec)?;
        self.execute(
            Method::PATCH,
            &["apps", app_id, "auth", "tokens", token_id],
            Some(body),
            Idempotency::Safe,
        )
        .await
        .map(drop)
    }

    /// `POST /apps/{app_id}/auth/tokens/{token_id}/rotate`: a new secret for the same key. Retrying
    /// is safe: each rotation kills the previous secret, so the last answer's secret is the live one.
    ///
    /// A success whose secret cannot be read still rotated the key (its previous secret is dead),
    /// so it is rotated again, up to `max_retries` times, rather than left with no known secret.
    /// Each of those rotations has its own retry budget, so a server that keeps failing can see
    /// up to (`max_retries` + 1)² rotate requests: each is harmless, and all are bounded.
    pub async fn rotate_key(&self, app_id: &str, token_id: &str) -> Result<Secret, Error> {
        let mut unreadable = 0;
        loop {
            let answer = self
                .execute(
                    Method::POST,
                    &["apps", app_id, "auth", "tokens", token_id, "rotate"],
                    None,
                    Idempotency::Safe,
                )
                .await?;
            match models::parse_rotated(&answer.body) {
                Ok(secret) => return Ok(secret),
                Err(_) if unreadable < self.inner.max_retries => {
                    unreadable += 1;
                    tracing::warn!(token_id, "rotate answer unreadable; rotating again");
                }
                Err(detail) => return Err(invalid(&answer, detail)),
            }
        }
    }

    /// `DELETE /apps/{app_id}/auth/tokens/{token_id}`. A key already gone is `Err(Error::NotFound)`:
    /// the caller decides whether that counts as success.
    pub async fn delete_key(&self, app_id: &str, token_id: &str) -> Result<(), Error> {
        self.execute(
            Method::DELETE,
            &["apps", app_id, "auth", "tokens", token_id],
            None,
            Idempotency::Safe,
        )
        .await
        .map(drop)
    }

    /// Builds `base_url` + path segments, percent-encoding each (ids come from users' configs).
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.base_url.clone();
        url.set_query(None);
        url.path_segments_mut()
            .expect("checked in new(): the base URL can be a base")
            .pop_if_empty()
            .extend(segments);
        url
    }

    /// Sends one logical request, retrying per the policy in [`retry`] within the deadline, and
    /// returns a 2xx answer. Every error is scrubbed of secrets here, whatever made it.
    async fn execute(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<Vec<u8>>,
        idempotency: Idempotency,
    ) -> Result<Answer, Error> {
        let url = self.url(segments);
        let request = format!("{method} {}", without_credentials(url.as_str()));
        self.run(&method, &url, &request, body.as_deref(), idempotency)
            .await
            .map_err(|e| e.scrubbed(&self.known()))
    }

    async fn run(
        &self,
        method: &Method,
        url: &Url,
        request: &str,
        body: Option<&[u8]>,
        idempotency: Idempotency,
    ) -> Result<Answer, Error> {
        let inner = &*self.inner;
        let cancel = &self.cancel;
        let limits = inner.limits;
        let path = url.path();
        let deadline = Instant::now() + limits.deadline;
        let mut attempts: u32 = 0;
        let mut waited = Duration::ZERO;
        loop {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            attempts += 1;
            let started = Instant::now();
            let remaining = deadline.saturating_duration_since(started);
            let budget = limits.attempt_timeout.min(remaining);
            let timed_out = AttemptFailure::TimedOut {
                after: budget,
                deadline: (remaining <= limits.attempt_timeout).then_some(limits.deadline),
            };
            let exchange = exchange::attempt(
                &inner.http,
                method,
                url,
                &inner.authorization,
                body,
                limits.max_body_bytes,
            );
            let outcome = tokio::select! {
                biased;
                () = cancel.cancelled() => {
                    // A create cut off mid-flight may still have happened on the server.
                    return Err(if idempotency == Idempotency::Unsafe {
                        Error::Ambiguous {
                            detail: format!("{request}: cancelled while the request was in flight"),
                        }
                    } else {
                        Error::Cancelled
                    });
                }
                outcome = tokio::time::timeout(budget, exchange) => outcome.unwrap_or(Err(timed_out)),
            };
            let duration_ms = started.elapsed().as_millis() as u64;
            match &outcome {
                Ok(received) => tracing::debug!(
                    %method, path, status = received.status, attempt = attempts, duration_ms,
                    "OneSignal request"
                ),
                Err(failure) => tracing::debug!(
                    %method, path, attempt = attempts, duration_ms,
                    error = redact(&failure.detail(), &self.known()),
                    "OneSignal request failed"
                ),
            }
            let (wait, error) = match self.judge(outcome, request, idempotency, attempts, waited) {
                Step::Done(answer) => return Ok(answer),
                Step::Fail(error) => return Err(error),
                Step::Retry { wait, error } => (wait, error),
            };
            if Instant::now() + wait > deadline {
                // Waiting would end past the deadline: the answer would come too late anyway.
                return Err(error.gave_up(GaveUp::Deadline(limits.deadline)));
            }
            let wait_ms = wait.as_millis() as u64;
            tracing::info!(%method, path, attempt = attempts, wait_ms, "retrying OneSignal request");
            let slept = Instant::now();
            tokio::select! {
                biased;
                () = cancel.cancelled() => return Err(Error::Cancelled),
                () = tokio::time::sleep(wait) => {}
            }
            waited += slept.elapsed();
        }
    }

    /// Decides what one attempt's outcome means: done, failed for good, or retry after a wait.
    fn judge(
        &self,
        outcome: Result<Received, AttemptFailure>,
        request: &str,
        idempotency: Idempotency,
        attempts: u32,
        waited: Duration,
    ) -> Step {
        let create = idempotency == Idempotency::Unsafe;
        let received = match outcome {
            Ok(received) => received,
            Err(failure) => {
                let detail = failure.detail();
                let transport = Error::Transport {
                    attempts,
                    waited,
                    detail: detail.clone(),
                    request: request.to_owned(),
                    gave_up: None,
                };
                return match failure {
                    AttemptFailure::Certificate(_) => Step::Fail(transport),
                    AttemptFailure::Connect(_) => {
                        self.retry(transport, retry::backoff(attempts), attempts)
                    }
                    // It acted (or may have), and its answer is lost: only a recovery can tell.
                    AttemptFailure::AfterSend(_)
                    | AttemptFailure::TimedOut { .. }
                    | AttemptFailure::TooLarge { .. }
                        if create =>
                    {
                        Step::Fail(Error::Ambiguous {
                            detail: format!("{request}: {detail}"),
                        })
                    }
                    // The same request would get the same answer.
                    AttemptFailure::TooLarge { status, .. } => Step::Fail(Error::InvalidResponse {
                        status,
                        detail,
                        request: request.to_owned(),
                    }),
                    AttemptFailure::AfterSend(_) | AttemptFailure::TimedOut { .. } => {
                        self.retry(transport, retry::backoff(attempts), attempts)
                    }
                };
            }
        };
        let status = received.status;
        if (200..300).contains(&status) {
            return Step::Done(Answer {
                status,
                body: received.body,
                request: request.to_owned(),
                known: self.known().into_iter().cloned().collect(),
            });
        }
        let messages = error_body::error_messages(
            &received.body,
            received.content_type.as_deref(),
            received.truncated,
            &self.known(),
        );
        if create && matches!(status, 500 | 502 | 504) {
            // A server error may come after the key was made; a gateway's may have lost the answer.
            return Step::Fail(Error::Ambiguous {
                detail: format!(
                    "{request} answered HTTP {status}{}",
                    error::Messages(&messages)
                ),
            });
        }
        let error = classify(status, messages, request, attempts, waited);
        if !retry::status_is_retryable(status, idempotency) {
            return Step::Fail(error);
        }
        let wait = received
            .retry_after
            .filter(|_| matches!(status, 429 | 503))
            .map_or_else(|| retry::backoff(attempts), retry::after_retry_after);
        self.retry(error, wait, attempts)
    }

    /// Retry after `wait`, or fail with `error` when `max_retries` retries were already sent.
    fn retry(&self, error: Error, wait: Duration, attempts: u32) -> Step {
        if attempts <= self.inner.max_retries {
            Step::Retry { wait, error }
        } else {
            Step::Fail(error.gave_up(GaveUp::MaxRetries(self.inner.max_retries)))
        }
    }
}

/// The error for a non-2xx answer that will not be retried (again).
fn classify(
    status: u16,
    messages: Vec<String>,
    request: &str,
    attempts: u32,
    waited: Duration,
) -> Error {
    let request = request.to_owned();
    match status {
        401 | 403 => Error::CredentialsRejected {
            status,
            messages,
            request,
        },
        404 => Error::NotFound {
            status,
            messages,
            request,
        },
        429 => Error::RateLimited {
            attempts,
            waited,
            messages,
            request,
            gave_up: None,
        },
        400..=499 if error::is_key_limit(&messages) => Error::KeyLimitReached {
            status,
            messages,
            request,
        },
        400..=499 => Error::Validation {
            status,
            messages,
            request,
        },
        500..=599 => Error::Server {
            status,
            attempts,
            waited,
            messages,
            request,
            gave_up: None,
        },
        _ => Error::InvalidResponse {
            status,
            detail: format!(
                "unexpected HTTP status {status}{}",
                error::Messages(&messages)
            ),
            request,
        },
    }
}

/// A URL as it may be shown: everything up to its last `@` (user and password, perhaps a key
/// pasted there), except the scheme, becomes `***`. A path with an `@` is cut too: better too
/// much than a secret.
pub fn without_credentials(url: &str) -> String {
    let Some(at) = url.rfind('@') else {
        return url.to_owned();
    };
    let scheme = match url.find("://") {
        Some(i) if i + 3 <= at => &url[..i + 3],
        _ => "",
    };
    format!("{scheme}***{}", &url[at..])
}

/// The JSON body of a create or update. A `KeySpec` is strings and a list of strings, which
/// always serialise; the error path exists so that user data never meets an `expect`.
fn json_body(spec: &KeySpec) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(spec).map_err(|e| Error::InvalidConfig {
        detail: format!("the key settings cannot be written as JSON: {e}"),
    })
}

/// A 2xx answer an operation could not understand. Decoding errors may quote the body, so the
/// detail is scrubbed like every other text.
fn invalid(answer: &Answer, detail: String) -> Error {
    Error::InvalidResponse {
        status: answer.status,
        detail,
        request: answer.request.clone(),
    }
    .scrubbed(&answer.known.iter().collect::<Vec<_>>())
}

/// A 2xx answer to a create that could not be understood: it acted, so the caller must recover
/// as for a lost answer.
fn unreadable_create(answer: &Answer, detail: String) -> Error {
    Error::Ambiguous {
        detail: format!(
            "{} answered HTTP {}, but the answer could not be understood: {detail}",
            answer.request, answer.status
        ),
    }
    .scrubbed(&answer.known.iter().collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> Result<Client, Error> {
        Client::new(ClientConfig {
            base_url: base.into(),
            organization_api_key: Secret::new("os_v2_org_test"),
            max_retries: 1,
            user_agent: "test/0.1.0".into(),
            limits: Limits::default(),
        })
    }

    #[test]
    fn urls_encode_segments_and_keep_prefixes() {
        let c = client("https://api.onesignal.com").unwrap();
        assert_eq!(
            c.url(&["apps", "a/b?c", "auth", "tokens"]).as_str(),
            "https://api.onesignal.com/apps/a%2Fb%3Fc/auth/tokens"
        );
        let c = client("http://127.0.0.1:9/prefix/").unwrap();
        assert_eq!(c.url(&["apps"]).as_str(), "http://127.0.0.1:9/prefix/apps");
    }

    #[test]
    fn urls_are_shown_without_credentials() {
        assert_eq!(without_credentials("https://u:p@h/x"), "https://***@h/x");
        assert_eq!(without_credentials("https://u:pa/ss@h"), "https://***@h");
        assert_eq!(without_credentials("https://h/x@y"), "https://***@y");
        assert_eq!(without_credentials("os_v2_org_k@x://h"), "***@x://h");
        assert_eq!(without_credentials("ftp://os_v2_org_k@x"), "ftp://***@x");
        assert_eq!(without_credentials("https://ü@é"), "https://***@é");
        assert_eq!(
            without_credentials("http://127.0.0.1:1/a"),
            "http://127.0.0.1:1/a"
        );
        assert_eq!(without_credentials("not a url"), "not a url");
        assert!(matches!(
            client("https://os_v2_org_k@api.onesignal.com"),
            Err(Error::InvalidConfig { detail }) if !detail.contains("os_v2_org_k")
        ));
    }

    #[test]
    fn bad_configs_are_refused_without_the_key() {
        assert!(matches!(
            client("not a url"),
            Err(Error::InvalidConfig { .. })
        ));
        assert!(matches!(
            client("ftp://x"),
            Err(Error::InvalidConfig { .. })
        ));
        let e = Client::new(ClientConfig {
            base_url: "http://127.0.0.1:1".into(),
            organization_api_key: Secret::new("os_v2_org_bad\nkey"),
            max_retries: 0,
            user_agent: "t".into(),
            limits: Limits::default(),
        })
        .unwrap_err();
        assert!(!e.to_string().contains("os_v2_org_bad"), "{e}");
    }

    #[test]
    fn classification() {
        let m = || vec!["m".to_owned()];
        let c =
            |status, attempts| classify(status, m(), "GET http://h/apps", attempts, Duration::ZERO);
        assert!(matches!(c(401, 1), Error::CredentialsRejected { .. }));
        assert!(matches!(c(403, 1), Error::CredentialsRejected { .. }));
        assert!(matches!(c(404, 1), Error::NotFound { .. }));
        assert!(matches!(c(429, 3), Error::RateLimited { attempts: 3, .. }));
        assert!(matches!(c(400, 1), Error::Validation { status: 400, .. }));
        assert!(matches!(
            classify(
                400,
                vec!["App API key limit reached: at most 16 API keys".into()],
                "POST http://h/apps/a/auth/tokens",
                1,
                Duration::ZERO
            ),
            Error::KeyLimitReached { .. }
        ));
        assert!(matches!(c(500, 1), Error::Server { status: 500, .. }));
        let odd = c(302, 1);
        assert!(
            matches!(odd, Error::InvalidResponse { status: 302, .. }),
            "{odd:?}"
        );
        assert_eq!(odd.request(), Some("GET http://h/apps"));
        assert_eq!(odd.status(), Some(302));
    }
}
