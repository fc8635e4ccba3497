//! The OneSignal client as the resources use it: key lists coalesced per app, writes invalidating.
//!
//! A refresh reads every key in state, and Terraform reads up to ten at once; OneSignal has no
//! "get one key" endpoint, so each read is a list of the key's app. Here, concurrent reads of an
//! app wait on the same in-flight list request, and its answer serves the other reads of that app
//! for a short while ([`SNAPSHOT_TTL`]): a refresh of N keys in A apps costs about A list calls.
//! Every write to an app (create, update, rotate, delete) invalidates that app's snapshot, whatever
//! its outcome, so a read after a write always asks OneSignal again.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::onesignal::{ApiKey, App, Client, CreatedKey, Error, KeySpec};
use crate::secret::Secret;

/// How long a list answer serves further reads of the same app (one refresh's worth).
pub const SNAPSHOT_TTL: Duration = Duration::from_secs(15);

/// The client plus the per-app key list snapshots. Cheap to clone.
#[derive(Clone)]
pub struct Api {
    client: Client,
    apps: Arc<Mutex<HashMap<String, Arc<AppKeys>>>>,
}

/// What this process has seen of an app's keys: every `token_id` in the app's lists so far. Taken
/// before a create, it names keys that the create cannot have made.
#[derive(Default, Clone)]
pub struct KnownKeys {
    /// Whether any list of the app was taken (an empty `token_ids` then means "no keys").
    pub listed: bool,
    /// The keys seen so far.
    pub token_ids: HashSet<String>,
}

/// One app's snapshot. `generation` moves on with every write; a snapshot taken under an older
/// generation is never served, even if its list request finished after the write.
#[derive(Default)]
struct AppKeys {
    generation: AtomicU64,
    snapshot: tokio::sync::Mutex<Option<Snapshot>>,
    seen: Mutex<KnownKeys>,
    /// Keys this process created or adopted: no lost create's recovery may adopt them.
    claimed: Mutex<HashSet<String>>,
    /// One lock per key name: creates of the same name in one app take turns.
    creating: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct Snapshot {
    generation: u64,
    taken: Instant,
    keys: Arc<Vec<ApiKey>>,
}

impl Api {
    /// Wraps a client with empty snapshots.
    pub fn new(client: Client) -> Self {
        Self {
            client,
            apps: Arc::default(),
        }
    }

    fn app(&self, app_id: &str) -> Arc<AppKeys> {
        let mut apps = locked(&self.apps);
        apps.entry(app_id.to_owned()).or_default().clone()
    }

    fn invalidate(&self, app_id: &str) {
        self.app(app_id).generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The keys of an app: a fresh snapshot if there is one, else one list request shared by
    /// every concurrent caller. Errors are not kept.
    pub async fn list_keys(&self, app_id: &str) -> Result<Arc<Vec<ApiKey>>, Error> {
        let app = self.app(app_id);
        let mut snapshot = app.snapshot.lock().await;
        let generation = app.generation.load(Ordering::SeqCst);
        if let Some(s) = snapshot.as_ref()
            && s.generation == generation
            && s.taken.elapsed() < SNAPSHOT_TTL
        {
            return Ok(s.keys.clone());
        }
        let keys = Arc::new(self.client.list_keys(app_id).await?);
        {
            let mut seen = locked(&app.seen);
            seen.listed = true;
            seen.token_ids
                .extend(keys.iter().map(|k| k.token_id.clone()));
        }
        *snapshot = Some(Snapshot {
            generation,
            taken: Instant::now(),
            keys: keys.clone(),
        });
        Ok(keys)
    }

    /// The organization's apps (not cached: only a bare-id import asks).
    pub async fn list_apps(&self) -> Result<Vec<App>, Error> {
        self.client.list_apps().await
    }

    /// What this process has seen of the app's keys so far (see [`KnownKeys`]).
    pub fn known_keys(&self, app_id: &str) -> KnownKeys {
        locked(&self.app(app_id).seen).clone()
    }

    /// Waits until no other create of a key named `name` in the app runs in this process; the
    /// guard holds that until it is dropped. Creates of different names do not wait.
    pub async fn creating(&self, app_id: &str, name: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = locked(&self.app(app_id).creating)
            .entry(name.to_owned())
            .or_default()
            .clone();
        lock.lock_owned().await
    }

    /// Claims the first of `candidates` that no create of this process has made or adopted, so
    /// that two recoveries running at once never adopt the same key.
    pub fn claim_first<'a>(
        &self,
        app_id: &str,
        candidates: impl IntoIterator<Item = &'a ApiKey>,
    ) -> Option<&'a ApiKey> {
        let app = self.app(app_id);
        let mut claimed = locked(&app.claimed);
        let first = candidates
            .into_iter()
            .find(|k| !claimed.contains(&k.token_id))?;
        claimed.insert(first.token_id.clone());
        Some(first)
    }

    /// Creates a key; the new key is claimed by this process.
    pub async fn create_key(&self, app_id: &str, spec: &KeySpec) -> Result<CreatedKey, Error> {
        let result = self.client.create_key(app_id, spec).await;
        if let Ok(created) = &result {
            locked(&self.app(app_id).claimed).insert(created.token_id.clone());
        }
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
        let result = self.client.update_key(app_id, token_id, spec).await;
        self.invalidate(app_id);
        result
    }

    /// Rotates a key's secret.
    pub async fn rotate_key(&self, app_id: &str, token_id: &str) -> Result<Secret, Error> {
        let result = self.client.rotate_key(app_id, token_id).await;
        self.invalidate(app_id);
        result
    }

    /// Deletes a key.
    pub async fn delete_key(&self, app_id: &str, token_id: &str) -> Result<(), Error> {
        let result = self.client.delete_key(app_id, token_id).await;
        self.invalidate(app_id);
        result
    }

    /// The client itself, for calls that need no key snapshots (the app endpoints).
    pub fn client(&self) -> &Client {
        &self.client
    }
}
