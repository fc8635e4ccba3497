//! Bad input is caught before anything changes on the server: a table of bad resource and
//! provider configurations, each run through `terraform plan` on its own, and malformed import
//! ids through `terraform import`. Each must fail naming the attribute (or the accepted forms),
//! without a panic, and the emulator must have seen no write request.

use onesignal_emulator::Route;

use crate::acceptance::{BackgroundEmulator, key_block};
use crate::terraform::{Workspace, config_with};

/// Requests that change the server.
const WRITES: [Route; 5] = [
    Route::CreateApp,
    Route::CreateKey,
    Route::UpdateKey,
    Route::RotateKey,
    Route::DeleteKey,
];

/// Runs `terraform ARGS`, asserts it failed with `Error:` and every one of `wanted` in its
/// output and no sign of a crash, and returns the output.
#[track_caller]
fn fails_naming(ws: &Workspace, args: &[&str], case: &str, wanted: &[&str]) -> String {
    let output = ws.run(args);
    let text = crate::terraform::printed(&output);
    assert!(!output.status.success(), "{case}: succeeded\n{text}");
    assert!(text.contains("Error:"), "{case}: no error\n{text}");
    // Terraform wraps diagnostic text at its own width.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for w in wanted {
        assert!(flat.contains(w), "{case}: {w:?} not named\n{text}");
    }
    for crash in ["panic", "crashed", "Plugin did not respond"] {
        assert!(!text.contains(crash), "{case}: {crash}\n{text}");
    }
    text
}

/// Whether Terraform pointed at the attribute: its source snippet shows the line `ATTR = …`
/// rather than the resource's first line.
fn points_at(text: &str, attribute: &str) -> bool {
    text.lines().any(|line| {
        line.split_once(':').is_some_and(|(number, rest)| {
            number
                .trim()
                .trim_start_matches('│')
                .trim()
                .parse::<u32>()
                .is_ok()
                && rest.trim_start().starts_with(&format!("{attribute} "))
        })
    })
}

#[test]
fn bad_resource_configurations_fail_at_plan_naming_the_attribute() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    let long_name = "x".repeat(129);
    let list = |entries: &str| format!("  ip_allowlist = [{entries}]");
    // (case, app_id, name, extra lines, attribute named)
    let cases: Vec<(&str, &str, &str, String, &str)> = vec![
        (
            "app_id not a UUID",
            "my-app",
            "svc",
            String::new(),
            "app_id",
        ),
        ("empty name", &app, "", String::new(), "name"),
        (
            "name of 129 characters",
            &app,
            &long_name,
            String::new(),
            "name",
        ),
        (
            "unknown mode",
            &app,
            "svc",
            "  ip_allowlist_mode = \"sometimes\"".into(),
            "ip_allowlist_mode",
        ),
        (
            "explicit without entries",
            &app,
            "svc",
            "  ip_allowlist_mode = \"explicit\"\n  ip_allowlist = []".into(),
            "ip_allowlist_mode",
        ),
        (
            "whitespace inside an entry",
            &app,
            "svc",
            list("\"10.0.0.0 /24\""),
            "ip_allowlist",
        ),
        (
            "a hostname",
            &app,
            "svc",
            list("\"api.example.com\""),
            "ip_allowlist",
        ),
        (
            "IPv4 prefix out of range",
            &app,
            "svc",
            list("\"10.0.0.0/33\""),
            "ip_allowlist",
        ),
        (
            "IPv6 prefix out of range",
            &app,
            "svc",
            list("\"2001:db8::/129\""),
            "ip_allowlist",
        ),
        (
            "IPv4 host bits",
            &app,
            "svc",
            list("\"10.0.0.5/24\""),
            "ip_allowlist",
        ),
        (
            "IPv6 host bits",
            &app,
            "svc",
            list("\"2001:db8::1/64\""),
            "ip_allowlist",
        ),
        (
            "same IPv4 network twice",
            &app,
            "svc",
            list("\"192.0.2.7\", \"192.0.2.7/32\""),
            "ip_allowlist",
        ),
        (
            "same IPv6 network twice",
            &app,
            "svc",
            list("\"2001:DB8::/32\", \"2001:db8:0::/32\""),
            "ip_allowlist",
        ),
        (
            "a port",
            &app,
            "svc",
            list("\"10.0.0.1:443\""),
            "ip_allowlist",
        ),
    ];
    assert!(cases.len() >= 12);
    for (case, app_id, name, extra, attribute) in &cases {
        ws.write_config(&emu.config(&key_block("k", app_id, name, extra)));
        let text = fails_naming(&ws, &["plan", "-no-color"], case, &[attribute]);
        assert!(
            points_at(&text, attribute),
            "{case}: not at {attribute}\n{text}"
        );
    }
    for route in WRITES {
        assert_eq!(emu.emulator.request_count(route), 0, "{route:?}");
    }
}

#[test]
fn bad_provider_configurations_fail_at_plan_naming_the_attribute() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let key = emu.emulator.organization_api_key();
    let resource = key_block("k", &emu.app(), "svc", "");
    // (case, provider block body, words the error must contain)
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "api_url not a URL",
            format!("organization_api_key = \"{key}\"\n  api_url = \"not a url\""),
            vec!["api_url"],
        ),
        (
            "http:// to a non-loopback host",
            format!("organization_api_key = \"{key}\"\n  api_url = \"http://api.example.com\""),
            vec!["api_url", "https://"],
        ),
        (
            "missing organization key",
            format!("api_url = \"{}\"", emu.url),
            vec!["organization_api_key", "ONESIGNAL_ORGANIZATION_API_KEY"],
        ),
        (
            "empty organization key",
            format!("organization_api_key = \"\"\n  api_url = \"{}\"", emu.url),
            vec!["organization_api_key"],
        ),
        (
            "negative max_retries",
            format!(
                "organization_api_key = \"{key}\"\n  api_url = \"{}\"\n  max_retries = -1",
                emu.url
            ),
            vec!["max_retries"],
        ),
    ];
    for (case, body, wanted) in &cases {
        ws.write_config(&config_with(&format!(
            "provider \"onesignal\" {{\n  {body}\n}}\n\n{resource}"
        )));
        let text = fails_naming(&ws, &["plan", "-no-color"], case, wanted);
        assert!(!text.contains(&key), "{case}: the key is shown\n{text}");
        // Where the attribute is written, Terraform's snippet points at its line.
        let written = wanted[0];
        if body.contains(&format!("{written} =")) {
            assert!(
                points_at(&text, written),
                "{case}: not at {written}\n{text}"
            );
        }
    }
    for route in WRITES {
        assert_eq!(emu.emulator.request_count(route), 0, "{route:?}");
    }
}

#[test]
fn malformed_import_ids_name_both_accepted_forms() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    ws.write_config(&emu.one_key_config());
    for id in [
        "not-a-uuid/token".to_owned(),
        format!("{app}/"),
        format!("{app}/a/b"),
        "two words".to_owned(),
    ] {
        fails_naming(
            &ws,
            &["import", "-no-color", "onesignal_app_api_key.k", &id],
            &format!("import id {id:?}"),
            &[
                "Invalid import id",
                "<app_id>/<token_id>",
                "bare \"<token_id>\"",
            ],
        );
    }
    // ConfigureProvider's one check of the organization key (GET /apps) is all OneSignal sees.
    let counts = emu.emulator.request_counts();
    let other: u64 = counts
        .iter()
        .filter(|(route, _)| **route != Route::ListApps)
        .map(|(_, n)| n)
        .sum();
    assert_eq!(other, 0, "a malformed id is refused before any request");
    assert!(counts.get(&Route::ListApps).copied().unwrap_or(0) <= 4);
}
