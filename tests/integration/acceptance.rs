//! The resource's whole life with the real `terraform` binary against the emulator, step by
//! step, with assertions on `terraform show -json` and on the emulator's own state.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::mpsc;

use serde_json::{Value as Json, json};
use terraform_provider_onesignal::emulator::{self, Emulator};

use crate::terraform::{Workspace, config_with};

/// An emulator on 127.0.0.1:0, served by a runtime of its own while Terraform runs.
pub struct BackgroundEmulator {
    pub url: String,
    pub emulator: Emulator,
    runtime: tokio::runtime::Runtime,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl BackgroundEmulator {
    pub fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let emulator = Emulator::generated();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (bound, addr) = mpsc::channel::<SocketAddr>();
        let handle = emulator.clone();
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            bound.send(listener.local_addr().unwrap()).unwrap();
            let _ = emulator::run(listener, handle, async {
                let _ = stopped.await;
            })
            .await;
        });
        let addr = addr.recv().unwrap();
        Self {
            url: format!("http://{addr}"),
            emulator,
            runtime,
            stop: Some(stop),
        }
    }

    pub fn app(&self) -> String {
        self.emulator.app_ids()[0].clone()
    }

    /// The provider block for this emulator.
    pub fn provider_block(&self) -> String {
        format!(
            "provider \"onesignal\" {{\n  organization_api_key = \"{}\"\n  api_url = \"{}\"\n}}\n",
            self.emulator.organization_api_key(),
            self.url
        )
    }

    /// The status of `GET /apps/{app_id}` with an App API key, from 127.0.0.1.
    pub fn app_key_status(&self, app_id: &str, secret: &str) -> u16 {
        let url = format!("{}/apps/{app_id}", self.url);
        let secret = secret.to_owned();
        self.runtime.block_on(async move {
            reqwest::Client::new()
                .get(url)
                .header("Authorization", format!("Key {secret}"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    }
}

impl Drop for BackgroundEmulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The resources in `terraform show -json` state, by address.
pub fn resources(ws: &Workspace) -> std::collections::BTreeMap<String, Json> {
    let show: Json = serde_json::from_str(&ws.ok(&["show", "-json"])).unwrap();
    show["values"]["root_module"]["resources"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|r| {
                    (
                        r["address"].as_str().unwrap().to_owned(),
                        r["values"].clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn strings(value: &Json) -> BTreeSet<String> {
    value
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

/// `terraform plan -detailed-exitcode`: 0 for no changes, 2 for changes.
pub fn plan_exit_code(ws: &Workspace) -> i32 {
    let output = ws.run(&["plan", "-detailed-exitcode", "-no-color"]);
    let code = output.status.code().unwrap();
    assert!(
        code == 0 || code == 2,
        "plan failed\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    code
}

fn key_block(name: &str, app: &str, key_name: &str, extra: &str) -> String {
    format!(
        "resource \"onesignal_app_api_key\" \"{name}\" {{\n  app_id = \"{app}\"\n  name = \"{key_name}\"\n{extra}\n}}\n"
    )
}

#[test]
fn lifecycle_create_update_rotate_import_drift_destroy() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    let write =
        |body: &str| ws.write_config(&config_with(&format!("{}\n{body}", emu.provider_block())));

    // Create.
    let allowlist = "[\"192.0.2.0/24\", \"127.0.0.1\"]";
    write(&key_block(
        "k",
        &app,
        "backend",
        &format!("  ip_allowlist = {allowlist}\n  rotation_trigger = \"1\""),
    ));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let state = resources(&ws)["onesignal_app_api_key.k"].clone();
    let token = state["token"].as_str().unwrap().to_owned();
    let token_id = state["token_id"].as_str().unwrap().to_owned();
    assert!(
        token.starts_with("os_v2_app_") && token.len() == 113,
        "{token}"
    );
    assert_eq!(state["id"], format!("{app}/{token_id}"));
    assert_eq!(state["ip_allowlist_mode"], "explicit");
    // The user's spelling is kept although the emulator stores 127.0.0.1/32.
    assert_eq!(
        strings(&state["ip_allowlist"]),
        BTreeSet::from(["192.0.2.0/24".into(), "127.0.0.1".into()])
    );
    assert!(state["created_at"].as_str().is_some_and(|t| !t.is_empty()));
    let remote = emu
        .emulator
        .key(&app, &token_id)
        .expect("key exists on the server");
    assert_eq!(remote.name, "backend");
    assert_eq!(
        emu.app_key_status(&app, &token),
        200,
        "the token in state works"
    );

    // Nothing to do afterwards, and a respelling changes nothing.
    assert_eq!(plan_exit_code(&ws), 0);
    write(&key_block(
        "k",
        &app,
        "backend",
        "  ip_allowlist = [\"127.0.0.1/32\", \"192.0.2.0/24\"]\n  rotation_trigger = \"1\"",
    ));
    assert_eq!(plan_exit_code(&ws), 0, "a respelling plans nothing");

    // An allowlist change is an in-place update showing exactly the added entry.
    write(&key_block(
        "k",
        &app,
        "backend",
        "  ip_allowlist = [\"192.0.2.0/24\", \"127.0.0.1\", \"198.51.100.0/24\"]\n  rotation_trigger = \"1\"",
    ));
    ws.ok(&["plan", "-out=tfplan", "-no-color"]);
    let plan: Json = serde_json::from_str(&ws.ok(&["show", "-json", "tfplan"])).unwrap();
    let change = &plan["resource_changes"][0]["change"];
    assert_eq!(change["actions"], json!(["update"]));
    let (before, after) = (
        strings(&change["before"]["ip_allowlist"]),
        strings(&change["after"]["ip_allowlist"]),
    );
    assert_eq!(
        after.difference(&before).collect::<Vec<_>>(),
        ["198.51.100.0/24"]
    );
    assert!(before.difference(&after).next().is_none());
    ws.ok(&["apply", "-auto-approve", "-no-color", "tfplan"]);
    let remote = emu.emulator.key(&app, &token_id).unwrap();
    assert_eq!(remote.ip_allowlist.len(), 3);
    assert_eq!(plan_exit_code(&ws), 0);

    // Rotation: same id, new working token, old token refused.
    write(&key_block(
        "k",
        &app,
        "backend",
        "  ip_allowlist = [\"192.0.2.0/24\", \"127.0.0.1\", \"198.51.100.0/24\"]\n  rotation_trigger = \"2\"",
    ));
    let plan_output = ws.ok(&["plan", "-no-color"]);
    assert!(plan_output.contains("will be rotated"), "{plan_output}");
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let rotated = resources(&ws)["onesignal_app_api_key.k"].clone();
    assert_eq!(rotated["token_id"], token_id);
    let new_token = rotated["token"].as_str().unwrap().to_owned();
    assert_ne!(new_token, token);
    assert_eq!(emu.app_key_status(&app, &new_token), 200);
    assert_eq!(emu.app_key_status(&app, &token), 403);
    assert_eq!(plan_exit_code(&ws), 0);

    // Import by <app_id>/<token_id> and by bare <token_id> (in a second app).
    let by_hand = emu
        .emulator
        .create_key(&app, &json!({"name": "dashboard"}))
        .unwrap();
    let other_app = emu.emulator.create_app("second").unwrap().id;
    let elsewhere = emu
        .emulator
        .create_key(&other_app, &json!({"name": "elsewhere", "ip_allowlist_mode": "explicit", "ip_allowlist": ["203.0.113.7/32"]}))
        .unwrap();
    let main_key = key_block(
        "k",
        &app,
        "backend",
        "  ip_allowlist = [\"192.0.2.0/24\", \"127.0.0.1\", \"198.51.100.0/24\"]\n  rotation_trigger = \"2\"",
    );
    let imported = key_block("imported", &app, "dashboard", "");
    let bare = key_block(
        "bare",
        &other_app,
        "elsewhere",
        "  ip_allowlist = [\"203.0.113.7\"]",
    );
    write(&format!("{main_key}\n{imported}\n{bare}"));
    let import_out = ws.ok(&[
        "import",
        "-no-color",
        "onesignal_app_api_key.imported",
        &format!("{app}/{}", by_hand.token_id),
    ]);
    assert!(import_out.contains("Import successful"), "{import_out}");
    ws.ok(&[
        "import",
        "-no-color",
        "onesignal_app_api_key.bare",
        &elsewhere.token_id,
    ]);
    let all = resources(&ws);
    assert_eq!(all["onesignal_app_api_key.imported"]["token"], Json::Null);
    assert_eq!(all["onesignal_app_api_key.imported"]["name"], "dashboard");
    assert_eq!(all["onesignal_app_api_key.bare"]["app_id"], other_app);
    assert_eq!(
        plan_exit_code(&ws),
        0,
        "imported keys match their configuration"
    );

    // Drift: a key deleted outside Terraform is planned again.
    emu.emulator.delete_key(&app, &by_hand.token_id).unwrap();
    let drift = ws.ok(&["plan", "-no-color"]);
    assert!(
        drift.contains("1 to add, 0 to change, 0 to destroy"),
        "{drift}"
    );

    // Destroy leaves no key of this configuration on the server.
    ws.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert!(emu.emulator.keys(&app).unwrap().is_empty());
    assert!(emu.emulator.keys(&other_app).unwrap().is_empty());
    assert_eq!(emu.app_key_status(&app, &new_token), 403);
}

#[test]
fn malformed_and_missing_import_ids_are_explained() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    ws.write_config(&config_with(&format!(
        "{}\n{}",
        emu.provider_block(),
        key_block("k", &app, "x", "")
    )));
    let output = ws.run(&[
        "import",
        "-no-color",
        "onesignal_app_api_key.k",
        "not-a-uuid/abc",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("Invalid import id")
            && stderr.contains("<app_id>/<token_id>")
            && stderr.contains("<token_id>"),
        "{stderr}"
    );
    let output = ws.run(&[
        "import",
        "-no-color",
        "onesignal_app_api_key.k",
        "no-such-token",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("no such App API key"), "{stderr}");
}

/// `import {}` blocks and `-generate-config-out` (Terraform 1.5 and later) give a configuration
/// that applies with an empty follow-up plan.
#[test]
fn import_block_with_generated_configuration() {
    let Some(ws) = Workspace::new() else { return };
    let version = ws.ok(&["version", "-json"]);
    let version: Json = serde_json::from_str(&version).unwrap();
    let version = version["terraform_version"].as_str().unwrap().to_owned();
    let minor: u32 = version.split('.').nth(1).unwrap().parse().unwrap();
    if version.starts_with("1.") && minor < 5 {
        eprintln!("NOT RUN for Terraform {version}: import blocks need Terraform 1.5 or later");
        return;
    }
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    let by_hand = emu
        .emulator
        .create_key(&app, &json!({"name": "made by hand", "ip_allowlist": ["198.51.100.7/32", "2001:db8::/32"], "ip_allowlist_mode": "explicit"}))
        .unwrap();
    ws.write_config(&config_with(&format!(
        "{}\nimport {{\n  to = onesignal_app_api_key.adopted\n  id = \"{app}/{}\"\n}}\n",
        emu.provider_block(),
        by_hand.token_id
    )));
    ws.ok(&["plan", "-no-color", "-generate-config-out=generated.tf"]);
    let generated = std::fs::read_to_string(ws.dir.path().join("generated.tf")).unwrap();
    assert!(generated.contains("made by hand"), "{generated}");
    assert!(
        !generated.contains("token "),
        "no computed-only attribute in generated config:\n{generated}"
    );
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let state = resources(&ws)["onesignal_app_api_key.adopted"].clone();
    assert_eq!(state["token_id"], by_hand.token_id);
    assert_eq!(state["token"], Json::Null);
    assert_eq!(
        plan_exit_code(&ws),
        0,
        "generated configuration:\n{generated}"
    );
}
