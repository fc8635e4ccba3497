//! The data sources `onesignal_app` (one app, by id or by name) and `onesignal_apps` (every app
//! of the organization). Neither has a credential or `basic_auth_key` in its schema, so none can
//! reach state or `terraform show`: the client never even reads them from OneSignal's answers.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::ProviderState;
use super::app::diagnostics::client_error;
use super::app::model::{self, Attrs};
use super::app::read::APP_LIST_CAP;
use super::app_api_key::validate::is_uuid;
use crate::onesignal::{App, AppView};
use crate::tfplugin::{
    Attribute, AttributePath, Block, DataReadRequest, DataSource, Diagnostic, Diagnostics,
    Presence, Schema, Type, Value,
};

/// The type name of the one-app data source.
pub const APP_TYPE_NAME: &str = "onesignal_app";
/// The type name of the all-apps data source.
pub const APPS_TYPE_NAME: &str = "onesignal_apps";

/// The attributes of one element of `apps`, in the order the documentation lists them.
const LISTED_FIELDS: [&str; 5] = ["id", "name", "organization_id", "created_at", "updated_at"];

/// How many names an error lists at most.
const NAMES_SHOWN: usize = 20;

/// The schema of `onesignal_app`.
pub fn app_schema() -> Schema {
    let mut attributes = vec![
        Attribute::new(
            model::ID,
            Type::String,
            Presence::OptionalComputed,
            "The App ID (a UUID) of the app to read. Set exactly one of `id` and `name`.",
        ),
        Attribute::new(
            model::NAME,
            Type::String,
            Presence::OptionalComputed,
            "The name of the app to read; exactly one app of the organization must have it. \
             Set exactly one of `id` and `name`.",
        ),
        Attribute::new(
            model::ORGANIZATION_ID,
            Type::String,
            Presence::Computed,
            "The organization the app belongs to.",
        ),
    ];
    for name in model::SETTINGS {
        attributes.push(Attribute::new(
            name,
            Type::String,
            Presence::Computed,
            &format!(
                "The app's `{name}`, as OneSignal reports it (see the `onesignal_app` resource); \
                 null when it does not."
            ),
        ));
    }
    for (name, what) in [
        (model::CREATED_AT, "When OneSignal created the app."),
        (model::UPDATED_AT, "When OneSignal last changed the app."),
    ] {
        attributes.push(Attribute::new(name, Type::String, Presence::Computed, what));
    }
    Schema {
        version: 0,
        block: Block {
            description: "One OneSignal app, by id or by name: its non-secret settings. Push \
                          credentials and the app's legacy REST API key are never read."
                .into(),
            deprecated: false,
            attributes,
        },
    }
}

fn listed_type() -> Type {
    Type::object(LISTED_FIELDS.iter().map(|f| (*f, Type::String)))
}

/// The schema of `onesignal_apps`.
pub fn apps_schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            description: "Every app of the organization, in the order OneSignal lists them: \
                          ids, names and timestamps, never a secret."
                .into(),
            deprecated: false,
            attributes: vec![Attribute::new(
                "apps",
                Type::list_of(listed_type()),
                Presence::Computed,
                "The organization's apps, in the order OneSignal lists them. Each has `id` (the \
                 App ID, the `app_id` of keys), `name`, `organization_id`, `created_at` and \
                 `updated_at` (null when OneSignal does not report them). OneSignal lists at \
                 most 1000 apps.",
            )],
        },
    }
}

/// The state of `onesignal_app` for a viewed app.
pub fn app_state(view: &AppView) -> Value {
    let mut state = Attrs::default();
    for attribute in app_schema().block.attributes {
        state.set(attribute.name, Value::Null);
    }
    model::absorb_view(&mut state, view, model::Absorb::Refresh);
    // The resource's write-only attributes are not part of this schema.
    let Value::Object(mut map) = state.into_value() else {
        unreachable!("Attrs is an object")
    };
    map.retain(|name, _| app_schema().attribute(name).is_some());
    Value::Object(map)
}

/// The state of `onesignal_apps` for a list of apps.
pub fn apps_state(apps: &[App]) -> Value {
    let optional = |s: &Option<String>| s.as_deref().map_or(Value::Null, Value::string);
    let items = apps
        .iter()
        .map(|app| {
            Value::Object(BTreeMap::from([
                ("id".to_owned(), Value::string(app.id.as_str())),
                ("name".to_owned(), Value::string(app.name.as_str())),
                ("organization_id".to_owned(), optional(&app.organization_id)),
                ("created_at".to_owned(), optional(&app.created_at)),
                ("updated_at".to_owned(), optional(&app.updated_at)),
            ]))
        })
        .collect();
    Value::Object(BTreeMap::from([("apps".to_owned(), Value::List(items))]))
}

/// Checks `onesignal_app`: exactly one of `id` and `name`, and an `id` that is a UUID.
pub fn validate_app(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let (id, name) = (config.get_attr(model::ID), config.get_attr(model::NAME));
    if let Some(id) = id.as_str()
        && !is_uuid(id)
    {
        diags.push(
            Diagnostic::error(
                "Invalid id",
                format!(
                    "{id:?} is not a OneSignal App ID. An App ID is a UUID such as \
                     \"2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f\"."
                ),
            )
            .at(AttributePath::attribute(model::ID)),
        );
    }
    if id.is_null() == name.is_null() {
        diags.push(Diagnostic::error(
            "Set exactly one of id and name",
            if id.is_null() {
                "onesignal_app reads one app: set id (its App ID) or name (its name in the \
                 organization)."
            } else {
                "onesignal_app reads one app either by id or by name, not both: remove one."
            },
        ));
    }
    diags
}

/// The one app named `name`, or an error listing what there is instead.
pub fn pick_by_name<'a>(apps: &'a [App], name: &str) -> Result<&'a App, Diagnostic> {
    let matching: Vec<&App> = apps.iter().filter(|a| a.name == name).collect();
    match matching[..] {
        [one] => Ok(one),
        [] => {
            let mut names: Vec<String> = apps.iter().map(|a| format!("{:?}", a.name)).collect();
            let more = names.len().saturating_sub(NAMES_SHOWN);
            names.truncate(NAMES_SHOWN);
            let mut listed = names.join(", ");
            if more > 0 {
                listed.push_str(&format!(" and {more} more"));
            }
            if listed.is_empty() {
                listed = "none".to_owned();
            }
            Err(Diagnostic::error(
                "No app of that name",
                format!(
                    "The organization has no app named {name:?}. Its apps: {listed}. Check the \
                     name (it must match exactly), or use id."
                ),
            )
            .at(AttributePath::attribute(model::NAME)))
        }
        _ => Err(Diagnostic::error(
            "Several apps have that name",
            format!(
                "{} apps are named {name:?}: {}. Use id to pick one.",
                matching.len(),
                matching
                    .iter()
                    .map(|a| a.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .at(AttributePath::attribute(model::NAME))),
    }
}

/// The `onesignal_app` data source.
pub struct AppData {
    provider: Arc<ProviderState>,
}

impl AppData {
    /// The data source, sharing the provider's configuration.
    pub fn new(provider: Arc<ProviderState>) -> Self {
        Self { provider }
    }
}

#[async_trait::async_trait]
impl DataSource for AppData {
    fn type_name(&self) -> &'static str {
        APP_TYPE_NAME
    }

    fn schema(&self) -> Schema {
        app_schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        validate_app(config)
    }

    async fn read(&self, request: DataReadRequest) -> (Value, Diagnostics) {
        let config = request.config;
        let diags = validate_app(&config);
        if diags.has_errors() {
            return (Value::Null, diags);
        }
        let api = match self.provider.api(&request.cancel) {
            Ok(api) => api,
            Err(diagnostic) => return (Value::Null, diagnostic.into()),
        };
        let client = api.client();
        let id = match (
            config.get_attr(model::ID).as_str(),
            config.get_attr(model::NAME).as_str(),
        ) {
            (Some(id), _) => id.to_owned(),
            (None, Some(name)) => match client.list_apps().await {
                Ok(apps) => match pick_by_name(&apps, name) {
                    Ok(app) => app.id.clone(),
                    Err(diagnostic) => return (Value::Null, diagnostic.into()),
                },
                Err(error) => {
                    let action = "listing the organization's apps";
                    return (Value::Null, client_error(action, &error).into());
                }
            },
            (None, None) => return (Value::Null, Diagnostics::new()),
        };
        match client.get_app(&id).await {
            // Terraform wants the configured id back as written (a UUID in capitals included).
            Ok(view) => {
                let mut state = Attrs::of(&app_state(&view));
                if config.get_attr(model::ID).is_known() && !config.get_attr(model::ID).is_null() {
                    state.set(model::ID, config.get_attr(model::ID).clone());
                }
                (state.into_value(), Diagnostics::new())
            }
            Err(error) => {
                let action = format!("reading app {id}");
                (Value::Null, client_error(&action, &error).into())
            }
        }
    }
}

/// The `onesignal_apps` data source.
pub struct AppsData {
    provider: Arc<ProviderState>,
}

impl AppsData {
    /// The data source, sharing the provider's configuration.
    pub fn new(provider: Arc<ProviderState>) -> Self {
        Self { provider }
    }
}

#[async_trait::async_trait]
impl DataSource for AppsData {
    fn type_name(&self) -> &'static str {
        APPS_TYPE_NAME
    }

    fn schema(&self) -> Schema {
        apps_schema()
    }

    async fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    async fn read(&self, request: DataReadRequest) -> (Value, Diagnostics) {
        let api = match self.provider.api(&request.cancel) {
            Ok(api) => api,
            Err(diagnostic) => return (Value::Null, diagnostic.into()),
        };
        match api.client().list_apps().await {
            Ok(apps) => {
                let mut diags = Diagnostics::new();
                if apps.len() >= APP_LIST_CAP {
                    diags.push(Diagnostic::warning(
                        "The list of apps may be incomplete",
                        format!(
                            "OneSignal answered with {} apps, the most its list returns; the \
                             organization may have more, which `apps` does not show.",
                            apps.len()
                        ),
                    ));
                }
                (apps_state(&apps), diags)
            }
            Err(error) => (
                Value::Null,
                client_error("listing the organization's apps", &error).into(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onesignal::AppSettings;

    fn app(id: &str, name: &str) -> App {
        App {
            id: id.into(),
            name: name.into(),
            organization_id: None,
            created_at: None,
            updated_at: None,
        }
    }

    #[test]
    fn by_name_needs_exactly_one_match_and_lists_the_rest() {
        let apps = [app("a", "Shop"), app("b", "Blog"), app("c", "Blog")];
        assert_eq!(pick_by_name(&apps, "Shop").unwrap().id, "a");
        let several = pick_by_name(&apps, "Blog").unwrap_err();
        assert!(several.detail.contains("b, c"), "{}", several.detail);
        let none = pick_by_name(&apps, "Nope").unwrap_err();
        assert!(
            none.detail.contains("\"Shop\", \"Blog\", \"Blog\""),
            "{}",
            none.detail
        );
    }

    #[test]
    fn exactly_one_of_id_and_name() {
        let config = |id: Value, name: Value| {
            Value::Object(BTreeMap::from([
                ("id".to_owned(), id),
                ("name".to_owned(), name),
            ]))
        };
        let id = Value::string("2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f");
        assert!(validate_app(&config(id.clone(), Value::Null)).is_empty());
        assert!(validate_app(&config(Value::Null, Value::string("Shop"))).is_empty());
        assert!(validate_app(&config(Value::unknown(), Value::Null)).is_empty());
        assert!(validate_app(&config(id, Value::string("Shop"))).has_errors());
        assert!(validate_app(&config(Value::Null, Value::Null)).has_errors());
        assert!(validate_app(&config(Value::string("x"), Value::Null)).has_errors());
    }

    #[test]
    fn states_match_their_schemas_and_carry_no_secret() {
        let view = AppView {
            id: "a".into(),
            organization_id: Some("o".into()),
            settings: AppSettings {
                name: Some("Shop".into()),
                apns_env: Some("sandbox".into()),
                ..AppSettings::default()
            },
            created_at: None,
            updated_at: Some("2026-01-01T00:00:00Z".into()),
        };
        let Value::Object(state) = app_state(&view) else {
            panic!("not an object")
        };
        let names: Vec<&str> = app_schema()
            .block
            .attributes
            .iter()
            .map(|a| a.name)
            .collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert!(state.keys().map(String::as_str).eq(sorted));
        assert_eq!(state["apns_env"], Value::string("sandbox"));
        assert!(state["site_name"].is_null());
        for schema in [app_schema(), apps_schema()] {
            assert!(
                schema
                    .block
                    .attributes
                    .iter()
                    .all(|a| !a.sensitive && !a.write_only)
            );
        }
        let Value::Object(listed) = apps_state(&[app("a", "Shop")]) else {
            panic!()
        };
        let Value::List(items) = &listed["apps"] else {
            panic!()
        };
        let Value::Object(item) = &items[0] else {
            panic!()
        };
        let Type::Object(fields) = listed_type() else {
            panic!()
        };
        assert!(item.keys().eq(fields.keys()));
    }
}
