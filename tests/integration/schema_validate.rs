//! Real Terraform reads the provider's schema and runs its validation (`terraform validate`).

use crate::terraform::{Workspace, config_with};

const APP: &str = "2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f";

fn resource(body: &str) -> String {
    config_with(&format!(
        "provider \"onesignal\" {{}}\n\nresource \"onesignal_app_api_key\" \"k\" {{\n{body}\n}}\n"
    ))
}

#[test]
fn providers_schema_json_shows_the_schema() {
    let Some(ws) = Workspace::new() else { return };
    ws.write_config(&resource(&format!(
        "  app_id = \"{APP}\"\n  name = \"svc\""
    )));
    let out = ws.ok(&["providers", "schema", "-json"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let schema = &json["provider_schemas"][crate::terraform::SOURCE];
    let provider = &schema["provider"]["block"]["attributes"];
    assert_eq!(provider["organization_api_key"]["sensitive"], true);
    assert_eq!(provider["api_url"]["optional"], true);
    assert_eq!(provider["max_retries"]["type"], "number");
    let attributes = &schema["resource_schemas"]["onesignal_app_api_key"]["block"]["attributes"];
    let names: Vec<&String> = attributes.as_object().unwrap().keys().collect();
    assert_eq!(names.len(), 10, "{names:?}");
    for (name, attribute) in attributes.as_object().unwrap() {
        assert!(
            attribute["description"]
                .as_str()
                .is_some_and(|d| d.len() > 20),
            "{name} has no useful description"
        );
        assert_eq!(attribute["description_kind"], "markdown");
    }
    assert_eq!(attributes["token"]["computed"], true);
    assert_eq!(attributes["token"]["sensitive"], true);
    assert_eq!(
        attributes["ip_allowlist"]["type"],
        serde_json::json!(["set", "string"])
    );
    assert_eq!(attributes["app_id"]["required"], true);
    assert_eq!(attributes["name"]["required"], true);
    assert_eq!(attributes["ip_allowlist_mode"]["optional"], true);
    assert_eq!(attributes["ip_allowlist_mode"]["computed"], true);
}

#[test]
fn validate_accepts_a_good_configuration() {
    let Some(ws) = Workspace::new() else { return };
    ws.write_config(&resource(&format!(
        "  app_id = \"{APP}\"\n  name = \"backend\"\n  ip_allowlist = [\"192.0.2.0/24\", \"198.51.100.7\", \"2001:db8::/32\"]\n  rotation_trigger = \"2026-Q4\""
    )));
    let out = ws.ok(&["validate", "-no-color"]);
    assert!(out.contains("The configuration is valid"), "{out}");
}

/// Each bad input is rejected by `terraform validate`, naming the attribute, without a panic.
#[test]
fn validate_rejects_each_bad_input_naming_the_attribute() {
    let Some(ws) = Workspace::new() else { return };
    let cases: &[(&str, &str, &str)] = &[
        (
            "app_id = \"not-a-uuid\"\n name = \"svc\"",
            "Invalid app_id",
            "app_id",
        ),
        (
            &format!("app_id = \"{APP}\"\n name = \"\""),
            "Invalid name",
            "name",
        ),
        (
            &format!("app_id = \"{APP}\"\n name = \"{}\"", "n".repeat(129)),
            "Invalid name",
            "name",
        ),
        (
            &format!("app_id = \"{APP}\"\n name = \"svc\"\n ip_allowlist_mode = \"open\""),
            "Invalid ip_allowlist_mode",
            "ip_allowlist_mode",
        ),
        (
            &format!("app_id = \"{APP}\"\n name = \"svc\"\n ip_allowlist = [\"example.com\"]"),
            "Invalid ip_allowlist entry",
            "ip_allowlist",
        ),
        (
            &format!("app_id = \"{APP}\"\n name = \"svc\"\n ip_allowlist = [\"10.0.0.5/24\"]"),
            "10.0.0.0/24",
            "ip_allowlist",
        ),
        (
            &format!(
                "app_id = \"{APP}\"\n name = \"svc\"\n ip_allowlist = [\"10.0.0.1\", \"10.0.0.1/32\"]"
            ),
            "Duplicate ip_allowlist entry",
            "ip_allowlist",
        ),
        (
            &format!("app_id = \"{APP}\"\n name = \"svc\"\n ip_allowlist_mode = \"explicit\""),
            "needs ip_allowlist entries",
            "ip_allowlist_mode",
        ),
    ];
    for (body, expected, attribute) in cases {
        ws.write_config(&resource(body));
        let output = ws.run(&["validate", "-no-color"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "accepted:\n{body}");
        assert!(stderr.contains(expected), "{body}\n---\n{stderr}");
        // Terraform names the attribute by quoting the configuration line it points at.
        assert!(
            stderr.contains(&format!("{attribute} =")),
            "{body}\n---\n{stderr}"
        );
        assert!(
            !stderr.contains("panic") && !stderr.contains("crashed"),
            "{stderr}"
        );
    }
    // disabled with entries: a warning, and validate still passes.
    ws.write_config(&resource(&format!(
        "app_id = \"{APP}\"\n name = \"svc\"\n ip_allowlist_mode = \"disabled\"\n ip_allowlist = [\"10.0.0.1\"]"
    )));
    let output = ws.run(&["validate", "-no-color"]);
    let all = crate::terraform::printed(&output);
    assert!(output.status.success(), "{all}");
    assert!(all.contains("ip_allowlist is not enforced"), "{all}");
}

/// App ids OneSignal would not find as written get the spelling it knows; a `/0` network in an
/// enforced list is a warning, not an error.
#[test]
fn validate_gives_the_app_id_onesignal_knows_and_warns_of_a_list_open_to_all() {
    let Some(ws) = Workspace::new() else { return };
    let upper = APP.to_ascii_uppercase();
    for (app_id, expected) in [
        (upper.as_str(), "Invalid app_id: use lower case"),
        (&format!("{APP} "), "remove the surrounding whitespace"),
        (&format!(" {upper}"), "remove the surrounding whitespace"),
    ] {
        ws.write_config(&resource(&format!(
            "app_id = \"{app_id}\"\n name = \"svc\""
        )));
        let output = ws.run(&["validate", "-no-color"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        // Terraform wraps diagnostic text at its own width.
        let flat = stderr.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(!output.status.success(), "accepted {app_id:?}");
        assert!(flat.contains(expected), "{app_id:?}\n{stderr}");
        assert!(
            flat.contains(&format!("Write app_id = \"{APP}\"")),
            "{stderr}"
        );
        assert!(
            stderr.contains("app_id ="),
            "points at the attribute: {stderr}"
        );
    }
    for open in ["0.0.0.0/0", "::/0"] {
        ws.write_config(&resource(&format!(
            "app_id = \"{APP}\"\n name = \"svc\"\n ip_allowlist = [\"{open}\", \"192.0.2.0/24\"]"
        )));
        let output = ws.run(&["validate", "-no-color"]);
        let all = crate::terraform::printed(&output);
        assert!(output.status.success(), "a warning only: {all}");
        assert!(all.contains("Warning"), "{all}");
        let flat = all.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("allows every address"), "{all}");
    }
}

#[test]
fn validate_rejects_bad_provider_configuration() {
    let Some(ws) = Workspace::new() else { return };
    // Terraform validates a provider block only when a resource uses the provider.
    ws.write_config(&config_with(&format!(
        "provider \"onesignal\" {{\n  api_url = \"http://api.example.com\"\n  max_retries = -1\n}}\n\n\
         resource \"onesignal_app_api_key\" \"k\" {{\n  app_id = \"{APP}\"\n  name = \"svc\"\n}}\n"
    )));
    let output = ws.run(&["validate", "-no-color"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("Invalid OneSignal API URL") && stderr.contains("api_url ="),
        "{stderr}"
    );
    assert!(
        stderr.contains("Invalid max_retries") && stderr.contains("max_retries ="),
        "{stderr}"
    );
}
