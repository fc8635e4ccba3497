//! `onesignal-emulator`: an in-memory OneSignal App API key service over real HTTP, for demos and
//! tests.
//!
//! Wall: this crate knows nothing of Terraform, of the provider, or of the `onesignal` client
//! crate; it speaks only HTTP and JSON. It emulates what `docs/onesignal-api.md`
//! documents (the five key endpoints, `GET /apps`, `GET /apps/{id}`, `POST /apps`, `PUT /apps/{id}`;
//! the app endpoints live in `apps`) and adds test
//! hooks under `/_emulator/` (see `docs/emulator.md`).
//!
//! Parts: [`Emulator`] (this file) is a cheap-clone handle over the state behind one lock, with the
//! operations shared by HTTP and the library API; `state` holds the data and rules; `faults` the
//! fault injection and route names; `variants` the run-time departures from the documented
//! behaviour (applied to answers, never to the data); `routes` the axum router; `server` the accept
//! loop that can drop a connection without answering or hold one until shutdown; `cli` the
//! binary's `main` (`src/main.rs` only calls it).
#![forbid(unsafe_code)]

mod apps;
mod cli;
mod faults;
mod routes;
mod server;
mod state;
mod variants;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::Value;

pub use cli::main;
pub use faults::{Fault, FaultKind, Route};
pub use server::run;
pub use state::{AppRecord, KEY_LIMIT_MESSAGE, KeyRecord, MAX_KEYS_PER_APP, Persisted};
pub use variants::Variants;

use faults::Faults;

/// The body of every refused credential, verbatim from OneSignal (two spaces after "denied.").
pub const ACCESS_DENIED_MESSAGE: &str = "Access denied.  Please include an 'Authorization: ...' header with a valid API key (https://documentation.onesignal.com/docs/en/keys-and-ids#api-keys).";
/// The message for a live app key used from outside its allowlist.
pub const OUTSIDE_ALLOWLIST_MESSAGE: &str = "Access Denied";

/// A refusal: an HTTP status and the messages of its `{"errors": [...]}` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The HTTP status.
    pub status: u16,
    /// The `errors` array.
    pub messages: Vec<String>,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}: {}", self.status, self.messages.join("; "))
    }
}

impl std::error::Error for Rejection {}

impl Rejection {
    fn forbidden() -> Rejection {
        Rejection {
            status: 403,
            messages: vec![ACCESS_DENIED_MESSAGE.into()],
        }
    }

    fn bad_request(messages: Vec<String>) -> Rejection {
        Rejection {
            status: 400,
            messages,
        }
    }

    fn app_not_found(app_id: &str) -> Rejection {
        Rejection {
            status: 404,
            messages: vec![format!("App not found: {app_id}")],
        }
    }

    fn key_not_found(token_id: &str) -> Rejection {
        Rejection {
            status: 404,
            messages: vec![format!("API key not found: {token_id}")],
        }
    }
}

/// A handle on one emulated OneSignal organization. Clones share the state.
#[derive(Clone)]
pub struct Emulator {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Mutex<Shared>,
    state_file: Option<PathBuf>,
    log_requests: AtomicBool,
}

/// Everything behind the one lock. It is never held across an `.await`.
struct Shared {
    data: Persisted,
    faults: Faults,
    counters: BTreeMap<Route, u64>,
    variants: Variants,
    /// Every `POST /apps` and `PUT /apps/{id}` body per app id, in order (not persisted).
    app_writes: BTreeMap<String, Vec<Value>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("state_file", &self.inner.state_file)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// An in-memory organization with this key and these apps (named "App 1", "App 2", …).
    pub fn new<I, S>(organization_api_key: impl Into<String>, app_ids: I) -> Emulator
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut data = Persisted {
            organization_api_key: organization_api_key.into(),
            organization_id: apps::generate_organization_id(),
            apps: Vec::new(),
        };
        add_missing_apps(&mut data, app_ids.into_iter().map(Into::into));
        Emulator::from_parts(data, None)
    }

    /// An in-memory organization with a generated key and one generated app.
    pub fn generated() -> Emulator {
        Emulator::new(
            generate_organization_key(),
            [uuid::Uuid::new_v4().to_string()],
        )
    }

    /// An organization persisted in `path`: loaded when the file exists, otherwise started afresh
    /// (generated key, one generated app unless `app_ids` names some) and written at once. A given
    /// `organization_api_key` replaces the stored one; `app_ids` missing from the file are added.
    pub fn open(
        path: impl Into<PathBuf>,
        organization_api_key: Option<String>,
        app_ids: Vec<String>,
    ) -> std::io::Result<Emulator> {
        let path = path.into();
        let mut data = match state::load(&path)? {
            Some(data) => data,
            None => Persisted {
                organization_api_key: generate_organization_key(),
                organization_id: apps::generate_organization_id(),
                apps: if app_ids.is_empty() {
                    vec![AppRecord::new(None, "App 1".into())]
                } else {
                    Vec::new()
                },
            },
        };
        if let Some(key) = organization_api_key {
            data.organization_api_key = key;
        }
        add_missing_apps(&mut data, app_ids.into_iter());
        state::save(&path, &data)?;
        Ok(Emulator::from_parts(data, Some(path)))
    }

    fn from_parts(data: Persisted, state_file: Option<PathBuf>) -> Emulator {
        Emulator {
            inner: Arc::new(Inner {
                shared: Mutex::new(Shared {
                    data,
                    faults: Faults::default(),
                    counters: BTreeMap::new(),
                    variants: Variants::default(),
                    app_writes: BTreeMap::new(),
                }),
                state_file,
                log_requests: AtomicBool::new(false),
            }),
        }
    }

    /// Turns the one-line-per-request log on stderr on or off (off by default; the binary turns it on).
    pub fn set_request_log(&self, on: bool) {
        self.inner.log_requests.store(on, Ordering::Relaxed);
    }

    pub(crate) fn request_log(&self) -> bool {
        self.inner.log_requests.load(Ordering::Relaxed)
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        // A panic elsewhere cannot leave the data half-changed (mutations are applied whole), so a
        // poisoned lock is still good.
        self.inner
            .shared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies a change to a copy, saves it when there is a state file, then makes it current: a
    /// failed save leaves both memory and file as they were.
    fn mutate<R>(
        &self,
        change: impl FnOnce(&mut Persisted) -> Result<R, Rejection>,
    ) -> Result<R, Rejection> {
        let mut shared = self.lock();
        let mut next = shared.data.clone();
        let out = change(&mut next)?;
        if let Some(path) = &self.inner.state_file {
            state::save(path, &next).map_err(|e| {
                eprintln!("onesignal-emulator: cannot save {}: {e}", path.display());
                Rejection {
                    status: 500,
                    messages: vec![format!("The emulator could not save its state: {e}")],
                }
            })?;
        }
        shared.data = next;
        Ok(out)
    }

    /// The organization API key it accepts.
    pub fn organization_api_key(&self) -> String {
        self.lock().data.organization_api_key.clone()
    }

    /// The ids of all apps, in creation order.
    pub fn app_ids(&self) -> Vec<String> {
        self.lock().data.apps.iter().map(|a| a.id.clone()).collect()
    }

    /// A copy of the whole persisted state (secrets included).
    pub fn snapshot(&self) -> Persisted {
        self.lock().data.clone()
    }

    /// The keys of an app, secrets included; `None` for an unknown app.
    pub fn keys(&self, app_id: &str) -> Option<Vec<KeyRecord>> {
        self.lock()
            .data
            .apps
            .iter()
            .find(|a| a.id == app_id)
            .map(|a| a.keys.clone())
    }

    /// One key, secret included.
    pub fn key(&self, app_id: &str, token_id: &str) -> Option<KeyRecord> {
        self.keys(app_id)?
            .into_iter()
            .find(|k| k.token_id == token_id)
    }

    /// Adds an app (as `POST /apps` does) and returns it.
    pub fn create_app(&self, name: &str) -> Result<AppRecord, Rejection> {
        self.mutate(|data| {
            let app = AppRecord::new(None, name.to_owned());
            data.apps.push(app.clone());
            Ok(app)
        })
    }

    /// Creates a key "by hand" (as the dashboard would), with the same rules as
    /// `POST /apps/{app_id}/auth/tokens` and a body such as `{"name": "x"}`.
    pub fn create_key(&self, app_id: &str, body: &Value) -> Result<KeyRecord, Rejection> {
        self.create_key_from(app_id, body.to_string().as_bytes())
    }

    /// Changes a key as `PATCH` does (e.g. to simulate drift).
    pub fn update_key(&self, app_id: &str, token_id: &str, body: &Value) -> Result<(), Rejection> {
        self.update_key_from(app_id, token_id, body.to_string().as_bytes())
    }

    /// Rotates a key and returns its new secret.
    pub fn rotate_key(&self, app_id: &str, token_id: &str) -> Result<String, Rejection> {
        self.mutate(|data| {
            let key = find_key(data, app_id, token_id)?;
            key.secret = state::generate_secret("os_v2_app_");
            key.updated_at = state::now();
            Ok(key.secret.clone())
        })
    }

    /// Deletes a key (e.g. "outside Terraform").
    pub fn delete_key(&self, app_id: &str, token_id: &str) -> Result<(), Rejection> {
        self.mutate(|data| {
            let app = find_app(data, app_id)?;
            let before = app.keys.len();
            app.keys.retain(|k| k.token_id != token_id);
            if app.keys.len() == before {
                return Err(Rejection::key_not_found(token_id));
            }
            Ok(())
        })
    }

    pub(crate) fn create_key_from(
        &self,
        app_id: &str,
        body: &[u8],
    ) -> Result<KeyRecord, Rejection> {
        self.mutate(|data| {
            let app = find_app(data, app_id)?;
            let fields = state::parse_key_fields(body, true).map_err(Rejection::bad_request)?;
            let mode = fields.mode.unwrap_or_else(|| "disabled".into());
            let allowlist = fields.allowlist.unwrap_or_default();
            state::check_combination(&mode, &allowlist).map_err(Rejection::bad_request)?;
            if app.keys.len() >= MAX_KEYS_PER_APP {
                return Err(Rejection::bad_request(vec![KEY_LIMIT_MESSAGE.into()]));
            }
            let now = state::now();
            let key = KeyRecord {
                token_id: uuid::Uuid::new_v4().to_string(),
                name: fields.name.expect("required above"),
                ip_allowlist_mode: mode,
                ip_allowlist: allowlist,
                secret: state::generate_secret("os_v2_app_"),
                created_at: now.clone(),
                updated_at: now,
            };
            app.keys.push(key.clone());
            Ok(key)
        })
    }

    pub(crate) fn update_key_from(
        &self,
        app_id: &str,
        token_id: &str,
        body: &[u8],
    ) -> Result<(), Rejection> {
        self.mutate(|data| {
            let key = find_key(data, app_id, token_id)?;
            let fields = state::parse_key_fields(body, false).map_err(Rejection::bad_request)?;
            let mode = fields.mode.unwrap_or_else(|| key.ip_allowlist_mode.clone());
            let allowlist = fields.allowlist.unwrap_or_else(|| key.ip_allowlist.clone());
            state::check_combination(&mode, &allowlist).map_err(Rejection::bad_request)?;
            if let Some(name) = fields.name {
                key.name = name;
            }
            key.ip_allowlist_mode = mode;
            key.ip_allowlist = allowlist;
            key.updated_at = state::now();
            Ok(())
        })
    }

    /// Checks `Authorization: Key <organization key>`.
    pub(crate) fn check_organization_key(
        &self,
        authorization: Option<&str>,
    ) -> Result<(), Rejection> {
        match presented_key(authorization) {
            Some(key) if key == self.lock().data.organization_api_key => Ok(()),
            _ => Err(Rejection::forbidden()),
        }
    }

    /// `GET /apps/{app_id}`: the organization key, or a live key of this app used from an address
    /// its allowlist admits.
    pub(crate) fn view_app(
        &self,
        app_id: &str,
        authorization: Option<&str>,
        peer: IpAddr,
    ) -> Result<Value, Rejection> {
        let shared = self.lock();
        let presented = presented_key(authorization).ok_or_else(Rejection::forbidden)?;
        let app = shared.data.apps.iter().find(|a| a.id == app_id);
        if presented == shared.data.organization_api_key {
            // An app moved to another organization is not this key's to see.
            return (app.filter(|a| a.moved_to.is_none()))
                .map(|a| apps::full_view(a, &shared.data.organization_id))
                .ok_or_else(|| Rejection::app_not_found(app_id));
        }
        let app = app.ok_or_else(Rejection::forbidden)?;
        let key = app
            .keys
            .iter()
            .find(|k| k.secret == presented)
            .ok_or_else(Rejection::forbidden)?;
        if !key.allows(peer) {
            return Err(Rejection {
                status: 403,
                messages: vec![OUTSIDE_ALLOWLIST_MESSAGE.into()],
            });
        }
        Ok(apps::full_view(app, &shared.data.organization_id))
    }

    pub(crate) fn list_apps_view(&self) -> Value {
        let shared = self.lock();
        let data = &shared.data;
        Value::Array(
            (data.apps.iter().filter(|a| a.moved_to.is_none()))
                .map(|a| apps::list_view(a, &data.organization_id))
                .collect(),
        )
    }

    pub(crate) fn list_keys_view(&self, app_id: &str) -> Result<Value, Rejection> {
        let keys = self
            .keys(app_id)
            .ok_or_else(|| Rejection::app_not_found(app_id))?;
        let variants = self.variants();
        let tokens = keys
            .iter()
            .map(|k| variants::list_item(k.public_view(), &variants))
            .collect::<Vec<_>>();
        Ok(serde_json::json!({ "tokens": tokens }))
    }

    /// Switches the run-time variants (see [`Variants`]); they apply from the next request on and
    /// are never saved in the state file.
    pub fn set_variants(&self, v: Variants) {
        self.lock().variants = v;
    }

    /// The variants in force.
    pub fn variants(&self) -> Variants {
        self.lock().variants.clone()
    }

    /// Stores any string as a key's mode (an "unknown mode" OneSignal might add), unchecked.
    pub fn set_raw_mode(&self, app_id: &str, token_id: &str, mode: &str) -> Result<(), Rejection> {
        self.mutate(|data| {
            let key = find_key(data, app_id, token_id)?;
            key.ip_allowlist_mode = mode.to_owned();
            key.updated_at = state::now();
            Ok(())
        })
    }

    /// Whether an app with this id exists.
    pub(crate) fn has_app(&self, app_id: &str) -> bool {
        self.lock().data.apps.iter().any(|a| a.id == app_id)
    }

    /// Queues a fault (see [`Fault`]).
    pub fn inject(&self, fault: Fault) {
        self.lock().faults.push(fault);
    }

    /// Drops every pending fault.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// The faults still pending, with their remaining counts.
    pub fn pending_faults(&self) -> Vec<Fault> {
        self.lock().faults.pending()
    }

    pub(crate) fn take_fault(
        &self,
        route: Route,
        select: impl Fn(&FaultKind) -> bool,
    ) -> Option<FaultKind> {
        self.lock().faults.take(route, select)
    }

    /// How many requests a route has received since the last reset (faulted ones included).
    pub fn request_count(&self, route: Route) -> u64 {
        self.lock().counters.get(&route).copied().unwrap_or(0)
    }

    /// Every route's count, zeros included.
    pub fn request_counts(&self) -> BTreeMap<Route, u64> {
        let shared = self.lock();
        Route::ALL
            .iter()
            .map(|r| (*r, shared.counters.get(r).copied().unwrap_or(0)))
            .collect()
    }

    /// Sets every counter back to zero.
    pub fn reset_counters(&self) {
        self.lock().counters.clear();
    }

    pub(crate) fn count(&self, route: Route) {
        *self.lock().counters.entry(route).or_default() += 1;
    }
}

/// A generated organization key: `os_v2_org_` + 103 base32 characters.
pub fn generate_organization_key() -> String {
    state::generate_secret("os_v2_org_")
}

fn add_missing_apps(data: &mut Persisted, app_ids: impl Iterator<Item = String>) {
    for id in app_ids {
        if !data.apps.iter().any(|a| a.id == id) {
            let name = format!("App {}", data.apps.len() + 1);
            data.apps.push(AppRecord::new(Some(id), name));
        }
    }
}

/// The key in `Authorization: Key <key>` (the scheme's case is not significant).
fn presented_key(authorization: Option<&str>) -> Option<&str> {
    let value = authorization?.trim();
    let (scheme, key) = value.split_once(' ')?;
    let key = key.trim();
    (scheme.eq_ignore_ascii_case("key") && !key.is_empty()).then_some(key)
}

fn find_app<'a>(data: &'a mut Persisted, app_id: &str) -> Result<&'a mut AppRecord, Rejection> {
    data.apps
        .iter_mut()
        .find(|a| a.id == app_id)
        .ok_or_else(|| Rejection::app_not_found(app_id))
}

fn find_key<'a>(
    data: &'a mut Persisted,
    app_id: &str,
    token_id: &str,
) -> Result<&'a mut KeyRecord, Rejection> {
    find_app(data, app_id)?
        .keys
        .iter_mut()
        .find(|k| k.token_id == token_id)
        .ok_or_else(|| Rejection::key_not_found(token_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn authorization_parsing() {
        assert_eq!(presented_key(Some("Key abc")), Some("abc"));
        assert_eq!(presented_key(Some("key  abc ")), Some("abc"));
        assert_eq!(presented_key(Some("Bearer abc")), None);
        assert_eq!(presented_key(Some("abc")), None);
        assert_eq!(presented_key(Some("Key ")), None);
        assert_eq!(presented_key(None), None);
    }

    #[test]
    fn library_operations_follow_the_rules() {
        let em = Emulator::new("org", ["app"]);
        assert!(em.check_organization_key(Some("Key org")).is_ok());
        assert_eq!(
            em.check_organization_key(Some("Key nope"))
                .unwrap_err()
                .status,
            403
        );
        let bare = em
            .create_key("app", &json!({"name": "k", "ip_allowlist": ["10.0.0.1"]}))
            .unwrap_err();
        assert_eq!(bare.status, 400);
        assert!(bare.messages[0].contains("\"10.0.0.1\""), "{bare}");
        assert!(em.keys("app").unwrap().is_empty(), "a 400 stores nothing");
        let key = em
            .create_key(
                "app",
                &json!({"name": "k", "ip_allowlist": ["10.0.0.1/32"]}),
            )
            .unwrap();
        assert_eq!(key.ip_allowlist, vec!["10.0.0.1/32"]);
        assert_eq!(key.ip_allowlist_mode, "disabled");
        assert_eq!(
            em.create_key("nope", &json!({"name": "k"}))
                .unwrap_err()
                .status,
            404
        );
        let err = em.update_key(
            "app",
            &key.token_id,
            &json!({"ip_allowlist_mode": "explicit", "ip_allowlist": []}),
        );
        assert_eq!(err.unwrap_err().status, 400);
        em.update_key(
            "app",
            &key.token_id,
            &json!({"ip_allowlist_mode": "explicit"}),
        )
        .unwrap();
        let old = key.secret.clone();
        let new = em.rotate_key("app", &key.token_id).unwrap();
        assert_ne!(old, new);
        assert_eq!(em.key("app", &key.token_id).unwrap().secret, new);
        em.delete_key("app", &key.token_id).unwrap();
        assert_eq!(em.delete_key("app", &key.token_id).unwrap_err().status, 404);
    }

    #[test]
    fn state_file_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let em = Emulator::open(&path, None, vec![]).unwrap();
        assert_eq!(em.app_ids().len(), 1);
        let app = em.app_ids()[0].clone();
        let key = em.create_key(&app, &json!({"name": "kept"})).unwrap();
        let again = Emulator::open(&path, None, vec!["other".into()]).unwrap();
        assert_eq!(again.organization_api_key(), em.organization_api_key());
        assert_eq!(again.app_ids(), vec![app.clone(), "other".to_owned()]);
        assert_eq!(again.key(&app, &key.token_id), Some(key));
    }
}
