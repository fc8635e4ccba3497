//! The app endpoints: `POST /apps`, `PUT /apps/{app_id}`, the answers of `GET /apps` and
//! `GET /apps/{app_id}`, the organization id, and the library calls tests use to look at apps
//! and to change them "in the dashboard".
//!
//! The rules are those OneSignal's create-an-app and update-an-app pages state (see
//! `docs/onesignal-api.md`, "Apps"): `name` 1–128 characters, `organization_id` on create
//! (and it must be this organization's), the web-push trio together with `https://` origins,
//! Base64 for the certificate and service-account fields, `apns_env` `sandbox` or `production`.
//! A `PUT` naming another organization moves the app out, as the docs warn.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::state::{self, AppRecord, MAX_NAME_CHARS};
use super::{Emulator, Rejection};

/// Settings stored and returned as strings.
const STRING_SETTINGS: &[&str] = &[
    "site_name",
    "chrome_web_origin",
    "safari_site_origin",
    "chrome_web_default_notification_icon",
    "safari_icon_256_256",
    "apns_env",
    "apns_key_id",
    "apns_team_id",
    "apns_bundle_id",
];
/// Settings stored as booleans; OneSignal accepts them and never returns them.
const BOOL_SETTINGS: &[&str] = &["additional_data_is_root_payload"];
/// Credentials: stored, and only `apns_p8` and `fcm_v1_service_account_json` are returned by
/// the view (as the current view-an-app page shows).
const CREDENTIALS: &[&str] = &[
    "apns_p8",
    "apns_p12",
    "apns_p12_password",
    "fcm_v1_service_account_json",
    "safari_apns_p12",
    "safari_apns_p12_password",
];
/// The credentials OneSignal wants Base64-encoded (files).
const BASE64: &[&str] = &[
    "apns_p8",
    "apns_p12",
    "fcm_v1_service_account_json",
    "safari_apns_p12",
];
/// What the view answer carries of the stored settings and credentials.
const RETURNED: &[&str] = &["apns_p8", "fcm_v1_service_account_json"];
/// Web push: all three or none.
const TRIO: [&str; 3] = ["site_name", "chrome_web_origin", "safari_site_origin"];

/// A fresh organization id.
pub(crate) fn generate_organization_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A legacy REST API key in OneSignal's shape: Base64 of a UUID (48 characters).
pub(crate) fn generate_basic_auth_key() -> String {
    base64::engine::general_purpose::STANDARD.encode(uuid::Uuid::new_v4().to_string())
}

/// Player counts change all the time on a live app: these change every second, so a client
/// that stored them would see drift at once.
fn players() -> (i64, i64) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let players = now % 100_000;
    (players, players / 3)
}

/// The app as `GET /apps/{app_id}` answers: settings, the two credentials the view returns,
/// `basic_auth_key` and the player counts.
pub(crate) fn full_view(app: &AppRecord, home_organization: &str) -> Value {
    let mut view = list_view(app, home_organization);
    if let Value::Object(map) = &mut view {
        for (name, value) in &app.settings {
            if STRING_SETTINGS.contains(&name.as_str()) || RETURNED.contains(&name.as_str()) {
                map.insert(name.clone(), value.clone());
            }
        }
        // Fields the real answer has and this emulator never fills, as null.
        for legacy in ["gcm_key", "chrome_key", "chrome_web_sub_domain"] {
            map.insert(legacy.into(), Value::Null);
        }
    }
    view
}

/// The app as an item of `GET /apps`: the basic fields, the player counts and `basic_auth_key`
/// (a client must not keep it from a list either).
pub(crate) fn list_view(app: &AppRecord, home_organization: &str) -> Value {
    let (players, messageable) = players();
    json!({
        "id": app.id,
        "name": app.name,
        "organization_id": app.moved_to.as_deref().unwrap_or(home_organization),
        "players": players,
        "messageable_players": messageable,
        "created_at": app.created_at,
        "updated_at": app.updated_at,
        "basic_auth_key": app.basic_auth_key,
    })
}

/// The answer to a create, as documented: the basic fields only.
fn created_view(app: &AppRecord, home_organization: &str) -> Value {
    let mut view = list_view(app, home_organization);
    if let Value::Object(map) = &mut view {
        map.remove("basic_auth_key");
    }
    view
}

/// The fields of a create or update body, validated; `None` is "not given".
#[derive(Debug, Default)]
struct AppFields {
    name: Option<String>,
    organization_id: Option<String>,
    settings: Map<String, Value>,
}

/// Parses and validates a create (`create: true`) or update body. Every problem is reported;
/// `null` counts as "not given"; unknown fields are ignored. Messages never quote a credential.
fn parse_app_fields(body: &[u8], create: bool) -> Result<AppFields, Vec<String>> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| vec![format!("The request body is not valid JSON: {e}")])?;
    let Value::Object(map) = value else {
        return Err(vec!["The request body must be a JSON object.".into()]);
    };
    let mut errors = Vec::new();
    let mut fields = AppFields::default();
    let given = |name: &str| map.get(name).filter(|v| !v.is_null());
    match given("name") {
        None if create => errors.push("name is required.".into()),
        None => {}
        Some(Value::String(name)) => {
            let chars = name.chars().count();
            if chars == 0 || chars > MAX_NAME_CHARS {
                errors.push(format!(
                    "name must be between 1 and {MAX_NAME_CHARS} characters long (it has {chars})."
                ));
            } else {
                fields.name = Some(name.clone());
            }
        }
        Some(_) => errors.push("name must be a string.".into()),
    }
    match given("organization_id") {
        None if create => errors
            .push("organization_id is required: the organization the app is created in.".into()),
        None => {}
        Some(Value::String(id)) if create && id.trim().is_empty() => errors
            .push("organization_id is required: the organization the app is created in.".into()),
        Some(Value::String(id)) => fields.organization_id = Some(id.clone()),
        Some(_) => errors.push("organization_id must be a string.".into()),
    }
    for &name in STRING_SETTINGS.iter().chain(CREDENTIALS) {
        match given(name) {
            None => {}
            Some(value @ Value::String(_)) => {
                fields.settings.insert(name.into(), value.clone());
            }
            Some(_) => errors.push(format!("{name} must be a string.")),
        }
    }
    for &name in BOOL_SETTINGS {
        match given(name) {
            None => {}
            Some(value @ Value::Bool(_)) => {
                fields.settings.insert(name.into(), value.clone());
            }
            Some(_) => errors.push(format!("{name} must be true or false.")),
        }
    }
    let text = |name: &str| fields.settings.get(name).and_then(Value::as_str);
    let missing: Vec<&str> = TRIO.into_iter().filter(|n| text(n).is_none()).collect();
    if !missing.is_empty() && missing.len() < TRIO.len() {
        errors.push(format!(
            "site_name, chrome_web_origin and safari_site_origin must be sent together for web \
             push; missing: {}.",
            missing.join(", ")
        ));
    }
    for origin in ["chrome_web_origin", "safari_site_origin"] {
        if let Some(url) = text(origin)
            && !is_https_origin(url)
        {
            errors.push(format!(
                "{origin} must be the site's https:// origin, such as https://example.com."
            ));
        }
    }
    if let Some(env) = text("apns_env")
        && env != "sandbox"
        && env != "production"
    {
        errors.push("apns_env must be \"sandbox\" or \"production\".".into());
    }
    for &name in BASE64 {
        if let Some(value) = text(name)
            && base64::engine::general_purpose::STANDARD
                .decode(value)
                .is_err()
        {
            errors.push(format!(
                "{name} must be Base64-encoded (the file's contents)."
            ));
        }
    }
    if errors.is_empty() {
        Ok(fields)
    } else {
        Err(errors)
    }
}

fn is_https_origin(url: &str) -> bool {
    url.strip_prefix("https://")
        .is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace))
}

type Answer = Result<axum::Json<Value>, Rejection>;

fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok())
}

/// `POST /apps`.
pub(crate) async fn create_app(
    State(em): State<Emulator>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    em.check_organization_key(authorization(&headers))?;
    em.create_app_from(&body).map(axum::Json)
}

/// `PUT /apps/{app_id}`.
pub(crate) async fn update_app(
    State(em): State<Emulator>,
    Path(app_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    em.check_organization_key(authorization(&headers))?;
    em.update_app_from(&app_id, &body).map(axum::Json)
}

impl Emulator {
    /// The id of the organization it emulates (the one `POST /apps` must name).
    pub fn organization_id(&self) -> String {
        self.lock().data.organization_id.clone()
    }

    /// Sets the organization id (the `--organization-id` flag); saved with `--state`.
    pub fn set_organization_id(&self, organization_id: &str) -> Result<(), Rejection> {
        self.mutate(|data| {
            data.organization_id = organization_id.to_owned();
            Ok(())
        })
    }

    /// An app with every stored setting and credential, as sent; also apps moved out.
    pub fn app_record(&self, app_id: &str) -> Option<AppRecord> {
        (self.lock().data.apps.iter())
            .find(|a| a.id == app_id)
            .cloned()
    }

    /// Every `POST /apps` (that created it) and `PUT /apps/{app_id}` body received for an app,
    /// in order, as sent — rejected updates included.
    pub fn app_writes(&self, app_id: &str) -> Vec<Value> {
        (self.lock().app_writes.get(app_id))
            .cloned()
            .unwrap_or_default()
    }

    /// Renames an app as the dashboard would (not an API write: not in [`Emulator::app_writes`]).
    pub fn rename_app(&self, app_id: &str, name: &str) -> Result<(), Rejection> {
        self.edit_app(app_id, |app| app.name = name.to_owned())
    }

    /// Changes one setting as the dashboard would (`null` removes it).
    pub fn edit_app_setting(
        &self,
        app_id: &str,
        name: &str,
        value: Value,
    ) -> Result<(), Rejection> {
        self.edit_app(app_id, |app| {
            if value.is_null() {
                app.settings.remove(name);
            } else {
                app.settings.insert(name.to_owned(), value);
            }
        })
    }

    /// Deletes an app with its keys, as OneSignal's Support would (the API cannot).
    pub fn remove_app(&self, app_id: &str) -> Result<(), Rejection> {
        self.mutate(|data| {
            let before = data.apps.len();
            data.apps.retain(|a| a.id != app_id);
            if data.apps.len() == before {
                return Err(Rejection::app_not_found(app_id));
            }
            Ok(())
        })
    }

    fn edit_app(&self, app_id: &str, edit: impl FnOnce(&mut AppRecord)) -> Result<(), Rejection> {
        self.mutate(|data| {
            let app = (data.apps.iter_mut())
                .find(|a| a.id == app_id)
                .ok_or_else(|| Rejection::app_not_found(app_id))?;
            edit(app);
            app.updated_at = state::now();
            Ok(())
        })
    }

    fn record_app_write(&self, app_id: &str, body: &[u8]) {
        let value = serde_json::from_slice(body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()));
        (self.lock().app_writes.entry(app_id.to_owned()))
            .or_default()
            .push(value);
    }

    pub(crate) fn create_app_from(&self, body: &[u8]) -> Result<Value, Rejection> {
        let app = self.mutate(|data| {
            let fields = parse_app_fields(body, true).map_err(Rejection::bad_request)?;
            let organization_id = fields.organization_id.unwrap_or_default();
            if organization_id != data.organization_id {
                return Err(Rejection::bad_request(vec![format!(
                    "organization_id {organization_id:?} is not the organization of this API key."
                )]));
            }
            let mut app = AppRecord::new(None, fields.name.unwrap_or_default());
            app.settings = fields.settings;
            data.apps.push(app.clone());
            Ok(app)
        })?;
        self.record_app_write(&app.id, body);
        Ok(created_view(&app, &self.organization_id()))
    }

    pub(crate) fn update_app_from(&self, app_id: &str, body: &[u8]) -> Result<Value, Rejection> {
        let exists = (self.lock().data.apps.iter()).any(|a| a.id == app_id && a.moved_to.is_none());
        if !exists {
            return Err(Rejection::app_not_found(app_id));
        }
        self.record_app_write(app_id, body);
        self.mutate(|data| {
            let fields = parse_app_fields(body, false).map_err(Rejection::bad_request)?;
            let home = data.organization_id.clone();
            let app = (data.apps.iter_mut())
                .find(|a| a.id == app_id && a.moved_to.is_none())
                .ok_or_else(|| Rejection::app_not_found(app_id))?;
            if let Some(name) = fields.name {
                app.name = name;
            }
            app.settings.extend(fields.settings);
            match fields.organization_id {
                Some(id) if id == home => {}
                // A blank organization_id once meant "a new organization".
                Some(id) if id.trim().is_empty() => app.moved_to = Some(generate_organization_id()),
                Some(id) => app.moved_to = Some(id),
                None => {}
            }
            app.updated_at = state::now();
            Ok(full_view(app, &home))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B64: &str = "eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0=";

    fn fields(body: Value, create: bool) -> Result<AppFields, Vec<String>> {
        parse_app_fields(body.to_string().as_bytes(), create)
    }

    #[test]
    fn create_needs_name_and_organization() {
        let errors = fields(json!({}), true).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        let long = "n".repeat(129);
        let errors = fields(json!({"name": long, "organization_id": "o"}), true).unwrap_err();
        assert!(errors[0].contains("128"), "{errors:?}");
        let ok = fields(json!({"name": "Shop", "organization_id": "o"}), true).unwrap();
        assert_eq!(ok.name.as_deref(), Some("Shop"));
        // An update needs neither.
        assert!(fields(json!({"site_name": null}), false).is_ok());
    }

    #[test]
    fn web_push_trio_and_origins() {
        let errors = fields(
            json!({"site_name": "S", "chrome_web_origin": "https://a"}),
            false,
        )
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].contains("missing: safari_site_origin"),
            "{errors:?}"
        );
        let errors = fields(
            json!({"site_name": "S", "chrome_web_origin": "http://a", "safari_site_origin": "a.com"}),
            false,
        )
        .unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            fields(
                json!({"site_name": "S", "chrome_web_origin": "https://a.example", "safari_site_origin": "https://a.example"}),
                false
            )
            .is_ok()
        );
    }

    #[test]
    fn credentials_must_be_base64_and_are_never_quoted() {
        let errors = fields(
            json!({"apns_p8": "-----BEGIN PRIVATE KEY-----", "fcm_v1_service_account_json": "{\"type\":1}",
                   "apns_p12_password": "not base64 is fine", "safari_apns_p12": ""}),
            false,
        )
        .unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors
                .iter()
                .all(|e| !e.contains("BEGIN") && !e.contains("type"))
        );
        let ok = fields(json!({"apns_p8": B64, "apns_env": "sandbox"}), false).unwrap();
        assert_eq!(ok.settings["apns_p8"], B64);
        assert!(fields(json!({"apns_env": "prod"}), false).is_err());
        assert!(fields(json!({"additional_data_is_root_payload": "yes"}), false).is_err());
    }

    #[test]
    fn views_show_what_the_docs_say() {
        let mut app = AppRecord::new(None, "Shop".into());
        for (name, value) in [
            ("site_name", json!("S")),
            ("apns_p8", json!(B64)),
            ("apns_p12", json!(B64)),
            ("apns_p12_password", json!("pw")),
            ("additional_data_is_root_payload", json!(true)),
        ] {
            app.settings.insert(name.into(), value);
        }
        let view = full_view(&app, "org");
        assert_eq!(view["organization_id"], "org");
        assert_eq!(view["site_name"], "S");
        assert_eq!(view["apns_p8"], B64);
        assert_eq!(view["basic_auth_key"], app.basic_auth_key.as_str());
        assert!(view["players"].is_i64());
        for hidden in [
            "apns_p12",
            "apns_p12_password",
            "additional_data_is_root_payload",
            "keys",
        ] {
            assert!(view.get(hidden).is_none(), "{hidden}");
        }
        let created = created_view(&app, "org");
        assert!(created.get("basic_auth_key").is_none() && created.get("site_name").is_none());
        assert_eq!(generate_basic_auth_key().len(), 48);
    }
}
