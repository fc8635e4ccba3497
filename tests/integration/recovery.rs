//! The create path with the real `terraform` binary against the emulator: keys created under a
//! marked temporary name and renamed, lost creates recovered by the marker alone while other
//! writers make keys of the same name, a failed rename, the 17th key, and a plan that would send
//! what OneSignal refuses.
//!
//! After each run: every token in state works, nobody else's key is in our state or lost its
//! secret, and the server holds no key that nobody tracks.

use std::collections::BTreeSet;

use onesignal_emulator::{Fault, Route};

use crate::acceptance::{BackgroundEmulator, key_block, plan_exit_code, resources};
use crate::terraform::{Workspace, config_with, printed};

/// A key in state: (token_id, name, token).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Tracked {
    token_id: String,
    name: String,
    token: String,
}

fn tracked(ws: &Workspace) -> Vec<Tracked> {
    resources(ws)
        .into_values()
        .map(|values| {
            let text = |field: &str| {
                values[field]
                    .as_str()
                    .unwrap_or_else(|| panic!("{field} missing in {values}"))
                    .to_owned()
            };
            Tracked {
                token_id: text("token_id"),
                name: text("name"),
                token: text("token"),
            }
        })
        .collect()
}

/// The provider block with `max_retries`, so that a fault that must outlast the retries can.
fn provider_block(emu: &BackgroundEmulator, max_retries: u32) -> String {
    format!(
        "provider \"onesignal\" {{\n  organization_api_key = \"{}\"\n  api_url = \"{}\"\n  max_retries = {max_retries}\n}}\n",
        emu.emulator.organization_api_key(),
        emu.url
    )
}

/// The (token_id, name) of every key the emulator holds in `app`.
fn on_server(emu: &BackgroundEmulator, app: &str) -> BTreeSet<(String, String)> {
    emu.emulator
        .keys(app)
        .unwrap()
        .into_iter()
        .map(|k| (k.token_id, k.name))
        .collect()
}

/// Every token in `keys` works.
#[track_caller]
fn assert_tokens_work(emu: &BackgroundEmulator, app: &str, keys: &[Tracked]) {
    for key in keys {
        assert_eq!(
            emu.app_key_status(app, &key.token),
            200,
            "the token in state for {} works",
            key.token_id
        );
    }
}

#[test]
fn two_applies_creating_the_same_names_at_once_through_lost_answers_keep_their_own_keys() {
    let Some(first) = Workspace::new() else {
        return;
    };
    let Some(second) = Workspace::new() else {
        return;
    };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    // The same four names in both configurations: only the marker tells their keys apart.
    let blocks: String = (0..4)
        .map(|i| key_block(&format!("k{i}"), &app, &format!("svc-{i}"), ""))
        .collect();
    for ws in [&first, &second] {
        ws.write_config(&emu.config(&blocks));
    }
    emu.emulator
        .inject(Fault::drop_after_act(Some(Route::CreateKey), u32::MAX).every(2));
    let outputs = std::thread::scope(|scope| {
        let runs: Vec<_> = [&first, &second]
            .into_iter()
            .map(|ws| scope.spawn(move || ws.run(&["apply", "-auto-approve", "-no-color"])))
            .collect();
        runs.into_iter()
            .map(|run| run.join().unwrap())
            .collect::<Vec<_>>()
    });
    emu.emulator.clear_faults();
    for output in &outputs {
        assert!(output.status.success(), "{}", printed(output));
    }
    assert!(
        emu.emulator.request_count(Route::RotateKey) >= 2,
        "lost creates were adopted"
    );

    let (mine, theirs) = (tracked(&first), tracked(&second));
    assert_eq!((mine.len(), theirs.len()), (4, 4));
    let ids = |keys: &[Tracked]| -> BTreeSet<String> {
        keys.iter().map(|k| k.token_id.clone()).collect()
    };
    assert!(
        ids(&mine).is_disjoint(&ids(&theirs)),
        "each state holds only its own keys: {mine:?} {theirs:?}"
    );
    assert_tokens_work(&emu, &app, &mine);
    assert_tokens_work(&emu, &app, &theirs);
    // No orphan: the server holds exactly the two states' keys, all under configured names.
    let in_states: BTreeSet<(String, String)> = mine
        .iter()
        .chain(&theirs)
        .map(|k| (k.token_id.clone(), k.name.clone()))
        .collect();
    assert_eq!(on_server(&emu, &app), in_states);
    assert_eq!(plan_exit_code(&first), 0);
    assert_eq!(plan_exit_code(&second), 0);
}

#[test]
fn a_failed_rename_is_a_warning_and_the_next_apply_renames_the_key() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    ws.write_config(&config_with(&format!(
        "{}\n{}",
        provider_block(&emu, 1),
        key_block("k", &app, "svc", "")
    )));
    // Every PATCH fails (however often it is retried) until the faults are cleared.
    emu.emulator
        .inject(Fault::status(Some(Route::UpdateKey), u32::MAX, 500));
    let output = ws.run(&["apply", "-auto-approve", "-no-color"]);
    emu.emulator.clear_faults();
    let text = printed(&output);
    assert!(output.status.success(), "a warning, not an error: {text}");
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Created the key, but could not give it its name"),
        "{text}"
    );
    assert!(emu.emulator.request_count(Route::UpdateKey) >= 1);

    // Tracked under the configured name, with a working secret, not tainted; the server still
    // shows the temporary name.
    let keys = tracked(&ws);
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].name, "svc");
    assert_tokens_work(&emu, &app, &keys);
    let show: serde_json::Value = serde_json::from_str(&ws.ok(&["show", "-json"])).unwrap();
    assert_ne!(
        show["values"]["root_module"]["resources"][0]["tainted"], true,
        "{show}"
    );
    let remote = emu.emulator.key(&app, &keys[0].token_id).unwrap();
    assert!(remote.name.starts_with("svc [tf-"), "{:?}", remote.name);
    assert!(
        flat.contains(&remote.name),
        "names the temporary name: {text}"
    );

    // The refresh shows the temporary name as drift; the next apply renames the key in place.
    let plan = ws.run(&["plan", "-no-color", "-detailed-exitcode"]);
    let plan_text = printed(&plan);
    assert_eq!(plan.status.code(), Some(2), "{plan_text}");
    assert!(plan_text.contains("update in-place"), "{plan_text}");
    assert!(plan_text.contains(&remote.name), "{plan_text}");
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let renamed = tracked(&ws);
    assert_eq!(renamed, keys, "same key, same secret");
    assert_eq!(
        emu.emulator.key(&app, &keys[0].token_id).unwrap().name,
        "svc"
    );
    assert_tokens_work(&emu, &app, &renamed);
    assert_eq!(plan_exit_code(&ws), 0);
}

#[test]
fn explicit_mode_with_the_list_hidden_by_ignore_changes_and_emptied_remotely_fails_at_plan() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    ws.write_config(&emu.config(&key_block(
        "k",
        &app,
        "svc",
        "  ip_allowlist_mode = \"explicit\"\n  ip_allowlist = [\"192.0.2.0/24\"]\n  lifecycle {\n    ignore_changes = [ip_allowlist]\n  }",
    )));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let token_id = tracked(&ws)[0].token_id.clone();
    // Someone empties the list in the dashboard (OneSignal then needs the mode disabled).
    emu.emulator
        .update_key(
            &app,
            &token_id,
            &serde_json::json!({"name": "svc", "ip_allowlist_mode": "disabled", "ip_allowlist": []}),
        )
        .unwrap();
    emu.emulator.reset_counters();

    for args in [
        &["plan", "-no-color"][..],
        &["apply", "-auto-approve", "-no-color"][..],
    ] {
        let output = ws.run(args);
        let text = printed(&output);
        assert!(!output.status.success(), "{args:?}: {text}");
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for wanted in [
            "ip_allowlist_mode \"explicit\" with an empty ip_allowlist",
            "ignore_changes",
            "ip_allowlist_mode = \"disabled\"",
        ] {
            assert!(
                flat.contains(wanted),
                "{args:?}: {wanted:?} missing\n{text}"
            );
        }
    }
    // Nothing was sent: the refreshes read, nothing wrote.
    for route in [
        Route::CreateKey,
        Route::UpdateKey,
        Route::RotateKey,
        Route::DeleteKey,
    ] {
        assert_eq!(emu.emulator.request_count(route), 0, "{route:?}");
    }
    let remote = emu.emulator.key(&app, &token_id).unwrap();
    assert_eq!(remote.ip_allowlist_mode, "disabled");
    assert!(remote.ip_allowlist.is_empty());
}

/// A lost create while another writer makes a key of the same name a moment before or after ours.
fn lost_create_beside_another_writer(before: bool) {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    ws.write_config(&emu.one_key_config());
    emu.emulator.inject(Fault::other_writer(
        Some(Route::CreateKey),
        1,
        "svc",
        before,
    ));
    emu.emulator
        .inject(Fault::drop_after_act(Some(Route::CreateKey), 1));
    let output = ws.run(&["apply", "-auto-approve", "-no-color"]);
    assert!(output.status.success(), "{}", printed(&output));
    assert!(
        emu.emulator.pending_faults().is_empty(),
        "both faults hit the one create"
    );
    assert_eq!(
        emu.emulator.request_count(Route::CreateKey),
        1,
        "adopted, not created again"
    );
    assert_eq!(emu.emulator.request_count(Route::RotateKey), 1);

    let ours = tracked(&ws);
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].name, "svc");
    assert_tokens_work(&emu, &app, &ours);
    let keys = emu.emulator.keys(&app).unwrap();
    assert_eq!(keys.len(), 2, "ours and theirs: {keys:?}");
    let theirs: Vec<_> = keys
        .iter()
        .filter(|k| k.token_id != ours[0].token_id)
        .collect();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].name, "svc");
    assert_eq!(
        emu.app_key_status(&app, &theirs[0].secret),
        200,
        "the other writer's secret still works"
    );
    assert!(keys.iter().all(|k| k.name == "svc"), "renamed: {keys:?}");
    assert_eq!(plan_exit_code(&ws), 0);
    assert_eq!(tracked(&ws), ours);
}

#[test]
fn a_lost_create_never_takes_a_same_name_key_made_a_moment_before_it() {
    lost_create_beside_another_writer(true);
}

#[test]
fn a_lost_create_never_takes_a_same_name_key_made_a_moment_after_it() {
    lost_create_beside_another_writer(false);
}

#[test]
fn the_17th_key_is_recognised_by_counting_whatever_the_wording() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    ws.write_config(&emu.one_key_config());
    let reworded = r#"{"errors":["This app cannot have more auth credentials"]}"#;
    let refuse = || {
        emu.emulator.inject(Fault::body(
            Some(Route::CreateKey),
            1,
            400,
            Some("application/json".to_owned()),
            reworded,
        ));
    };

    // A few keys: the same refusal is only a refusal.
    refuse();
    let output = ws.run(&["apply", "-auto-approve", "-no-color"]);
    let text = printed(&output);
    assert!(!output.status.success(), "{text}");
    assert!(!text.contains("16 API keys"), "{text}");
    assert!(text.contains("cannot have more auth credentials"), "{text}");

    for i in 0..16 {
        emu.emulator
            .create_key(&app, &serde_json::json!({"name": format!("other-{i}")}))
            .unwrap();
    }
    refuse();
    let output = ws.run(&["apply", "-auto-approve", "-no-color"]);
    let text = printed(&output);
    assert!(!output.status.success(), "{text}");
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for wanted in [
        "The app already has 16 API keys",
        "already holds 16 App API keys",
        "cannot have more auth credentials",
        app.as_str(),
    ] {
        assert!(flat.contains(wanted), "{wanted:?} missing\n{text}");
    }
    assert_eq!(
        emu.emulator.keys(&app).unwrap().len(),
        16,
        "nothing created"
    );
    assert!(resources(&ws).is_empty(), "nothing in state");
}
