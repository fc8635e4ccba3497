//! The HTTP client for OneSignal's App API key endpoints.
//!
//! Wall: this module knows nothing of Terraform. It turns six operations (list apps, and list /
//! create / update / rotate / delete keys) into HTTP requests, retries what is safe to retry, and
//! returns typed models ([`ApiKey`], [`CreatedKey`], [`App`]) or a typed [`Error`] that the resource maps to diagnostics.
//!
//! Secrets: the organization key and every App API key secret are held in [`Secret`]; the
//! `Authorization` header is marked sensitive, and tracing events carry only method, path, status,
//! attempt and duration, never headers or bodies.

mod error;
mod models;
mod retry;

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{Method, Url};
use tokio_util::sync::CancellationToken;

pub use error::Error;
pub use models::ReportedMode;
pub use models::{AllowlistMode, ApiKey, App, CreatedKey, KeySpec};

use crate::secret::Secret;
use retry::Idempotency;

/// How long establishing a TCP (+TLS) connection may take before it counts as a connect failure.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one whole request may take; the key endpoints answer in well under a second.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

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
    /// The `User-Agent` header; see [`Client::user_agent`].
    pub user_agent: String,
    /// Cancels in-flight requests and retry waits (Terraform's `StopProvider`).
    pub cancel: CancellationToken,
}

/// A OneSignal API client. Cloning is cheap and shares one connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: Url,
    authorization: HeaderValue,
    /// Kept only to scrub it out of error messages, in case a server ever echoes it.
    key: Secret,
    max_retries: u32,
    cancel: CancellationToken,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .field("max_retries", &self.inner.max_retries)
            .finish_non_exhaustive()
    }
}

/// A non-error answer: status and body.
struct Answer {
    status: u16,
    body: Vec<u8>,
}

/// How one attempt failed before an HTTP status was seen.
enum AttemptFailure {
    /// The connection could not be established: the request provably never reached the server.
    Connect(String),
    /// Anything after the request may have been sent (reset, timeout, truncated answer).
    AfterSend(String),
}

impl AttemptFailure {
    fn detail(&self) -> &str {
        match self {
            AttemptFailure::Connect(detail) | AttemptFailure::AfterSend(detail) => detail,
        }
    }
}

/// What the retry loop does next.
enum Step {
    Done(Answer),
    Fail(Error),
    Retry(Duration),
}

impl Client {
    /// Builds a client. Fails only on an unusable base URL or a key that cannot be a header value.
    pub fn new(config: ClientConfig) -> Result<Client, Error> {
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
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            // An API does not redirect; following one could carry the key somewhere unexpected.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::InvalidConfig {
                detail: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                authorization,
                key: config.organization_api_key,
                max_retries: config.max_retries,
                cancel: config.cancel,
            }),
        })
    }

    /// The `User-Agent` value: `terraform-provider-onesignal/<v> (+terraform <tf v>)`, or without the
    /// parenthesis when Terraform did not say its version.
    pub fn user_agent(provider_version: &str, terraform_version: Option<&str>) -> String {
        match terraform_version.filter(|v| !v.is_empty()) {
            Some(tf) => {
                format!("terraform-provider-onesignal/{provider_version} (+terraform {tf})")
            }
            None => format!("terraform-provider-onesignal/{provider_version}"),
        }
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
    /// without a usable answer (connection lost after sending, timeout, a 502/504 from a gateway,
    /// an unreadable success body, cancellation mid-flight), returns [`Error::Ambiguous`] and does
    /// not retry.
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
        models::parse_created(&answer.body).map_err(|detail| Error::Ambiguous {
            detail: format!(
                "HTTP {} answer could not be understood: {detail}",
                answer.status
            ),
        })
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

    /// Sends one logical request, retrying per the policy in [`retry`], and returns a 2xx answer.
    async fn execute(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<Vec<u8>>,
        idempotency: Idempotency,
    ) -> Result<Answer, Error> {
        let cancel = &self.inner.cancel;
        let url = self.url(segments);
        let path = url.path();
        let mut attempts: u32 = 0;
        let mut waited = Duration::ZERO;
        loop {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            attempts += 1;
            let started = Instant::now();
            let outcome = tokio::select! {
                biased;
                () = cancel.cancelled() => {
                    // A create cut off mid-flight may still have happened on the server.
                    return Err(if idempotency == Idempotency::Unsafe {
                        Error::Ambiguous { detail: "cancelled while the request was in flight".into() }
                    } else {
                        Error::Cancelled
                    });
                }
                outcome = self.attempt(&method, &url, body.as_deref()) => outcome,
            };
            let duration_ms = started.elapsed().as_millis() as u64;
            match &outcome {
                Ok((status, _, _)) => {
                    tracing::debug!(%method, path, status, attempt = attempts, duration_ms, "OneSignal request")
                }
                Err(failure) => tracing::debug!(
                    %method, path, attempt = attempts, duration_ms, error = failure.detail(),
                    "OneSignal request failed"
                ),
            }
            let wait = match self.judge(outcome, idempotency, attempts, waited) {
                Step::Done(answer) => return Ok(answer),
                Step::Fail(error) => return Err(error),
                Step::Retry(wait) => wait,
            };
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
        outcome: Result<(u16, Option<Duration>, Vec<u8>), AttemptFailure>,
        idempotency: Idempotency,
        attempts: u32,
        waited: Duration,
    ) -> Step {
        let retries_left = attempts <= self.inner.max_retries;
        let (status, retry_after, body) = match outcome {
            Ok(answer) => answer,
            Err(AttemptFailure::AfterSend(detail)) if idempotency == Idempotency::Unsafe => {
                return Step::Fail(Error::Ambiguous { detail });
            }
            Err(failure) if !retries_left => {
                let detail = failure.detail().to_owned();
                return Step::Fail(Error::Transport {
                    attempts,
                    waited,
                    detail,
                });
            }
            Err(_) => return Step::Retry(retry::backoff(attempts)),
        };
        if (200..300).contains(&status) {
            return Step::Done(Answer { status, body });
        }
        let mut messages = error::parse_error_messages(&body);
        scrub(&mut messages, &self.inner.key);
        if idempotency == Idempotency::Unsafe && matches!(status, 502 | 504) {
            // A gateway lost the origin's answer: the origin may have created the key.
            let detail = format!(
                "a gateway answered HTTP {status}{}",
                error::Messages(&messages)
            );
            return Step::Fail(Error::Ambiguous { detail });
        }
        if !(retries_left && retry::status_is_retryable(status, idempotency)) {
            return Step::Fail(classify(status, messages, attempts, waited));
        }
        Step::Retry(
            retry_after
                .filter(|_| matches!(status, 429 | 503))
                .map_or_else(|| retry::backoff(attempts), retry::after_retry_after),
        )
    }

    /// One HTTP exchange: status, `Retry-After`, body.
    async fn attempt(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&[u8]>,
    ) -> Result<(u16, Option<Duration>, Vec<u8>), AttemptFailure> {
        let inner = &*self.inner;
        let mut request = inner
            .http
            .request(method.clone(), url.clone())
            .header(AUTHORIZATION, inner.authorization.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json");
        if let Some(body) = body {
            request = request.body(body.to_vec());
        }
        let response = request.send().await.map_err(|e| {
            if e.is_connect() {
                AttemptFailure::Connect(describe(&e))
            } else {
                AttemptFailure::AfterSend(describe(&e))
            }
        })?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(retry::parse_retry_after);
        let bytes = response.bytes().await.map_err(|e| {
            AttemptFailure::AfterSend(format!(
                "reading the HTTP {status} answer failed: {}",
                describe(&e)
            ))
        })?;
        Ok((status, retry_after, bytes.to_vec()))
    }
}

/// The error for a non-2xx answer that will not be retried (again).
fn classify(status: u16, messages: Vec<String>, attempts: u32, waited: Duration) -> Error {
    match status {
        401 | 403 => Error::CredentialsRejected { status, messages },
        404 => Error::NotFound { status, messages },
        429 => Error::RateLimited {
            attempts,
            waited,
            messages,
        },
        400..=499 if error::is_key_limit(&messages) => Error::KeyLimitReached { status, messages },
        400..=499 => Error::Validation { status, messages },
        500..=599 => Error::Server {
            status,
            attempts,
            waited,
            messages,
        },
        _ => Error::InvalidResponse {
            status,
            detail: format!("unexpected HTTP status {status}"),
        },
    }
}

/// Replaces any echo of the organization key in server messages with `***`.
fn scrub(messages: &mut [String], key: &Secret) {
    if key.expose().len() >= 8 {
        for message in messages.iter_mut().filter(|m| m.contains(key.expose())) {
            *message = message.replace(key.expose(), "***");
        }
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

fn invalid(answer: &Answer, detail: String) -> Error {
    Error::InvalidResponse {
        status: answer.status,
        detail,
    }
}

/// The error and its causes on one line. reqwest's messages name the URL (ids only, no secrets)
/// and never headers or bodies.
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> Result<Client, Error> {
        Client::new(ClientConfig {
            base_url: base.into(),
            organization_api_key: Secret::new("os_v2_org_test"),
            max_retries: 1,
            user_agent: Client::user_agent("0.1.0", Some("1.9.0")),
            cancel: CancellationToken::new(),
        })
    }

    #[test]
    fn user_agent_names_both_versions() {
        assert_eq!(
            Client::user_agent("0.1.0", Some("1.9.0")),
            "terraform-provider-onesignal/0.1.0 (+terraform 1.9.0)"
        );
        assert_eq!(
            Client::user_agent("0.1.0", None),
            "terraform-provider-onesignal/0.1.0"
        );
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
            cancel: CancellationToken::new(),
        })
        .unwrap_err();
        assert!(!e.to_string().contains("os_v2_org_bad"), "{e}");
    }

    #[test]
    fn classification() {
        let m = || vec!["m".to_owned()];
        assert!(matches!(
            classify(401, m(), 1, Duration::ZERO),
            Error::CredentialsRejected { .. }
        ));
        assert!(matches!(
            classify(403, m(), 1, Duration::ZERO),
            Error::CredentialsRejected { .. }
        ));
        assert!(matches!(
            classify(404, m(), 1, Duration::ZERO),
            Error::NotFound { .. }
        ));
        assert!(matches!(
            classify(429, m(), 3, Duration::ZERO),
            Error::RateLimited { attempts: 3, .. }
        ));
        assert!(matches!(
            classify(400, m(), 1, Duration::ZERO),
            Error::Validation { status: 400, .. }
        ));
        assert!(matches!(
            classify(
                400,
                vec!["App API key limit reached: at most 16 API keys".into()],
                1,
                Duration::ZERO
            ),
            Error::KeyLimitReached { .. }
        ));
        assert!(matches!(
            classify(500, m(), 1, Duration::ZERO),
            Error::Server { status: 500, .. }
        ));
        assert!(matches!(
            classify(302, m(), 1, Duration::ZERO),
            Error::InvalidResponse { .. }
        ));
    }
}
