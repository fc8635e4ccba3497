//! What `onesignal_app` refuses at validate and plan, on every Terraform version, and the data
//! source's choice by name.

use onesignal_emulator::Route;
use serde_json::Value as Json;

use super::{WEB_PUSH, WRITE_ONLY, app_block, app_id_of, base64, config, flat};
use crate::acceptance::{BackgroundEmulator, plan_exit_code, resources};
use crate::terraform::{Workspace, config_with, terraform_version};

/// Every rule fails at plan, naming its attribute, and nothing reaches OneSignal.
#[test]
fn bad_settings_fail_at_plan_naming_the_attribute_with_nothing_sent() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let apps_before = emu.emulator.app_ids().len();
    let mut cases: Vec<(String, &str, &str)> = vec![
        (app_block("", ""), "Invalid name", "name"),
        (
            app_block("Shop", "  site_name = \"Shop\"\n"),
            "Web push needs site_name",
            "chrome_web_origin and safari_site_origin are missing",
        ),
        (
            app_block(
                "Shop",
                &WEB_PUSH.replace(
                    "https://shop.example.com\"\n  safari",
                    "http://shop.example.com\"\n  safari",
                ),
            ),
            "Invalid chrome_web_origin",
            "https://",
        ),
        (
            app_block("Shop", "  apns_env = \"development\"\n"),
            "Invalid apns_env",
            "\"sandbox\"",
        ),
        (
            app_block("Shop", "  organization_id = \"not-an-org\"\n"),
            "Invalid organization_id",
            "organization_id",
        ),
    ];
    if terraform_version(&ws) >= WRITE_ONLY {
        cases.push((
            app_block(
                "Shop",
                "  fcm_v1_service_account_json_wo = \"{\\\"type\\\": \\\"service_account\\\"}\"\n  credentials_wo_version = \"1\"\n",
            ),
            "fcm_v1_service_account_json_wo is not Base64",
            "filebase64(",
        ));
    }
    for (body, summary, detail) in &cases {
        ws.write_config(&config(&emu, body));
        let output = ws.run(&["plan", "-no-color"]);
        let text = flat(&output);
        assert!(!output.status.success(), "{body}\n{text}");
        assert!(
            text.contains(summary) && text.contains(detail),
            "{body}\n{text}"
        );
        assert!(text.contains("onesignal_app.x"), "{text}");
    }
    // No organization anywhere: the error names the attribute and the environment variable.
    ws.write_config(&config_with(&format!(
        "provider \"onesignal\" {{\n  organization_api_key = \"{}\"\n  api_url = \"{}\"\n}}\n{}",
        emu.emulator.organization_api_key(),
        emu.url,
        app_block("Shop", "")
    )));
    let output = ws.run(&["plan", "-no-color"]);
    let text = flat(&output);
    assert!(!output.status.success(), "{text}");
    assert!(
        text.contains("Missing organization_id") && text.contains("ONESIGNAL_ORGANIZATION_ID"),
        "{text}"
    );
    for route in [Route::CreateApp, Route::UpdateApp] {
        assert_eq!(emu.emulator.request_count(route), 0, "{route:?}");
    }
    assert_eq!(emu.emulator.app_ids().len(), apps_before, "no app was made");
}

/// Terraform before 1.11 would store write-only values: setting one is an error naming 1.11,
/// while an app without credentials applies and plans clean (on every version).
#[test]
fn old_terraform_refuses_write_only_credentials() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let version = terraform_version(&ws);
    let key = "-----BEGIN PRIVATE KEY----- p8 secret";
    std::fs::write(ws.dir.path().join("AuthKey.p8"), key).unwrap();
    ws.write_config(&config(
        &emu,
        &app_block(
            "Shop",
            "  apns_p8_wo = filebase64(\"AuthKey.p8\")\n  credentials_wo_version = \"1\"\n",
        ),
    ));
    let output = ws.run(&["validate", "-no-color"]);
    let text = flat(&output);
    if version < WRITE_ONLY {
        assert!(!output.status.success(), "{text}");
        assert!(
            text.contains("apns_p8_wo needs Terraform 1.11 or later"),
            "{text}"
        );
        assert!(
            !text.contains(&base64(key)) && !text.contains("p8 secret"),
            "the value is not echoed: {text}"
        );
    } else {
        assert!(output.status.success(), "{text}");
        // Terraform learns which attributes are write-only from the schema.
        let schema: Json = serde_json::from_str(&ws.ok(&["providers", "schema", "-json"])).unwrap();
        let attributes = &schema["provider_schemas"][crate::terraform::SOURCE]["resource_schemas"]
            ["onesignal_app"]["block"]["attributes"];
        for (name, attribute) in attributes.as_object().unwrap() {
            let credential = name.ends_with("_wo");
            assert_eq!(
                attribute["write_only"] == true,
                credential,
                "{name}: {attribute}"
            );
            assert_eq!(
                attribute["sensitive"] == true,
                credential,
                "{name}: {attribute}"
            );
        }
        assert_eq!(
            attributes
                .as_object()
                .unwrap()
                .keys()
                .filter(|n| n.ends_with("_wo"))
                .count(),
            6
        );
        crate::support::note(&format!(
            "old_terraform_refuses_write_only_credentials: Terraform {version:?} supports \
             write-only attributes; the refusal is checked under 1.0.3 (make test-tf-1.0)"
        ));
    }
    ws.write_config(&config(
        &emu,
        &app_block("Shop", "  apns_env = \"sandbox\"\n"),
    ));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let app_id = app_id_of(&ws);
    assert_eq!(
        emu.emulator.app_record(&app_id).unwrap().settings["apns_env"],
        "sandbox"
    );
    assert_eq!(plan_exit_code(&ws), 0);
}

/// `onesignal_app` by name needs exactly one app of that name; the error lists the candidates.
#[test]
fn data_source_by_name_needs_exactly_one_app() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let solo = emu.emulator.create_app("Solo").unwrap().id;
    let twins = [
        emu.emulator.create_app("Twin").unwrap().id,
        emu.emulator.create_app("Twin").unwrap().id,
    ];
    let by_name = |name: &str| {
        config(
            &emu,
            &format!("data \"onesignal_app\" \"a\" {{\n  name = \"{name}\"\n}}\n"),
        )
    };
    ws.write_config(&by_name("Solo"));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let state = resources(&ws)["data.onesignal_app.a"].clone();
    assert_eq!(state["id"], solo);
    assert_eq!(state["organization_id"], emu.emulator.organization_id());
    ws.write_config(&by_name("Twin"));
    let output = ws.run(&["plan", "-no-color"]);
    let text = flat(&output);
    assert!(!output.status.success(), "{text}");
    assert!(
        text.contains("Several apps have that name") && twins.iter().all(|t| text.contains(t)),
        "{text}"
    );
    ws.write_config(&by_name("Nobody"));
    let output = ws.run(&["plan", "-no-color"]);
    let text = flat(&output);
    assert!(!output.status.success(), "{text}");
    assert!(
        text.contains("No app of that name") && text.contains("\"Solo\""),
        "{text}"
    );
}
