//! The `provider "onesignal"` block: schema, validation, and resolution with environment fallbacks.

use std::net::IpAddr;

use crate::secret::Secret;
use crate::tfplugin::{
    Attribute, AttributePath, Block, Diagnostic, Diagnostics, Presence, Schema, Type, Value,
};

/// Environment variable for the organization API key.
pub const ENV_ORGANIZATION_API_KEY: &str = "ONESIGNAL_ORGANIZATION_API_KEY";
/// Environment variable for the API base URL.
pub const ENV_API_URL: &str = "ONESIGNAL_API_URL";
/// Environment variable for the organization new apps are created in.
pub const ENV_ORGANIZATION_ID: &str = "ONESIGNAL_ORGANIZATION_ID";
/// OneSignal's API.
pub const DEFAULT_API_URL: &str = "https://api.onesignal.com";
/// Retries of a retryable failure when `max_retries` is not set.
pub const DEFAULT_MAX_RETRIES: u32 = 5;
/// The most retries `max_retries` may ask for: more would only stretch an outage into hours.
pub const MAX_MAX_RETRIES: u32 = 20;

/// The provider block's schema.
pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            description: "Manages OneSignal App API keys (Rich Authentication Tokens) with an \
                          organization API key."
                .into(),
            deprecated: false,
            attributes: vec![
                Attribute::new(
                    "organization_api_key",
                    Type::String,
                    Presence::Optional,
                    "OneSignal **organization** API key (`os_v2_org_…`), from the dashboard's \
                     *Organizations → Keys & IDs*. Falls back to the environment variable \
                     `ONESIGNAL_ORGANIZATION_API_KEY`; one of the two is required. Prefer the \
                     environment variable or a sensitive variable over a literal.",
                )
                .sensitive(),
                Attribute::new(
                    "api_url",
                    Type::String,
                    Presence::Optional,
                    "Base URL of OneSignal's API. Falls back to the environment variable \
                     `ONESIGNAL_API_URL`, then `https://api.onesignal.com`. Must be `https://`; \
                     `http://` is accepted only for loopback hosts (`127.0.0.0/8`, `::1`, \
                     `localhost`), such as the bundled `onesignal-emulator`.",
                ),
                Attribute::new(
                    "max_retries",
                    Type::Number,
                    Presence::Optional,
                    "How many times a request that failed in a retryable way (HTTP 429, a server \
                     error, or a connection failure) is retried, with jittered exponential backoff \
                     that honours `Retry-After`. A whole number from `0` to `20`. Defaults to `5`.",
                ),
                Attribute::new(
                    "organization_id",
                    Type::String,
                    Presence::Optional,
                    "Id (a UUID) of the OneSignal organization that new `onesignal_app`s are \
                     created in, from the dashboard's *Organizations → Keys & IDs*. Falls back to \
                     the environment variable `ONESIGNAL_ORGANIZATION_ID`. Needed only to create \
                     apps; existing apps and keys are managed without it.",
                ),
            ],
        },
    }
}

/// Checks the provider block at `validate` time; unknown values are skipped.
pub fn validate(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if let Some(key) = config.get_attr("organization_api_key").as_str()
        && key.trim().is_empty()
    {
        diags.push(empty_key().at(AttributePath::attribute("organization_api_key")));
    }
    if let Some(url) = config.get_attr("api_url").as_str()
        && let Err(problem) = check_api_url(url)
    {
        diags.push(bad_api_url("api_url", &problem).at(AttributePath::attribute("api_url")));
    }
    let retries = config.get_attr("max_retries");
    if !retries.is_null() && !retries.is_unknown() && max_retries(retries).is_none() {
        diags.push(bad_max_retries().at(AttributePath::attribute("max_retries")));
    }
    if let Some(id) = config.get_attr("organization_id").as_str()
        && !is_uuid(id)
    {
        diags.push(
            bad_organization_id("organization_id").at(AttributePath::attribute("organization_id")),
        );
    }
    diags
}

fn is_uuid(s: &str) -> bool {
    super::app_api_key::validate::is_uuid(s)
}

/// The provider's settings once configuration and environment are combined.
#[derive(Debug, Clone)]
pub struct ResolvedConfig {
    /// The organization API key.
    pub organization_api_key: Secret,
    /// The API's base URL, without a trailing slash.
    pub api_url: String,
    /// Retries of retryable failures.
    pub max_retries: u32,
    /// The organization new apps are created in, when configured or in the environment.
    pub organization_id: Option<String>,
}

/// Combines the provider block with the environment (`env` looks a variable up).
pub fn resolve(
    config: &Value,
    env: impl Fn(&str) -> Option<String>,
) -> Result<ResolvedConfig, Diagnostics> {
    let mut diags = validate(config);
    // Never the environment in place of an unknown setting.
    for name in unknown_settings(config) {
        diags.push(unknown_settings_needed(&[name]).at(AttributePath::attribute(name)));
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let key = config
        .get_attr("organization_api_key")
        .as_str()
        .map(str::to_owned)
        .or_else(|| env(ENV_ORGANIZATION_API_KEY).filter(|k| !k.trim().is_empty()));
    if key.is_none() {
        diags.push(missing_key().at(AttributePath::attribute("organization_api_key")));
    }
    let api_url = match config.get_attr("api_url").as_str() {
        Some(url) => url.to_owned(),
        None => match env(ENV_API_URL).filter(|u| !u.trim().is_empty()) {
            Some(url) => {
                if let Err(problem) = check_api_url(&url) {
                    diags.push(bad_api_url(ENV_API_URL, &problem));
                }
                url
            }
            None => DEFAULT_API_URL.to_owned(),
        },
    };
    let retries = config.get_attr("max_retries");
    let max_retries = if retries.is_null() {
        DEFAULT_MAX_RETRIES
    } else {
        max_retries(retries).unwrap_or(DEFAULT_MAX_RETRIES)
    };
    let organization_id = match config.get_attr("organization_id").as_str() {
        Some(id) => Some(id.to_owned()),
        None => env(ENV_ORGANIZATION_ID)
            .map(|id| id.trim().to_owned())
            .filter(|id| !id.is_empty()),
    };
    if let Some(id) = &organization_id
        && !is_uuid(id)
    {
        // The configured value was checked above; this is the environment's.
        diags.push(bad_organization_id(ENV_ORGANIZATION_ID));
    }
    match key {
        Some(key) if !diags.has_errors() => Ok(ResolvedConfig {
            organization_api_key: Secret::new(key),
            api_url: api_url.trim_end_matches('/').to_owned(),
            max_retries,
            organization_id,
        }),
        _ => Err(diags),
    }
}

fn max_retries(value: &Value) -> Option<u32> {
    value
        .as_number()?
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n <= MAX_MAX_RETRIES)
}

/// Why a URL is not an acceptable `api_url`; `Ok` when it is.
pub fn check_api_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url);
    // The messages quote the URL: never with credentials in it.
    let url = &crate::onesignal::without_credentials(url);
    let parsed = parsed.map_err(|e| format!("{url:?} is not a URL ({e})"))?;
    let host = parsed
        .host_str()
        .ok_or_else(|| format!("{url:?} has no host"))?;
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!("{url:?} must not have a query or fragment"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(format!(
            "{url:?} must not carry credentials; use organization_api_key"
        ));
    }
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(host) => Ok(()),
        "http" => Err(format!(
            "{url:?} uses http:// with a host that is not loopback; use https:// (http:// is \
             accepted only for 127.0.0.0/8, ::1 and localhost, e.g. the local emulator)"
        )),
        other => Err(format!(
            "{url:?} has scheme {other:?}; use https:// (or http:// for a loopback emulator)"
        )),
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The provider block's settings whose values are not known yet (they depend on a resource that
/// is not created yet): Terraform configures a provider before planning.
pub fn unknown_settings(config: &Value) -> Vec<&'static str> {
    [
        "organization_api_key",
        "api_url",
        "max_retries",
        "organization_id",
    ]
    .into_iter()
    .filter(|name| config.get_attr(name).is_unknown())
    .collect()
}

/// Something needed OneSignal while some provider settings were still unknown.
pub fn unknown_settings_needed(names: &[&str]) -> Diagnostic {
    let names = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Diagnostic::error(
        "The onesignal provider's settings are not known yet",
        format!(
            "{names} in the provider \"onesignal\" block depend on values known only after \
             apply. Planning new keys works without them, but reading keys that already exist \
             (a refresh, an import, the onesignal_app_api_keys data source) needs OneSignal. Set \
             them from variables or values known at plan time, or first apply what they depend \
             on (`terraform apply -target=...`)."
        ),
    )
}

fn missing_key() -> Diagnostic {
    Diagnostic::error(
        "Missing OneSignal organization API key",
        format!(
            "The provider needs an organization API key to manage App API keys. Set \
             `organization_api_key` in the provider \"onesignal\" block (preferably from a \
             sensitive variable), or set the environment variable {ENV_ORGANIZATION_API_KEY}. \
             OneSignal's dashboard shows organization keys under Organizations → Keys & IDs."
        ),
    )
}

fn empty_key() -> Diagnostic {
    Diagnostic::error(
        "Empty organization API key",
        format!(
            "`organization_api_key` is set to an empty string. Set it to your organization API \
             key, or remove it to use the environment variable {ENV_ORGANIZATION_API_KEY}."
        ),
    )
}

fn bad_api_url(source: &str, problem: &str) -> Diagnostic {
    Diagnostic::error(
        "Invalid OneSignal API URL",
        format!(
            "{source}: {problem}. Remove it to use {DEFAULT_API_URL}, or set the base URL of an \
             API that speaks OneSignal's protocol."
        ),
    )
}

fn bad_organization_id(source: &str) -> Diagnostic {
    Diagnostic::error(
        "Invalid OneSignal organization id",
        format!(
            "{source} must be the id of a OneSignal organization, a UUID such as \
             `2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f`, as the dashboard shows it under \
             Organizations → Keys & IDs. Remove it if this configuration creates no apps."
        ),
    )
}

fn bad_max_retries() -> Diagnostic {
    Diagnostic::error(
        "Invalid max_retries",
        format!(
            "`max_retries` must be a whole number from 0 to {MAX_MAX_RETRIES} (the default is \
             {DEFAULT_MAX_RETRIES}): each retry waits longer than the one before, so more would \
             only stretch an outage into hours."
        ),
    )
}

/// The OneSignal client cannot be built from the settings.
pub fn client_unusable(error: &crate::onesignal::Error) -> Diagnostic {
    Diagnostic::error(
        "Cannot set up the OneSignal client",
        format!("{error}. Check api_url and organization_api_key."),
    )
}

/// What ConfigureProvider's one `GET /apps` says about the settings. A refused key, or an answer
/// no OneSignal API gives to that request, is one error here, where Terraform stops every
/// resource of the provider; an outage is left to the requests that need OneSignal (planning new
/// keys does not), which report it per app.
pub fn organization_check_failed(error: &crate::onesignal::Error) -> Diagnostics {
    use crate::onesignal::Error;
    let diagnostic = match error {
        Error::CredentialsRejected { .. } => Diagnostic::error(
            "OneSignal rejected the organization API key",
            format!(
                "Checking the organization API key with one request for the organization's \
                 apps: {error}.\n\nSet organization_api_key in the provider block, or \
                 {ENV_ORGANIZATION_API_KEY}, to an organization API key (os_v2_org_…) from \
                 OneSignal's dashboard (Organizations → Keys & IDs); an App API key cannot \
                 manage keys. Nothing was read or changed."
            ),
        ),
        Error::InvalidConfig { .. } => client_unusable(error),
        Error::NotFound { .. }
        | Error::Validation { .. }
        | Error::KeyLimitReached { .. }
        | Error::InvalidResponse { .. } => Diagnostic::error(
            "The API at api_url does not answer like OneSignal",
            format!(
                "Checking the organization API key with one request for the organization's \
                 apps: {error}.\n\nOneSignal's API answers that request with the apps. Check \
                 that api_url (or {ENV_API_URL}) is OneSignal's API, {DEFAULT_API_URL}, without \
                 a path such as /v1 or /api/v1, and that any proxy in between passes requests \
                 through. Nothing was read or changed."
            ),
        ),
        // No answer at all (refused connections, an untrusted certificate, a server that never
        // answers until the deadline): every resource would wait out the same deadline in turn,
        // so this is one error now rather than one per resource, minutes later.
        Error::Transport { .. } => Diagnostic::error(
            "Cannot reach OneSignal",
            format!(
                "Checking the organization API key with one request for the organization's \
                 apps: {error}.\n\nCheck the network path to api_url (or {ENV_API_URL}), any \
                 proxy (HTTPS_PROXY, NO_PROXY) and, for a private CA, SSL_CERT_FILE. Nothing was \
                 read or changed."
            ),
        ),
        _ => {
            tracing::warn!(%error, "could not check the organization API key at configure time");
            return Diagnostics::new();
        }
    };
    diagnostic.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfplugin::Number;
    use std::collections::BTreeMap;

    fn config(key: Value, url: Value, retries: Value) -> Value {
        with_organization(key, url, retries, Value::Null)
    }

    fn with_organization(key: Value, url: Value, retries: Value, org: Value) -> Value {
        Value::Object(BTreeMap::from([
            ("organization_api_key".to_owned(), key),
            ("api_url".to_owned(), url),
            ("max_retries".to_owned(), retries),
            ("organization_id".to_owned(), org),
        ]))
    }

    const ORG: &str = "2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f";

    fn s(v: &str) -> Value {
        Value::String(v.to_owned())
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn api_url_table() {
        for ok in [
            "https://api.onesignal.com",
            "https://api.onesignal.com/",
            "http://127.0.0.1:8080",
            "http://127.9.9.9",
            "http://[::1]:9000",
            "http://localhost:1234",
            "https://proxy.example.com/onesignal",
        ] {
            assert_eq!(check_api_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "api.onesignal.com",
            "http://api.onesignal.com",
            "http://10.0.0.1",
            "ftp://127.0.0.1",
            "https://user:pw@api.onesignal.com",
            "https://api.onesignal.com/?x=1",
            "not a url",
        ] {
            assert!(check_api_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn api_url_problems_never_quote_credentials() {
        for bad in [
            "https://user:os_v2_org_secret@api.onesignal.com",
            "http://os_v2_org_secret@example.com",
            "https://os_v2_org_secret:pa/ss@h",
        ] {
            let problem = check_api_url(bad).unwrap_err();
            assert!(!problem.contains("os_v2_org_secret"), "{problem}");
        }
    }

    #[test]
    fn validation_names_the_attribute_and_skips_unknowns() {
        let diags = validate(&config(
            s(""),
            s("http://example.com"),
            Value::Number(Number::Int(-1)),
        ));
        let paths: Vec<String> = diags
            .iter()
            .map(|d| d.attribute.as_ref().unwrap().to_string())
            .collect();
        assert_eq!(paths, ["organization_api_key", "api_url", "max_retries"]);
        let fractional = validate(&config(
            Value::Null,
            Value::Null,
            Value::Number(Number::Float(1.5)),
        ));
        assert!(fractional.has_errors());
        let unknown = config(Value::unknown(), Value::unknown(), Value::unknown());
        assert!(validate(&unknown).is_empty());
    }

    #[test]
    fn max_retries_is_bounded_from_0_to_20() {
        let retries = |n: i64| validate(&config(Value::Null, Value::Null, Value::int(n)));
        for ok in [0, 5, 20] {
            assert!(retries(ok).is_empty(), "{ok}");
        }
        for bad in [21, -1, 99_999_999_999_999] {
            let diags = retries(bad);
            let d = diags.iter().next().expect("an error");
            assert_eq!(d.attribute.as_ref().unwrap().to_string(), "max_retries");
            assert!(d.detail.contains("from 0 to 20"), "{}", d.detail);
        }
    }

    /// An environment with both variables set.
    fn full_env(name: &str) -> Option<String> {
        match name {
            ENV_ORGANIZATION_API_KEY => Some("os_v2_org_env".to_owned()),
            ENV_API_URL => Some("http://127.0.0.1:9/".to_owned()),
            _ => None,
        }
    }

    #[test]
    fn resolution_falls_back_to_the_environment() {
        let resolved = resolve(&config(Value::Null, Value::Null, Value::Null), full_env).unwrap();
        assert_eq!(resolved.organization_api_key.expose(), "os_v2_org_env");
        assert_eq!(resolved.api_url, "http://127.0.0.1:9");
        assert_eq!(resolved.max_retries, DEFAULT_MAX_RETRIES);

        let resolved = resolve(
            &config(
                s("os_v2_org_cfg"),
                Value::Null,
                Value::Number(Number::Int(0)),
            ),
            no_env,
        )
        .unwrap();
        assert_eq!(resolved.organization_api_key.expose(), "os_v2_org_cfg");
        assert_eq!(resolved.api_url, DEFAULT_API_URL);
        assert_eq!(resolved.max_retries, 0);
    }

    #[test]
    fn missing_key_names_attribute_and_variable() {
        let diags = resolve(&config(Value::Null, Value::Null, Value::Null), no_env).unwrap_err();
        let d = diags.iter().next().unwrap();
        assert!(d.detail.contains("organization_api_key"));
        assert!(d.detail.contains(ENV_ORGANIZATION_API_KEY));
    }

    #[test]
    fn unknown_settings_are_errors_not_replaced_by_the_environment() {
        let diags = resolve(
            &config(Value::unknown(), Value::unknown(), Value::unknown()),
            full_env,
        )
        .unwrap_err();
        let paths: Vec<String> = diags
            .iter()
            .map(|d| d.attribute.as_ref().unwrap().to_string())
            .collect();
        assert_eq!(paths, ["organization_api_key", "api_url", "max_retries"]);
        assert!(diags.iter().all(|d| !d.detail.contains("os_v2_org_env")));
    }

    #[test]
    fn organization_id_comes_from_config_then_environment() {
        let key = || s("os_v2_org_k");
        let env_org = |name: &str| (name == ENV_ORGANIZATION_ID).then(|| format!(" {ORG} "));
        // The configured value wins over the environment's.
        let other = "00000000-0000-4000-8000-000000000000";
        let from_config = resolve(
            &with_organization(key(), Value::Null, Value::Null, s(other)),
            env_org,
        )
        .unwrap();
        assert_eq!(from_config.organization_id.as_deref(), Some(other));
        let from_env = resolve(&config(key(), Value::Null, Value::Null), env_org).unwrap();
        assert_eq!(from_env.organization_id.as_deref(), Some(ORG));
        let none = resolve(&config(key(), Value::Null, Value::Null), no_env).unwrap();
        assert_eq!(none.organization_id, None);
    }

    #[test]
    fn bad_organization_ids_are_named() {
        let diags = validate(&with_organization(
            Value::Null,
            Value::Null,
            Value::Null,
            s("my-org"),
        ));
        assert_eq!(diags.iter().count(), 1);
        let d = diags.iter().next().unwrap();
        assert_eq!(d.attribute.as_ref().unwrap().to_string(), "organization_id");
        assert!(d.detail.contains("UUID"), "{}", d.detail);
        let env = |name: &str| (name == ENV_ORGANIZATION_ID).then(|| "my-org".to_owned());
        let diags = resolve(&config(s("k"), Value::Null, Value::Null), env).unwrap_err();
        assert!(diags.iter().any(|d| d.detail.contains(ENV_ORGANIZATION_ID)));
        let unknown = with_organization(s("k"), Value::Null, Value::Null, Value::unknown());
        assert!(validate(&unknown).is_empty());
        assert_eq!(unknown_settings(&unknown), ["organization_id"]);
        let diags = resolve(&unknown, no_env).unwrap_err();
        assert_eq!(
            diags
                .iter()
                .next()
                .unwrap()
                .attribute
                .as_ref()
                .unwrap()
                .to_string(),
            "organization_id"
        );
    }

    #[test]
    fn bad_env_url_is_an_error_naming_the_variable() {
        let env = |name: &str| (name == ENV_API_URL).then(|| "http://example.com".to_owned());
        let diags = resolve(&config(s("k"), Value::Null, Value::Null), env).unwrap_err();
        assert!(diags.iter().any(|d| d.detail.contains(ENV_API_URL)));
    }
}
