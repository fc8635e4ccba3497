//! The resource's attribute names and the conversions between its Terraform values and
//! OneSignal's app models: the one place where the two meet for apps.

use crate::onesignal::{AppCredentials, AppSettings, AppView};
use crate::secret::Secret;
use crate::tfplugin::Value;

pub use crate::provider::app_api_key::model::Attrs;

pub const ID: &str = "id";
pub const NAME: &str = "name";
pub const ORGANIZATION_ID: &str = "organization_id";
pub const SITE_NAME: &str = "site_name";
pub const CHROME_WEB_ORIGIN: &str = "chrome_web_origin";
pub const SAFARI_SITE_ORIGIN: &str = "safari_site_origin";
pub const CHROME_WEB_DEFAULT_NOTIFICATION_ICON: &str = "chrome_web_default_notification_icon";
pub const SAFARI_ICON_256_256: &str = "safari_icon_256_256";
pub const APNS_ENV: &str = "apns_env";
pub const APNS_KEY_ID: &str = "apns_key_id";
pub const APNS_TEAM_ID: &str = "apns_team_id";
pub const APNS_BUNDLE_ID: &str = "apns_bundle_id";
pub const ADDITIONAL_DATA_IS_ROOT_PAYLOAD: &str = "additional_data_is_root_payload";
pub const APNS_P8_WO: &str = "apns_p8_wo";
pub const APNS_P12_WO: &str = "apns_p12_wo";
pub const APNS_P12_PASSWORD_WO: &str = "apns_p12_password_wo";
pub const FCM_V1_SERVICE_ACCOUNT_JSON_WO: &str = "fcm_v1_service_account_json_wo";
pub const SAFARI_APNS_P12_WO: &str = "safari_apns_p12_wo";
pub const SAFARI_APNS_P12_PASSWORD_WO: &str = "safari_apns_p12_password_wo";
pub const CREDENTIALS_WO_VERSION: &str = "credentials_wo_version";
pub const CREATED_AT: &str = "created_at";
pub const UPDATED_AT: &str = "updated_at";

/// The optional string settings OneSignal reports back: optional and computed.
pub const SETTINGS: [&str; 9] = [
    SITE_NAME,
    CHROME_WEB_ORIGIN,
    SAFARI_SITE_ORIGIN,
    CHROME_WEB_DEFAULT_NOTIFICATION_ICON,
    SAFARI_ICON_256_256,
    APNS_ENV,
    APNS_KEY_ID,
    APNS_TEAM_ID,
    APNS_BUNDLE_ID,
];

/// Web push: OneSignal wants these three together.
pub const WEB_PUSH_TRIO: [&str; 3] = [SITE_NAME, CHROME_WEB_ORIGIN, SAFARI_SITE_ORIGIN];

/// The settings that must be `https://` URLs.
pub const ORIGINS: [&str; 2] = [CHROME_WEB_ORIGIN, SAFARI_SITE_ORIGIN];

/// The settings that must be URLs.
pub const ICONS: [&str; 2] = [CHROME_WEB_DEFAULT_NOTIFICATION_ICON, SAFARI_ICON_256_256];

/// The write-only credentials.
pub const CREDENTIALS: [&str; 6] = [
    APNS_P8_WO,
    APNS_P12_WO,
    APNS_P12_PASSWORD_WO,
    FCM_V1_SERVICE_ACCOUNT_JSON_WO,
    SAFARI_APNS_P12_WO,
    SAFARI_APNS_P12_PASSWORD_WO,
];

/// The credentials OneSignal wants Base64-encoded (files; the passwords are plain).
pub const BASE64_CREDENTIALS: [&str; 4] = [
    FCM_V1_SERVICE_ACCOUNT_JSON_WO,
    APNS_P8_WO,
    APNS_P12_WO,
    SAFARI_APNS_P12_WO,
];

/// The apns_env values OneSignal accepts.
pub const APNS_ENVS: [&str; 2] = ["sandbox", "production"];

/// Whether a setting's value counts as set: `""` is the same as null.
pub fn is_set(value: &Value) -> bool {
    !value.is_null() && value.as_str() != Some("")
}

/// Whether two values of a setting mean the same: equal, or both null or `""`.
pub fn same_setting(a: &Value, b: &Value) -> bool {
    a == b || (!is_set(a) && !is_set(b) && a.is_known() && b.is_known())
}

/// A setting of [`AppSettings`] by its attribute name (one of [`SETTINGS`] or `name`).
pub fn setting_of<'a>(settings: &'a AppSettings, name: &str) -> Option<&'a str> {
    match name {
        NAME => settings.name.as_deref(),
        SITE_NAME => settings.site_name.as_deref(),
        CHROME_WEB_ORIGIN => settings.chrome_web_origin.as_deref(),
        SAFARI_SITE_ORIGIN => settings.safari_site_origin.as_deref(),
        CHROME_WEB_DEFAULT_NOTIFICATION_ICON => {
            settings.chrome_web_default_notification_icon.as_deref()
        }
        SAFARI_ICON_256_256 => settings.safari_icon_256_256.as_deref(),
        APNS_ENV => settings.apns_env.as_deref(),
        APNS_KEY_ID => settings.apns_key_id.as_deref(),
        APNS_TEAM_ID => settings.apns_team_id.as_deref(),
        APNS_BUNDLE_ID => settings.apns_bundle_id.as_deref(),
        _ => None,
    }
}

fn setting_slot<'a>(settings: &'a mut AppSettings, name: &str) -> Option<&'a mut Option<String>> {
    Some(match name {
        NAME => &mut settings.name,
        SITE_NAME => &mut settings.site_name,
        CHROME_WEB_ORIGIN => &mut settings.chrome_web_origin,
        SAFARI_SITE_ORIGIN => &mut settings.safari_site_origin,
        CHROME_WEB_DEFAULT_NOTIFICATION_ICON => &mut settings.chrome_web_default_notification_icon,
        SAFARI_ICON_256_256 => &mut settings.safari_icon_256_256,
        APNS_ENV => &mut settings.apns_env,
        APNS_KEY_ID => &mut settings.apns_key_id,
        APNS_TEAM_ID => &mut settings.apns_team_id,
        APNS_BUNDLE_ID => &mut settings.apns_bundle_id,
        _ => return None,
    })
}

/// What a create or an update sends: the name and every configured setting (the web-push trio
/// comes together, as validation ensures); `""` is not set, so nothing is sent for it. Never
/// `organization_id`: the create passes it separately, and on an update it would move the app.
pub fn settings_to_send(config: &Attrs) -> AppSettings {
    let mut settings = AppSettings::default();
    for name in std::iter::once(NAME).chain(SETTINGS) {
        if let Some(slot) = setting_slot(&mut settings, name) {
            *slot = config
                .str(name)
                .filter(|v| !v.is_empty())
                .map(str::to_owned);
        }
    }
    settings.additional_data_is_root_payload =
        config.get(ADDITIONAL_DATA_IS_ROOT_PAYLOAD).as_bool();
    settings
}

/// The configured credentials, from the configuration only (plans and state never hold them).
pub fn credentials_from(config: &Attrs) -> AppCredentials {
    let secret = |name: &str| config.str(name).map(Secret::new);
    AppCredentials {
        apns_p8: secret(APNS_P8_WO),
        apns_p12: secret(APNS_P12_WO),
        apns_p12_password: secret(APNS_P12_PASSWORD_WO),
        fcm_v1_service_account_json: secret(FCM_V1_SERVICE_ACCOUNT_JSON_WO),
        safari_apns_p12: secret(SAFARI_APNS_P12_WO),
        safari_apns_p12_password: secret(SAFARI_APNS_P12_PASSWORD_WO),
    }
}

/// One copy of OneSignal's docs asks for the Safari certificate fields as empty strings when a
/// site has no certificate of its own: sent so only on a create with web push, where there is
/// no certificate to wipe.
pub fn with_safari_defaults(
    settings: &AppSettings,
    mut credentials: AppCredentials,
) -> AppCredentials {
    let web_push = settings.site_name.is_some()
        && settings.chrome_web_origin.is_some()
        && settings.safari_site_origin.is_some();
    if web_push && credentials.safari_apns_p12.is_none() {
        credentials.safari_apns_p12 = Some(Secret::new(""));
        if credentials.safari_apns_p12_password.is_none() {
            credentials.safari_apns_p12_password = Some(Secret::new(""));
        }
    }
    credentials
}

/// How [`absorb_view`] treats values already in the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Absorb {
    /// A refresh: OneSignal's values win (drift shows), except a spelling of "not set" (`""` or
    /// null) that means the same as the state's.
    Refresh,
    /// Right after a write: the values just sent are kept (Terraform demands what it planned);
    /// only what the plan left unknown is filled in.
    AfterWrite,
}

/// Copies what OneSignal reports about an app into a state. What the answer leaves out keeps its
/// value; what stays unknown becomes null. Credentials are always null: they are write-only.
pub fn absorb_view(state: &mut Attrs, view: &AppView, how: Absorb) {
    let take = |current: &Value, remote: Option<&str>| -> Option<Value> {
        let remote = Value::string(remote?);
        match how {
            Absorb::AfterWrite if current.is_known() => None,
            _ if same_setting(current, &remote) => None,
            _ => Some(remote),
        }
    };
    state.set_str(ID, Some(&view.id));
    for name in std::iter::once(NAME).chain(SETTINGS) {
        if let Some(value) = take(state.get(name), setting_of(&view.settings, name)) {
            state.set(name, value);
        }
    }
    for (name, remote) in [
        (ORGANIZATION_ID, &view.organization_id),
        (CREATED_AT, &view.created_at),
        (UPDATED_AT, &view.updated_at),
    ] {
        if let Some(value) = take(state.get(name), remote.as_deref()) {
            state.set(name, value);
        }
    }
    for name in CREDENTIALS {
        state.set(name, Value::Null);
    }
}

/// Replaces whatever is still unknown with null: an apply's result must be wholly known.
pub fn settle_unknowns(state: &mut Attrs) {
    if let Value::Object(map) = state.clone().into_value() {
        for (name, value) in map {
            if !value.is_known() {
                state.set(&name, Value::Null);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::string(v)
    }

    fn web_push_config() -> Attrs {
        let mut c = Attrs::default();
        c.set(NAME, s("Shop"));
        c.set(SITE_NAME, s("Shop"));
        c.set(CHROME_WEB_ORIGIN, s("https://shop.example.com"));
        c.set(SAFARI_SITE_ORIGIN, s("https://shop.example.com"));
        c.set(APNS_KEY_ID, s(""));
        c.set(ORGANIZATION_ID, s("8b0e7ee1-62b4-4c4f-8e0b-4a0e8d1f2c3a"));
        c.set(FCM_V1_SERVICE_ACCOUNT_JSON_WO, s("e30="));
        c
    }

    #[test]
    fn sends_configured_settings_never_the_organization_and_credentials_apart() {
        let config = web_push_config();
        let settings = settings_to_send(&config);
        assert_eq!(settings.name.as_deref(), Some("Shop"));
        assert_eq!(settings.site_name.as_deref(), Some("Shop"));
        assert_eq!(settings.apns_key_id, None, "\"\" is not set");
        assert_eq!(settings.apns_env, None);
        assert_eq!(settings.additional_data_is_root_payload, None);
        let wire = serde_json::to_value(&settings).unwrap();
        assert!(wire.get("organization_id").is_none());
        let credentials = credentials_from(&config);
        assert_eq!(credentials.set_fields(), ["fcm_v1_service_account_json"]);
        assert_eq!(
            credentials.fcm_v1_service_account_json.unwrap().expose(),
            "e30="
        );
    }

    #[test]
    fn safari_certificate_fields_go_out_empty_only_with_web_push_and_no_certificate() {
        let config = web_push_config();
        let settings = settings_to_send(&config);
        let sent = with_safari_defaults(&settings, credentials_from(&config));
        assert_eq!(sent.safari_apns_p12.as_ref().map(Secret::expose), Some(""));
        assert_eq!(
            sent.safari_apns_p12_password.as_ref().map(Secret::expose),
            Some("")
        );
        let mut own = config.clone();
        own.set(SAFARI_APNS_P12_WO, s("cDEy"));
        let sent = with_safari_defaults(&settings, credentials_from(&own));
        assert_eq!(
            sent.safari_apns_p12.as_ref().map(Secret::expose),
            Some("cDEy")
        );
        assert!(sent.safari_apns_p12_password.is_none());
        let mut no_web_push = config;
        no_web_push.set(SITE_NAME, Value::Null);
        let settings = settings_to_send(&no_web_push);
        let sent = with_safari_defaults(&settings, credentials_from(&no_web_push));
        assert!(sent.safari_apns_p12.is_none());
    }

    fn view() -> AppView {
        AppView {
            id: "app".into(),
            organization_id: Some("org".into()),
            settings: AppSettings {
                name: Some("Renamed".into()),
                apns_env: Some("sandbox".into()),
                apns_key_id: Some(String::new()),
                ..AppSettings::default()
            },
            created_at: Some("2026-01-01T00:00:00Z".into()),
            updated_at: None,
        }
    }

    #[test]
    fn a_refresh_takes_onesignals_values_and_keeps_what_the_answer_leaves_out() {
        let mut state = Attrs::default();
        state.set(NAME, s("Shop"));
        state.set(SITE_NAME, s("Shop"));
        state.set(APNS_KEY_ID, Value::Null);
        state.set(UPDATED_AT, s("2026-01-02T00:00:00Z"));
        state.set(ADDITIONAL_DATA_IS_ROOT_PAYLOAD, Value::Bool(true));
        absorb_view(&mut state, &view(), Absorb::Refresh);
        assert_eq!(state.str(NAME), Some("Renamed"), "drift shows");
        assert_eq!(state.str(APNS_ENV), Some("sandbox"));
        assert_eq!(state.str(SITE_NAME), Some("Shop"), "left out: kept");
        assert_eq!(state.get(APNS_KEY_ID), &Value::Null, "\"\" is null");
        assert_eq!(state.str(UPDATED_AT), Some("2026-01-02T00:00:00Z"));
        assert_eq!(state.str(ORGANIZATION_ID), Some("org"));
        assert_eq!(
            state.get(ADDITIONAL_DATA_IS_ROOT_PAYLOAD),
            &Value::Bool(true)
        );
    }

    #[test]
    fn after_a_write_what_was_sent_stays_and_unknowns_are_filled_or_nulled() {
        let mut state = Attrs::default();
        state.set(NAME, s("Shop"));
        state.set(APNS_ENV, Value::unknown());
        state.set(APNS_TEAM_ID, Value::unknown());
        state.set(UPDATED_AT, Value::unknown());
        state.set(FCM_V1_SERVICE_ACCOUNT_JSON_WO, s("e30="));
        absorb_view(&mut state, &view(), Absorb::AfterWrite);
        settle_unknowns(&mut state);
        assert_eq!(state.str(NAME), Some("Shop"), "planned values are kept");
        assert_eq!(state.str(APNS_ENV), Some("sandbox"));
        assert_eq!(state.get(APNS_TEAM_ID), &Value::Null);
        assert_eq!(state.get(UPDATED_AT), &Value::Null);
        assert_eq!(state.get(FCM_V1_SERVICE_ACCOUNT_JSON_WO), &Value::Null);
        assert!(state.into_value().is_known());
    }

    #[test]
    fn empty_is_the_same_as_null() {
        let (null, empty, x) = (Value::Null, Value::string(""), Value::string("x"));
        assert!(same_setting(&null, &empty) && same_setting(&empty, &null));
        assert!(same_setting(&x, &x));
        assert!(!same_setting(&x, &null) && !same_setting(&empty, &x));
        assert!(!same_setting(&Value::unknown(), &null));
        assert!(!is_set(&empty) && !is_set(&null) && is_set(&x));
    }
}
