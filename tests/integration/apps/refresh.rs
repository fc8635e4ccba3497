//! Refreshes of `onesignal_app`: an app is gone only when `GET /apps` proves it; any failure
//! leaves the state file as it was.

use std::collections::BTreeMap;

use onesignal_emulator::{Fault, Route, Variants};
use serde_json::json;
use terraform_provider_onesignal::provider::app::read;
use terraform_provider_onesignal::tfplugin::Value;

use super::{WEB_PUSH, app_block, app_id_of, change_of, config, flat, provider_block, saved_plan};
use crate::acceptance::{BackgroundEmulator, plan_exit_code};
use crate::terraform::{Workspace, config_with, printed};

/// A refresh that cannot read the app fails and leaves the state file as it was, whatever the
/// status; only a list of the organization's apps without it removes it.
#[test]
fn refresh_failures_leave_state_alone_and_a_removed_app_is_recreated() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let body = app_block("Kept", WEB_PUSH);
    ws.write_config(&config(&emu, &body));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let app_id = app_id_of(&ws);
    let saved = std::fs::read(ws.dir.path().join("terraform.tfstate")).unwrap();
    let refresh_fails = |why: &str| {
        let output = ws.run(&["apply", "-refresh-only", "-auto-approve", "-no-color"]);
        assert!(!output.status.success(), "{why}: {}", printed(&output));
        let now = std::fs::read(ws.dir.path().join("terraform.tfstate")).unwrap();
        assert!(now == saved, "{why}: the state file changed");
        flat(&output)
    };

    // A wrong api_url (a /v1 prefix: HTML 404 for everything).
    ws.write_config(&config_with(&format!(
        "{}\n{body}",
        provider_block(&emu, &format!("{}/v1", emu.url))
    )));
    refresh_fails("wrong api_url");
    ws.write_config(&config(&emu, &body));

    // A server answering 400 to everything.
    emu.emulator.set_variants(Variants {
        reject_everything_400: true,
        ..Variants::default()
    });
    refresh_fails("400 to everything");
    emu.emulator.set_variants(Variants::default());

    // Only the app's own read fails with 404, while the list still shows it: not gone.
    emu.emulator
        .inject(Fault::status(Some(Route::GetApp), 20, 404));
    let text = refresh_fails("GET /apps/{id} answers 404");
    assert!(text.contains(&app_id), "{text}");
    emu.emulator.clear_faults();
    assert_eq!(plan_exit_code(&ws), 0);

    // Removed by hand (OneSignal's support deleted it): proven gone, planned for re-creation,
    // also when the unknown app is answered 400 rather than 404.
    emu.emulator.remove_app(&app_id).unwrap();
    emu.emulator.set_variants(Variants {
        unknown_as_400: true,
        ..Variants::default()
    });
    let plan = saved_plan(&ws);
    assert_eq!(
        change_of(&plan, "onesignal_app.x")["actions"],
        json!(["create"])
    );
    ws.ok(&["apply", "-auto-approve", "-no-color", "tfplan"]);
    let new_id = app_id_of(&ws);
    assert_ne!(new_id, app_id);
    assert_eq!(emu.emulator.app_record(&new_id).unwrap().name, "Kept");
    assert_eq!(plan_exit_code(&ws), 0);
}

/// The read itself, against the emulator without Terraform: gone only when `GET /apps` proves
/// it, and never from a list at OneSignal's 1000-app cap.
#[tokio::test]
async fn gone_only_when_the_list_proves_it() {
    let em = crate::support::start_fresh().await;
    let client = em.client(0);
    let state = |id: &str| {
        Value::Object(BTreeMap::from([
            ("id".to_owned(), Value::string(id)),
            ("name".to_owned(), Value::string("before")),
        ]))
    };
    let app = em.emulator.create_app("A").unwrap().id;
    let (read, diags) = read::read(&client, &state(&app)).await;
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(read.get_attr("name").as_str(), Some("A"));

    em.emulator.set_variants(Variants {
        reject_everything_400: true,
        ..Variants::default()
    });
    let (read, diags) = read::read(&client, &state(&app)).await;
    assert!(diags.has_errors());
    assert_eq!(read, state(&app), "a 400 proves nothing");
    em.emulator.set_variants(Variants::default());

    em.emulator.remove_app(&app).unwrap();
    let (read, diags) = read::read(&client, &state(&app)).await;
    assert!(read.is_null() && diags.is_empty(), "{diags:?}");

    // At the cap, a missing app is kept, with a warning.
    let other = em.emulator.create_app("B").unwrap().id;
    while em.emulator.app_ids().len() < read::APP_LIST_CAP + 1 {
        em.emulator.create_app("filler").unwrap();
    }
    em.emulator.remove_app(&other).unwrap();
    assert_eq!(em.emulator.app_ids().len(), read::APP_LIST_CAP);
    let (read, diags) = read::read(&client, &state(&other)).await;
    assert_eq!(read, state(&other));
    assert!(!diags.has_errors() && !diags.is_empty(), "{diags:?}");
    em.stop().await;
}
