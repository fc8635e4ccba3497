//! Read (refresh) and import.
//!
//! Gone only when proven: a key is gone when a successful list of its app lacks it, an app when
//! a successful `GET /apps` lacks it (see [`Api::keys_of`]). Any other failure keeps the state
//! exactly as it was, with an error. Ids are compared case-insensitively, and state takes
//! OneSignal's spelling.

use crate::onesignal::ApiKey;
use crate::provider::api::{Api, KeysOf, Located, same_id};
use crate::tfplugin::{Diagnostic, Diagnostics, Value};

use super::diagnostics::{self, Operation};
use super::model::*;
use super::validate::is_uuid;

/// Refreshes a state from the app's key list. A key (or app) proven gone gives a null state, so
/// that the next plan creates it again; `token` and `rotation_trigger` are Terraform's own and
/// carried over.
pub async fn read(client: &Api, current: &Value) -> (Value, Diagnostics) {
    let mut state = Attrs::of(current);
    let app_id = state.str(APP_ID).unwrap_or_default().to_owned();
    let token_id = state.str(TOKEN_ID).unwrap_or_default().to_owned();
    match client.locate(&app_id, &token_id).await {
        Ok(Located::Found(key)) => {
            state.absorb_remote(&app_id, &key);
            (state.into_value(), Diagnostics::new())
        }
        Ok(Located::KeyGone) => {
            tracing::info!(
                app_id,
                token_id,
                "the app's key list lacks the key; removing it from state"
            );
            (Value::Null, Diagnostics::new())
        }
        Ok(Located::AppGone) => {
            tracing::info!(
                app_id,
                "the organization's apps lack the app; removing its key from state"
            );
            (Value::Null, Diagnostics::new())
        }
        Err(error) => {
            let action = format!("reading the key {token_id} of app {app_id}");
            let diag = diagnostics::lookup_failed(Operation::Read, &action, &app_id, &error);
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

/// Why an import id is refused before anything is asked of OneSignal.
#[derive(Debug, PartialEq, Eq)]
pub enum BadImportId {
    /// Whitespace around an otherwise usable id (pasted with it).
    Whitespace,
    /// A bare id that is not UUID-shaped, as OneSignal's key ids are.
    NotUuid,
    /// Neither accepted form.
    Malformed,
}

impl BadImportId {
    /// The diagnostic for `id`.
    pub fn diagnostic(&self, id: &str) -> Diagnostic {
        match self {
            BadImportId::Whitespace => diagnostics::import_id_with_whitespace(id),
            BadImportId::NotUuid => diagnostics::import_token_id_not_uuid(id),
            BadImportId::Malformed => diagnostics::malformed_import_id(id),
        }
    }
}

/// Parses an import id: `<app_id>/<token_id>`, or a bare UUID-shaped `<token_id>`.
pub fn parse_import_id(id: &str) -> Result<ImportId<'_>, BadImportId> {
    let trimmed = id.trim();
    if trimmed != id {
        return match parse_import_id(trimmed) {
            Ok(_) => Err(BadImportId::Whitespace),
            Err(problem) => Err(problem),
        };
    }
    let token_ok =
        |t: &str| !t.is_empty() && !t.contains('/') && !t.chars().any(char::is_whitespace);
    match id.split_once('/') {
        Some((app_id, token_id)) if is_uuid(app_id) && token_ok(token_id) => {
            Ok(ImportId::InApp { app_id, token_id })
        }
        Some(_) => Err(BadImportId::Malformed),
        None if is_uuid(id) => Ok(ImportId::Anywhere { token_id: id }),
        None if token_ok(id) => Err(BadImportId::NotUuid),
        None => Err(BadImportId::Malformed),
    }
}

/// Finds the key an import id names and returns its state, without a secret.
pub async fn import(client: &Api, id: &str) -> (Value, Diagnostics) {
    let parsed = match parse_import_id(id) {
        Ok(parsed) => parsed,
        Err(problem) => return (Value::Null, problem.diagnostic(id).into()),
    };
    let found = match parsed {
        ImportId::InApp { app_id, token_id } => find_in_app(client, app_id, token_id).await,
        ImportId::Anywhere { token_id } => find_anywhere(client, token_id).await,
    };
    match found {
        Ok((app_id, key)) => {
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
        Err(diagnostic) => (Value::Null, diagnostic.into()),
    }
}

/// OneSignal's spelling of an app id given in another case (ids are compared case-insensitively;
/// state keeps OneSignal's spelling). Lower-case, OneSignal's usual spelling, when the apps
/// cannot be listed.
async fn app_id_spelling(client: &Api, app_id: &str) -> String {
    if !app_id.chars().any(|c| c.is_ascii_uppercase()) {
        return app_id.to_owned();
    }
    match client.list_apps().await {
        Ok(apps) => apps
            .iter()
            .find(|a| same_id(&a.id, app_id))
            .map_or_else(|| app_id.to_ascii_lowercase(), |a| a.id.clone()),
        Err(_) => app_id.to_ascii_lowercase(),
    }
}

async fn find_in_app(
    client: &Api,
    app_id: &str,
    token_id: &str,
) -> Result<(String, ApiKey), Diagnostic> {
    let app_id = app_id_spelling(client, app_id).await;
    match client.locate(&app_id, token_id).await {
        Ok(Located::Found(key)) => Ok((app_id, key)),
        Ok(Located::KeyGone) => Err(diagnostics::import_not_found(
            token_id,
            &format!("app {app_id}"),
        )),
        Ok(Located::AppGone) => Err(diagnostics::app_not_found(&app_id)),
        Err(error) => {
            let action = format!("looking up the key {token_id} to import");
            Err(diagnostics::lookup_failed(
                Operation::Import,
                &action,
                &app_id,
                &error,
            ))
        }
    }
}

async fn find_anywhere(client: &Api, token_id: &str) -> Result<(String, ApiKey), Diagnostic> {
    let action = format!("looking up the key {token_id} to import");
    let apps = client.list_apps().await.map_err(|error| {
        diagnostics::operation_failed(Operation::Import, &action, "(all apps)", &error)
    })?;
    for app in apps.iter() {
        match client.keys_of(&app.id).await {
            Ok(KeysOf::Listed(keys)) => {
                if let Some(key) = keys.iter().find(|k| same_id(&k.token_id, token_id)) {
                    return Ok((app.id.clone(), key.clone()));
                }
            }
            // Gone since the apps were listed: it holds no keys.
            Ok(KeysOf::AppGone) => {}
            Err(error) => {
                return Err(diagnostics::lookup_failed(
                    Operation::Import,
                    &action,
                    &app.id,
                    &error,
                ));
            }
        }
    }
    Err(diagnostics::import_not_found(
        token_id,
        "any app of the organization",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: &str = "2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f";
    const TOKEN: &str = "0d4bc2c4-8f0a-4b7e-9a41-3f2e7c1d5a60";

    #[test]
    fn import_id_forms() {
        assert_eq!(
            parse_import_id(&format!("{APP}/tok-1")),
            Ok(ImportId::InApp {
                app_id: APP,
                token_id: "tok-1"
            })
        );
        assert_eq!(
            parse_import_id(TOKEN),
            Ok(ImportId::Anywhere { token_id: TOKEN })
        );
        let upper = TOKEN.to_ascii_uppercase();
        assert_eq!(
            parse_import_id(&upper),
            Ok(ImportId::Anywhere { token_id: &upper })
        );
        for bad in [
            "",
            "not-a-uuid/tok",
            &format!("{APP}/"),
            &format!("{APP}/a/b"),
            "tok 1",
            "/tok",
        ] {
            assert_eq!(parse_import_id(bad), Err(BadImportId::Malformed), "{bad:?}");
        }
        for not_uuid in ["nonsense", "tok-1", "no-such-token"] {
            assert_eq!(
                parse_import_id(not_uuid),
                Err(BadImportId::NotUuid),
                "{not_uuid}"
            );
        }
        for spaced in [
            format!(" {TOKEN}"),
            format!("{TOKEN}\n"),
            format!("{APP}/{TOKEN} "),
        ] {
            assert_eq!(
                parse_import_id(&spaced),
                Err(BadImportId::Whitespace),
                "{spaced:?}"
            );
        }
        // Whitespace around something unusable anyway: the real problem is named.
        assert_eq!(parse_import_id(" nonsense "), Err(BadImportId::NotUuid));
        let detail = BadImportId::NotUuid.diagnostic("nonsense").detail;
        assert!(
            detail.contains("UUID") && detail.contains("Nothing was asked"),
            "{detail}"
        );
        let detail = BadImportId::Whitespace.diagnostic(" x").summary;
        assert!(detail.contains("remove the spaces"), "{detail}");
    }
}
