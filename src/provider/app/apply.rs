//! Create, update and destroy. Each returns the state Terraform should save and the diagnostics;
//! on failure the state is whatever is true on the server.

use crate::onesignal::{AppCredentials, Client};
use crate::tfplugin::{Diagnostics, Value};

use super::diagnostics;
use super::model::*;
use super::plan::{SendCredentials, send_credentials, settings_change};

/// `POST /apps` with the configured settings and credentials, then `GET /apps/{id}` for what
/// OneSignal chose itself. The app exists from the moment the create answers: a failed read-back
/// is a warning, never an error (Terraform would taint an app it cannot delete).
pub async fn create(client: &Client, planned: &Value, config: &Value) -> (Value, Diagnostics) {
    let mut state = Attrs::of(planned);
    let config = Attrs::of(config);
    let mut diags = Diagnostics::new();
    let Some(organization_id) = state.str(ORGANIZATION_ID).map(str::to_owned) else {
        return (Value::Null, diagnostics::organization_id_missing().into());
    };
    let settings = settings_to_send(&config);
    let credentials = with_safari_defaults(&settings, credentials_from(&config));
    let name = settings.name.clone().unwrap_or_default();
    tracing::info!(credentials = ?credentials, "creating an app");
    let view = match client
        .create_app(&organization_id, &settings, &credentials)
        .await
    {
        Ok(view) => view,
        Err(error) => {
            let action = format!("creating the app {name:?}");
            diags.push(diagnostics::client_error(&action, &error));
            return (Value::Null, diags);
        }
    };
    absorb_view(&mut state, &view, Absorb::AfterWrite);
    match client.get_app(&view.id).await {
        Ok(read) => absorb_view(&mut state, &read, Absorb::AfterWrite),
        Err(error) => diags.push(diagnostics::read_back_failed(&error)),
    }
    settle_unknowns(&mut state);
    (state.into_value(), diags)
}

/// `PUT /apps/{id}` with every configured setting, and the credentials when
/// `credentials_wo_version` changed; nothing at all when neither changed.
pub async fn update(
    client: &Client,
    prior: &Value,
    planned: &Value,
    config: &Value,
) -> (Value, Diagnostics) {
    let prior = Attrs::of(prior);
    let mut state = Attrs::of(planned);
    let config = Attrs::of(config);
    let app_id = state.str(ID).unwrap_or_default().to_owned();
    let send = send_credentials(&prior, &config) == SendCredentials::Yes;
    if settings_change(&prior, &state, &config) == Some(false) && !send {
        if !state.get(UPDATED_AT).is_known() {
            state.set(UPDATED_AT, prior.get(UPDATED_AT).clone());
        }
        return (state.into_value(), Diagnostics::new());
    }
    let settings = settings_to_send(&config);
    let credentials = if send {
        credentials_from(&config)
    } else {
        AppCredentials::default()
    };
    tracing::info!(app_id, credentials = ?credentials, "updating an app");
    match client.update_app(&app_id, &settings, &credentials).await {
        Ok(view) => {
            absorb_view(&mut state, &view, Absorb::AfterWrite);
            settle_unknowns(&mut state);
            (state.into_value(), Diagnostics::new())
        }
        Err(error) => {
            // Nothing recorded as done: the prior version stays, so the next apply sends again.
            let action = format!("updating app {app_id}");
            (
                prior.into_value(),
                diagnostics::client_error(&action, &error).into(),
            )
        }
    }
}

/// OneSignal's API cannot delete an app: destroy forgets it, and says so.
pub fn forget(prior: &Value) -> (Value, Diagnostics) {
    let prior = Attrs::of(prior);
    let (name, app_id) = (
        prior.str(NAME).unwrap_or_default(),
        prior.str(ID).unwrap_or_default(),
    );
    tracing::warn!(
        app_id,
        "destroy forgets the app; OneSignal's API cannot delete it"
    );
    (
        Value::Null,
        diagnostics::destroy_forgets(name, app_id).into(),
    )
}
