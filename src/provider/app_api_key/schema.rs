//! The `onesignal_app_api_key` schema: every attribute, with a description a user can act on.

use crate::tfplugin::{Attribute, Block, Presence, Schema, Type};

/// The resource type name.
pub const TYPE_NAME: &str = "onesignal_app_api_key";

/// The schema, version 0.
pub fn schema() -> Schema {
    use Presence::*;
    let string_set = Type::Set(Box::new(Type::String));
    Schema {
        version: 0,
        block: Block {
            description:
                "An App API key (OneSignal's *Rich Authentication Token*) of one OneSignal \
                          app, with an optional IP allowlist. The secret is returned once, at \
                          creation or rotation, and kept in `token` (sensitive). Changing \
                          `rotation_trigger` rotates the secret in place; changing `app_id` \
                          replaces the key."
                    .into(),
            deprecated: false,
            attributes: vec![
                Attribute::new(
                    "id",
                    Type::String,
                    Computed,
                    "Terraform's identifier of the key: `<app_id>/<token_id>`, the form \
                     `terraform import` accepts.",
                ),
                Attribute::new(
                    "app_id",
                    Type::String,
                    Required,
                    "The OneSignal app the key belongs to: its App ID, a UUID such as \
                     `2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f` (dashboard: *Settings → Keys & IDs*). \
                     Changing it destroys this key and creates a new one in the other app.",
                ),
                Attribute::new(
                    "name",
                    Type::String,
                    Required,
                    "A name for the key, 1 to 128 characters, e.g. the service that uses it. \
                     Changed in place.",
                ),
                Attribute::new(
                    "ip_allowlist_mode",
                    Type::String,
                    OptionalComputed,
                    "`\"explicit\"`: only requests from addresses in `ip_allowlist` may use the \
                     key. `\"disabled\"`: any address may. When not set: `\"explicit\"` if \
                     `ip_allowlist` has entries, else `\"disabled\"`. A mode OneSignal reports \
                     that this provider does not know is shown as OneSignal sent it, and the plan \
                     sets it back. Changed in place.",
                ),
                Attribute::new(
                    "ip_allowlist",
                    string_set,
                    Optional,
                    "Addresses allowed to use the key: IPv4 or IPv6 addresses (a single host, \
                     e.g. `198.51.100.7`) or CIDR blocks (e.g. `192.0.2.0/24`, `2001:db8::/32`) \
                     without host bits. Entries are compared by meaning, so `198.51.100.7` and \
                     `198.51.100.7/32` are the same and a respelling plans no change; they are \
                     sent to OneSignal in CIDR notation (`198.51.100.7/32`), and state keeps \
                     your spelling. Enforced when `ip_allowlist_mode` is `\"explicit\"`. \
                     Changed in place.",
                ),
                Attribute::new(
                    "rotation_trigger",
                    Type::String,
                    Optional,
                    "Any value; when it changes from one non-null value to another, the apply \
                     **rotates** the key: same `token_id`, name and allowlist, a new `token`, \
                     and the old secret stops working at once. Setting it for the first time or \
                     removing it only records the value. Typically `time_rotating.<name>.id`, a \
                     date, or a counter.",
                ),
                Attribute::new(
                    "token",
                    Type::String,
                    Computed,
                    "The secret (`os_v2_app_…`), for `Authorization: Key <token>`. Known after \
                     create and after each rotation; null after `terraform import`, because \
                     OneSignal never shows a secret again (change `rotation_trigger` twice, or \
                     set it and then change it, to get a new one).",
                )
                .sensitive(),
                Attribute::new(
                    "token_id",
                    Type::String,
                    Computed,
                    "OneSignal's id of the key (not a secret). It never changes for the life of \
                     the key, rotations included.",
                ),
                Attribute::new(
                    "created_at",
                    Type::String,
                    Computed,
                    "When OneSignal created the key, as OneSignal reports it.",
                ),
                Attribute::new(
                    "updated_at",
                    Type::String,
                    Computed,
                    "When OneSignal last changed the key (name, allowlist or rotation), as \
                     OneSignal reports it.",
                ),
            ],
        },
    }
}
