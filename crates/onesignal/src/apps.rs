//! The app endpoints: create (`POST /apps`), update (`PUT /apps/{id}`) and view
//! (`GET /apps/{id}`). The list (`GET /apps`) is [`Client::list_apps`].
//!
//! An app carries push credentials (sent, never read back into a model) and its view answer
//! carries the legacy `basic_auth_key` and the player counts: none of those is ever
//! deserialised, so no model, log line or error can hold them. Credentials travel in
//! [`Secret`]s and leave the process only in a request body.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::models::{non_empty_string, timestamp};
use super::retry::Idempotency;
use super::{Client, Error};
use crate::secret::Secret;

/// An app's non-secret settings, as sent and as read back. `None` is "not sent" on the way out
/// and "not in the answer" on the way in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AppSettings {
    /// Display name, 1–128 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Web push: the site's name (sent with both origins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_name: Option<String>,
    /// Web push: the `https://` origin for Chrome and other browsers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chrome_web_origin: Option<String>,
    /// Web push: the `https://` origin for Safari.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safari_site_origin: Option<String>,
    /// URL of the default notification icon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chrome_web_default_notification_icon: Option<String>,
    /// URL of Safari's 256×256 icon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safari_icon_256_256: Option<String>,
    /// `sandbox` or `production`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apns_env: Option<String>,
    /// iOS p8: the key id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apns_key_id: Option<String>,
    /// iOS p8: the team id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apns_team_id: Option<String>,
    /// iOS p8: the bundle id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apns_bundle_id: Option<String>,
    /// Accepted by OneSignal but never returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_data_is_root_payload: Option<bool>,
}

/// An app's push credentials, write-only: sent on create and on a deliberate update, never
/// read back. `Debug` names only the fields that are set.
#[derive(Default, Clone)]
pub struct AppCredentials {
    /// iOS p8 key, Base64.
    pub apns_p8: Option<Secret>,
    /// iOS p12 certificate, Base64.
    pub apns_p12: Option<Secret>,
    /// The p12 certificate's password.
    pub apns_p12_password: Option<Secret>,
    /// Firebase service account JSON, Base64.
    pub fcm_v1_service_account_json: Option<Secret>,
    /// Safari web push p12 certificate, Base64.
    pub safari_apns_p12: Option<Secret>,
    /// The Safari certificate's password.
    pub safari_apns_p12_password: Option<Secret>,
}

impl AppCredentials {
    /// The credentials that are set, to scrub from errors about a request that carries them.
    pub(crate) fn secrets(&self) -> Vec<Secret> {
        self.fields()
            .into_iter()
            .filter_map(|(_, value)| value.cloned())
            .collect()
    }

    /// Every credential with its wire name, set or not.
    pub fn fields(&self) -> [(&'static str, Option<&Secret>); 6] {
        [
            ("apns_p8", self.apns_p8.as_ref()),
            ("apns_p12", self.apns_p12.as_ref()),
            ("apns_p12_password", self.apns_p12_password.as_ref()),
            (
                "fcm_v1_service_account_json",
                self.fcm_v1_service_account_json.as_ref(),
            ),
            ("safari_apns_p12", self.safari_apns_p12.as_ref()),
            (
                "safari_apns_p12_password",
                self.safari_apns_p12_password.as_ref(),
            ),
        ]
    }

    /// The wire names of the credentials that are set.
    pub fn set_fields(&self) -> Vec<&'static str> {
        (self.fields().into_iter())
            .filter_map(|(name, value)| value.map(|_| name))
            .collect()
    }

    /// Whether no credential is set.
    pub fn is_empty(&self) -> bool {
        self.fields().iter().all(|(_, value)| value.is_none())
    }
}

impl std::fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppCredentials")
            .field("set", &self.set_fields())
            .finish()
    }
}

/// An app as the view (or create/update) answer describes it: never `basic_auth_key`, the
/// player counts or any credential.
#[derive(Debug, Clone, PartialEq)]
pub struct AppView {
    /// The app id (a UUID).
    pub id: String,
    /// The organization it belongs to, when the answer says.
    pub organization_id: Option<String>,
    /// The settings the answer carries; those it leaves out are `None`.
    pub settings: AppSettings,
    /// Creation time (strings as sent, Unix numbers as RFC 3339).
    pub created_at: Option<String>,
    /// Last change, like `created_at`.
    pub updated_at: Option<String>,
}

/// The identifying fields of an app answer; the settings are read by a second pass into
/// [`AppSettings`]. Everything else in the answer is skipped unread.
#[derive(Deserialize)]
struct WireAppMeta {
    #[serde(default, deserialize_with = "non_empty_string")]
    id: Option<String>,
    #[serde(default, deserialize_with = "non_empty_string")]
    organization_id: Option<String>,
    #[serde(default, deserialize_with = "timestamp")]
    created_at: Option<String>,
    #[serde(default, deserialize_with = "timestamp")]
    updated_at: Option<String>,
}

/// Parses an app answer. A failure says only what kind of error and where: serde's own message
/// may quote a value from the body, and the body holds `basic_auth_key` and credentials.
pub(crate) fn parse_app(body: &[u8]) -> Result<AppView, String> {
    let quiet = |e: serde_json::Error| {
        format!(
            "not the expected app object ({:?} error at line {} column {})",
            e.classify(),
            e.line(),
            e.column()
        )
    };
    let meta: WireAppMeta = serde_json::from_slice(body).map_err(quiet)?;
    let settings: AppSettings = serde_json::from_slice(body).map_err(quiet)?;
    Ok(AppView {
        id: meta.id.ok_or("the app answer has no id")?,
        organization_id: meta.organization_id,
        settings,
        created_at: meta.created_at,
        updated_at: meta.updated_at,
    })
}

/// The JSON body of a create or update: the settings, then the credentials that are set.
fn app_body(
    organization_id: Option<&str>,
    settings: &AppSettings,
    credentials: &AppCredentials,
) -> Result<Vec<u8>, Error> {
    let mut body = match serde_json::to_value(settings) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    if let Some(organization_id) = organization_id {
        body.insert("organization_id".into(), organization_id.into());
    }
    for (name, value) in credentials.fields() {
        if let Some(value) = value {
            body.insert(name.into(), value.expose().into());
        }
    }
    serde_json::to_vec(&body).map_err(|e| Error::InvalidConfig {
        detail: format!("the app settings cannot be written as JSON: {e}"),
    })
}

impl Client {
    /// `POST /apps` with `organization_id` always (a blank or missing one has meant "a new
    /// organization"). Retried only when the request provably never acted (connect failure,
    /// 429/503); when it may have created the app without a usable answer, the error is
    /// [`Error::Ambiguous`] and the caller must look for the app before trying again.
    pub async fn create_app(
        &self,
        organization_id: &str,
        settings: &AppSettings,
        credentials: &AppCredentials,
    ) -> Result<AppView, Error> {
        let body = app_body(Some(organization_id), settings, credentials)?;
        let answer = self
            .carrying(credentials.secrets())
            .execute(Method::POST, &["apps"], Some(body), Idempotency::Unsafe)
            .await?;
        parse_app(&answer.body).map_err(|detail| super::unreadable_create(&answer, detail))
    }

    /// `PUT /apps/{app_id}`: sends the settings that are `Some` and the credentials that are
    /// set, and never `organization_id` (OneSignal moves the app to the organization a PUT
    /// names). Repeating the same PUT is harmless, so it is retried like a read. When the answer
    /// is not an app (the docs promise one, loosely), the app is read back instead.
    pub async fn update_app(
        &self,
        app_id: &str,
        settings: &AppSettings,
        credentials: &AppCredentials,
    ) -> Result<AppView, Error> {
        let body = app_body(None, settings, credentials)?;
        let answer = self
            .carrying(credentials.secrets())
            .execute(
                Method::PUT,
                &["apps", app_id],
                Some(body),
                Idempotency::Safe,
            )
            .await?;
        match parse_app(&answer.body) {
            Ok(view) => Ok(view),
            Err(detail) => {
                // A decoding error may quote a value of the answer: scrubbed like any error.
                let known: Vec<&Secret> = answer.known.iter().collect();
                let detail = crate::secret::redact(&detail, &known);
                tracing::debug!(
                    app_id,
                    detail,
                    "update answer is not an app; reading it back"
                );
                self.get_app(app_id).await
            }
        }
    }

    /// `GET /apps/{app_id}`: the app's settings. Its `basic_auth_key`, player counts and
    /// credentials are in the answer but never read.
    pub async fn get_app(&self, app_id: &str) -> Result<AppView, Error> {
        let answer = self
            .execute(Method::GET, &["apps", app_id], None, Idempotency::Safe)
            .await?;
        parse_app(&answer.body).map_err(|detail| super::invalid(&answer, detail))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn credentials() -> AppCredentials {
        AppCredentials {
            fcm_v1_service_account_json: Some(Secret::new("eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0=")),
            apns_p8: Some(Secret::new("LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t")),
            ..AppCredentials::default()
        }
    }

    #[test]
    fn create_body_has_organization_settings_and_credentials() {
        let settings = AppSettings {
            name: Some("Shop".into()),
            apns_env: Some("production".into()),
            additional_data_is_root_payload: Some(false),
            ..AppSettings::default()
        };
        let body: Value =
            serde_json::from_slice(&app_body(Some("org-1"), &settings, &credentials()).unwrap())
                .unwrap();
        assert_eq!(
            body,
            json!({
                "name": "Shop",
                "apns_env": "production",
                "additional_data_is_root_payload": false,
                "organization_id": "org-1",
                "fcm_v1_service_account_json": "eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0=",
                "apns_p8": "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t",
            })
        );
    }

    #[test]
    fn update_body_leaves_out_organization_and_unset_fields() {
        let settings = AppSettings {
            name: Some("Renamed".into()),
            site_name: Some("".into()),
            ..AppSettings::default()
        };
        let body: Value =
            serde_json::from_slice(&app_body(None, &settings, &AppCredentials::default()).unwrap())
                .unwrap();
        assert_eq!(body, json!({"name": "Renamed", "site_name": ""}));
    }

    #[test]
    fn view_answers_keep_settings_and_drop_secrets() {
        let body = json!({
            "id": "8f0c6f4e-0000-4000-8000-000000000001",
            "name": "Shop",
            "organization_id": "org-1",
            "players": 12,
            "messageable_players": 7,
            "basic_auth_key": "NGE5ZWI4ZTctYmFzaWMtYXV0aC1rZXk",
            "fcm_v1_service_account_json": "eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0=",
            "apns_p8": "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t",
            "site_name": "Shop",
            "chrome_web_origin": "https://shop.example.com",
            "safari_site_origin": null,
            "apns_env": "sandbox",
            "created_at": "2026-01-02T03:04:05.000Z",
            "updated_at": 1704164645,
            "something_new": {"nested": true},
        });
        let view = parse_app(body.to_string().as_bytes()).unwrap();
        assert_eq!(
            view,
            AppView {
                id: "8f0c6f4e-0000-4000-8000-000000000001".into(),
                organization_id: Some("org-1".into()),
                settings: AppSettings {
                    name: Some("Shop".into()),
                    site_name: Some("Shop".into()),
                    chrome_web_origin: Some("https://shop.example.com".into()),
                    apns_env: Some("sandbox".into()),
                    ..AppSettings::default()
                },
                created_at: Some("2026-01-02T03:04:05.000Z".into()),
                updated_at: Some("2024-01-02T03:04:05Z".into()),
            }
        );
        let shown = format!("{view:?}");
        for secret in ["NGE5ZWI4ZTc", "eyJ0eXBl", "LS0tLS1C", "players"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }

    #[test]
    fn unreadable_answers_do_not_quote_the_body() {
        let err = parse_app(br#"{"id":"a","name":7,"basic_auth_key":"SECRETSECRET"}"#).unwrap_err();
        assert!(
            !err.contains("SECRETSECRET") && !err.contains("integer"),
            "{err}"
        );
        let err = parse_app(br#"{"id":"a","name":"SECRETNAME" "x"}"#).unwrap_err();
        assert!(!err.contains("SECRETNAME"), "{err}");
        assert!(parse_app(br#"{"name":"no id"}"#).is_err());
        assert!(parse_app(b"").is_err());
    }

    #[test]
    fn credentials_debug_names_only_what_is_set() {
        let shown = format!("{:?}", credentials());
        assert_eq!(
            shown,
            r#"AppCredentials { set: ["apns_p8", "fcm_v1_service_account_json"] }"#
        );
        assert!(AppCredentials::default().is_empty());
        assert!(!credentials().is_empty());
    }

    #[test]
    fn echoed_credentials_are_scrubbed_whole_before_any_cut() {
        // A credential longer than the error text cap, echoed in an error body: scrubbed before
        // the cut, so no part of it survives (a cut first would leave its head unrecognised).
        let long = "QUJD".repeat(1500);
        let credentials = AppCredentials {
            fcm_v1_service_account_json: Some(Secret::new(long.clone())),
            ..credentials()
        };
        let secrets = credentials.secrets();
        assert_eq!(secrets.len(), 2);
        let org = Secret::new("os_v2_org_k");
        let known: Vec<&Secret> = std::iter::once(&org).chain(secrets.iter()).collect();
        for body in [
            format!(r#"{{"errors":["fcm_v1_service_account_json {long} is not valid"]}}"#),
            format!("<html>bad request: {long}</html>"),
        ] {
            let shown = crate::error_body::error_messages(body.as_bytes(), None, false, &known);
            let text = shown.join(" ");
            assert!(!text.contains(&long[..40]), "{text}");
            assert!(text.contains("***"), "{text}");
        }
        let error = Error::Validation {
            status: 400,
            request: "POST http://127.0.0.1:1/apps".into(),
            messages: vec![format!(
                "apns_p8 {} is not a valid key",
                "LS0tLS1C".repeat(400)
            )],
        };
        let apns = Secret::new("LS0tLS1C".repeat(400));
        let text = error.scrubbed(&[&org, &apns]).to_string();
        assert!(!text.contains("LS0tLS1CLS0tLS1C"), "{text}");
    }
}
