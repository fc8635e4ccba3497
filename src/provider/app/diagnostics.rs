//! Named diagnostics of `onesignal_app`: validation messages, each naming its attribute, and
//! client errors turned into a summary and a detail that carries OneSignal's own words and the
//! HTTP status, then says what to do. None of them ever quotes a credential.

use crate::onesignal::Error;
use crate::provider::config::{ENV_ORGANIZATION_API_KEY, ENV_ORGANIZATION_ID};
use crate::tfplugin::{AttributePath, Diagnostic};

use super::model::*;
use super::validate::MAX_NAME_CHARS;

pub fn invalid_name(chars: usize) -> Diagnostic {
    let problem = if chars == 0 {
        "is empty".to_owned()
    } else {
        format!("has {chars} characters")
    };
    Diagnostic::error(
        "Invalid name",
        format!("The app's name {problem}; OneSignal accepts 1 to {MAX_NAME_CHARS} characters."),
    )
    .at(AttributePath::attribute(NAME))
}

pub fn invalid_organization_id(value: &str) -> Diagnostic {
    Diagnostic::error(
        "Invalid organization_id",
        format!(
            "{value:?} is not a OneSignal Organization ID. It is a UUID such as \
             \"8b0e7ee1-62b4-4c4f-8e0b-4a0e8d1f2c3a\"; copy it from the dashboard's \
             Organizations → Keys & IDs."
        ),
    )
    .at(AttributePath::attribute(ORGANIZATION_ID))
}

/// An Organization ID written in upper case: OneSignal's ids are lower case.
pub fn upper_case_organization_id(value: &str) -> Diagnostic {
    Diagnostic::error(
        "Invalid organization_id: use lower case",
        format!(
            "OneSignal spells its Organization IDs in lower case, so {value:?} would never match \
             the id OneSignal reports. Write organization_id = \"{}\".",
            value.to_ascii_lowercase()
        ),
    )
    .at(AttributePath::attribute(ORGANIZATION_ID))
}

/// Some but not all of the web-push trio are set; `missing` names the others.
pub fn web_push_incomplete(missing: &[&str]) -> Diagnostic {
    let list = missing.join(" and ");
    Diagnostic::error(
        "Web push needs site_name, chrome_web_origin and safari_site_origin together",
        format!(
            "OneSignal sets up web push from all three settings at once; {list} {} missing. Set \
             {list} too, or remove the other web push settings.",
            if missing.len() == 1 { "is" } else { "are" }
        ),
    )
    .at(AttributePath::attribute(missing[0]))
}

pub fn origin_not_https(name: &str, origin: &str) -> Diagnostic {
    Diagnostic::error(
        format!("Invalid {name}"),
        format!(
            "{origin:?} is not an https:// origin. Web push works only on secure sites: use the \
             site's origin with its scheme, e.g. \"https://shop.example.com\"."
        ),
    )
    .at(AttributePath::attribute(name))
}

pub fn icon_not_url(name: &str, url: &str) -> Diagnostic {
    Diagnostic::error(
        format!("Invalid {name}"),
        format!(
            "{url:?} is not a URL. Give the icon's full address, e.g. \
             \"https://shop.example.com/icon-256.png\"."
        ),
    )
    .at(AttributePath::attribute(name))
}

pub fn invalid_apns_env(value: &str) -> Diagnostic {
    Diagnostic::error(
        "Invalid apns_env",
        format!(
            "{value:?} is not an APNs environment: use \"sandbox\" for development builds or \
             \"production\" for App Store and TestFlight builds."
        ),
    )
    .at(AttributePath::attribute(APNS_ENV))
}

/// A credential that OneSignal wants Base64-encoded is not; its value is never quoted.
pub fn not_base64(name: &str) -> Diagnostic {
    Diagnostic::error(
        format!("{name} is not Base64"),
        format!(
            "OneSignal expects {name} to be the file's contents encoded in Base64. Read the file \
             with filebase64(), e.g. {name} = filebase64(\"path/to/file\"), or encode a string \
             with base64encode()."
        ),
    )
    .at(AttributePath::attribute(name))
}

pub fn write_only_needs_terraform_1_11(name: &str) -> Diagnostic {
    Diagnostic::error(
        format!("{name} needs Terraform 1.11 or later"),
        format!(
            "{name} is a write-only attribute: Terraform 1.11 or later keeps its value out of \
             the plan and the state. This Terraform does not support write-only attributes and \
             would store the credential in the state file, so the provider refuses it. Upgrade \
             to Terraform 1.11 or later, or remove {name} and set the credential in OneSignal's \
             dashboard."
        ),
    )
    .at(AttributePath::attribute(name))
}

/// Planning a new app with no organization anywhere.
pub fn organization_id_missing() -> Diagnostic {
    Diagnostic::error(
        "Missing organization_id",
        format!(
            "A new app is created in an organization, and none is set. Set organization_id in \
             this resource, or in the provider block, or the environment variable \
             {ENV_ORGANIZATION_ID}, to the Organization ID (dashboard: Organizations → Keys & \
             IDs) of the organization that owns the organization API key."
        ),
    )
    .at(AttributePath::attribute(ORGANIZATION_ID))
}

/// A configured organization_id differs from the app's.
pub fn organization_id_change(current: &str, configured: &str) -> Diagnostic {
    Diagnostic::error(
        "The app cannot change organization",
        format!(
            "The app is in organization {current}, and organization_id is now {configured}. \
             OneSignal would move the app to the other organization, so the provider does not \
             do that. Set organization_id back to {current}, or remove it (the app stays where \
             it is); move apps between organizations in OneSignal's dashboard."
        ),
    )
    .at(AttributePath::attribute(ORGANIZATION_ID))
}

/// What the provider was doing when OneSignal failed, e.g. "creating the app \"Shop\"".
pub fn client_error(action: &str, error: &Error) -> Diagnostic {
    let (summary, advice) = match error {
        Error::CredentialsRejected { .. } => (
            "OneSignal rejected the organization API key",
            format!(
                "Set organization_api_key in the provider block, or {ENV_ORGANIZATION_API_KEY}, \
                 to an organization API key (os_v2_org_…) of the organization that owns the app."
            ),
        ),
        Error::NotFound { .. } => (
            "OneSignal app not found",
            "Check that the app exists and belongs to the organization of the organization API \
             key, and that api_url points at OneSignal's API."
                .to_owned(),
        ),
        Error::RateLimited { .. } => (
            "OneSignal kept rate limiting the provider",
            "Retry later, raise max_retries in the provider block, or lower Terraform's \
             -parallelism."
                .to_owned(),
        ),
        Error::Validation { .. } => (
            "OneSignal refused the request",
            "Correct the setting OneSignal's message names. If every request is refused, check \
             that api_url points at OneSignal's API."
                .to_owned(),
        ),
        Error::Server { .. } => (
            "OneSignal failed to answer",
            "This is on OneSignal's side; apply again later.".to_owned(),
        ),
        Error::Transport { .. } => (
            "Cannot reach OneSignal",
            "Check the network, any HTTPS_PROXY setting, and api_url.".to_owned(),
        ),
        Error::Ambiguous { .. } => (
            "OneSignal did not answer the create request",
            "The provider cannot tell whether the app was created, and Terraform does not track \
             it. Look for it in OneSignal's dashboard: if it is there, import it with \
             `terraform import <address> <app_id>` (an app cannot be deleted through the API); \
             otherwise apply again."
                .to_owned(),
        ),
        Error::Cancelled => (
            "Stopped by Terraform",
            "Terraform asked the provider to stop (Ctrl-C) while it was waiting on OneSignal."
                .to_owned(),
        ),
        Error::InvalidResponse { .. } => (
            "OneSignal sent an unexpected answer",
            "If api_url points at something other than OneSignal's API, correct it; otherwise \
             report this to the provider's maintainers."
                .to_owned(),
        ),
        _ => ("OneSignal request failed", "Check api_url.".to_owned()),
    };
    let mut what = format!("While {action}: {error}");
    if !what.ends_with(['.', ')']) {
        what.push('.');
    }
    Diagnostic::error(summary, format!("{what}\n\n{advice}"))
}

/// Destroy: OneSignal's API cannot delete an app, so it is only forgotten.
pub fn destroy_forgets(name: &str, app_id: &str) -> Diagnostic {
    Diagnostic::warning(
        format!("The app {name:?} still exists in OneSignal"),
        format!(
            "OneSignal's API cannot delete apps, so destroying onesignal_app only removed app \
             {name:?} ({app_id}) from Terraform's state. It keeps working, and its API keys \
             managed by onesignal_app_api_key were deleted as usual. If the app should go, \
             delete it in OneSignal's dashboard (App settings) or ask OneSignal's support. To \
             guard an app against an accidental destroy, add lifecycle {{ prevent_destroy = \
             true }}."
        ),
    )
}

/// A write answered, reading the app back did not: the state is what was sent.
pub fn read_back_failed(error: &Error) -> Diagnostic {
    Diagnostic::warning(
        "Saved the app, but could not read it back",
        format!(
            "The app is in state with the settings just sent; settings OneSignal chose itself \
             and the timestamps are filled in by the next refresh. Reading it back failed: \
             {error}."
        ),
    )
}

/// GET /apps/{id} failed and the organization's list is at OneSignal's cap without the app.
pub fn not_proven_gone(app_id: &str, listed: usize, error: &Error) -> Diagnostic {
    Diagnostic::warning(
        "Cannot tell whether the app still exists",
        format!(
            "Reading app {app_id} failed ({error}), and OneSignal's list of apps, which stops at \
             {listed} apps, does not show it. It may simply be beyond the list's end, so the app \
             stays in state unchanged. Check it in OneSignal's dashboard."
        ),
    )
}

pub fn malformed_import_id(id: &str) -> Diagnostic {
    Diagnostic::error(
        "Invalid import id",
        format!(
            "{id:?} is not an App ID. Import an app by its App ID, a UUID such as \
             \"2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f\" (dashboard: Settings → Keys & IDs)."
        ),
    )
}

pub fn import_not_found(app_id: &str) -> Diagnostic {
    Diagnostic::error(
        "Cannot import: no such app",
        format!(
            "OneSignal's list of the organization's apps has no app {app_id}. Check the id and \
             that the organization API key belongs to the app's organization."
        ),
    )
}

/// Shown after an import: credentials cannot be read back.
pub fn imported_without_credentials() -> Diagnostic {
    Diagnostic::warning(
        "Imported app has no credentials in Terraform",
        "Push credentials are write-only: OneSignal keeps them, Terraform never sees them, and \
         the import does not send any. To manage them from now on, set the *_wo attributes \
         together with a new credentials_wo_version: the next apply sends them.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_say_what_was_asked_and_what_to_do() {
        let error = Error::Ambiguous {
            detail: "connection closed before message completed".into(),
        };
        let diagnostic = client_error("creating the app \"Shop\"", &error);
        assert_eq!(
            diagnostic.summary,
            "OneSignal did not answer the create request"
        );
        assert!(diagnostic.detail.contains("creating the app \"Shop\""));
        assert!(
            diagnostic
                .detail
                .contains("connection closed before message completed")
        );
        assert!(diagnostic.detail.contains("terraform import"));
    }

    #[test]
    fn destroy_warning_names_the_app_and_prevent_destroy() {
        let warning = destroy_forgets("Shop", "2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f");
        assert!(warning.summary.contains("Shop"));
        assert!(
            warning
                .detail
                .contains("2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f")
        );
        assert!(warning.detail.contains("prevent_destroy"));
    }
}
