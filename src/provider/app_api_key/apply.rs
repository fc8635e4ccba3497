//! Create, update and delete. Each returns the state Terraform should save and the diagnostics;
//! on failure the state is whatever is true on the server, so nothing is lost or orphaned.

use crate::onesignal::{ApiKey, CreatedKey, Error, KeySpec};
use crate::provider::api::{Api, Located, same_id};
use crate::tfplugin::{Diagnostic, Diagnostics, Value};

use super::diagnostics::{self, Operation};
use super::model::*;
use super::plan::{Rotation, rotation};
use super::validate::MAX_NAME_CHARS;

/// Creates the key under a temporary name that carries a random marker, renames it to the
/// configured name, then reads it back for its timestamps. See the module documentation of the
/// resource for why the marker.
pub async fn create(client: &Api, planned: &Value) -> (Value, Diagnostics) {
    let mut state = Attrs::of(planned);
    let app_id = state.str(APP_ID).unwrap_or_default().to_owned();
    let spec = state.key_spec();
    let mut diags = Diagnostics::new();

    state.set_str(MODE, Some(spec.ip_allowlist_mode.as_str()));
    state.set(CREATED_AT, Value::Null);
    state.set(UPDATED_AT, Value::Null);
    let marker = new_marker();
    let marked = KeySpec {
        name: temporary_name(&spec.name, &marker),
        ..spec.clone()
    };
    let created = match create_marked(client, &app_id, &marked, &marker).await {
        Ok(created) => created,
        Err(CreateFailure::Failed(diagnostic)) => return (Value::Null, diagnostic.into()),
        Err(CreateFailure::AdoptedWithoutSecret { token_id, error }) => {
            // Tracked, so not orphaned: Terraform saves a state returned with an error as
            // tainted, and the next apply replaces the key (its temporary name does not matter).
            state.set_str(ID, Some(&format!("{app_id}/{token_id}")));
            state.set_str(TOKEN_ID, Some(&token_id));
            state.set(TOKEN, Value::Null);
            diags.push(diagnostics::adopted_without_secret(
                &app_id, &token_id, &error,
            ));
            return (state.into_value(), diags);
        }
    };

    // From here on the secret exists only in this state: it is returned whatever happens next.
    state.set_str(ID, Some(&format!("{app_id}/{}", created.token_id)));
    state.set_str(TOKEN_ID, Some(&created.token_id));
    state.set_str(TOKEN, Some(created.token.expose()));
    // State records the configured name either way: if the rename fails, the next refresh reads
    // the temporary name and the plan renames it. An error here would taint the key instead.
    if let Err(error) = client.update_key(&app_id, &created.token_id, &spec).await {
        diags.push(diagnostics::rename_failed(
            &app_id,
            &created.token_id,
            &marked.name,
            &error,
        ));
    }
    match find_key(client, &app_id, &created.token_id).await {
        Ok(Some(key)) => {
            state.set_str(CREATED_AT, key.created_at.as_deref());
            state.set_str(UPDATED_AT, key.updated_at.as_deref());
        }
        // A list that does not hold the new key yet (a replica behind the write): not an
        // error, the next refresh reads it.
        Ok(None) => diags.push(diagnostics::read_back_failed(
            "the app's key list does not hold the new key yet",
        )),
        Err(error) => diags.push(diagnostics::read_back_failed(&error)),
    }
    (state.into_value(), diags)
}

/// How many creates one resource sends at most while their answers keep getting lost: the first,
/// and one more when no key of the first turned up.
const CREATE_ATTEMPTS: usize = 2;

/// OneSignal's limit of App API keys per app.
pub const KEYS_PER_APP: usize = 16;

/// A fresh marker for one resource's create, e.g. `[tf-3f9a1c2e]`: 32 random bits, so that no
/// other writer's key (another Terraform run, the dashboard, a script) carries it by chance.
fn new_marker() -> String {
    format!("[tf-{:08x}]", rand::random::<u32>())
}

/// `name` followed by the marker, the name cut (by characters) so that the whole stays within
/// OneSignal's limit.
fn temporary_name(name: &str, marker: &str) -> String {
    let room = MAX_NAME_CHARS.saturating_sub(marker.chars().count() + 1);
    let kept: String = name.chars().take(room).collect();
    format!("{kept} {marker}")
}

/// Why a create did not yield a key and its secret.
enum CreateFailure {
    /// No key of this resource is tracked; the diagnostic says whether one may exist.
    Failed(Diagnostic),
    /// The lost create made `token_id`, but rotating its unseen secret failed.
    AdoptedWithoutSecret { token_id: String, error: Error },
}

/// What a list of the app shows of the keys carrying a create's marker.
#[derive(Debug, PartialEq)]
enum Found<'a> {
    /// No key carries it: the lost create did not act.
    None,
    /// Exactly one: the lost create's key, proven by the marker.
    One(&'a ApiKey),
    /// Several (a create delivered twice): which one's secret nobody else saw cannot be told.
    Several(Vec<&'a ApiKey>),
}

/// The keys of `keys` whose name carries `marker`.
fn carrying<'a>(keys: &'a [ApiKey], marker: &str) -> Found<'a> {
    let mut found: Vec<&ApiKey> = keys.iter().filter(|k| k.name.contains(marker)).collect();
    match found.len() {
        0 => Found::None,
        1 => Found::One(found.remove(0)),
        _ => Found::Several(found),
    }
}

/// Sends the create of a key named with `marker`; when its answer was lost, adopts the key that
/// carries the marker (rotating it) or, when none does, sends it once more.
async fn create_marked(
    client: &Api,
    app_id: &str,
    marked: &KeySpec,
    marker: &str,
) -> Result<CreatedKey, CreateFailure> {
    let action = format!("creating the key {:?} in app {app_id}", marked.name);
    let mut lost = Vec::new();
    loop {
        let error = match client.create_key(app_id, marked).await {
            Ok(created) => return Ok(created),
            Err(Error::Ambiguous { detail }) => {
                lost.push(detail);
                None
            }
            Err(error) => Some(error),
        };
        if let Some(error) = error {
            if !lost.is_empty() {
                // The earlier, lost create may still have made a key: that is what the user must hear.
                let error = Error::Ambiguous {
                    detail: format!("{}; sending it again failed: {error}", lost.join("; ")),
                };
                return Err(CreateFailure::Failed(diagnostics::client_error(
                    &action, app_id, &error,
                )));
            }
            return Err(CreateFailure::Failed(
                refused_create(client, app_id, &action, &error).await,
            ));
        }
        tracing::warn!(
            app_id,
            marker,
            "create answer lost; looking for the key carrying its marker"
        );
        let keys = client.list_keys(app_id).await.map_err(|error| {
            // The key may exist, and nobody tracks it: say so, not only why the list failed.
            let error = Error::Ambiguous {
                detail: format!(
                    "{}; looking for the key it may have made failed: {error}",
                    lost.join("; ")
                ),
            };
            CreateFailure::Failed(diagnostics::client_error(&action, app_id, &error))
        })?;
        let adopted = match carrying(&keys, marker) {
            Found::One(key) => key,
            Found::Several(keys) => {
                let token_ids: Vec<&str> = keys.iter().map(|k| k.token_id.as_str()).collect();
                return Err(CreateFailure::Failed(diagnostics::lost_create_unprovable(
                    app_id,
                    &marked.name,
                    &token_ids,
                )));
            }
            Found::None if lost.len() < CREATE_ATTEMPTS => continue,
            Found::None => {
                let error = Error::Ambiguous {
                    detail: format!(
                        "{} creates in a row got no answer, and no key named {:?} appeared ({})",
                        lost.len(),
                        marked.name,
                        lost.join("; ")
                    ),
                };
                return Err(CreateFailure::Failed(diagnostics::client_error(
                    &action, app_id, &error,
                )));
            }
        };
        tracing::info!(app_id, token_id = %adopted.token_id, "adopting the key the lost create made, rotating its secret");
        return match client.rotate_key(app_id, &adopted.token_id).await {
            Ok(token) => Ok(CreatedKey {
                token_id: adopted.token_id.clone(),
                token,
            }),
            Err(error) => Err(CreateFailure::AdoptedWithoutSecret {
                token_id: adopted.token_id.clone(),
                error,
            }),
        };
    }
}

/// The diagnostic for a create OneSignal refused. A refusal (a 4xx other than the ones the
/// client names) is counted against the app's keys: 16 or more means the key limit, however
/// OneSignal words it.
async fn refused_create(client: &Api, app_id: &str, action: &str, error: &Error) -> Diagnostic {
    if matches!(error, Error::Validation { .. })
        && let Ok(keys) = client.list_keys(app_id).await
        && keys.len() >= KEYS_PER_APP
    {
        return diagnostics::key_limit_counted(app_id, keys.len(), error);
    }
    diagnostics::client_error(action, app_id, error)
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
            diags.push(match gone_after(client, &app_id, &token_id, &error).await {
                Some(how) => diagnostics::deleted_outside_terraform(&app_id, &token_id, how),
                None => {
                    let action = format!("updating the key {token_id} of app {app_id}");
                    diagnostics::operation_failed(Operation::Update, &action, &app_id, &error)
                }
            });
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
                if let Some(how) = gone_after(client, &app_id, &token_id, &error).await {
                    diags.push(diagnostics::deleted_outside_terraform(
                        &app_id, &token_id, how,
                    ));
                    return (prior.into_value(), diags);
                }
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

/// Deletes the key. A DELETE refused with a 4xx counts as done only when a successful list
/// then proves the key absent (a status code alone proves nothing: see [`Api::keys_of`]).
pub async fn delete(client: &Api, prior: &Value) -> (Value, Diagnostics) {
    let prior = Attrs::of(prior);
    let app_id = prior.str(APP_ID).unwrap_or_default();
    let token_id = prior.str(TOKEN_ID).unwrap_or_default();
    let action = format!("deleting the key {token_id} of app {app_id}");
    let error = match client.delete_key(app_id, token_id).await {
        Ok(()) => return (Value::Null, Diagnostics::new()),
        Err(error) if is_client_error(&error) => error,
        Err(error) => {
            let diag = diagnostics::operation_failed(Operation::Delete, &action, app_id, &error);
            return (prior.into_value(), diag.into());
        }
    };
    let diag = match client.locate(app_id, token_id).await {
        Ok(Located::KeyGone | Located::AppGone) => {
            tracing::info!(app_id, token_id, %error, "DELETE refused, but the key is proven gone");
            return (Value::Null, Diagnostics::new());
        }
        Ok(Located::Found(_)) => {
            diagnostics::delete_refused_key_still_listed(app_id, token_id, &error)
        }
        Err(lookup) => {
            let action = format!(
                "checking whether the key {token_id} of app {app_id} still exists after the \
                 DELETE failed ({error})"
            );
            diagnostics::lookup_failed(Operation::Delete, &action, app_id, &lookup)
        }
    };
    (prior.into_value(), diag.into())
}

/// Whether OneSignal answered with a client error (4xx), which may mean that the key is gone.
fn is_client_error(error: &Error) -> bool {
    error.status().is_some_and(|s| (400..500).contains(&s))
}

/// After an update or rotation failed with a client error: how the key is proven gone, if it is.
async fn gone_after(
    client: &Api,
    app_id: &str,
    token_id: &str,
    error: &Error,
) -> Option<&'static str> {
    if !is_client_error(error) {
        return None;
    }
    match client.locate(app_id, token_id).await {
        Ok(Located::KeyGone) => Some("a list of its app no longer holds it"),
        Ok(Located::AppGone) => Some("its app is no longer among the organization's apps"),
        Ok(Located::Found(_)) | Err(_) => None,
    }
}

/// The key `token_id` of app `app_id`, from the app's key list.
pub async fn find_key(client: &Api, app_id: &str, token_id: &str) -> Result<Option<ApiKey>, Error> {
    let keys = client.list_keys(app_id).await?;
    Ok(keys
        .iter()
        .find(|k| same_id(&k.token_id, token_id))
        .cloned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onesignal::AllowlistMode;

    fn key(token_id: &str, name: &str) -> ApiKey {
        ApiKey {
            token_id: token_id.into(),
            name: name.into(),
            ip_allowlist_mode: AllowlistMode::Disabled.into(),
            ip_allowlist: Vec::new(),
            created_at: None,
            updated_at: None,
        }
    }

    #[test]
    fn markers_are_random_and_short() {
        let (a, b) = (new_marker(), new_marker());
        assert_ne!(a, b);
        assert_eq!(a.len(), "[tf-00000000]".len());
        assert!(a.starts_with("[tf-") && a.ends_with(']'), "{a}");
    }

    #[test]
    fn temporary_names_stay_within_the_limit() {
        let marker = "[tf-3f9a1c2e]";
        assert_eq!(temporary_name("svc", marker), "svc [tf-3f9a1c2e]");
        for name in ["x".repeat(128), "é".repeat(128), "日".repeat(115)] {
            let temporary = temporary_name(&name, marker);
            assert_eq!(temporary.chars().count(), MAX_NAME_CHARS, "{temporary}");
            assert!(temporary.ends_with(" [tf-3f9a1c2e]"));
            assert!(name.starts_with(temporary.split(" [tf-").next().unwrap()));
        }
        let short = "y".repeat(MAX_NAME_CHARS - marker.len() - 1);
        assert_eq!(temporary_name(&short, marker), format!("{short} {marker}"));
    }

    #[test]
    fn unprovable_candidates_are_named_with_their_imports() {
        let d = diagnostics::lost_create_unprovable("app-1", "svc [tf-3f9a1c2e]", &["t1", "t2"]);
        assert_eq!(d.severity, crate::tfplugin::Severity::Error);
        for wanted in [
            "t1, t2",
            "terraform import <address> app-1/t1",
            "terraform import <address> app-1/t2",
            "\"svc [tf-3f9a1c2e]\"",
        ] {
            assert!(d.detail.contains(wanted), "{wanted}: {}", d.detail);
        }
    }

    #[test]
    fn only_the_marker_proves_a_key() {
        let marker = "[tf-3f9a1c2e]";
        let keys = [
            // Another writer's key of the same configured name, made at the same moment.
            key("theirs", "svc"),
            // Another run's create of the same name, with its own marker.
            key("neighbour", "svc [tf-0badc0de]"),
            key("ours", "svc [tf-3f9a1c2e]"),
        ];
        assert_eq!(carrying(&keys, marker), Found::One(&keys[2]));
        assert_eq!(carrying(&keys[..2], marker), Found::None);
        let twice = [keys[2].clone(), key("again", "svc [tf-3f9a1c2e]")];
        assert_eq!(
            carrying(&twice, marker),
            Found::Several(vec![&twice[0], &twice[1]])
        );
    }
}
