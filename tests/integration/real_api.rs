//! Where the real OneSignal may differ from the emulator's defaults (docs/onesignal-api.md,
//! "Unknown"), with the real `terraform` binary against the emulator's run-time variants: state
//! is never emptied by a status code, addresses go out in CIDR notation, missing and unknown
//! modes are tolerated, outages and refused keys are answered once.

mod lookups;

use std::time::{Duration, Instant};

use onesignal_emulator::{Fault, Route, Variants};
use serde_json::json;

use crate::acceptance::{BackgroundEmulator, key_block, plan_exit_code, resources};
use crate::terraform::{Workspace, config_with, printed};

/// The bytes of the workspace's state file.
fn state_file(ws: &Workspace) -> Vec<u8> {
    std::fs::read(ws.dir.path().join("terraform.tfstate")).expect("a state file")
}

/// The provider block for `url` with `emu`'s key and `max_retries`.
fn provider_at(emu: &BackgroundEmulator, url: &str, max_retries: u32) -> String {
    format!(
        "provider \"onesignal\" {{\n  organization_api_key = \"{}\"\n  api_url = \"{url}\"\n  max_retries = {max_retries}\n}}\n",
        emu.emulator.organization_api_key(),
    )
}

/// Runs `terraform args`, which must fail; returns what it printed.
#[track_caller]
fn fails(ws: &Workspace, args: &[&str]) -> String {
    let output = ws.run(args);
    let text = printed(&output);
    assert!(
        !output.status.success(),
        "terraform {args:?} succeeded\n{text}"
    );
    text
}

/// The token ids on the server for `app`, sorted.
fn server_keys(emu: &BackgroundEmulator, app: &str) -> Vec<String> {
    let mut ids: Vec<String> = emu
        .emulator
        .keys(app)
        .unwrap()
        .into_iter()
        .map(|k| k.token_id)
        .collect();
    ids.sort();
    ids
}

/// The `token_id` of `onesignal_app_api_key.<name>` in state.
fn token_id_of(ws: &Workspace, name: &str) -> String {
    resources(ws)[&format!("onesignal_app_api_key.{name}")]["token_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn a_wrong_api_url_path_or_a_server_answering_400_changes_no_state() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    let body = format!(
        "{}{}",
        key_block("a", &app, "a", ""),
        key_block("b", &app, "b", "  ip_allowlist = [\"192.0.2.0/24\"]")
    );
    ws.write_config(&emu.config(&body));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let before = state_file(&ws);
    let keys = server_keys(&emu, &app);
    assert_eq!(keys.len(), 2);

    // Every answer 404 (an HTML page, as from a proxy): a path that is not OneSignal's API.
    let wrong_path = format!("{}/v1", emu.url);
    ws.write_config(&config_with(&format!(
        "{}\n{body}",
        provider_at(&emu, &wrong_path, 1)
    )));
    emu.emulator.reset_counters();
    for args in [
        &["plan", "-no-color"][..],
        &["apply", "-refresh-only", "-auto-approve", "-no-color"],
        &["apply", "-auto-approve", "-no-color"],
    ] {
        let text = fails(&ws, args);
        assert!(
            text.contains("api_url") && text.contains("HTTP 404"),
            "{args:?}\n{text}"
        );
        assert_eq!(state_file(&ws), before, "state unchanged by {args:?}");
    }
    assert_eq!(server_keys(&emu, &app), keys);

    // Every request answered 400 GenericError.
    ws.write_config(&emu.config(&body));
    emu.emulator.set_variants(Variants {
        reject_everything_400: true,
        ..Variants::default()
    });
    for args in [
        &["plan", "-no-color"][..],
        &["apply", "-refresh-only", "-auto-approve", "-no-color"],
        &["apply", "-auto-approve", "-no-color"],
    ] {
        let text = fails(&ws, args);
        assert!(
            text.contains("api_url") && text.contains("HTTP 400"),
            "{args:?}\n{text}"
        );
        assert!(!text.contains("refused the key settings"), "{text}");
        assert_eq!(state_file(&ws), before, "state unchanged by {args:?}");
    }
    emu.emulator.set_variants(Variants::default());
    assert_eq!(emu.emulator.request_count(Route::CreateKey), 0);
    assert_eq!(emu.emulator.request_count(Route::DeleteKey), 0);
    assert_eq!(server_keys(&emu, &app), keys);
    assert_eq!(plan_exit_code(&ws), 0);
}

#[test]
fn bare_and_respelled_addresses_go_out_as_cidrs_and_plan_clean() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    let spelled = "  ip_allowlist = [\"198.51.100.7\", \"2001:DB8::1\", \"192.0.2.0/24\"]";
    ws.write_config(&emu.config(&key_block("k", &app, "svc", spelled)));
    // The emulator refuses bare addresses, as OneSignal's docs ask for CIDR notation.
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let token_id = token_id_of(&ws, "k");
    let mut stored = emu.emulator.key(&app, &token_id).unwrap().ip_allowlist;
    stored.sort();
    assert_eq!(
        stored,
        ["192.0.2.0/24", "198.51.100.7/32", "2001:db8::1/128"]
    );
    let in_state = &resources(&ws)["onesignal_app_api_key.k"]["ip_allowlist"];
    let mut in_state: Vec<&str> = in_state
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    in_state.sort();
    assert_eq!(in_state, ["192.0.2.0/24", "198.51.100.7", "2001:DB8::1"]);
    assert_eq!(plan_exit_code(&ws), 0);

    // A server that answers in another spelling: still nothing to do.
    emu.emulator.set_variants(Variants {
        respell_cidrs: true,
        ..Variants::default()
    });
    assert_eq!(plan_exit_code(&ws), 0);
    // A change goes out in CIDR notation too, and plans clean against the respelling server.
    let changed = "  ip_allowlist = [\"198.51.100.8\", \"2001:DB8::1\"]";
    ws.write_config(&emu.config(&key_block("k", &app, "svc", changed)));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let mut stored = emu.emulator.key(&app, &token_id).unwrap().ip_allowlist;
    stored.sort();
    assert_eq!(stored, ["198.51.100.8/32", "2001:db8::1/128"]);
    assert_eq!(plan_exit_code(&ws), 0);
}

#[test]
fn missing_modes_plan_clean_and_an_unknown_mode_is_one_keys_drift() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    let body = format!(
        "{}{}{}",
        key_block(
            "stored",
            &app,
            "stored",
            "  ip_allowlist_mode = \"disabled\"\n  ip_allowlist = [\"10.0.0.0/8\"]"
        ),
        key_block(
            "explicit",
            &app,
            "explicit",
            "  ip_allowlist = [\"10.0.0.1\"]"
        ),
        key_block("open", &app, "open", "")
    );
    // Lists without a mode from the start: the read-backs after the creates keep the modes sent.
    emu.emulator.set_variants(Variants {
        omit_allowlist_mode: true,
        ..Variants::default()
    });
    ws.write_config(&emu.config(&body));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(
        plan_exit_code(&ws),
        0,
        "no mode in the list: the known modes stay"
    );
    ws.ok(&["apply", "-refresh-only", "-auto-approve", "-no-color"]);
    let state = resources(&ws);
    assert_eq!(
        state["onesignal_app_api_key.stored"]["ip_allowlist_mode"],
        "disabled"
    );
    assert_eq!(
        state["onesignal_app_api_key.explicit"]["ip_allowlist_mode"],
        "explicit"
    );

    emu.emulator.set_variants(Variants::default());
    let explicit = token_id_of(&ws, "explicit");
    emu.emulator
        .set_raw_mode(&app, &explicit, "geo_fenced")
        .unwrap();
    ws.ok(&["plan", "-out=tfplan", "-no-color"]);
    let plan: serde_json::Value =
        serde_json::from_str(&ws.ok(&["show", "-json", "tfplan"])).unwrap();
    for change in plan["resource_changes"].as_array().unwrap() {
        let address = change["address"].as_str().unwrap();
        let want = if address == "onesignal_app_api_key.explicit" {
            json!(["update"])
        } else {
            json!(["no-op"])
        };
        assert_eq!(change["change"]["actions"], want, "{address}");
    }
    let drift = plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "onesignal_app_api_key.explicit")
        .unwrap();
    assert_eq!(drift["change"]["before"]["ip_allowlist_mode"], "geo_fenced");
    assert_eq!(drift["change"]["after"]["ip_allowlist_mode"], "explicit");
    ws.ok(&["apply", "-auto-approve", "-no-color", "tfplan"]);
    assert_eq!(
        emu.emulator.key(&app, &explicit).unwrap().ip_allowlist_mode,
        "explicit"
    );
    assert_eq!(plan_exit_code(&ws), 0);
}

#[test]
fn unknown_keys_answered_400_are_gone_only_when_a_list_proves_it() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    emu.emulator.set_variants(Variants {
        unknown_as_400: true,
        ..Variants::default()
    });
    let body = format!(
        "{}{}",
        key_block("a", &app, "a", ""),
        key_block("b", &app, "b", "")
    );
    ws.write_config(&emu.config(&body));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);

    // Deleted by hand: the refresh proves it gone, and the apply makes a new one.
    let old_a = token_id_of(&ws, "a");
    emu.emulator.delete_key(&app, &old_a).unwrap();
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let new_a = token_id_of(&ws, "a");
    assert_ne!(new_a, old_a);
    assert!(server_keys(&emu, &app).contains(&new_a));
    assert_eq!(server_keys(&emu, &app).len(), 2);

    // A saved plan applied after the key was deleted by hand says so.
    let renamed = format!(
        "{}{}",
        key_block("a", &app, "a2", ""),
        key_block("b", &app, "b", "")
    );
    ws.write_config(&emu.config(&renamed));
    ws.ok(&["plan", "-out=tfplan", "-no-color"]);
    emu.emulator.delete_key(&app, &new_a).unwrap();
    let text = fails(&ws, &["apply", "-no-color", "tfplan"]);
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        folded.contains("deleted outside Terraform") && folded.contains("Plan again"),
        "{text}"
    );
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(server_keys(&emu, &app).len(), 2);
    assert_eq!(plan_exit_code(&ws), 0);

    // Destroy of a key already deleted by hand: the DELETE's 400, then a list proves it gone.
    let b = token_id_of(&ws, "b");
    emu.emulator.delete_key(&app, &b).unwrap();
    ws.write_config(&emu.config(&key_block("a", &app, "a2", "")));
    ws.ok(&["apply", "-auto-approve", "-refresh=false", "-no-color"]);
    assert_eq!(resources(&ws).len(), 1);

    // A DELETE answered 400 for a key that still exists is an error; the key stays in state.
    let a = token_id_of(&ws, "a");
    emu.emulator
        .inject(Fault::status(Some(Route::DeleteKey), 1, 400));
    let before = state_file(&ws);
    let text = fails(&ws, &["destroy", "-auto-approve", "-no-color"]);
    assert!(text.contains("still exists"), "{text}");
    assert_eq!(state_file(&ws), before);
    assert_eq!(server_keys(&emu, &app), [a]);
    ws.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert!(server_keys(&emu, &app).is_empty());
}

#[test]
fn empty_answers_to_updates_and_deletes_are_success() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    ws.write_config(&emu.config(&key_block("k", &app, "svc", "")));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let token_id = token_id_of(&ws, "k");
    emu.emulator.set_variants(Variants {
        empty_write_bodies: true,
        ..Variants::default()
    });
    let changed = "  ip_allowlist = [\"203.0.113.9\"]";
    ws.write_config(&emu.config(&key_block("k", &app, "renamed", changed)));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let key = emu.emulator.key(&app, &token_id).unwrap();
    assert_eq!(key.name, "renamed");
    assert_eq!(key.ip_allowlist, ["203.0.113.9/32"]);
    assert_eq!(plan_exit_code(&ws), 0);
    ws.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert!(server_keys(&emu, &app).is_empty());
    assert!(resources(&ws).is_empty());
}

#[test]
fn a_list_outage_costs_one_retry_sequence_for_sixteen_keys() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    let keys: String = (0..16)
        .map(|i| key_block(&format!("k{i}"), &app, &format!("svc-{i}"), ""))
        .collect();
    ws.write_config(&config_with(&format!(
        "{}\n{keys}",
        provider_at(&emu, &emu.url, 3)
    )));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let before = state_file(&ws);
    emu.emulator.reset_counters();
    emu.emulator.set_variants(Variants {
        routes_down: vec![Route::ListKeys],
        ..Variants::default()
    });
    let started = Instant::now();
    fails(&ws, &["plan", "-no-color"]);
    let took = started.elapsed();
    let lists = emu.emulator.request_count(Route::ListKeys);
    eprintln!("list outage, 16 keys, max_retries = 3: {lists} list calls in {took:?}");
    assert!((1..=8).contains(&lists), "{lists} list calls");
    // One key after another would take sixteen retry sequences (over 40 s with these waits).
    assert!(took < Duration::from_secs(25), "{took:?}");
    assert_eq!(state_file(&ws), before);
}

#[test]
fn a_refused_organization_key_is_one_request_and_one_error() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let apps = [emu.app(), emu.emulator.create_app("second").unwrap().id];
    let keys: String = (0..24)
        .map(|i| key_block(&format!("k{i}"), &apps[i % 2], &format!("svc-{i}"), ""))
        .collect();
    ws.write_config(&emu.config(&keys));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let before = state_file(&ws);
    let wrong = format!("os_v2_org_{}", "b".repeat(103));
    ws.write_config(&config_with(&format!(
        "provider \"onesignal\" {{\n  organization_api_key = \"{wrong}\"\n  api_url = \"{}\"\n}}\n{keys}",
        emu.url
    )));
    emu.emulator.reset_counters();
    let text = fails(&ws, &["plan", "-no-color"]);
    let requests: u64 = emu.emulator.request_counts().values().sum();
    assert!(requests <= 4, "{requests} requests");
    let errors = text
        .matches("OneSignal rejected the organization API key")
        .count();
    assert!((1..=2).contains(&errors), "{errors} errors\n{text}");
    assert!(!text.contains(&wrong));
    assert_eq!(state_file(&ws), before);
}

#[test]
fn max_retries_is_bounded_at_validate() {
    let Some(ws) = Workspace::new() else { return };
    // Terraform validates a provider block only when a resource uses the provider.
    let key = key_block("k", "2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f", "svc", "");
    for (retries, ok) in [("20", true), ("21", false), ("99999999999999", false)] {
        ws.write_config(&config_with(&format!(
            "provider \"onesignal\" {{\n  api_url = \"http://127.0.0.1:9\"\n  max_retries = {retries}\n}}\n{key}"
        )));
        let output = ws.run(&["validate", "-no-color"]);
        let text = printed(&output);
        assert_eq!(output.status.success(), ok, "{retries}\n{text}");
        if !ok {
            assert!(
                text.contains("Invalid max_retries") && text.contains("from 0 to 20"),
                "{text}"
            );
        }
    }
}
