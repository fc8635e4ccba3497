//! The OneSignal client as the resources use it: key lists coalesced per app, writes invalidating.
//!
//! A refresh reads every key in state, and Terraform reads up to ten at once; OneSignal has no
//! "get one key" endpoint, so each read is a list of the key's app. Here, concurrent reads of an
//! app wait on the same in-flight list request, and its answer serves the other reads of that app
//! for a short while ([`SNAPSHOT_TTL`]): a refresh of N keys in A apps costs about A list calls.
//! Every write to an app (create, update, rotate, delete) invalidates that app's snapshot, whatever
//! its outcome, so a read after a write always asks OneSignal again.

use std::collections::HashMap;
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

/// One app's snapshot. `generation` moves on with every write; a snapshot taken under an older
/// generation is never served, even if its list request finished after the write.
#[derive(Default)]
struct AppKeys {
    generation: AtomicU64,
    snapshot: tokio::sync::Mutex<Option<Snapshot>>,
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
        let mut apps = self
            .apps
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
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

    /// Creates a key.
    pub async fn create_key(&self, app_id: &str, spec: &KeySpec) -> Result<CreatedKey, Error> {
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
}
