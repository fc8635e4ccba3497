//! Plan-time validation of `onesignal_app`: every rule of the SPEC, each diagnostic pointing at
//! the attribute with a way to fix it. Unknown values are skipped: Terraform validates again at
//! apply with the final values. Credentials are checked without ever being quoted.

use base64::Engine as _;

use crate::provider::app_api_key::validate::is_uuid;
use crate::tfplugin::{Diagnostics, Value};

use super::diagnostics;
use super::model::*;

/// The longest name OneSignal accepts, in characters.
pub const MAX_NAME_CHARS: usize = 128;

/// Checks a configuration's values.
pub fn validate(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if let Some(name) = config.get_attr(NAME).as_str() {
        let chars = name.chars().count();
        if chars == 0 || chars > MAX_NAME_CHARS {
            diags.push(diagnostics::invalid_name(chars));
        }
    }
    if let Some(organization_id) = config.get_attr(ORGANIZATION_ID).as_str() {
        if !is_uuid(organization_id) {
            diags.push(diagnostics::invalid_organization_id(organization_id));
        } else if organization_id.chars().any(|c| c.is_ascii_uppercase()) {
            // OneSignal spells its ids in lower case: an upper-case one would read back as a
            // different value and every later plan would propose moving the app.
            diags.push(diagnostics::upper_case_organization_id(organization_id));
        }
    }

    // All three or none; an unknown one may still turn out either way.
    let trio: Vec<&Value> = WEB_PUSH_TRIO.iter().map(|n| config.get_attr(n)).collect();
    if trio.iter().all(|v| v.is_known()) {
        let missing: Vec<&str> = WEB_PUSH_TRIO
            .iter()
            .zip(&trio)
            .filter(|(_, v)| !is_set(v))
            .map(|(n, _)| *n)
            .collect();
        if !missing.is_empty() && missing.len() < WEB_PUSH_TRIO.len() {
            diags.push(diagnostics::web_push_incomplete(&missing));
        }
    }
    for name in ORIGINS {
        if let Some(origin) = config.get_attr(name).as_str()
            && !origin.is_empty()
            && !is_https_origin(origin)
        {
            diags.push(diagnostics::origin_not_https(name, origin));
        }
    }
    for name in ICONS {
        if let Some(url) = config.get_attr(name).as_str()
            && !url.is_empty()
            && !is_web_url(url)
        {
            diags.push(diagnostics::icon_not_url(name, url));
        }
    }
    if let Some(env) = config.get_attr(APNS_ENV).as_str()
        && !env.is_empty()
        && !APNS_ENVS.contains(&env)
    {
        diags.push(diagnostics::invalid_apns_env(env));
    }
    for name in BASE64_CREDENTIALS {
        if let Some(value) = config.get_attr(name).as_str()
            && !is_base64(value)
        {
            diags.push(diagnostics::not_base64(name));
        }
    }
    diags
}

/// Terraform before 1.11 does not know write-only attributes and would store their values in
/// the plan and the state: refuse every `*_wo` attribute that is set. An unknown value is judged
/// when Terraform validates again at apply, with the final values, before anything is stored.
pub fn write_only_allowed(config: &Value, allowed: bool) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if allowed {
        return diags;
    }
    for name in CREDENTIALS {
        let value = config.get_attr(name);
        if !value.is_null() && !value.is_unknown() {
            diags.push(diagnostics::write_only_needs_terraform_1_11(name));
        }
    }
    diags
}

/// Whether `origin` is an `https://` URL with a host.
pub fn is_https_origin(origin: &str) -> bool {
    reqwest::Url::parse(origin).is_ok_and(|url| url.scheme() == "https" && url.has_host())
}

/// Whether `url` is an `http://` or `https://` URL with a host.
pub fn is_web_url(url: &str) -> bool {
    reqwest::Url::parse(url)
        .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
}

/// Whether `text` is standard Base64 (what `filebase64()` and `base64encode()` produce); line
/// breaks, as `base64` tools wrap their output, are tolerated.
pub fn is_base64(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    !compact.is_empty()
        && base64::engine::general_purpose::STANDARD
            .decode(compact)
            .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfplugin::Severity;
    use std::collections::BTreeMap;

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut map = BTreeMap::from([(NAME.to_owned(), Value::string("Shop"))]);
        for (name, value) in pairs {
            map.insert((*name).to_owned(), value.clone());
        }
        Value::Object(map)
    }

    fn s(v: &str) -> Value {
        Value::string(v)
    }

    /// (severity, path) of each diagnostic.
    fn found(config: &Value) -> Vec<(Severity, String)> {
        validate(config)
            .iter()
            .map(|d| {
                let path = d.attribute.as_ref().map(ToString::to_string);
                (d.severity, path.unwrap_or_default())
            })
            .collect()
    }

    fn trio() -> Vec<(&'static str, Value)> {
        vec![
            (SITE_NAME, s("Shop")),
            (CHROME_WEB_ORIGIN, s("https://shop.example.com")),
            (SAFARI_SITE_ORIGIN, s("https://shop.example.com")),
        ]
    }

    #[test]
    fn good_configurations_pass() {
        assert!(found(&config(&[])).is_empty());
        let mut all = trio();
        all.extend([
            (
                CHROME_WEB_DEFAULT_NOTIFICATION_ICON,
                s("https://x.test/i.png"),
            ),
            (APNS_ENV, s("sandbox")),
            (
                FCM_V1_SERVICE_ACCOUNT_JSON_WO,
                s("eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0="),
            ),
            (APNS_P8_WO, s("LS0tLS1CRUdJ\nTiBQUklWQVRFIEtFWS0tLS0t\n")),
            (APNS_P12_PASSWORD_WO, s("not base64 at all!")),
            (ORGANIZATION_ID, s("2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f")),
        ]);
        assert!(found(&config(&all)).is_empty());
        // "" is the same as not set: no trio partner is missing.
        assert!(found(&config(&[(SITE_NAME, s("")), (APNS_ENV, s(""))])).is_empty());
    }

    #[test]
    fn each_rule_points_at_its_attribute() {
        use Severity::*;
        let long = "é".repeat(129);
        type Case = (Vec<(&'static str, Value)>, Vec<(Severity, &'static str)>);
        let table: Vec<Case> = vec![
            (vec![(NAME, s(""))], vec![(Error, NAME)]),
            (vec![(NAME, s(&long))], vec![(Error, NAME)]),
            (
                vec![(ORGANIZATION_ID, s("org"))],
                vec![(Error, ORGANIZATION_ID)],
            ),
            (
                vec![(ORGANIZATION_ID, s("2F8E5F4A-1B7C-4E0F-9D3A-6C1B2A3D4E5F"))],
                vec![(Error, ORGANIZATION_ID)],
            ),
            (
                vec![(SITE_NAME, s("Shop"))],
                vec![(Error, CHROME_WEB_ORIGIN)],
            ),
            (
                vec![
                    (SITE_NAME, s("Shop")),
                    (CHROME_WEB_ORIGIN, s("https://a.test")),
                ],
                vec![(Error, SAFARI_SITE_ORIGIN)],
            ),
            (
                {
                    let mut t = trio();
                    t[1].1 = s("http://shop.example.com");
                    t
                },
                vec![(Error, CHROME_WEB_ORIGIN)],
            ),
            (
                {
                    let mut t = trio();
                    t[2].1 = s("shop.example.com");
                    t
                },
                vec![(Error, SAFARI_SITE_ORIGIN)],
            ),
            (
                vec![(SAFARI_ICON_256_256, s("icon.png"))],
                vec![(Error, SAFARI_ICON_256_256)],
            ),
            (vec![(APNS_ENV, s("development"))], vec![(Error, APNS_ENV)]),
            (
                vec![(
                    FCM_V1_SERVICE_ACCOUNT_JSON_WO,
                    s("{\"type\": \"service_account\"}"),
                )],
                vec![(Error, FCM_V1_SERVICE_ACCOUNT_JSON_WO)],
            ),
            (vec![(APNS_P12_WO, s(""))], vec![(Error, APNS_P12_WO)]),
            (
                vec![(SAFARI_APNS_P12_WO, s("a=b"))],
                vec![(Error, SAFARI_APNS_P12_WO)],
            ),
        ];
        for (pairs, want) in table {
            let config = config(&pairs);
            let want: Vec<(Severity, String)> =
                want.into_iter().map(|(s, p)| (s, p.to_owned())).collect();
            assert_eq!(found(&config), want, "{config:?}");
        }
    }

    #[test]
    fn an_incomplete_trio_names_every_missing_attribute() {
        let diags = validate(&config(&[(SAFARI_SITE_ORIGIN, s("https://a.test"))]));
        let detail = &diags.iter().next().unwrap().detail;
        assert!(
            detail.contains(SITE_NAME) && detail.contains(CHROME_WEB_ORIGIN),
            "{detail}"
        );
    }

    #[test]
    fn a_bad_credential_suggests_filebase64_and_is_never_quoted() {
        let secret = "-----BEGIN PRIVATE KEY----- very secret";
        let diags = validate(&config(&[(APNS_P8_WO, s(secret))]));
        let diagnostic = diags.iter().next().unwrap();
        assert!(
            diagnostic.detail.contains("filebase64("),
            "{}",
            diagnostic.detail
        );
        assert!(!format!("{diagnostic:?}").contains("very secret"));
    }

    #[test]
    fn unknown_values_are_never_rejected() {
        let u = Value::unknown();
        let pairs: Vec<(&str, Value)> = [NAME, ORGANIZATION_ID, SITE_NAME, APNS_ENV, APNS_P8_WO]
            .into_iter()
            .map(|n| (n, u.clone()))
            .collect();
        assert!(found(&config(&pairs)).is_empty());
        // One partner known, the others unknown: judged at apply.
        let partial = config(&[(SITE_NAME, s("Shop")), (CHROME_WEB_ORIGIN, u.clone())]);
        assert!(found(&partial).is_empty());
    }

    #[test]
    fn write_only_attributes_need_the_capability() {
        let set = config(&[
            (FCM_V1_SERVICE_ACCOUNT_JSON_WO, s("e30=")),
            (APNS_P8_WO, s("e30=")),
            (APNS_P12_WO, Value::unknown()),
        ]);
        assert!(write_only_allowed(&set, true).is_empty());
        let diags = write_only_allowed(&set, false);
        let paths: Vec<String> = diags
            .iter()
            .map(|d| d.attribute.as_ref().unwrap().to_string())
            .collect();
        assert_eq!(paths, [APNS_P8_WO, FCM_V1_SERVICE_ACCOUNT_JSON_WO]);
        assert!(
            diags
                .iter()
                .all(|d| d.detail.contains("Terraform 1.11 or later")
                    || d.summary.contains("Terraform 1.11 or later"))
        );
        assert!(write_only_allowed(&config(&[]), false).is_empty());
    }
}
