//! Read (refresh) and import.

use crate::onesignal::{ApiKey, Error};
use crate::provider::api::Api;
use crate::tfplugin::{Diagnostics, Value};

use super::diagnostics;
use super::model::*;
use super::validate::is_uuid;

/// Refreshes a state from the app's key list. A key (or app) that no longer exists gives a null
/// state, so that the next plan creates it again; `token` and `rotation_trigger` are Terraform's
/// own and carried over.
pub async fn read(client: &Api, current: &Value) -> (Value, Diagnostics) {
    let mut state = Attrs::of(current);
    let app_id = state.str(APP_ID).unwrap_or_default().to_owned();
    let token_id = state.str(TOKEN_ID).unwrap_or_default().to_owned();
    match client.list_keys(&app_id).await {
        Ok(keys) => match keys.iter().find(|k| k.token_id == token_id) {
            Some(key) => {
                state.absorb_remote(&app_id, key);
                (state.into_value(), Diagnostics::new())
            }
            None => {
                tracing::info!(app_id, token_id, "key is gone; removing it from state");
                (Value::Null, Diagnostics::new())
            }
        },
        Err(error) if error.is_not_found() => {
            tracing::info!(app_id, "app is gone; removing its key from state");
            (Value::Null, Diagnostics::new())
        }
        Err(error) => {
            let action = format!("reading the key {token_id} of app {app_id}");
            let diag = diagnostics::client_error(&action, &app_id, &error);
            (current.clone(), diag.into())
        }
    }
}

/// How an import id names a key.
#[derive(Debug, PartialEq, Eq)]
pub enum ImportId<'a> {
    /// `<app_id>/<token_id>`.
    InApp { app_id: &'a str, token_id: &'a str },
    /// A bare `<token_id>`, to search for across the organization's apps.
    Anywhere { token_id: &'a str },
}

/// Parses an import id, or `None` when it has neither accepted form.
pub fn parse_import_id(id: &str) -> Option<ImportId<'_>> {
    let token_ok =
        |t: &str| !t.is_empty() && !t.contains('/') && !t.chars().any(char::is_whitespace);
    match id.split_once('/') {
        Some((app_id, token_id)) if is_uuid(app_id) && token_ok(token_id) => {
            Some(ImportId::InApp { app_id, token_id })
        }
        Some(_) => None,
        None if token_ok(id) => Some(ImportId::Anywhere { token_id: id }),
        None => None,
    }
}

/// Finds the key an import id names and returns its state, without a secret.
pub async fn import(client: &Api, id: &str) -> (Value, Diagnostics) {
    let Some(parsed) = parse_import_id(id) else {
        return (Value::Null, diagnostics::malformed_import_id(id).into());
    };
    let found = match parsed {
        ImportId::InApp { app_id, token_id } => find_in_app(client, app_id, token_id)
            .await
            .map(|key| key.map(|key| (app_id.to_owned(), key)))
            .map_err(|error| (app_id.to_owned(), error)),
        ImportId::Anywhere { token_id } => find_anywhere(client, token_id).await,
    };
    let token_id = match parsed {
        ImportId::InApp { token_id, .. } | ImportId::Anywhere { token_id } => token_id,
    };
    match found {
        Ok(Some((app_id, key))) => {
            let mut state = Attrs::default();
            state.absorb_remote(&app_id, &key);
            for absent in [ROTATION_TRIGGER, TOKEN] {
                state.set(absent, Value::Null);
            }
            for maybe in [CREATED_AT, UPDATED_AT] {
                if state.get(maybe).is_null() {
                    state.set(maybe, Value::Null);
                }
            }
            (
                state.into_value(),
                diagnostics::imported_without_secret().into(),
            )
        }
        Ok(None) => {
            let searched = match parsed {
                ImportId::InApp { app_id, .. } => format!("app {app_id}"),
                ImportId::Anywhere { .. } => "any app of the organization".to_owned(),
            };
            (
                Value::Null,
                diagnostics::import_not_found(token_id, &searched).into(),
            )
        }
        Err((app_id, error)) => {
            let action = format!("looking up the key {token_id} to import");
            (
                Value::Null,
                diagnostics::client_error(&action, &app_id, &error).into(),
            )
        }
    }
}

async fn find_in_app(client: &Api, app_id: &str, token_id: &str) -> Result<Option<ApiKey>, Error> {
    match client.list_keys(app_id).await {
        Ok(keys) => Ok(keys.iter().find(|k| k.token_id == token_id).cloned()),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(error),
    }
}

async fn find_anywhere(
    client: &Api,
    token_id: &str,
) -> Result<Option<(String, ApiKey)>, (String, Error)> {
    let apps = client
        .list_apps()
        .await
        .map_err(|e| ("(all apps)".to_owned(), e))?;
    for app in apps {
        if let Some(key) = find_in_app(client, &app.id, token_id)
            .await
            .map_err(|e| (app.id.clone(), e))?
        {
            return Ok(Some((app.id, key)));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: &str = "2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f";

    #[test]
    fn import_id_forms() {
        assert_eq!(
            parse_import_id(&format!("{APP}/tok-1")),
            Some(ImportId::InApp {
                app_id: APP,
                token_id: "tok-1"
            })
        );
        assert_eq!(
            parse_import_id("tok-1"),
            Some(ImportId::Anywhere { token_id: "tok-1" })
        );
        for bad in [
            "",
            "not-a-uuid/tok",
            &format!("{APP}/"),
            &format!("{APP}/a/b"),
            "tok 1",
            "/tok",
        ] {
            assert_eq!(parse_import_id(bad), None, "{bad:?}");
        }
    }
}
