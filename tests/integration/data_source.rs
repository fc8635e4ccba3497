//! The `onesignal_app_api_keys` data source with the real `terraform` binary against the
//! emulator: keys made by hand show up, in the API's order, and no secret ever does.

use serde_json::{Value as Json, json};

use crate::acceptance::{BackgroundEmulator, plan_exit_code, resources};
use crate::terraform::{Workspace, config_with};

const ADDRESS: &str = "data.onesignal_app_api_keys.all";

fn data_block(app: &str) -> String {
    format!(
        "data \"onesignal_app_api_keys\" \"all\" {{\n  app_id = \"{app}\"\n}}\n\n\
         output \"names\" {{\n  value = [for k in data.onesignal_app_api_keys.all.keys : k.name]\n}}\n"
    )
}

#[test]
fn keys_made_by_hand_are_listed_without_secrets() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    let listed = emu
        .emulator
        .create_key(
            &app,
            &json!({"name": "made by hand", "ip_allowlist_mode": "explicit",
                    "ip_allowlist": ["198.51.100.7/32", "2001:db8::/32"]}),
        )
        .unwrap();
    let open = emu
        .emulator
        .create_key(&app, &json!({"name": "open"}))
        .unwrap();
    // A key of another app must not show up.
    let other_app = emu.emulator.create_app("other").unwrap().id;
    emu.emulator
        .create_key(&other_app, &json!({"name": "elsewhere"}))
        .unwrap();

    ws.write_config(&emu.config(&data_block(&app)));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let show = ws.ok(&["show", "-json"]);
    let state = std::fs::read_to_string(ws.dir.path().join("terraform.tfstate")).unwrap();
    let everything = format!("{show}{state}");
    for secret in [&listed.secret, &open.secret] {
        assert!(secret.starts_with("os_v2_app_"), "{secret}");
        assert!(!everything.contains(secret.as_str()), "a secret leaked");
    }

    let values = resources(&ws)[ADDRESS].clone();
    assert_eq!(values["app_id"], app);
    let keys = values["keys"].as_array().unwrap();
    let expected: Vec<Json> = emu
        .emulator
        .keys(&app)
        .unwrap()
        .iter()
        .map(|k| {
            json!({
                "token_id": k.token_id,
                "name": k.name,
                "ip_allowlist_mode": k.ip_allowlist_mode,
                "ip_allowlist": k.ip_allowlist,
                "created_at": k.created_at,
                "updated_at": k.updated_at,
            })
        })
        .collect();
    assert_eq!(keys, &expected, "the keys in the API's order");
    assert_eq!(keys[0]["name"], "made by hand");
    assert_eq!(
        keys[0]["ip_allowlist"],
        json!(["198.51.100.7/32", "2001:db8::/32"])
    );
    assert_eq!(keys[0]["ip_allowlist_mode"], "explicit");
    assert_eq!(keys[1]["ip_allowlist"], json!([]));
    assert_eq!(keys[1]["ip_allowlist_mode"], "disabled");
    assert!(keys.iter().all(|k| k.get("token").is_none()));
    assert_eq!(plan_exit_code(&ws), 0, "reading again changes nothing");
}

#[test]
fn a_malformed_app_id_names_the_attribute() {
    let Some(ws) = Workspace::new() else { return };
    ws.write_config(&config_with(&data_block("not-a-uuid")));
    let output = ws.run(&["validate", "-no-color"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("Invalid app_id"), "{stderr}");
    assert!(
        stderr.contains("\"not-a-uuid\" is not a OneSignal App ID"),
        "{stderr}"
    );
    assert!(stderr.contains("app_id"), "{stderr}");
}

#[test]
fn an_unknown_app_is_an_error_that_names_it() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let unknown = "00000000-0000-4000-8000-000000000000";
    ws.write_config(&emu.config(&data_block(unknown)));
    let output = ws.run(&["plan", "-no-color"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("OneSignal app not found"), "{stderr}");
    assert!(stderr.contains(unknown), "{stderr}");
    assert!(
        !stderr.contains(&emu.emulator.organization_api_key()),
        "the organization key leaked"
    );
}

/// What Terraform learns of the schema: `app_id` in, `keys` out, nothing sensitive, no token.
#[test]
fn the_schema_terraform_sees_has_no_secret() {
    let Some(ws) = Workspace::new() else { return };
    ws.write_config(&config_with(&format!(
        "provider \"onesignal\" {{}}\n\n{}",
        data_block("2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f")
    )));
    let out = ws.ok(&["providers", "schema", "-json"]);
    let json: Json = serde_json::from_str(&out).unwrap();
    let schema = &json["provider_schemas"][crate::terraform::SOURCE]["data_source_schemas"]["onesignal_app_api_keys"]
        ["block"]["attributes"];
    assert_eq!(schema["app_id"]["required"], true);
    assert_eq!(schema["keys"]["computed"], true);
    assert_eq!(
        schema["keys"]["type"],
        json!(["list", ["object", {
            "token_id": "string", "name": "string", "ip_allowlist_mode": "string",
            "ip_allowlist": ["set", "string"], "created_at": "string", "updated_at": "string"
        }]])
    );
    let names: Vec<&String> = schema.as_object().unwrap().keys().collect();
    assert_eq!(names, ["app_id", "keys"]);
    for (name, attribute) in schema.as_object().unwrap() {
        assert_ne!(attribute["sensitive"], true, "{name} is not a secret");
    }
}
