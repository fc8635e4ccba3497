//! Plan-time validation of `onesignal_app_api_key`: every rule of the SPEC, each diagnostic
//! pointing at the attribute (and the set element) with a way to fix it. Unknown values are
//! skipped: Terraform validates again at apply with the final values.

use crate::provider::allowlist;
use crate::tfplugin::{AttributePath, Diagnostic, Diagnostics, Value};

/// The longest name OneSignal accepts, in characters.
pub const MAX_NAME_CHARS: usize = 128;

/// Checks a configuration.
pub fn validate(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if let Some(problem) = config.get_attr("app_id").as_str().and_then(app_id_problem) {
        diags.push(problem);
    }
    if let Some(name) = config.get_attr("name").as_str() {
        let chars = name.chars().count();
        if chars == 0 || chars > MAX_NAME_CHARS {
            diags.push(invalid_name(chars));
        }
    }
    let mode = config.get_attr("ip_allowlist_mode");
    if let Some(mode) = mode.as_str()
        && mode != "disabled"
        && mode != "explicit"
    {
        diags.push(invalid_mode(mode));
    }
    let allowlist = config.get_attr("ip_allowlist");
    let entries: Vec<&str> = match allowlist {
        Value::Set(items) | Value::List(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    // Enforced when explicit, or when the mode is left to derive (then explicit, as there are
    // entries); an unknown mode may still turn out explicit, so it is judged at apply.
    let enforced = mode.as_str() == Some("explicit") || mode.is_null();
    for entry in &entries {
        match allowlist::parse_entry(entry) {
            Err(problem) => diags.push(invalid_entry(entry, &problem)),
            Ok(network) if enforced && network.prefix_len() == 0 => {
                diags.push(allows_every_address(entry));
            }
            Ok(_) => {}
        }
    }
    for (first, later) in allowlist::duplicates(&entries) {
        diags.push(duplicate_entry(entries[first], entries[later]));
    }
    // An unknown set, or a known set with unknown elements, may still turn out empty or not:
    // only a wholly known empty or null list can be judged now.
    let has_entries = match allowlist {
        Value::Set(items) | Value::List(items) => !items.is_empty(),
        Value::Unknown(_) => return diags,
        _ => false,
    };
    match mode.as_str() {
        Some("explicit") if !has_entries => diags.push(explicit_without_entries()),
        Some("disabled") if has_entries => diags.push(disabled_with_entries()),
        _ => {}
    }
    diags
}

/// Whether `s` is a UUID in its usual hyphenated form.
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::try_parse(s).is_ok()
}

/// What is wrong with a configured `app_id`, if anything: not a UUID, or a UUID that OneSignal
/// would not find as written (surrounding whitespace, upper case: OneSignal's ids are lower-case).
pub fn app_id_problem(app_id: &str) -> Option<Diagnostic> {
    let trimmed = app_id.trim();
    if trimmed != app_id && is_uuid(trimmed) {
        return Some(app_id_with_whitespace(
            app_id,
            &trimmed.to_ascii_lowercase(),
        ));
    }
    if !is_uuid(app_id) {
        return Some(invalid_app_id(app_id));
    }
    if app_id.chars().any(|c| c.is_ascii_uppercase()) {
        return Some(upper_case_app_id(app_id));
    }
    None
}

fn app_id_with_whitespace(app_id: &str, fixed: &str) -> Diagnostic {
    Diagnostic::error(
        "Invalid app_id: remove the surrounding whitespace",
        format!(
            "{app_id:?} has whitespace before or after the App ID, so OneSignal would not find \
             the app. Write app_id = \"{fixed}\" (a pasted value often carries a trailing space \
             or newline; trimspace() removes it from a variable)."
        ),
    )
    .at(AttributePath::attribute("app_id"))
}

fn upper_case_app_id(app_id: &str) -> Diagnostic {
    Diagnostic::error(
        "Invalid app_id: use lower case",
        format!(
            "{app_id:?} is written in upper case, but OneSignal's App IDs are lower-case and it \
             would not find the app. Write app_id = \"{}\" (lower() does it for a variable).",
            app_id.to_ascii_lowercase()
        ),
    )
    .at(AttributePath::attribute("app_id"))
}

fn allows_every_address(entry: &str) -> Diagnostic {
    Diagnostic::warning(
        "ip_allowlist entry allows every address",
        format!(
            "The ip_allowlist entry {entry:?} is a /0 network: it matches every IPv{} address, so \
             the allowlist does not restrict who may use the key. List the networks that should \
             use the key instead; if any address may, say so with ip_allowlist_mode = \"disabled\".",
            if entry.contains(':') { "6" } else { "4" }
        ),
    )
    .at(AttributePath::attribute("ip_allowlist").key(entry))
}

/// The diagnostic for an `app_id` that is not a UUID (shared with the data source).
pub fn invalid_app_id(app_id: &str) -> Diagnostic {
    Diagnostic::error(
        "Invalid app_id",
        format!(
            "{app_id:?} is not a OneSignal App ID. An App ID is a UUID such as \
             \"2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f\"; copy it from the dashboard's Settings → \
             Keys & IDs."
        ),
    )
    .at(AttributePath::attribute("app_id"))
}

fn invalid_name(chars: usize) -> Diagnostic {
    let problem = if chars == 0 {
        "is empty".to_owned()
    } else {
        format!("has {chars} characters")
    };
    Diagnostic::error(
        "Invalid name",
        format!(
            "The key's name {problem}; OneSignal accepts 1 to {MAX_NAME_CHARS} characters. Use a \
             short name such as the service that uses the key."
        ),
    )
    .at(AttributePath::attribute("name"))
}

fn invalid_mode(mode: &str) -> Diagnostic {
    Diagnostic::error(
        "Invalid ip_allowlist_mode",
        format!(
            "{mode:?} is not an allowlist mode: use \"explicit\" (only addresses in ip_allowlist \
             may use the key) or \"disabled\" (any address may), or leave it unset to derive it \
             from ip_allowlist."
        ),
    )
    .at(AttributePath::attribute("ip_allowlist_mode"))
}

fn invalid_entry(entry: &str, problem: &allowlist::EntryError) -> Diagnostic {
    Diagnostic::error(
        "Invalid ip_allowlist entry",
        format!("The ip_allowlist entry {entry:?} is not usable: {problem}."),
    )
    .at(AttributePath::attribute("ip_allowlist").key(entry))
}

fn duplicate_entry(first: &str, later: &str) -> Diagnostic {
    Diagnostic::error(
        "Duplicate ip_allowlist entry",
        format!(
            "The ip_allowlist entries {first:?} and {later:?} mean the same network (a bare \
             address is the same as /32 or /128, and IPv6 spelling does not matter). Remove one \
             of them."
        ),
    )
    .at(AttributePath::attribute("ip_allowlist").key(later))
}

fn explicit_without_entries() -> Diagnostic {
    Diagnostic::error(
        "ip_allowlist_mode \"explicit\" needs ip_allowlist entries",
        "With ip_allowlist_mode = \"explicit\" only addresses in ip_allowlist may use the key, \
         and the list is empty, so the key could not be used at all. Add the addresses that \
         should use the key to ip_allowlist, or set ip_allowlist_mode = \"disabled\".",
    )
    .at(AttributePath::attribute("ip_allowlist_mode"))
}

fn disabled_with_entries() -> Diagnostic {
    Diagnostic::warning(
        "ip_allowlist is not enforced",
        "ip_allowlist_mode is \"disabled\", so the ip_allowlist entries are stored but any \
         address may use the key. Remove ip_allowlist_mode (it then becomes \"explicit\") or set \
         it to \"explicit\" to enforce the list, or remove the entries.",
    )
    .at(AttributePath::attribute("ip_allowlist_mode"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfplugin::Severity;
    use std::collections::BTreeMap;

    const APP: &str = "2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f";

    fn config(app_id: &str, name: &str, mode: Option<&str>, entries: Option<&[&str]>) -> Value {
        let s = |v: &str| Value::String(v.to_owned());
        Value::Object(BTreeMap::from([
            ("app_id".to_owned(), s(app_id)),
            ("name".to_owned(), s(name)),
            ("ip_allowlist_mode".to_owned(), mode.map_or(Value::Null, s)),
            (
                "ip_allowlist".to_owned(),
                entries.map_or(Value::Null, |e| {
                    Value::Set(e.iter().map(|v| s(v)).collect())
                }),
            ),
        ]))
    }

    /// (severity, path) of each diagnostic.
    fn found(config: &Value) -> Vec<(Severity, String)> {
        validate(config)
            .iter()
            .map(|d| {
                (
                    d.severity,
                    d.attribute
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                )
            })
            .collect()
    }

    #[test]
    fn good_configurations_pass() {
        assert!(found(&config(APP, "svc", None, None)).is_empty());
        assert!(
            found(&config(
                APP,
                "svc",
                Some("explicit"),
                Some(&["10.0.0.0/24", "2001:db8::1"])
            ))
            .is_empty()
        );
        assert!(found(&config(APP, "svc", Some("disabled"), Some(&[]))).is_empty());
        assert!(found(&config(APP, &"x".repeat(128), None, Some(&["192.0.2.7"]))).is_empty());
    }

    #[test]
    fn each_rule_points_at_its_attribute() {
        use Severity::*;
        let table: Vec<(Value, Vec<(Severity, &str)>)> = vec![
            (
                config("not-a-uuid", "svc", None, None),
                vec![(Error, "app_id")],
            ),
            (
                config("2f8e5f4a1b7c4e0f9d3a6c1b2a3d4e5f", "svc", None, None),
                vec![(Error, "app_id")],
            ),
            (config(APP, "", None, None), vec![(Error, "name")]),
            (
                config(APP, &"é".repeat(129), None, None),
                vec![(Error, "name")],
            ),
            (
                config(APP, "svc", Some("open"), None),
                vec![(Error, "ip_allowlist_mode")],
            ),
            (
                config(APP, "svc", None, Some(&["example.com"])),
                vec![(Error, r#"ip_allowlist["example.com"]"#)],
            ),
            (
                config(APP, "svc", None, Some(&["10.0.0.5/24"])),
                vec![(Error, r#"ip_allowlist["10.0.0.5/24"]"#)],
            ),
            (
                config(APP, "svc", None, Some(&["10.0.0.1", "10.0.0.1/32"])),
                vec![(Error, r#"ip_allowlist["10.0.0.1/32"]"#)],
            ),
            (
                config(APP, "svc", Some("explicit"), None),
                vec![(Error, "ip_allowlist_mode")],
            ),
            (
                config(APP, "svc", Some("explicit"), Some(&[])),
                vec![(Error, "ip_allowlist_mode")],
            ),
            (
                config(APP, "svc", Some("disabled"), Some(&["10.0.0.1"])),
                vec![(Warning, "ip_allowlist_mode")],
            ),
            (
                config(&APP.to_ascii_uppercase(), "svc", None, None),
                vec![(Error, "app_id")],
            ),
            (
                config(&format!("{APP} "), "svc", None, None),
                vec![(Error, "app_id")],
            ),
            (
                config(&format!("\t{APP}\n"), "svc", None, None),
                vec![(Error, "app_id")],
            ),
            (
                config(APP, "svc", None, Some(&["0.0.0.0/0", "10.0.0.0/8"])),
                vec![(Warning, r#"ip_allowlist["0.0.0.0/0"]"#)],
            ),
            (
                config(APP, "svc", Some("explicit"), Some(&["::/0"])),
                vec![(Warning, r#"ip_allowlist["::/0"]"#)],
            ),
            // Not enforced anyway: the one warning says so.
            (
                config(APP, "svc", Some("disabled"), Some(&["0.0.0.0/0"])),
                vec![(Warning, "ip_allowlist_mode")],
            ),
        ];
        for (config, want) in table {
            let want: Vec<(Severity, String)> =
                want.into_iter().map(|(s, p)| (s, p.to_owned())).collect();
            assert_eq!(found(&config), want, "{config:?}");
        }
    }

    #[test]
    fn app_id_errors_suggest_the_spelling_onesignal_knows() {
        let detail = |app_id: &str| {
            validate(&config(app_id, "svc", None, None))
                .iter()
                .next()
                .unwrap()
                .detail
                .clone()
        };
        let upper = detail(&APP.to_ascii_uppercase());
        assert!(upper.contains(&format!("app_id = \"{APP}\"")), "{upper}");
        assert!(upper.contains("lower-case"), "{upper}");
        let padded = detail(&format!(" {} ", APP.to_ascii_uppercase()));
        assert!(padded.contains(&format!("app_id = \"{APP}\"")), "{padded}");
        assert!(padded.contains("whitespace"), "{padded}");
        let every = validate(&config(APP, "svc", None, Some(&["::/0"])));
        assert!(
            every
                .iter()
                .next()
                .unwrap()
                .detail
                .contains("every IPv6 address")
        );
    }

    #[test]
    fn host_bits_error_suggests_the_network() {
        let diags = validate(&config(APP, "svc", None, Some(&["10.0.0.5/24"])));
        assert!(diags.iter().next().unwrap().detail.contains("10.0.0.0/24"));
    }

    #[test]
    fn unknown_values_are_never_rejected() {
        let mut unknown = config(APP, "svc", Some("explicit"), None);
        if let Value::Object(attrs) = &mut unknown {
            for v in attrs.values_mut() {
                *v = Value::unknown();
            }
        }
        assert!(validate(&unknown).is_empty());
        // explicit with an allowlist that is not known yet: judged at apply.
        let mut partly = config(APP, "svc", Some("explicit"), None);
        if let Value::Object(attrs) = &mut partly {
            attrs.insert("ip_allowlist".into(), Value::unknown());
        }
        assert!(validate(&partly).is_empty());
        // A set whose elements are not known yet still has entries.
        let mut elements = config(APP, "svc", Some("explicit"), None);
        if let Value::Object(attrs) = &mut elements {
            attrs.insert("ip_allowlist".into(), Value::Set(vec![Value::unknown()]));
        }
        assert!(validate(&elements).is_empty());
    }
}
