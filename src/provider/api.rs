//! The OneSignal client as the resources use it: key lists coalesced per app, failures shared,
//! writes invalidating, and "gone" only when a successful list proves it.
//!
//! A refresh reads every key in state, and Terraform reads up to ten at once; OneSignal has no
//! "get one key" endpoint, so each read is a list of the key's app. Here, concurrent reads of an
//! app wait on the same in-flight list request, and its answer serves the other reads of that app
//! for a short while ([`SNAPSHOT_TTL`]): a refresh of N keys in A apps costs about A list calls.
//! A failure is shared the same way: the reads waiting on the failed attempt, and those arriving
//! within [`FAILURE_TTL`] after it, get that failure instead of a retry sequence each, so an
//! outage costs at most 2 × (`max_retries` + 1) list calls per app, whatever its number of keys.
//! Every write to an app (create, update, rotate, delete) invalidates that app's snapshot and any
//! failure kept for it, whatever its outcome, so a read after a write always asks OneSignal again.
//!
//! An organization key that OneSignal refused (401/403) on an organization-level call (`GET /apps`,
//! which ConfigureProvider asks first) is not sent again by this process: every later call fails
//! at once with that refusal. A 401/403 on one app's keys is only that call's error: the key may
//! be fine and the app another organization's.
//!
//! Each Terraform call uses its own handle ([`Api::with_cancel`]), which shares everything above
//! but carries the call's cancellation token. A read waiting on another read's list stops waiting
//! when its own call is stopped, and leaves that list alone; a list stopped with the call that
//! sent it is not kept, so a read that was waiting on it, and is not stopped, sends its own.
//!
//! No status code alone proves that something is gone: a wrong `api_url` path, a proxy or a
//! gateway answers 404 (or 400) for everything. [`Api::keys_of`] therefore answers "the app is
//! gone" only when a successful `GET /apps` lacks it, and the callers treat a key as gone only when
//! a successful list of its app lacks it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::onesignal::{ApiKey, App, Client, CreatedKey, Error, KeySpec};
use crate::secret::Secret;

/// How long a list answer serves further reads of the same app (one refresh's worth).
pub const SNAPSHOT_TTL: Duration = Duration::from_secs(15);
/// How long a failed list serves the reads that arrive right after it (the rest of a refresh
/// whose first reads failed), instead of each starting a retry sequence of its own.
pub const FAILURE_TTL: Duration = Duration::from_secs(5);
/// OneSignal's `GET /apps` lists at most this many apps (no pagination): a list this long may
/// be cut off, so an app missing from it is not proven gone.
pub const MAX_LISTED_APPS: usize = 1000;

/// The client plus the per-app key list snapshots. Cheap to clone; clones share the snapshots.
#[derive(Clone)]
pub struct Api {
    client: Client,
    apps: Arc<Mutex<HashMap<String, Arc<AppKeys>>>>,
    /// The organization's apps: the last answer of `GET /apps`, shared like a key list.
    org_apps: Arc<tokio::sync::Mutex<Option<Kept<Vec<App>>>>>,
    /// The refusal of the organization key, once OneSignal refused it.
    refused: Arc<Mutex<Option<Error>>>,
}

/// One app's snapshot. `generation` moves on with every write; an answer taken under an older
/// generation is never served, even if its list request finished after the write.
#[derive(Default)]
struct AppKeys {
    generation: AtomicU64,
    snapshot: tokio::sync::Mutex<Option<Kept<Vec<ApiKey>>>>,
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A list's answer, kept to serve the reads that follow: a success for [`SNAPSHOT_TTL`], a
/// failure for [`FAILURE_TTL`].
struct Kept<T> {
    generation: u64,
    taken: Instant,
    result: Result<Arc<T>, Error>,
}

impl<T> Kept<T> {
    fn serves(&self, generation: u64) -> Option<Result<Arc<T>, Error>> {
        let ttl = if self.result.is_ok() {
            SNAPSHOT_TTL
        } else {
            FAILURE_TTL
        };
        (self.generation == generation && self.taken.elapsed() < ttl).then(|| self.result.clone())
    }
}

/// What a list of an app proved.
#[derive(Debug, Clone)]
pub enum KeysOf {
    /// The app's keys, from a successful list.
    Listed(Arc<Vec<ApiKey>>),
    /// The app's list failed with 404 or 400, and a successful `GET /apps` lacks the app.
    AppGone,
}

/// Where a key is, as far as OneSignal's successful answers prove.
#[derive(Debug, Clone)]
pub enum Located {
    /// A successful list of the app holds the key (with OneSignal's spelling of its id).
    Found(ApiKey),
    /// A successful list of the app lacks the key.
    KeyGone,
    /// A successful `GET /apps` lacks the app.
    AppGone,
}

/// Why a list of an app proved nothing.
#[derive(Debug, Clone)]
pub enum LookupError {
    /// The list failed in a way that says nothing of the app's existence (a server error, no
    /// answer, a refused key, an unreadable answer, another client error).
    Failed(Error),
    /// The list answered 404 or 400, which alone proves nothing, and `GET /apps` did not prove
    /// the app gone either.
    Unexplained {
        /// The list's failure.
        list: Error,
        /// What `GET /apps` answered instead of a proof.
        apps: Unproven,
    },
}

/// Why `GET /apps` did not prove an app gone.
#[derive(Debug, Clone)]
pub enum Unproven {
    /// The organization's apps include it: its key list should have answered.
    AppListed,
    /// The answer holds [`MAX_LISTED_APPS`] apps or more, so it may be cut off.
    TooManyApps(usize),
    /// `GET /apps` failed too.
    Failed(Error),
}

/// Whether a failed request's status alone could mean "no such app or key" (and so proves
/// nothing either way until a successful list says so).
pub fn could_mean_gone(error: &Error) -> bool {
    matches!(error.status(), Some(400 | 404))
}

/// Whether two OneSignal ids are the same id: OneSignal's ids are UUID-shaped, and users paste
/// them in either case.
pub fn same_id(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

impl Api {
    /// Wraps a client with empty snapshots.
    pub fn new(client: Client) -> Self {
        Self {
            client,
            apps: Arc::default(),
            org_apps: Arc::default(),
            refused: Arc::default(),
        }
    }

    /// This API for one call: the same snapshots, with the call's token ending its requests and
    /// its waits (see [`Client::with_cancel`]).
    pub fn with_cancel(&self, cancel: CancellationToken) -> Self {
        Self {
            client: self.client.with_cancel(cancel),
            ..self.clone()
        }
    }

    /// Waits for `lock`, which another call may hold while its request runs, unless this call is
    /// stopped first.
    async fn lock<'a, T>(
        &self,
        lock: &'a tokio::sync::Mutex<T>,
    ) -> Result<tokio::sync::MutexGuard<'a, T>, Error> {
        let cancel = self.client.cancel_token();
        tokio::select! {
            biased;
            () = cancel.cancelled() => Err(Error::Cancelled),
            guard = lock.lock() => Ok(guard),
        }
    }

    fn app(&self, app_id: &str) -> Arc<AppKeys> {
        let mut apps = locked(&self.apps);
        apps.entry(app_id.to_owned()).or_default().clone()
    }

    fn invalidate(&self, app_id: &str) {
        self.app(app_id).generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The refusal of the organization key, if OneSignal refused it before: nothing more is
    /// sent with that key.
    fn refusal(&self) -> Result<(), Error> {
        match &*locked(&self.refused) {
            Some(error) => Err(error.clone()),
            None => Ok(()),
        }
    }

    /// Notes a refusal of the organization key by an organization-level call, and passes any
    /// result through.
    fn noting<T>(&self, result: Result<T, Error>) -> Result<T, Error> {
        if let Err(error @ Error::CredentialsRejected { .. }) = &result {
            locked(&self.refused).get_or_insert_with(|| error.clone());
        }
        result
    }

    /// The keys of an app: a kept answer if there is one, else one list request shared by every
    /// concurrent caller. A failure is kept for [`FAILURE_TTL`] (a cancellation is not: the
    /// callers that waited on the cancelled request and are not stopped send their own).
    pub async fn list_keys(&self, app_id: &str) -> Result<Arc<Vec<ApiKey>>, Error> {
        self.refusal()?;
        let app = self.app(app_id);
        let mut kept = self.lock(&app.snapshot).await?;
        let generation = app.generation.load(Ordering::SeqCst);
        if let Some(result) = kept.as_ref().and_then(|k| k.serves(generation)) {
            return result;
        }
        self.refusal()?;
        let result = self.client.list_keys(app_id).await.map(Arc::new);
        *kept = (!matches!(result, Err(Error::Cancelled))).then(|| Kept {
            generation,
            taken: Instant::now(),
            result: result.clone(),
        });
        result
    }

    /// The organization's apps (`GET /apps`), shared and kept like a key list.
    pub async fn list_apps(&self) -> Result<Arc<Vec<App>>, Error> {
        self.refusal()?;
        let mut kept = self.lock(&self.org_apps).await?;
        if let Some(result) = kept.as_ref().and_then(|k| k.serves(0)) {
            return result;
        }
        self.refusal()?;
        let result = self.noting(self.client.list_apps().await).map(Arc::new);
        *kept = (!matches!(result, Err(Error::Cancelled))).then(|| Kept {
            generation: 0,
            taken: Instant::now(),
            result: result.clone(),
        });
        result
    }

    /// Forgets the kept `GET /apps` answer: an app was just created or changed, so an answer
    /// taken before must never prove it gone.
    pub async fn forget_apps(&self) {
        *self.org_apps.lock().await = None;
    }

    /// Proves the organization key with one `GET /apps` (ConfigureProvider's check). Its answer
    /// serves the reads that follow like any list of apps.
    pub async fn check_organization_key(&self) -> Result<(), Error> {
        self.list_apps().await.map(drop)
    }

    /// What a list of the app proves: its keys, or that the app is gone. A list failing with 404
    /// or 400 proves nothing alone, so `GET /apps` is asked: only a successful answer that lacks
    /// the app (and is not cut off) proves it gone.
    pub async fn keys_of(&self, app_id: &str) -> Result<KeysOf, LookupError> {
        let list = match self.list_keys(app_id).await {
            Ok(keys) => return Ok(KeysOf::Listed(keys)),
            Err(error) if could_mean_gone(&error) => error,
            Err(error) => return Err(LookupError::Failed(error)),
        };
        let apps = match self.list_apps().await {
            Ok(apps) if apps.iter().any(|a| same_id(&a.id, app_id)) => Unproven::AppListed,
            Ok(apps) if apps.len() >= MAX_LISTED_APPS => Unproven::TooManyApps(apps.len()),
            Ok(_) => {
                tracing::info!(app_id, "the organization's apps lack the app: it is gone");
                return Ok(KeysOf::AppGone);
            }
            Err(error) => Unproven::Failed(error),
        };
        Err(LookupError::Unexplained { list, apps })
    }

    /// Where the key `token_id` of app `app_id` is, compared case-insensitively.
    pub async fn locate(&self, app_id: &str, token_id: &str) -> Result<Located, LookupError> {
        Ok(match self.keys_of(app_id).await? {
            KeysOf::AppGone => Located::AppGone,
            KeysOf::Listed(keys) => keys
                .iter()
                .find(|k| same_id(&k.token_id, token_id))
                .map_or(Located::KeyGone, |key| Located::Found(key.clone())),
        })
    }

    /// Creates a key.
    pub async fn create_key(&self, app_id: &str, spec: &KeySpec) -> Result<CreatedKey, Error> {
        self.refusal()?;
        let result = self.client.create_key(app_id, spec).await;
        self.invalidate(app_id);
        result
    }

    /// Updates a key's name and allowlist.
    pub async fn update_key(
        &self,
        app_id: &str,
        token_id: &str,
        spec: &KeySpec,
    ) -> Result<(), Error> {
        self.refusal()?;
        let result = self.client.update_key(app_id, token_id, spec).await;
        self.invalidate(app_id);
        result
    }

    /// Rotates a key's secret.
    pub async fn rotate_key(&self, app_id: &str, token_id: &str) -> Result<Secret, Error> {
        self.refusal()?;
        let result = self.client.rotate_key(app_id, token_id).await;
        self.invalidate(app_id);
        result
    }

    /// Deletes a key.
    pub async fn delete_key(&self, app_id: &str, token_id: &str) -> Result<(), Error> {
        self.refusal()?;
        let result = self.client.delete_key(app_id, token_id).await;
        self.invalidate(app_id);
        result
    }

    /// The client itself, for calls that need no key snapshots (the app endpoints).
    pub fn client(&self) -> &Client {
        &self.client
    }
}
