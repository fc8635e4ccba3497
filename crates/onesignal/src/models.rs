//! What OneSignal's key API sends and receives, as typed values.
//!
//! Parsing is tolerant on purpose: the public documentation leaves several shapes loose (see
//! `docs/onesignal-api.md`, "Unknown"), so unknown fields are ignored, timestamps may be strings
//! or Unix numbers, the rotate answer may lack `token_id`, and lists may come wrapped or bare.
//! Secrets only ever live inside [`Secret`].

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::secret::Secret;

/// Whether a key's IP allowlist is enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AllowlistMode {
    /// Any address may use the key; a stored list is ignored.
    Disabled,
    /// Only addresses inside `ip_allowlist` may use the key.
    Explicit,
}

impl AllowlistMode {
    /// The wire spelling: `"disabled"` or `"explicit"`.
    pub fn as_str(self) -> &'static str {
        match self {
            AllowlistMode::Disabled => "disabled",
            AllowlistMode::Explicit => "explicit",
        }
    }

    /// Parses the wire spelling, ignoring ASCII case (the server's casing is not documented).
    pub fn parse(value: &str) -> Option<AllowlistMode> {
        if value.eq_ignore_ascii_case("disabled") {
            Some(AllowlistMode::Disabled)
        } else if value.eq_ignore_ascii_case("explicit") {
            Some(AllowlistMode::Explicit)
        } else {
            None
        }
    }
}

impl<'de> Deserialize<'de> for AllowlistMode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        AllowlistMode::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown ip_allowlist_mode {text:?} (expected \"disabled\" or \"explicit\")"
            ))
        })
    }
}

impl std::fmt::Display for AllowlistMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The desired settings of a key: the body of a create, and of every update (all three fields are
/// always sent, because whether PATCH clears omitted fields is undocumented).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeySpec {
    /// Display name, 1–128 characters.
    pub name: String,
    /// Whether the allowlist is enforced.
    pub ip_allowlist_mode: AllowlistMode,
    /// CIDRs, sent as given: the caller writes them in canonical CIDR notation (OneSignal's
    /// docs ask for CIDR notation; a bare address is not guaranteed to be accepted).
    pub ip_allowlist: Vec<String>,
}

/// A key's mode as a list reported it. OneSignal's docs leave open whether a list item always
/// carries `ip_allowlist_mode` and whether new values will appear, so neither breaks a list:
/// the caller decides what a missing mode means (the mode it last knew), and an unknown value is
/// kept as sent so that it shows as drift of that key alone.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReportedMode {
    /// `"disabled"` or `"explicit"`, in any ASCII case.
    Known(AllowlistMode),
    /// The item had no `ip_allowlist_mode` (or `null`).
    Missing,
    /// A value this client does not know, exactly as sent.
    Other(String),
}

impl ReportedMode {
    /// Reads the wire value.
    pub fn from_wire(value: Option<&str>) -> ReportedMode {
        match value {
            None => ReportedMode::Missing,
            Some(text) => AllowlistMode::parse(text)
                .map_or_else(|| ReportedMode::Other(text.to_owned()), ReportedMode::Known),
        }
    }

    /// The mode to show: the canonical spelling of a known mode, an unknown one as sent, `None`
    /// when the list did not say.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ReportedMode::Known(mode) => Some(mode.as_str()),
            ReportedMode::Missing => None,
            ReportedMode::Other(text) => Some(text),
        }
    }
}

impl From<AllowlistMode> for ReportedMode {
    fn from(mode: AllowlistMode) -> Self {
        ReportedMode::Known(mode)
    }
}

impl PartialEq<AllowlistMode> for ReportedMode {
    fn eq(&self, other: &AllowlistMode) -> bool {
        *self == ReportedMode::Known(*other)
    }
}

/// One App API key as the list endpoint reports it. It never carries the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// OneSignal's id for the key (not the secret); stable across rotations.
    pub token_id: String,
    /// Display name.
    pub name: String,
    /// Whether the allowlist is enforced, as far as the list said.
    pub ip_allowlist_mode: ReportedMode,
    /// The allowlist in the server's spelling, which may differ from the one sent.
    pub ip_allowlist: Vec<String>,
    /// Creation time: the server's string as sent, or RFC 3339 (UTC) when it sent a Unix number.
    pub created_at: Option<String>,
    /// Last change, normalised like `created_at`.
    pub updated_at: Option<String>,
}

/// The answer to a create: the new key's id and its secret, which OneSignal shows only this once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedKey {
    /// The new key's id.
    pub token_id: String,
    /// The secret (`os_v2_app_…`).
    pub token: Secret,
}

/// A OneSignal app as `GET /apps` lists it (only the fields the provider needs: never
/// `basic_auth_key` nor the player counts, which are not even read).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct App {
    /// The app id (a UUID).
    pub id: String,
    /// The app's display name (empty when the server sent none or `null`).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub name: String,
    /// The organization the app belongs to, when the list says.
    #[serde(default, deserialize_with = "non_empty_string")]
    pub organization_id: Option<String>,
    /// Creation time, normalised like a key's.
    #[serde(default, deserialize_with = "timestamp")]
    pub created_at: Option<String>,
    /// Last change, normalised like a key's.
    #[serde(default, deserialize_with = "timestamp")]
    pub updated_at: Option<String>,
}

fn null_as_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Option::<String>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// A string that may be absent, `null` or empty (all three read as "not said").
pub(crate) fn non_empty_string<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(deserializer).map(|s| s.filter(|s| !s.is_empty()))
}

/// A timestamp in any shape [`normalise_timestamp`] reads; anything else reads as "not said"
/// rather than failing the whole answer over a field the provider only displays.
pub(crate) fn timestamp<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Option::<Value>::deserialize(deserializer).map(|v| v.as_ref().and_then(normalise_timestamp))
}

/// `ApiKeyToken` on the wire: every field optional, as in OneSignal's OpenAPI spec.
#[derive(Deserialize)]
struct WireKey {
    #[serde(default)]
    token_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    ip_allowlist_mode: Option<String>,
    #[serde(default)]
    ip_allowlist: Option<Vec<String>>,
    #[serde(default)]
    created_at: Option<Value>,
    #[serde(default)]
    updated_at: Option<Value>,
}

impl WireKey {
    fn into_key(self) -> Result<ApiKey, String> {
        let token_id = self.token_id.ok_or("the key has no token_id")?;
        Ok(ApiKey {
            token_id,
            name: self.name.unwrap_or_default(),
            ip_allowlist_mode: ReportedMode::from_wire(self.ip_allowlist_mode.as_deref()),
            ip_allowlist: self.ip_allowlist.unwrap_or_default(),
            created_at: self.created_at.as_ref().and_then(normalise_timestamp),
            updated_at: self.updated_at.as_ref().and_then(normalise_timestamp),
        })
    }
}

/// Decodes `value` as a `T`; an error names the path where decoding stopped, after `prefix`
/// (`tokens[2].created_at: invalid type: …`).
fn decode_at<T: serde::de::DeserializeOwned>(value: Value, prefix: &str) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let path = match (prefix, path.as_str()) {
            (_, ".") => prefix.to_owned(),
            ("", path) => path.to_owned(),
            (prefix, path) if path.starts_with('[') => format!("{prefix}{path}"),
            (prefix, path) => format!("{prefix}.{path}"),
        };
        let error = error.into_inner();
        if path.is_empty() {
            error.to_string()
        } else {
            format!("{path}: {error}")
        }
    })
}

/// Parses the body of `GET /apps/{id}/auth/tokens`: `{"tokens": [...]}`, or a bare array. An
/// unreadable answer is an error that names the field where reading stopped.
pub(crate) fn parse_key_list(body: &[u8]) -> Result<Vec<ApiKey>, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let (items, prefix): (Vec<Value>, &str) = match value {
        Value::Array(_) => (decode_at(value, "")?, ""),
        Value::Object(mut map) => match map.remove("tokens") {
            None | Some(Value::Null) => (Vec::new(), "tokens"),
            Some(tokens) => (decode_at(tokens, "tokens")?, "tokens"),
        },
        other => {
            return Err(format!(
                "expected an object with `tokens` or an array, found {}",
                json_kind(&other)
            ));
        }
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let at = format!("{prefix}[{i}]");
            decode_at::<WireKey>(item, &at)?
                .into_key()
                .map_err(|e| format!("{at}: {e}"))
        })
        .collect()
}

/// What kind of JSON value this is, for messages that must not quote it.
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parses the body of `GET /apps`: a bare array, or `{"apps": [...]}`. An unreadable answer is an
/// error that names the field where reading stopped.
pub(crate) fn parse_app_list(body: &[u8]) -> Result<Vec<App>, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    match value {
        Value::Array(_) => decode_at(value, ""),
        Value::Object(mut map) => match map.remove("apps") {
            Some(apps) => decode_at(apps, "apps"),
            None => Err("expected an array of apps, found an object without `apps`".to_owned()),
        },
        other => Err(format!(
            "expected an array of apps, found {}",
            json_kind(&other)
        )),
    }
}

/// The secret-bearing answers of create and rotate. The secret's field name is `formatted_token`;
/// `token` is accepted too in case a variant of the API uses it.
#[derive(Deserialize)]
struct WireSecretAnswer {
    #[serde(default, alias = "id")]
    token_id: Option<String>,
    #[serde(default)]
    formatted_token: Option<String>,
    #[serde(default)]
    token: Option<String>,
}

impl WireSecretAnswer {
    fn parse(body: &[u8]) -> Result<(Option<String>, Secret), String> {
        // serde_json's message may quote a string of the body ("invalid type: string \"os_v2…\""),
        // and that string may be the secret: say only what kind of error and where.
        let answer: WireSecretAnswer = serde_json::from_slice(body).map_err(|e| {
            format!(
                "not the expected JSON object ({:?} error at line {} column {})",
                e.classify(),
                e.line(),
                e.column()
            )
        })?;
        let secret = answer
            .formatted_token
            .or(answer.token)
            .filter(|s| !s.is_empty())
            .ok_or("the answer has no formatted_token")?;
        Ok((
            answer.token_id.filter(|s| !s.is_empty()),
            Secret::new(secret),
        ))
    }
}

/// Parses the answer of a create: `token_id` and the secret are both required.
pub(crate) fn parse_created(body: &[u8]) -> Result<CreatedKey, String> {
    let (token_id, token) = WireSecretAnswer::parse(body)?;
    let token_id = token_id.ok_or("the answer has no token_id")?;
    Ok(CreatedKey { token_id, token })
}

/// Parses the answer of a rotate: only the secret is required (`token_id` is optional in newer docs).
pub(crate) fn parse_rotated(body: &[u8]) -> Result<Secret, String> {
    WireSecretAnswer::parse(body).map(|(_, secret)| secret)
}

/// Turns a timestamp in any plausible shape into a string: strings are kept as sent (they are
/// ISO-8601 per the docs); Unix numbers become RFC 3339 in UTC, read as milliseconds when they are
/// too large to be seconds.
pub(crate) fn normalise_timestamp(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => {
            let nanos: i128 = if let Some(i) = n.as_i64() {
                if i.abs() >= 100_000_000_000 {
                    i128::from(i) * 1_000_000
                } else {
                    i128::from(i) * 1_000_000_000
                }
            } else {
                let f = n.as_f64()?;
                if f.abs() >= 1e11 {
                    (f * 1e6) as i128
                } else {
                    (f * 1e9) as i128
                }
            };
            let at = OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()?;
            at.format(&Rfc3339).ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// JSON-ish text: fragments that reach deep into the parsers, in any order.
    fn json_soup() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "null",
            "true",
            "0",
            "-1",
            "1e999",
            "1704164645123",
            "\"\"",
            "\"x\"",
            "\"tokens\"",
            "\"apps\"",
            "\"token_id\"",
            "\"id\"",
            "\"formatted_token\"",
            "\"token\"",
            "\"name\"",
            "\"ip_allowlist\"",
            "\"ip_allowlist_mode\"",
            "\"created_at\"",
            "\"errors\"",
            "\"title\"",
            " ",
        ]);
        prop::collection::vec(pieces, 0..48).prop_map(|p| p.concat())
    }

    fn parse_all(body: &[u8]) {
        let _ = parse_key_list(body);
        let _ = parse_app_list(body);
        let _ = parse_created(body);
        let _ = parse_rotated(body);
        let _ = super::super::error::parse_error_messages(body);
    }

    proptest! {
        #[test]
        fn answers_of_any_shape_are_errors_not_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            parse_all(&bytes);
        }

        #[test]
        fn json_like_answers_are_errors_not_panics(text in json_soup()) {
            parse_all(text.as_bytes());
        }

        #[test]
        fn a_secret_in_an_unreadable_answer_stays_out_of_the_error(
            secret in "os_v2_app_[a-z2-7]{20}",
            shape in 0usize..5,
        ) {
            let body = match shape {
                0 => format!("\"{secret}\""),
                1 => format!("[\"{secret}\"]"),
                2 => format!("{{\"token_id\":7,\"formatted_token\":\"{secret}\"}}"),
                3 => format!("{{\"formatted_token\":\"{secret}\""),
                _ => format!("{{\"token_id\":\"t\",\"formatted_token\":[\"{secret}\"]}}"),
            };
            for error in [
                parse_created(body.as_bytes()).err(),
                parse_rotated(body.as_bytes()).err(),
            ] {
                let error = error.expect("each shape is refused");
                prop_assert!(!error.contains(&secret), "{error}");
            }
        }
    }

    #[test]
    fn key_list_tolerates_loose_shapes() {
        let body = json!({
            "tokens": [
                {
                    "token_id": "a", "name": "one", "ip_allowlist_mode": "explicit",
                    "ip_allowlist": ["192.0.2.7/32"], "created_at": "2024-01-02T03:04:05Z",
                    "updated_at": 1_704_164_645, "surprise": {"nested": true}
                },
                { "token_id": "b", "name": "two", "ip_allowlist_mode": "DISABLED",
                  "ip_allowlist": null, "created_at": 1_704_164_645_123_i64 },
                { "token_id": "c", "ip_allowlist": ["10.0.0.0/8"] }
            ]
        });
        let keys = parse_key_list(body.to_string().as_bytes()).unwrap();
        assert_eq!(keys.len(), 3);
        assert_eq!(keys[0].ip_allowlist_mode, AllowlistMode::Explicit);
        assert_eq!(keys[0].created_at.as_deref(), Some("2024-01-02T03:04:05Z"));
        assert_eq!(keys[0].updated_at.as_deref(), Some("2024-01-02T03:04:05Z"));
        assert_eq!(keys[1].ip_allowlist_mode, AllowlistMode::Disabled);
        assert!(keys[1].ip_allowlist.is_empty());
        assert_eq!(
            keys[1].created_at.as_deref(),
            Some("2024-01-02T03:04:05.123Z")
        );
        assert_eq!(keys[1].updated_at, None);
        // No mode: the caller decides (the mode it last knew), not the list's parser.
        assert_eq!(keys[2].ip_allowlist_mode, ReportedMode::Missing);
        assert_eq!(keys[2].name, "");
    }

    #[test]
    fn an_unknown_mode_is_kept_as_sent_and_the_rest_of_the_list_reads() {
        let keys = parse_key_list(
            br#"{"tokens":[{"token_id":"x","ip_allowlist_mode":"Sometimes"},{"token_id":"y","ip_allowlist_mode":"explicit","ip_allowlist":["10.0.0.0/8"]},{"token_id":"z","ip_allowlist_mode":null}]}"#,
        )
        .unwrap();
        assert_eq!(
            keys[0].ip_allowlist_mode,
            ReportedMode::Other("Sometimes".into())
        );
        assert_eq!(keys[0].ip_allowlist_mode.as_str(), Some("Sometimes"));
        assert_eq!(keys[1].ip_allowlist_mode, AllowlistMode::Explicit);
        assert_eq!(keys[2].ip_allowlist_mode, ReportedMode::Missing);
        assert_eq!(keys[2].ip_allowlist_mode.as_str(), None);
    }

    #[test]
    fn decoding_errors_name_the_field_where_they_stopped() {
        let err = parse_key_list(
            br#"{"tokens":[{"token_id":"a"},{"token_id":"b"},{"token_id":"c","name":5}]}"#,
        )
        .unwrap_err();
        assert!(err.starts_with("tokens[2].name: invalid type"), "{err}");
        let err = parse_key_list(br#"[{"token_id":"a","ip_allowlist":["x",7]}]"#).unwrap_err();
        assert!(
            err.starts_with("[0].ip_allowlist[1]: invalid type"),
            "{err}"
        );
        let err = parse_key_list(br#"{"tokens":[{"token_id":"a"},{"name":"no id"}]}"#).unwrap_err();
        assert_eq!(err, "tokens[1]: the key has no token_id");
        let err = parse_key_list(br#"{"tokens":{"token_id":"a"}}"#).unwrap_err();
        assert!(err.starts_with("tokens: invalid type: map"), "{err}");
        let err = parse_app_list(br#"[{"id":"a"},{"id":7}]"#).unwrap_err();
        assert!(err.starts_with("[1].id: invalid type"), "{err}");
        assert!(
            parse_key_list(b"<html>")
                .unwrap_err()
                .starts_with("not JSON")
        );
        assert!(
            parse_key_list(b"\"os_v2_app_x\"")
                .unwrap_err()
                .contains("found a string")
        );
    }

    #[test]
    fn key_list_accepts_bare_array_and_empty_object() {
        assert_eq!(parse_key_list(br#"[{"token_id":"x"}]"#).unwrap().len(), 1);
        assert!(parse_key_list(b"{}").unwrap().is_empty());
        assert!(parse_key_list(br#"{"tokens":[{"name":"no id"}]}"#).is_err());
        assert!(parse_key_list(br#"{"tokens":null}"#).unwrap().is_empty());
    }

    #[test]
    fn timestamps_in_every_shape() {
        assert_eq!(
            normalise_timestamp(&json!(0)).as_deref(),
            Some("1970-01-01T00:00:00Z")
        );
        assert_eq!(
            normalise_timestamp(&json!(1.5)).as_deref(),
            Some("1970-01-01T00:00:01.5Z")
        );
        assert_eq!(
            normalise_timestamp(&json!("whatever")).as_deref(),
            Some("whatever")
        );
        assert_eq!(normalise_timestamp(&json!("")), None);
        assert_eq!(normalise_timestamp(&json!(null)), None);
        assert_eq!(normalise_timestamp(&json!({"a": 1})), None);
    }

    #[test]
    fn rotate_without_token_id_and_create_requires_it() {
        let secret = parse_rotated(br#"{"formatted_token":"os_v2_app_x"}"#).unwrap();
        assert_eq!(secret.expose(), "os_v2_app_x");
        let secret =
            parse_rotated(br#"{"token_id":"t","formatted_token":"os_v2_app_y","extra":1}"#)
                .unwrap();
        assert_eq!(secret.expose(), "os_v2_app_y");
        assert!(parse_rotated(br#"{"token_id":"t"}"#).is_err());

        let created =
            parse_created(br#"{"token_id":"t","formatted_token":"os_v2_app_z"}"#).unwrap();
        assert_eq!(created.token_id, "t");
        assert_eq!(created.token.expose(), "os_v2_app_z");
        assert!(parse_created(br#"{"formatted_token":"os_v2_app_z"}"#).is_err());
        // A parse failure must not quote the body (which holds the secret).
        let err =
            parse_created(br#"{"token_id": 5, "formatted_token":"os_v2_app_secret"}"#).unwrap_err();
        assert!(!err.contains("os_v2_app_secret"), "{err}");
    }

    #[test]
    fn app_list_shapes() {
        let apps = parse_app_list(
            br#"[{"id":"a","name":"A","players":3,"basic_auth_key":"b","organization_id":"o",
                 "created_at":"2026-01-02T03:04:05.000Z","updated_at":1704164645}]"#,
        )
        .unwrap();
        assert_eq!(
            apps,
            vec![App {
                id: "a".into(),
                name: "A".into(),
                organization_id: Some("o".into()),
                created_at: Some("2026-01-02T03:04:05.000Z".into()),
                updated_at: Some("2024-01-02T03:04:05Z".into()),
            }]
        );
        let bare =
            &parse_app_list(br#"[{"id":"d","organization_id":null,"created_at":{}}]"#).unwrap()[0];
        assert_eq!(
            (&bare.organization_id, &bare.created_at, &bare.updated_at),
            (&None, &None, &None)
        );
        assert_eq!(
            parse_app_list(br#"{"apps":[{"id":"b"}]}"#).unwrap()[0].id,
            "b"
        );
        assert_eq!(
            parse_app_list(br#"[{"id":"c","name":null}]"#).unwrap()[0].name,
            ""
        );
        assert!(parse_app_list(b"{}").is_err());
    }

    #[test]
    fn spec_serialises_all_three_fields() {
        let spec = KeySpec {
            name: "n".into(),
            ip_allowlist_mode: AllowlistMode::Disabled,
            ip_allowlist: vec![],
        };
        assert_eq!(
            serde_json::to_value(&spec).unwrap(),
            json!({"name": "n", "ip_allowlist_mode": "disabled", "ip_allowlist": []})
        );
    }
}
