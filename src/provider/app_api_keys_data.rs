//! The `onesignal_app_api_keys` data source: the App API keys of one app, as OneSignal lists
//! them, so that a configuration can refer to keys made by hand or by another workspace.
//!
//! OneSignal shows a key's secret only in the answer to a create or a rotation, and the list
//! never carries it; the schema has no secret attribute at all, so none can leak through
//! state or `terraform show`.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::ProviderState;
use super::api::KeysOf;
use super::app_api_key::diagnostics::{self, Operation};
use super::app_api_key::model::derived_mode;
use super::app_api_key::validate;
use crate::onesignal::ApiKey;
use crate::tfplugin::{
    Attribute, Block, DataReadRequest, DataSource, Diagnostics, Presence, Schema, Type, Value,
};

/// The data source type name.
pub const TYPE_NAME: &str = "onesignal_app_api_keys";

/// The attributes of one element of `keys`, in the order the documentation lists them.
const KEY_FIELDS: [&str; 6] = [
    "token_id",
    "name",
    "ip_allowlist_mode",
    "ip_allowlist",
    "created_at",
    "updated_at",
];

/// The type of one element of `keys`.
fn key_type() -> Type {
    Type::object(KEY_FIELDS.iter().map(|field| {
        let ty = if *field == "ip_allowlist" {
            Type::set_of(Type::String)
        } else {
            Type::String
        };
        (*field, ty)
    }))
}

/// The schema, version 0.
pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            description: "The App API keys of one OneSignal app, in the order OneSignal lists \
                          them: ids, names and IP allowlists, never a secret (OneSignal shows a \
                          secret only once, to whoever created or rotated the key)."
                .into(),
            deprecated: false,
            attributes: vec![
                Attribute::new(
                    "app_id",
                    Type::String,
                    Presence::Required,
                    "The OneSignal app whose keys to list: its App ID, a UUID such as \
                     `2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f` (dashboard: *Settings → Keys & IDs*).",
                ),
                Attribute::new(
                    "keys",
                    Type::list_of(key_type()),
                    Presence::Computed,
                    "The app's keys, in the order OneSignal lists them. Each has `token_id` \
                     (OneSignal's id of the key, the one `terraform import` takes), `name`, \
                     `ip_allowlist_mode` (`\"explicit\"` or `\"disabled\"`, derived from the \
                     allowlist when OneSignal leaves it out; a mode it adds later is shown as \
                     sent), `ip_allowlist` (a \
                     set of addresses and CIDR blocks in OneSignal's spelling, empty when there \
                     are none), `created_at` and `updated_at` (as OneSignal reports them; null \
                     when it does not). No secret: OneSignal never lists one.",
                ),
            ],
        },
    }
}

/// One key as an element of `keys`.
fn key_value(key: &ApiKey) -> Value {
    let optional = |s: &Option<String>| s.as_deref().map_or(Value::Null, Value::string);
    let object: BTreeMap<String, Value> = [
        ("token_id", Value::string(key.token_id.as_str())),
        ("name", Value::string(key.name.as_str())),
        (
            "ip_allowlist_mode",
            // No prior state to keep a missing mode from: derived from the list, as a plan would.
            Value::string(
                key.ip_allowlist_mode
                    .as_str()
                    .unwrap_or(derived_mode(&key.ip_allowlist).as_str()),
            ),
        ),
        (
            "ip_allowlist",
            Value::Set(
                key.ip_allowlist
                    .iter()
                    .map(|e| Value::string(e.as_str()))
                    .collect(),
            ),
        ),
        ("created_at", optional(&key.created_at)),
        ("updated_at", optional(&key.updated_at)),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect();
    Value::Object(object)
}

/// The data source's state for `app_id` and its listed keys.
pub fn state(app_id: &str, keys: &[ApiKey]) -> Value {
    Value::Object(BTreeMap::from([
        ("app_id".to_owned(), Value::string(app_id)),
        (
            "keys".to_owned(),
            Value::List(keys.iter().map(key_value).collect()),
        ),
    ]))
}

/// The data source type.
pub struct AppApiKeys {
    provider: Arc<ProviderState>,
}

impl AppApiKeys {
    /// The data source, sharing the provider's configuration.
    pub fn new(provider: Arc<ProviderState>) -> Self {
        Self { provider }
    }
}

#[async_trait::async_trait]
impl DataSource for AppApiKeys {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        if let Some(app_id) = config.get_attr("app_id").as_str()
            && !validate::is_uuid(app_id)
        {
            diags.push(validate::invalid_app_id(app_id));
        }
        diags
    }

    async fn read(&self, request: DataReadRequest) -> (Value, Diagnostics) {
        let config = request.config;
        let diags = self.validate(&config).await;
        if diags.has_errors() {
            return (Value::Null, diags);
        }
        let app_id = config.get_attr("app_id").as_str().unwrap_or_default();
        let api = match self.provider.api(&request.cancel) {
            Ok(api) => api,
            Err(diagnostic) => return (Value::Null, diagnostic.into()),
        };
        // Never an empty list from a 404: an app is gone only when `GET /apps` proves it.
        match api.keys_of(app_id).await {
            Ok(KeysOf::Listed(keys)) => (state(app_id, &keys), Diagnostics::new()),
            Ok(KeysOf::AppGone) => (Value::Null, diagnostics::app_not_found(app_id).into()),
            Err(error) => {
                let action = format!("listing the keys of app {app_id}");
                let diag = diagnostics::lookup_failed(Operation::List, &action, app_id, &error);
                (Value::Null, diag.into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onesignal::{AllowlistMode, ReportedMode};

    #[test]
    fn state_matches_the_schema_and_keeps_the_api_order() {
        let keys = [
            ApiKey {
                token_id: "tok-b".into(),
                name: "second in name order, first in the API's".into(),
                ip_allowlist_mode: AllowlistMode::Explicit.into(),
                ip_allowlist: vec!["192.0.2.0/24".into()],
                created_at: Some("2026-01-01T00:00:00Z".into()),
                updated_at: None,
            },
            ApiKey {
                token_id: "tok-a".into(),
                name: "a".into(),
                ip_allowlist_mode: ReportedMode::Missing,
                ip_allowlist: Vec::new(),
                created_at: None,
                updated_at: None,
            },
        ];
        let value = state("2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f", &keys);
        let Value::List(items) = value.get_attr("keys") else {
            panic!("keys is not a list: {value:?}")
        };
        let ids: Vec<_> = items
            .iter()
            .map(|k| k.get_attr("token_id").as_str())
            .collect();
        assert_eq!(ids, [Some("tok-b"), Some("tok-a")]);
        assert_eq!(
            items[0].get_attr("ip_allowlist"),
            &Value::Set(vec![Value::string("192.0.2.0/24")])
        );
        assert_eq!(items[1].get_attr("ip_allowlist"), &Value::Set(Vec::new()));
        // A list item without a mode: derived from its (empty) list.
        assert_eq!(
            items[1].get_attr("ip_allowlist_mode"),
            &Value::string("disabled")
        );
        assert!(items[0].get_attr("updated_at").is_null());
        // Every element has exactly the attributes of the schema's element type.
        let Type::Object(fields) = key_type() else {
            panic!("element type is not an object")
        };
        for item in items {
            let Value::Object(map) = item else {
                panic!("not an object: {item:?}")
            };
            assert!(map.keys().eq(fields.keys()), "{map:?}");
        }
        assert!(schema().attribute("token").is_none());
    }
}
