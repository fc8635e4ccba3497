//! Create, update and delete. Each returns the state Terraform should save and the diagnostics;
//! on failure the state is whatever is true on the server, so nothing is lost or orphaned.

use std::time::Duration;

use time::format_description::well_known::{Iso8601, Rfc3339};
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::onesignal::{ApiKey, CreatedKey, Error, KeySpec};
use crate::provider::api::{Api, KnownKeys, Located, same_id};
use crate::tfplugin::{Diagnostic, Diagnostics, Value};

use super::diagnostics::{self, Operation};
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

    state.set_str(MODE, Some(spec.ip_allowlist_mode.as_str()));
    state.set(CREATED_AT, Value::Null);
    state.set(UPDATED_AT, Value::Null);
    let created = match create_without_orphans(client, &app_id, &spec, &mut diags).await {
        Ok(created) => created,
        Err(CreateFailure::Failed(error)) => {
            let action = format!("creating the key {:?} in app {app_id}", spec.name);
            diags.push(diagnostics::client_error(&action, &app_id, &error));
            return (Value::Null, diags);
        }
        Err(CreateFailure::AdoptedWithoutSecret { token_id, error }) => {
            // Tracked, so not orphaned: Terraform saves a state returned with an error as
            // tainted, and the next apply replaces the key.
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

/// How many creates one resource sends at most while their answers keep getting lost: the first,
/// and one more when no key of the first turned up.
const CREATE_ATTEMPTS: usize = 2;

/// Why a create did not yield a key and its secret.
enum CreateFailure {
    /// No key of this resource is known to exist (the error says whether one may).
    Failed(Error),
    /// The lost create made `token_id`, but rotating its unseen secret failed.
    AdoptedWithoutSecret { token_id: String, error: Error },
}

/// Sends the create; when its answer was lost, adopts the key it made (rotating it) or sends it
/// once more. See the module documentation of the resource.
async fn create_without_orphans(
    client: &Api,
    app_id: &str,
    spec: &KeySpec,
    diags: &mut Diagnostics,
) -> Result<CreatedKey, CreateFailure> {
    // No other create of this name in this app runs meanwhile, so a key of this name that
    // appears during the attempt is this attempt's, not a neighbour's whose answer is on its way.
    let _creating = client.creating(app_id, &spec.name).await;
    // What the app held before: none of it was made by this create. An apply does not refresh,
    // so its process may not have listed the app yet: one list per app and process (shared by
    // the app's other creates). If it fails, creation times alone decide.
    if !client.known_keys(app_id).listed
        && let Err(error) = client.list_keys(app_id).await
    {
        tracing::debug!(app_id, %error, "could not list the app's keys before creating");
    }
    let before = client.known_keys(app_id);
    let started = OffsetDateTime::now_utc();
    let mut lost = Vec::new();
    loop {
        match client.create_key(app_id, spec).await {
            Err(Error::Ambiguous { detail }) => lost.push(detail),
            Ok(created) => return Ok(created),
            Err(error) if lost.is_empty() => return Err(CreateFailure::Failed(error)),
            // The earlier, lost create may still have made a key: that is what the user must hear.
            Err(error) => {
                return Err(CreateFailure::Failed(Error::Ambiguous {
                    detail: format!("{}; sending it again failed: {error}", lost.join("; ")),
                }));
            }
        }
        tracing::warn!(
            app_id,
            "create answer lost; looking for the key it may have made"
        );
        let keys = client.list_keys(app_id).await.map_err(|error| {
            // The key may exist, and nobody tracks it: say so, not only why the list failed.
            CreateFailure::Failed(Error::Ambiguous {
                detail: format!("looking for the key it may have made failed: {error}"),
            })
        })?;
        let candidates = made_during(&keys, &spec.name, &before, started);
        let Some(adopted) = client.claim_first(app_id, candidates.iter().copied()) else {
            if lost.len() < CREATE_ATTEMPTS {
                continue;
            }
            return Err(CreateFailure::Failed(Error::Ambiguous {
                detail: format!(
                    "{} creates in a row got no answer, and no key of this name appeared ({})",
                    lost.len(),
                    lost.join("; ")
                ),
            }));
        };
        let others: Vec<&str> = candidates
            .iter()
            .map(|k| k.token_id.as_str())
            .filter(|t| *t != adopted.token_id)
            .collect();
        if !others.is_empty() {
            diags.push(diagnostics::lost_creates_may_have_made(app_id, &others));
        }
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

/// The keys named `name` that the create started at `started` may have made, newest first: not
/// among the keys seen `before` it, and created no earlier than its start (less clock skew). A
/// key whose `created_at` cannot be read qualifies only when a list from before the attempt
/// shows it is new; without evidence a key is never adopted, since rotating it would kill a
/// secret someone else may use.
fn made_during<'a>(
    keys: &'a [ApiKey],
    name: &str,
    before: &KnownKeys,
    started: OffsetDateTime,
) -> Vec<&'a ApiKey> {
    let earliest = started - CLOCK_SKEW;
    let mut candidates: Vec<(Option<OffsetDateTime>, &ApiKey)> = keys
        .iter()
        .filter(|k| k.name == name && !before.token_ids.contains(&k.token_id))
        .map(|k| (k.created_at.as_deref().and_then(parse_instant), k))
        .filter(|(created, _)| match created {
            Some(created) => *created >= earliest,
            None => before.listed,
        })
        .collect();
    candidates.sort_by_key(|(created, _)| std::cmp::Reverse(*created));
    candidates.into_iter().map(|(_, k)| k).collect()
}

/// An ISO-8601 timestamp as OneSignal may write it: RFC 3339, or without an offset (UTC), with a
/// space or a `T` between date and time.
fn parse_instant(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    let with_t = text.replacen(' ', "T", 1);
    OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(&with_t, &Iso8601::DEFAULT))
        .ok()
        .or_else(|| {
            PrimitiveDateTime::parse(&with_t, &Iso8601::DEFAULT)
                .ok()
                .map(PrimitiveDateTime::assume_utc)
        })
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

    fn key(token_id: &str, name: &str, created_at: Option<&str>) -> ApiKey {
        ApiKey {
            token_id: token_id.into(),
            name: name.into(),
            ip_allowlist_mode: AllowlistMode::Disabled.into(),
            ip_allowlist: Vec::new(),
            created_at: created_at.map(Into::into),
            updated_at: None,
        }
    }

    fn known(listed: bool, token_ids: &[&str]) -> KnownKeys {
        KnownKeys {
            listed,
            token_ids: token_ids.iter().map(|t| (*t).to_owned()).collect(),
        }
    }

    fn ids(keys: Vec<&ApiKey>) -> Vec<&str> {
        keys.into_iter().map(|k| k.token_id.as_str()).collect()
    }

    #[test]
    fn adoption_candidates_are_new_keys_of_that_name_newest_first() {
        let started = time::macros::datetime!(2026-11-26 12:00:00 UTC);
        let keys = [
            key("old", "svc", Some("2026-11-26T11:00:00Z")),
            key("other", "other", Some("2026-11-26T12:00:05Z")),
            key("skewed", "svc", Some("2026-11-26T11:59:30Z")),
            key("new", "svc", Some("2026-11-26 12:00:02")),
            key("seen", "svc", Some("2026-11-26T12:00:09Z")),
            key("undated", "svc", None),
        ];
        let nothing_listed = known(false, &[]);
        assert_eq!(
            ids(made_during(&keys, "svc", &nothing_listed, started)),
            ["seen", "new", "skewed"]
        );
        // A list from before the attempt rules out what it showed, and vouches for undated keys.
        let listed = known(true, &["old", "seen"]);
        assert_eq!(
            ids(made_during(&keys, "svc", &listed, started)),
            ["new", "skewed", "undated"]
        );
        assert!(made_during(&keys, "nope", &listed, started).is_empty());
    }

    #[test]
    fn timestamps_parse_in_iso_8601_spellings() {
        let at = time::macros::datetime!(2026-11-26 12:00:02 UTC);
        for text in [
            "2026-11-26T12:00:02Z",
            "2026-11-26T12:00:02.000Z",
            "2026-11-26T13:00:02+01:00",
            "2026-11-26 12:00:02",
            "2026-11-26T12:00:02",
            "2026-11-26 17:00:02+05:00",
        ] {
            assert_eq!(parse_instant(text), Some(at), "{text}");
        }
        assert_eq!(parse_instant("yesterday"), None);
    }
}
