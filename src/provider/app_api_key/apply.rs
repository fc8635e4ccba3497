//! Create, update and delete. Each returns the state Terraform should save and the diagnostics;
//! on failure the state is whatever is true on the server, so nothing is lost or orphaned.

use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::onesignal::{ApiKey, CreatedKey, Error, KeySpec};
use crate::provider::api::Api;
use crate::tfplugin::{Diagnostic, Diagnostics, Value};

use super::diagnostics;
use super::model::*;
use super::plan::{Rotation, rotation};

/// How far OneSignal's clock may be behind ours when judging whether a key was created during
/// an attempt.
const CLOCK_SKEW: Duration = Duration::from_secs(60);

/// Creates the key, then reads it back for its timestamps.
pub async fn create(client: &Api, planned: &Value) -> (Value, Diagnostics) {
    let mut state = Attrs::of(planned);
    let app_id = state.str(APP_ID).unwrap_or_default().to_owned();
    let spec = state.key_spec();
    let mut diags = Diagnostics::new();

    let created = match create_without_orphans(client, &app_id, &spec).await {
        Ok(created) => created,
        Err(error) => {
            let action = format!("creating the key {:?} in app {app_id}", spec.name);
            diags.push(diagnostics::client_error(&action, &app_id, &error));
            return (Value::Null, diags);
        }
    };

    // From here on the secret exists only in this state: it is returned whatever happens next.
    state.set_str(ID, Some(&format!("{app_id}/{}", created.token_id)));
    state.set_str(TOKEN_ID, Some(&created.token_id));
    state.set_str(TOKEN, Some(created.token.expose()));
    state.set_str(MODE, Some(spec.ip_allowlist_mode.as_str()));
    state.set(CREATED_AT, Value::Null);
    state.set(UPDATED_AT, Value::Null);
    match find_key(client, &app_id, &created.token_id).await {
        Ok(Some(key)) => {
            state.set_str(CREATED_AT, key.created_at.as_deref());
            state.set_str(UPDATED_AT, key.updated_at.as_deref());
        }
        Ok(None) => diags.push(diagnostics::read_back_failed(&Error::NotFound {
            status: 200,
            messages: vec!["the new key is missing from the app's key list".to_owned()],
        })),
        Err(error) => diags.push(diagnostics::read_back_failed(&error)),
    }
    (state.into_value(), diags)
}

/// Sends the create; when its answer was lost, adopts the key it made (rotating it) or sends it
/// once more. See the module documentation of the resource.
async fn create_without_orphans(
    client: &Api,
    app_id: &str,
    spec: &KeySpec,
) -> Result<CreatedKey, Error> {
    let started = OffsetDateTime::now_utc();
    let first = client.create_key(app_id, spec).await;
    let Err(Error::Ambiguous { .. }) = first else {
        return first;
    };
    tracing::warn!(
        app_id,
        "create answer lost; looking for the key it may have made"
    );
    let keys = client.list_keys(app_id).await?;
    if let Some(adopted) = made_during(&keys, &spec.name, started) {
        tracing::info!(app_id, token_id = %adopted.token_id, "adopting the key the lost create made, rotating its secret");
        let token = client.rotate_key(app_id, &adopted.token_id).await?;
        return Ok(CreatedKey {
            token_id: adopted.token_id.clone(),
            token,
        });
    }
    client.create_key(app_id, spec).await
}

/// The newest key named `name` whose creation time is not before `started` (less clock skew).
fn made_during<'a>(keys: &'a [ApiKey], name: &str, started: OffsetDateTime) -> Option<&'a ApiKey> {
    let earliest = started - CLOCK_SKEW;
    keys.iter()
        .filter(|k| k.name == name)
        .filter_map(|k| {
            let created = OffsetDateTime::parse(k.created_at.as_deref()?, &Rfc3339).ok()?;
            (created >= earliest).then_some((created, k))
        })
        .max_by_key(|(created, _)| *created)
        .map(|(_, k)| k)
}

/// Sends a PATCH when name, mode or allowlist changed, then rotates when the trigger says so.
pub async fn update(client: &Api, prior: &Value, planned: &Value) -> (Value, Diagnostics) {
    let prior = Attrs::of(prior);
    let mut state = Attrs::of(planned);
    let app_id = state.str(APP_ID).unwrap_or_default().to_owned();
    let token_id = state.str(TOKEN_ID).unwrap_or_default().to_owned();
    let mut diags = Diagnostics::new();
    let mut changed = false;

    if state.settings_differ(&prior) != Some(false) {
        let spec = state.key_spec();
        if let Err(error) = client.update_key(&app_id, &token_id, &spec).await {
            let action = format!("updating the key {token_id} of app {app_id}");
            diags.push(diagnostics::client_error(&action, &app_id, &error));
            return (prior.into_value(), diags);
        }
        state.set_str(MODE, Some(spec.ip_allowlist_mode.as_str()));
        changed = true;
    }

    state.set(TOKEN, prior.get(TOKEN).clone());
    if rotation(prior.get(ROTATION_TRIGGER), state.get(ROTATION_TRIGGER)) == Rotation::Yes {
        match client.rotate_key(&app_id, &token_id).await {
            Ok(token) => {
                state.set_str(TOKEN, Some(token.expose()));
                changed = true;
            }
            Err(error) => {
                // The PATCH (if any) took effect; the rotation did not. Record exactly that, and
                // keep the prior trigger so that the next plan asks for the rotation again.
                state.set(ROTATION_TRIGGER, prior.get(ROTATION_TRIGGER).clone());
                diags.push(diagnostics::rotation_failed(&app_id, &error));
                if !state.get(UPDATED_AT).is_known() {
                    state.set(
                        UPDATED_AT,
                        if changed {
                            Value::Null
                        } else {
                            prior.get(UPDATED_AT).clone()
                        },
                    );
                }
                return (state.into_value(), diags);
            }
        }
    }

    if changed {
        match find_key(client, &app_id, &token_id).await {
            Ok(Some(key)) => state.set_str(UPDATED_AT, key.updated_at.as_deref()),
            Ok(None) => state.set(UPDATED_AT, Value::Null),
            Err(error) => {
                state.set(UPDATED_AT, Value::Null);
                diags.push(Diagnostic::warning(
                    "Updated the key, but could not read it back",
                    format!("updated_at stays empty until the next refresh: {error}."),
                ));
            }
        }
    } else if !state.get(UPDATED_AT).is_known() {
        state.set(UPDATED_AT, prior.get(UPDATED_AT).clone());
    }
    (state.into_value(), diags)
}

/// Deletes the key; one that is already gone counts as deleted.
pub async fn delete(client: &Api, prior: &Value) -> (Value, Diagnostics) {
    let prior = Attrs::of(prior);
    let app_id = prior.str(APP_ID).unwrap_or_default();
    let token_id = prior.str(TOKEN_ID).unwrap_or_default();
    match client.delete_key(app_id, token_id).await {
        Ok(()) => (Value::Null, Diagnostics::new()),
        Err(error) if error.is_not_found() => (Value::Null, Diagnostics::new()),
        Err(error) => {
            let action = format!("deleting the key {token_id} of app {app_id}");
            let diag = diagnostics::client_error(&action, app_id, &error);
            (prior.into_value(), diag.into())
        }
    }
}

/// The key `token_id` of app `app_id`, from the app's key list.
pub async fn find_key(client: &Api, app_id: &str, token_id: &str) -> Result<Option<ApiKey>, Error> {
    let keys = client.list_keys(app_id).await?;
    Ok(keys.iter().find(|k| k.token_id == token_id).cloned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onesignal::AllowlistMode;

    fn key(token_id: &str, name: &str, created_at: Option<&str>) -> ApiKey {
        ApiKey {
            token_id: token_id.into(),
            name: name.into(),
            ip_allowlist_mode: AllowlistMode::Disabled,
            ip_allowlist: Vec::new(),
            created_at: created_at.map(Into::into),
            updated_at: None,
        }
    }

    #[test]
    fn adoption_picks_the_newest_key_of_that_name_made_during_the_attempt() {
        let started = time::macros::datetime!(2026-11-26 12:00:00 UTC);
        let keys = [
            key("old", "svc", Some("2026-11-26T11:00:00Z")),
            key("other", "other", Some("2026-11-26T12:00:05Z")),
            key("skewed", "svc", Some("2026-11-26T11:59:30Z")),
            key("new", "svc", Some("2026-11-26T12:00:02Z")),
            key("undated", "svc", None),
        ];
        assert_eq!(made_during(&keys, "svc", started).unwrap().token_id, "new");
        assert!(made_during(&keys[..1], "svc", started).is_none());
        assert!(made_during(&keys, "nope", started).is_none());
    }
}
