//! Named diagnostics of the resource: each client error becomes a sentence-sized summary and a
//! detail that carries OneSignal's own words and the HTTP status, then says what to do.
//! The client's errors never hold a secret, so neither do these.

use crate::onesignal::Error;
use crate::provider::api::{LookupError, Unproven};
use crate::provider::config::{DEFAULT_API_URL, ENV_API_URL, ENV_ORGANIZATION_API_KEY};
use crate::tfplugin::{AttributePath, Diagnostic};

/// What the provider was doing when OneSignal failed, e.g. "creating the key \"svc\"".
pub fn client_error(action: &str, app_id: &str, error: &Error) -> Diagnostic {
    let (summary, advice) = match error {
        Error::CredentialsRejected { .. } => (
            "OneSignal rejected the organization API key".to_owned(),
            format!(
                "Set organization_api_key in the provider block, or {ENV_ORGANIZATION_API_KEY}, \
                 to an organization API key (os_v2_org_…) of the organization that owns app \
                 {app_id}; an App API key cannot manage keys."
            ),
        ),
        Error::NotFound { .. } => (
            "OneSignal app or key not found".to_owned(),
            format!(
                "Check that app {app_id} exists and belongs to the organization of the \
                 organization API key."
            ),
        ),
        Error::RateLimited { .. } => (
            "OneSignal kept rate limiting the provider".to_owned(),
            "Retry later, raise max_retries in the provider block, or lower Terraform's \
             -parallelism."
                .to_owned(),
        ),
        Error::Validation { .. } => (
            "OneSignal refused the key settings".to_owned(),
            "Correct the attribute OneSignal's message names.".to_owned(),
        ),
        Error::KeyLimitReached { .. } => (
            "The app already has 16 API keys".to_owned(),
            format!(
                "OneSignal allows at most 16 App API keys per app. Delete keys app {app_id} no \
                 longer needs (dashboard: Settings → Keys & IDs), then apply again."
            ),
        ),
        Error::Server { .. } => (
            "OneSignal failed to answer".to_owned(),
            "This is on OneSignal's side; apply again later.".to_owned(),
        ),
        Error::Transport { .. } => (
            "Cannot reach OneSignal".to_owned(),
            "Check the network, any HTTPS_PROXY setting, and api_url.".to_owned(),
        ),
        Error::Ambiguous { .. } => (
            "OneSignal did not answer the create request".to_owned(),
            format!(
                "The provider could not tell whether the key was created, and Terraform does not \
                 track it. Look at app {app_id}'s keys (dashboard: Settings → Keys & IDs): if a \
                 key of this name is there, import it with `terraform import <address> \
                 {app_id}/<token_id>` (then change rotation_trigger to get a secret Terraform \
                 knows) or delete it, and apply again."
            ),
        ),
        Error::Cancelled => (
            "Stopped by Terraform".to_owned(),
            "Terraform asked the provider to stop (Ctrl-C) while it was waiting on OneSignal."
                .to_owned(),
        ),
        Error::InvalidResponse { .. } => (
            "OneSignal sent an unexpected answer".to_owned(),
            "If api_url points at something other than OneSignal's API, correct it; otherwise \
             report this to the provider's maintainers."
                .to_owned(),
        ),
        _ => ("OneSignal request failed".to_owned(), String::new()),
    };
    let mut what = format!("While {action}: {error}");
    if !what.ends_with(['.', ')']) {
        what.push('.');
    }
    Diagnostic::error(summary, format!("{what}\n\n{advice}"))
}

/// Create answered, the read-back did not: the key is kept with its secret.
pub fn read_back_failed(why: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::warning(
        "Created the key, but could not read it back",
        format!(
            "The key and its secret are saved in state; created_at and updated_at stay empty \
             until the next refresh fills them in. Reading it back failed: {why}."
        ),
    )
}

/// A rotation after a successful update failed: the state records the update only.
///
/// Whether the previous secret still works depends on the failure: a refusal means OneSignal did
/// not rotate; a lost answer, a server error or a stop mid-request may come after it did.
pub fn rotation_failed(app_id: &str, error: &Error) -> Diagnostic {
    let mut diagnostic = operation_failed(Operation::Rotate, "rotating the key", app_id, error);
    diagnostic
        .detail
        .push_str("\n\nThe other changes were applied and saved. ");
    diagnostic
        .detail
        .push_str(if rotation_surely_refused(error) {
            "The previous secret still works, and rotation_trigger keeps its previous value in \
         state, so the next apply retries the rotation."
        } else {
            "OneSignal may have rotated the key without the new secret reaching the provider; if \
         so, the secret in state no longer works. rotation_trigger keeps its previous value in \
         state, so the next apply rotates again and stores a secret that works."
        });
    diagnostic
}

/// Whether OneSignal answered a rotation in a way that shows it did not act.
fn rotation_surely_refused(error: &Error) -> bool {
    match error {
        Error::CredentialsRejected { .. }
        | Error::NotFound { .. }
        | Error::RateLimited { .. }
        | Error::Validation { .. }
        | Error::KeyLimitReached { .. }
        | Error::InvalidConfig { .. } => true,
        // 503 means "not now" before acting; 500/502/504 may come after the origin acted.
        Error::Server { status, .. } => *status == 503,
        _ => false,
    }
}

/// A lost create made a key, which the provider adopted, but rotating the secret nobody saw failed.
pub fn adopted_without_secret(app_id: &str, token_id: &str, error: &Error) -> Diagnostic {
    let mut diagnostic = client_error("rotating the key a lost create made", app_id, error);
    diagnostic.detail = format!(
        "OneSignal's answer to the create was lost, but the key was made: {app_id}/{token_id}. \
         Its secret was never seen, and rotating it to get one failed. The key is in Terraform's \
         state without a secret, marked tainted: the next apply replaces it with a new key.\n\n{}",
        diagnostic.detail
    );
    diagnostic
}

// --- create, plan, validate (issue 10)

/// The key was created under its temporary name, but renaming it to the configured name failed.
/// A warning, not an error: an error would make Terraform taint the new key and lose its secret.
pub fn rename_failed(
    app_id: &str,
    token_id: &str,
    temporary_name: &str,
    error: &Error,
) -> Diagnostic {
    Diagnostic::warning(
        "Created the key, but could not give it its name",
        format!(
            "The key {app_id}/{token_id} and its secret are saved in state, but OneSignal still \
             shows it under the temporary name {temporary_name:?} it was created with (the \
             marker proves which key a create made if its answer is lost). The next plan shows \
             the name as a change and the apply renames it. Renaming failed: {error}."
        ),
    )
    .at(AttributePath::attribute("name"))
}

/// After a lost create, several keys carry its marker: which one's secret nobody else saw cannot
/// be told, so none is adopted.
pub fn lost_create_unprovable(
    app_id: &str,
    temporary_name: &str,
    token_ids: &[&str],
) -> Diagnostic {
    let imports: Vec<String> = token_ids
        .iter()
        .map(|t| format!("  terraform import <address> {app_id}/{t}"))
        .collect();
    Diagnostic::error(
        "OneSignal did not answer the create request",
        format!(
            "The answer to the create was lost, and app {app_id} now holds {} keys named \
             {temporary_name:?} (the request was delivered more than once): {}. The provider \
             cannot tell which of them it may adopt, so it tracks none. Keep one: import it with\n\n{}\n\n\
             then set rotation_trigger and change it in a later apply (the first value is only \
             recorded) to get a secret Terraform knows, and delete the others in OneSignal's dashboard (Settings → Keys & \
             IDs). Or delete them all and apply again.",
            token_ids.len(),
            token_ids.join(", "),
            imports.join("\n"),
        ),
    )
}

/// A create was refused and the app's list shows it full, whatever OneSignal's wording.
pub fn key_limit_counted(app_id: &str, keys: usize, error: &Error) -> Diagnostic {
    Diagnostic::error(
        "The app already has 16 API keys",
        format!(
            "OneSignal refused the new key, and app {app_id} already holds {keys} App API keys; \
             OneSignal allows at most 16 per app. Delete keys the app no longer needs \
             (dashboard: Settings → Keys & IDs), then apply again. OneSignal said: {error}."
        ),
    )
}

/// The plan would send `explicit` with no entries, which OneSignal refuses: validation did not
/// see it because the list in the plan is not the configured one (`ignore_changes`).
pub fn planned_explicit_without_entries() -> Diagnostic {
    Diagnostic::error(
        "The plan would send ip_allowlist_mode \"explicit\" with an empty ip_allowlist",
        "OneSignal refuses an \"explicit\" key without allowlist entries, and this plan would \
         send one: the ip_allowlist in the plan is empty although ip_allowlist_mode is \
         \"explicit\". This happens when lifecycle { ignore_changes = [ip_allowlist] } keeps the \
         key's current list and that list was emptied outside Terraform. Remove ip_allowlist \
         from ignore_changes (the configured list is then sent), or set ip_allowlist_mode = \
         \"disabled\", or restore the key's list in OneSignal's dashboard (Settings → Keys & IDs).",
    )
    .at(AttributePath::attribute("ip_allowlist_mode"))
}

/// Returned after import: the secret cannot be read back.
pub fn imported_without_secret() -> Diagnostic {
    Diagnostic::warning(
        "Imported key has no secret in state",
        "OneSignal returns a key's secret only when it is created or rotated, so `token` is null \
         after an import. To get a secret Terraform knows, set rotation_trigger (the first value \
         is only recorded) and then change it: that apply rotates the key and stores the new \
         secret. The current secret stops working at that moment.",
    )
}

/// The import id has neither accepted form.
pub fn malformed_import_id(id: &str) -> Diagnostic {
    Diagnostic::error(
        "Invalid import id",
        format!(
            "{id:?} is not an App API key id. Use \"<app_id>/<token_id>\" (the app's UUID and the \
             key's token_id), or a bare \"<token_id>\", which is searched for across the \
             organization's apps."
        ),
    )
}

/// No key with that token id.
pub fn import_not_found(token_id: &str, searched: &str) -> Diagnostic {
    Diagnostic::error(
        "Cannot import: no such App API key",
        format!(
            "No App API key with token_id {token_id:?} was found in {searched}. Check the id in \
             OneSignal's dashboard (Settings → Keys & IDs) and that the organization API key \
             belongs to the key's organization."
        ),
    )
}

// --- read, update, delete (issue 10)

/// What the provider was doing when a lookup proved nothing, in words for a summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Refreshing a key in state.
    Read,
    /// Looking up a key to import.
    Import,
    /// Listing an app's keys for the data source.
    List,
    /// Updating a key's settings.
    Update,
    /// Rotating a key's secret.
    Rotate,
    /// Deleting a key.
    Delete,
}

impl Operation {
    fn verb(self) -> &'static str {
        match self {
            Operation::Read => "read the key",
            Operation::Import => "import the key",
            Operation::List => "list the app's keys",
            Operation::Update => "update the key",
            Operation::Rotate => "rotate the key",
            Operation::Delete => "delete the key",
        }
    }
}

/// The advice about `api_url` for answers that no OneSignal API gives. The client's error names
/// the URL asked, so this does not repeat it.
fn api_url_advice() -> String {
    format!(
        "Check that api_url in the provider block (or {ENV_API_URL}) is OneSignal's API, \
             {DEFAULT_API_URL}, without a path such as /v1 or /api/v1, and that any proxy or \
             gateway in between passes requests through."
    )
}

/// A request of `operation` failed. Client errors are worded by the operation (a 400 on a read
/// is no comment on the key's settings); other failures are worded as [`client_error`] words them.
pub fn operation_failed(
    operation: Operation,
    action: &str,
    app_id: &str,
    error: &Error,
) -> Diagnostic {
    let mut diagnostic = client_error(action, app_id, error);
    let refused_settings = matches!(operation, Operation::Update) && error.status() == Some(400);
    if matches!(error, Error::Validation { .. } | Error::NotFound { .. }) && !refused_settings {
        diagnostic.summary = format!("Cannot {}: OneSignal refused the request", operation.verb());
        let mut what = format!("While {action}: {error}");
        if !what.ends_with(['.', ')']) {
            what.push('.');
        }
        diagnostic.detail = format!(
            "{what}\n\nThis request carries no settings that OneSignal could refuse. {}",
            api_url_advice()
        );
    }
    diagnostic
}

/// A lookup of a key (or of an app's keys) proved nothing: state is kept exactly as it was.
pub fn lookup_failed(
    operation: Operation,
    action: &str,
    app_id: &str,
    error: &LookupError,
) -> Diagnostic {
    let (list, apps) = match error {
        LookupError::Failed(error) => return operation_failed(operation, action, app_id, error),
        LookupError::Unexplained { list, apps } => (list, apps),
    };
    let apps = match apps {
        Unproven::AppListed => format!(
            "The organization's apps (GET /apps) include app {app_id}, so its key list should \
             have answered."
        ),
        Unproven::TooManyApps(count) => format!(
            "The organization's apps (GET /apps) do not include app {app_id}, but that answer \
             holds {count} apps and may be cut off, so it proves nothing."
        ),
        Unproven::Failed(error) => {
            format!("Asking for the organization's apps (GET /apps) failed too: {error}.")
        }
    };
    let mut what = format!("While {action}: {list}");
    if !what.ends_with(['.', ')']) {
        what.push('.');
    }
    Diagnostic::error(
        format!(
            "Cannot {}: OneSignal's answer could not be explained",
            operation.verb()
        ),
        format!(
            "{what} {apps}\n\nA status code alone never proves that a key or an app is gone, \
             so nothing in Terraform's state was changed. {}",
            api_url_advice()
        ),
    )
}

/// An update or rotation found the key gone: a saved plan applied after someone deleted it.
pub fn deleted_outside_terraform(app_id: &str, token_id: &str, how: &str) -> Diagnostic {
    Diagnostic::error(
        "The key was deleted outside Terraform",
        format!(
            "The key {token_id} of app {app_id} is gone: {how}. It was deleted outside Terraform \
             (in the dashboard, by a script or another workspace) after this plan was made. Plan \
             again to re-create it (its secret will be a new one)."
        ),
    )
}

/// A DELETE failed, and a successful list shows the key still there.
pub fn delete_refused_key_still_listed(app_id: &str, token_id: &str, error: &Error) -> Diagnostic {
    let mut diagnostic = operation_failed(
        Operation::Delete,
        &format!("deleting the key {token_id} of app {app_id}"),
        app_id,
        error,
    );
    diagnostic.summary =
        "Cannot delete the key: OneSignal refused, and the key still exists".into();
    diagnostic.detail.push_str(&format!(
        "\n\nA list of app {app_id} taken after the refusal still holds the key, so it stays \
             in Terraform's state."
    ));
    diagnostic
}

/// An app named by the data source (or an import) is proven gone.
pub fn app_not_found(app_id: &str) -> Diagnostic {
    Diagnostic::error(
        "OneSignal app not found",
        format!(
            "App {app_id} is not among the organization's apps (GET /apps), and listing its keys \
             failed. Check the app id (dashboard: Settings → Keys & IDs) and that the \
             organization API key belongs to the app's organization."
        ),
    )
}

/// An import id with spaces around it (pasted with them).
pub fn import_id_with_whitespace(id: &str) -> Diagnostic {
    Diagnostic::error(
        "Invalid import id: remove the spaces around it",
        format!(
            "{id:?} has whitespace at its start or end, which no OneSignal id has. Remove it and \
             import {:?}.",
            id.trim()
        ),
    )
}

/// A bare import id that is not shaped like OneSignal's key ids.
pub fn import_token_id_not_uuid(id: &str) -> Diagnostic {
    Diagnostic::error(
        "Invalid import id",
        format!(
            "{id:?} is not an App API key id. A bare id must be a key's token_id, which OneSignal \
             writes as a UUID (such as \"0d4bc2c4-8f0a-4b7e-9a41-3f2e7c1d5a60\"; dashboard: \
             Settings → Keys & IDs); it is searched for across the organization's apps. Or use \
             \"<app_id>/<token_id>\" (the app's UUID and the key's token_id). Nothing was \
             asked of OneSignal."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_failed_rotation_says_whether_the_old_secret_still_works() {
        let refused = Error::Validation {
            status: 400,
            messages: vec!["no".into()],
            request: String::new(),
        };
        let lost = Error::Transport {
            attempts: 6,
            waited: Duration::from_secs(3),
            detail: "connection closed before message completed".into(),
            request: String::new(),
            gave_up: None,
        };
        let detail = |e: &Error| rotation_failed("app", e).detail;
        assert!(detail(&refused).contains("The previous secret still works"));
        for error in [lost, Error::Cancelled] {
            let text = detail(&error);
            assert!(!text.contains("still works"), "{text}");
            assert!(text.contains("next apply rotates again"), "{text}");
        }
    }
}
