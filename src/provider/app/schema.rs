//! The `onesignal_app` schema: every attribute, with a description a user can act on.

use crate::tfplugin::{Attribute, Block, Presence, Schema, Type};

use super::model::*;

/// The resource type name.
pub const TYPE_NAME: &str = "onesignal_app";

/// What every `*_wo` description ends with (the generated docs add that write-only attributes
/// need Terraform 1.11 or later).
const WRITE_ONLY_NOTE: &str = "Sent to OneSignal on create and when `credentials_wo_version` \
     changes; never stored in the plan or the state.";

/// The description of a setting OneSignal reports back, so that the configuration can stop
/// managing it.
fn setting(what: &str) -> String {
    format!(
        "{what} Changed in place. When not set, Terraform does not manage it and the state shows \
         OneSignal's value (OneSignal offers no way to clear a setting); `\"\"` is the same as \
         not set."
    )
}

fn credential(name: &'static str, what: &str) -> Attribute {
    Attribute::new(
        name,
        Type::String,
        Presence::Optional,
        &format!("{what} {WRITE_ONLY_NOTE}"),
    )
    .sensitive()
    .write_only()
}

/// The schema, version 0.
pub fn schema() -> Schema {
    use Presence::*;
    let string = |name, presence, text: &str| Attribute::new(name, Type::String, presence, text);
    let setting = |name, text: &str| string(name, OptionalComputed, &setting(text));
    Schema {
        version: 0,
        block: Block {
            description: "A OneSignal app with its push platform settings: web push, Firebase \
                          (FCM v1) and Apple (APNs). Push credentials are **write-only** \
                          attributes (Terraform 1.11 or later): they reach OneSignal and never \
                          the plan or the state; change `credentials_wo_version` to send them \
                          again. OneSignal's API cannot delete an app: destroying this resource \
                          only removes it from Terraform's state, with a warning."
                .into(),
            deprecated: false,
            attributes: vec![
                string(
                    ID,
                    Computed,
                    "The App ID (a UUID), the `app_id` of the app's `onesignal_app_api_key` \
                     resources and the id `terraform import` takes.",
                ),
                string(
                    NAME,
                    Required,
                    "The app's name, 1 to 128 characters. Changed in place.",
                ),
                string(
                    ORGANIZATION_ID,
                    OptionalComputed,
                    "The organization (a UUID) the app is created in. When not set, the \
                     provider's `organization_id` (or `ONESIGNAL_ORGANIZATION_ID`) is used on \
                     create; afterwards the app stays where it is, whatever the provider's \
                     setting becomes. Changing it once the app exists is an error: OneSignal \
                     would move the app to another organization.",
                ),
                setting(
                    SITE_NAME,
                    "Web push: the site's name. `site_name`, `chrome_web_origin` and \
                     `safari_site_origin` are set together or not at all.",
                ),
                setting(
                    CHROME_WEB_ORIGIN,
                    "Web push: the site's origin for Chrome and other browsers, an `https://` \
                     URL such as `https://shop.example.com`.",
                ),
                setting(
                    SAFARI_SITE_ORIGIN,
                    "Web push: the site's origin for Safari, an `https://` URL.",
                ),
                setting(
                    CHROME_WEB_DEFAULT_NOTIFICATION_ICON,
                    "Web push: the URL of the default notification icon.",
                ),
                setting(
                    SAFARI_ICON_256_256,
                    "Web push: the URL of Safari's 256×256 PNG icon.",
                ),
                setting(
                    APNS_ENV,
                    "iOS: `\"sandbox\"` (development builds) or `\"production\"`.",
                ),
                setting(APNS_KEY_ID, "iOS (p8 token): the key id of the `.p8` key."),
                setting(APNS_TEAM_ID, "iOS (p8 token): the Apple team id."),
                setting(APNS_BUNDLE_ID, "iOS (p8 token): the app's bundle id."),
                Attribute::new(
                    ADDITIONAL_DATA_IS_ROOT_PAYLOAD,
                    Type::Bool,
                    Optional,
                    "Whether a notification's additional data is put at the root of the push \
                     payload rather than under `custom`. OneSignal never reports it back, so the \
                     state keeps the configured value.",
                ),
                credential(
                    APNS_P8_WO,
                    "iOS (p8 token): the `.p8` key file, Base64-encoded, e.g. \
                     `filebase64(\"AuthKey_ABC123DEFG.p8\")`.",
                ),
                credential(
                    APNS_P12_WO,
                    "iOS (p12 certificate): the `.p12` certificate, Base64-encoded, e.g. \
                     `filebase64(\"apns.p12\")`.",
                ),
                credential(APNS_P12_PASSWORD_WO, "iOS (p12 certificate): its password."),
                credential(
                    FCM_V1_SERVICE_ACCOUNT_JSON_WO,
                    "Android (Firebase Cloud Messaging v1): the service account's JSON key \
                     file, Base64-encoded, e.g. `filebase64(\"firebase-sa.json\")`.",
                ),
                credential(
                    SAFARI_APNS_P12_WO,
                    "Web push: a custom Safari `.p12` certificate, Base64-encoded. Without \
                     one, OneSignal's own is used.",
                ),
                credential(
                    SAFARI_APNS_P12_PASSWORD_WO,
                    "Web push: the custom Safari certificate's password.",
                ),
                string(
                    CREDENTIALS_WO_VERSION,
                    Optional,
                    "Any value, e.g. a date or a counter. Terraform cannot see a change of a \
                     write-only credential, so credentials are sent on create and then only when \
                     this value changes (to a non-null value): change it to send every \
                     configured credential again.",
                ),
                string(
                    CREATED_AT,
                    Computed,
                    "When OneSignal created the app, as OneSignal reports it.",
                ),
                string(
                    UPDATED_AT,
                    Computed,
                    "When OneSignal last changed the app, as OneSignal reports it.",
                ),
            ],
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_write_only_and_sensitive_and_nothing_else_is() {
        let schema = schema();
        for attribute in &schema.block.attributes {
            let credential = CREDENTIALS.contains(&attribute.name);
            assert_eq!(attribute.write_only, credential, "{}", attribute.name);
            assert_eq!(attribute.sensitive, credential, "{}", attribute.name);
            assert!(!attribute.description.is_empty(), "{}", attribute.name);
        }
        for name in SETTINGS {
            assert_eq!(
                schema.attribute(name).map(|a| a.presence),
                Some(Presence::OptionalComputed),
                "{name}"
            );
        }
        let names: Vec<&str> = schema.block.attributes.iter().map(|a| a.name).collect();
        for absent in ["basic_auth_key", "players", "messageable_players"] {
            assert!(!names.contains(&absent), "{absent}");
        }
    }
}
