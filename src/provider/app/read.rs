//! Read (refresh) and import. An app is gone only when OneSignal proves it: a successful
//! `GET /apps` that lacks it and is below the list's cap. No status code proves anything: a
//! wrong `api_url`, a proxy or a gateway answers 404 or 400 for everything, and a false "gone"
//! would plan a second app, which the API could never delete.

use crate::onesignal::{Client, Error};
use crate::provider::api::same_id;
use crate::provider::app_api_key::validate::is_uuid;
use crate::tfplugin::{Diagnostic, Diagnostics, Value};

use super::diagnostics;
use super::model::*;
use super::schema;

/// How many apps `GET /apps` returns at most: a list that long may lack an app that exists.
pub const APP_LIST_CAP: usize = crate::provider::api::MAX_LISTED_APPS;

/// What the organization's list says about an app that could not be read.
#[derive(Debug, PartialEq, Eq)]
pub enum ListVerdict {
    /// Listed below the cap without it: gone.
    Gone,
    /// Missing from a list at the cap (its length): maybe beyond the end.
    NotProven(usize),
    /// Listed, or the list could not be had: it is the read that failed.
    Unknown,
}

/// Whether a failed read of `app_id` is worth asking the list about: only answers that could
/// mean "no such app" (a 4xx other than refused credentials and rate limiting).
pub fn may_mean_gone(error: &Error) -> bool {
    status_may_mean_gone(error.status())
}

fn status_may_mean_gone(status: Option<u16>) -> bool {
    matches!(status, Some(status) if (400..500).contains(&status)
        && !matches!(status, 401 | 403 | 429))
}

/// Asks `GET /apps` whether `app_id` exists.
pub async fn list_verdict(client: &Client, app_id: &str) -> ListVerdict {
    match client.list_apps().await {
        Ok(apps) if apps.iter().any(|a| same_id(&a.id, app_id)) => ListVerdict::Unknown,
        Ok(apps) if apps.len() >= APP_LIST_CAP => ListVerdict::NotProven(apps.len()),
        Ok(_) => ListVerdict::Gone,
        Err(error) => {
            tracing::debug!(app_id, %error, "could not list the organization's apps");
            ListVerdict::Unknown
        }
    }
}

/// Refreshes a state from `GET /apps/{id}`. Settings the answer leaves out keep their value;
/// `additional_data_is_root_payload` and `credentials_wo_version` are Terraform's own.
pub async fn read(client: &Client, current: &Value) -> (Value, Diagnostics) {
    let mut state = Attrs::of(current);
    let app_id = state.str(ID).unwrap_or_default().to_owned();
    match client.get_app(&app_id).await {
        Ok(view) => {
            absorb_view(&mut state, &view, Absorb::Refresh);
            (state.into_value(), Diagnostics::new())
        }
        Err(error) => {
            let verdict = if may_mean_gone(&error) {
                list_verdict(client, &app_id).await
            } else {
                ListVerdict::Unknown
            };
            match verdict {
                ListVerdict::Gone => {
                    tracing::info!(app_id, "the app is gone; removing it from state");
                    (Value::Null, Diagnostics::new())
                }
                ListVerdict::NotProven(listed) => (
                    current.clone(),
                    diagnostics::not_proven_gone(&app_id, listed, &error).into(),
                ),
                ListVerdict::Unknown => {
                    let action = format!("reading app {app_id}");
                    (
                        current.clone(),
                        diagnostics::client_error(&action, &error).into(),
                    )
                }
            }
        }
    }
}

/// An empty state: every attribute of the schema, null.
fn empty_state() -> Attrs {
    let mut state = Attrs::default();
    for attribute in schema::schema().block.attributes {
        state.set(attribute.name, Value::Null);
    }
    state
}

/// Finds the app an import id names and returns its state, without credentials.
pub async fn import(client: &Client, id: &str) -> (Value, Diagnostics) {
    let id = id.trim();
    if !is_uuid(id) {
        return (Value::Null, diagnostics::malformed_import_id(id).into());
    }
    match client.get_app(id).await {
        Ok(view) => {
            let mut state = empty_state();
            absorb_view(&mut state, &view, Absorb::Refresh);
            (
                state.into_value(),
                diagnostics::imported_without_credentials().into(),
            )
        }
        Err(error) => {
            let gone = may_mean_gone(&error) && list_verdict(client, id).await == ListVerdict::Gone;
            let diagnostic: Diagnostic = if gone {
                diagnostics::import_not_found(id)
            } else {
                diagnostics::client_error(&format!("looking up app {id} to import"), &error)
            };
            (Value::Null, diagnostic.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_answers_that_could_mean_no_such_app_are_checked_against_the_list() {
        for status in [400, 404, 410, 422] {
            assert!(status_may_mean_gone(Some(status)), "{status}");
        }
        for status in [None, Some(401), Some(403), Some(429), Some(500), Some(503)] {
            assert!(!status_may_mean_gone(status), "{status:?}");
        }
        assert!(!may_mean_gone(&Error::Cancelled));
    }
}
