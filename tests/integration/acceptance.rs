//! The resource's whole life with the real `terraform` binary against the emulator, step by
//! step, with assertions on `terraform show -json` and on the emulator's own state.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::mpsc;

use onesignal_emulator::{self as emulator, Emulator};
use serde_json::{Value as Json, json};

use crate::terraform::{Workspace, config_with, terraform_version};

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

    /// A whole configuration: `required_providers`, this emulator's provider block, then `body`.
    pub fn config(&self, body: &str) -> String {
        config_with(&format!("{}\n{body}", self.provider_block()))
    }

    /// A configuration of this emulator's provider block and one key, `onesignal_app_api_key.k`
    /// named "svc" in the first app.
    pub fn one_key_config(&self) -> String {
        self.config(&key_block("k", &self.app(), "svc", ""))
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
        "plan failed\n{}",
        crate::terraform::printed(&output)
    );
    code
}

pub fn key_block(name: &str, app: &str, key_name: &str, extra: &str) -> String {
    format!(
        "resource \"onesignal_app_api_key\" \"{name}\" {{\n  app_id = \"{app}\"\n  name = \"{key_name}\"\n{extra}\n}}\n"
    )
}

/// The plan of `-out=tfplan`, as JSON.
fn saved_plan(ws: &Workspace) -> Json {
    ws.ok(&["plan", "-out=tfplan", "-no-color"]);
    serde_json::from_str(&ws.ok(&["show", "-json", "tfplan"])).unwrap()
}

/// The planned change of one resource address.
fn change_of<'a>(plan: &'a Json, address: &str) -> &'a Json {
    plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == address)
        .map(|c| &c["change"])
        .unwrap_or_else(|| panic!("no change for {address} in {plan}"))
}

/// A trigger unknown at plan time (another key's `token_id`, known only once that key exists):
/// with a prior trigger, `token` is planned unknown and the apply decides from the final value;
/// with none, the value is only recorded. A known new trigger warns that the secret dies.
#[test]
fn unknown_rotation_trigger_is_decided_at_apply() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    let write = |body: &str| ws.write_config(&emu.config(body));
    let token_of = |state: &std::collections::BTreeMap<String, Json>, name: &str| {
        state[&format!("onesignal_app_api_key.{name}")]["token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    write(&format!(
        "{}\n{}",
        key_block("rotating", &app, "rotating", "  rotation_trigger = \"1\""),
        key_block("fresh", &app, "fresh", "")
    ));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let before = resources(&ws);
    let (old_rotating, old_fresh) = (token_of(&before, "rotating"), token_of(&before, "fresh"));

    let from_source = "  rotation_trigger = onesignal_app_api_key.source.token_id";
    write(&format!(
        "{}\n{}\n{}",
        key_block("rotating", &app, "rotating", from_source),
        key_block("fresh", &app, "fresh", from_source),
        key_block("source", &app, "source", "")
    ));
    let plan = saved_plan(&ws);
    let rotating = change_of(&plan, "onesignal_app_api_key.rotating");
    assert_eq!(rotating["actions"], json!(["update"]));
    assert_eq!(rotating["after_unknown"]["rotation_trigger"], true);
    assert_eq!(rotating["after_unknown"]["token"], true, "decided at apply");
    let fresh = change_of(&plan, "onesignal_app_api_key.fresh");
    assert_ne!(
        fresh["after_unknown"]["token"], true,
        "no prior trigger: nothing to rotate"
    );
    ws.ok(&["apply", "-auto-approve", "-no-color", "tfplan"]);
    let after = resources(&ws);
    let source_id = &after["onesignal_app_api_key.source"]["token_id"];
    assert_eq!(
        &after["onesignal_app_api_key.rotating"]["rotation_trigger"],
        source_id
    );
    let new_rotating = token_of(&after, "rotating");
    assert_ne!(new_rotating, old_rotating);
    assert_eq!(emu.app_key_status(&app, &new_rotating), 200);
    assert_eq!(emu.app_key_status(&app, &old_rotating), 403);
    assert_eq!(token_of(&after, "fresh"), old_fresh);
    assert_eq!(emu.app_key_status(&app, &old_fresh), 200);
    assert_eq!(plan_exit_code(&ws), 0);

    write(&format!(
        "{}\n{}\n{}",
        key_block(
            "rotating",
            &app,
            "rotating",
            "  rotation_trigger = \"next\""
        ),
        key_block("fresh", &app, "fresh", from_source),
        key_block("source", &app, "source", "")
    ));
    let out = ws.ok(&["plan", "-no-color"]);
    assert!(
        out.contains("The API key will be rotated") && out.contains("stops working"),
        "{out}"
    );
}

/// The seven steps, one Terraform configuration after another.
#[test]
fn lifecycle_create_update_rotate_import_drift_destroy() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    let write = |body: &str| ws.write_config(&emu.config(body));
    let allowlisted = |list: &str| {
        key_block(
            "listed",
            &app,
            "backend",
            &format!("  ip_allowlist = {list}"),
        )
    };
    let rotating = |trigger: &str| {
        key_block(
            "rotating",
            &app,
            "worker",
            &format!("  rotation_trigger = \"{trigger}\""),
        )
    };

    // 1. Two keys: one with an allowlist, one with a rotation trigger.
    write(&format!(
        "{}\n{}",
        allowlisted("[\"192.0.2.0/24\", \"127.0.0.1\"]"),
        rotating("1")
    ));
    let created = ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let show: Json = serde_json::from_str(&ws.ok(&["show", "-json"])).unwrap();
    let state = resources(&ws);
    let listed = state["onesignal_app_api_key.listed"].clone();
    let worker = state["onesignal_app_api_key.rotating"].clone();
    let (listed_token, worker_token) = (
        listed["token"].as_str().unwrap().to_owned(),
        worker["token"].as_str().unwrap().to_owned(),
    );
    let (listed_id, worker_id) = (
        listed["token_id"].as_str().unwrap().to_owned(),
        worker["token_id"].as_str().unwrap().to_owned(),
    );
    for (values, token, token_id) in [
        (&listed, &listed_token, &listed_id),
        (&worker, &worker_token, &worker_id),
    ] {
        assert!(
            token.starts_with("os_v2_app_") && token.len() == 113,
            "{token}"
        );
        assert_eq!(values["id"], format!("{app}/{token_id}"));
        assert!(values["created_at"].as_str().is_some_and(|t| !t.is_empty()));
        assert_eq!(
            emu.app_key_status(&app, token),
            200,
            "the token in state works"
        );
    }
    assert_eq!(listed["ip_allowlist_mode"], "explicit");
    assert_eq!(worker["ip_allowlist_mode"], "disabled");
    // The user's spelling is kept although the emulator answers 127.0.0.1/32.
    assert_eq!(
        strings(&listed["ip_allowlist"]),
        BTreeSet::from(["192.0.2.0/24".into(), "127.0.0.1".into()])
    );
    let remote: BTreeSet<String> = emu
        .emulator
        .key(&app, &listed_id)
        .unwrap()
        .ip_allowlist
        .into_iter()
        .collect();
    assert_eq!(
        remote,
        BTreeSet::from(["192.0.2.0/24".into(), "127.0.0.1/32".into()])
    );
    // Terraform 1.5 and later mark schema-sensitive values in `show -json`; every version hides
    // them in the plan it prints.
    assert!(
        created.contains("token             = (sensitive value)"),
        "{created}"
    );
    assert!(!created.contains(&listed_token) && !created.contains(&worker_token));
    if terraform_version(&ws) >= (1, 5) {
        for resource in show["values"]["root_module"]["resources"]
            .as_array()
            .unwrap()
        {
            assert_eq!(
                resource["sensitive_values"]["token"], true,
                "token is sensitive: {resource}"
            );
        }
    } else {
        crate::support::note(
            "lifecycle: Terraform before 1.5 reports no sensitive_values in show -json; token's \
             sensitivity is checked in the printed plan only",
        );
    }

    // 2. The follow-up plan is empty and never prints a token; a respelling plans nothing.
    let output = ws.run(&["plan", "-detailed-exitcode", "-no-color"]);
    let printed = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{printed}");
    assert!(!printed.contains(&listed_token) && !printed.contains(&worker_token));
    write(&format!(
        "{}\n{}",
        allowlisted("[\"127.0.0.1/32\", \"192.0.2.0/24\"]"),
        rotating("1")
    ));
    assert_eq!(plan_exit_code(&ws), 0, "a respelling plans nothing");

    // 3. One more CIDR: an in-place update differing by exactly that entry; the token stays.
    write(&format!(
        "{}\n{}",
        allowlisted("[\"192.0.2.0/24\", \"127.0.0.1\", \"198.51.100.0/24\"]"),
        rotating("1")
    ));
    let plan = saved_plan(&ws);
    let change = change_of(&plan, "onesignal_app_api_key.listed");
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
    assert_eq!(
        change_of(&plan, "onesignal_app_api_key.rotating")["actions"],
        json!(["no-op"])
    );
    ws.ok(&["apply", "-auto-approve", "-no-color", "tfplan"]);
    assert_eq!(
        emu.emulator
            .key(&app, &listed_id)
            .unwrap()
            .ip_allowlist
            .len(),
        3
    );
    assert_eq!(
        resources(&ws)["onesignal_app_api_key.listed"]["token"],
        listed_token
    );
    assert_eq!(plan_exit_code(&ws), 0);

    // 4. A new trigger rotates: token unknown in the plan, token_id known; a first trigger does not.
    let listed_config = allowlisted(
        "[\"192.0.2.0/24\", \"127.0.0.1\", \"198.51.100.0/24\"]\n  rotation_trigger = \"first\"",
    );
    write(&format!("{listed_config}\n{}", rotating("2")));
    let plan = saved_plan(&ws);
    let change = change_of(&plan, "onesignal_app_api_key.rotating");
    assert_eq!(change["actions"], json!(["update"]));
    assert_eq!(change["after_unknown"]["token"], true);
    assert_eq!(change["after"]["token_id"], worker_id);
    let first = change_of(&plan, "onesignal_app_api_key.listed");
    assert_eq!(first["actions"], json!(["update"]));
    assert_ne!(
        first["after_unknown"]["token"], true,
        "a first trigger only records the value"
    );
    ws.ok(&["apply", "-auto-approve", "-no-color", "tfplan"]);
    let state = resources(&ws);
    let rotated = &state["onesignal_app_api_key.rotating"];
    assert_eq!(rotated["token_id"], worker_id);
    let new_worker_token = rotated["token"].as_str().unwrap().to_owned();
    assert_ne!(new_worker_token, worker_token);
    assert_eq!(emu.app_key_status(&app, &new_worker_token), 200);
    assert_eq!(emu.app_key_status(&app, &worker_token), 403);
    assert_eq!(state["onesignal_app_api_key.listed"]["token"], listed_token);
    assert_eq!(emu.app_key_status(&app, &listed_token), 200);
    assert_eq!(plan_exit_code(&ws), 0);

    // 5. Import by <app_id>/<token_id> (CLI) and by bare <token_id> (an import block where the
    //    Terraform version has them), with the keys' secrets untouched.
    let by_hand = emu
        .emulator
        .create_key(&app, &json!({"name": "dashboard"}))
        .unwrap();
    let other_app = emu.emulator.create_app("second").unwrap().id;
    let elsewhere = emu
        .emulator
        .create_key(&other_app, &json!({"name": "elsewhere", "ip_allowlist_mode": "explicit", "ip_allowlist": ["203.0.113.7/32"]}))
        .unwrap();
    let kept = format!("{listed_config}\n{}", rotating("2"));
    let imported = key_block("imported", &app, "dashboard", "  rotation_trigger = \"a\"");
    let bare = key_block(
        "bare",
        &other_app,
        "elsewhere",
        "  ip_allowlist = [\"203.0.113.7\"]",
    );
    let import_block = format!(
        "import {{\n  to = onesignal_app_api_key.bare\n  id = \"{}\"\n}}\n",
        elsewhere.token_id
    );
    let has_import_blocks = terraform_version(&ws) >= (1, 5);
    write(&format!(
        "{kept}\n{imported}\n{bare}\n{}",
        if has_import_blocks {
            import_block.as_str()
        } else {
            ""
        }
    ));
    let out = ws.ok(&[
        "import",
        "-no-color",
        "onesignal_app_api_key.imported",
        &format!("{app}/{}", by_hand.token_id),
    ]);
    assert!(out.contains("Import successful"), "{out}");
    assert!(
        out.contains("Imported key has no secret in state") && out.contains("rotation_trigger"),
        "the import explains that the secret cannot be read back and how to rotate: {out}"
    );
    if !has_import_blocks {
        crate::support::note(
            "lifecycle: import blocks need Terraform 1.5; importing the bare token_id with the CLI",
        );
        ws.ok(&[
            "import",
            "-no-color",
            "onesignal_app_api_key.bare",
            &elsewhere.token_id,
        ]);
    }
    // The plan imports `bare` (block) and only records the imported key's rotation_trigger.
    let plan = saved_plan(&ws);
    let change = change_of(&plan, "onesignal_app_api_key.imported");
    assert_eq!(change["actions"], json!(["update"]));
    assert_eq!(change["after"]["rotation_trigger"], "a");
    assert_ne!(
        change["after_unknown"]["token"], true,
        "no rotation after an import"
    );
    assert_eq!(
        change_of(&plan, "onesignal_app_api_key.bare")["actions"],
        json!(["no-op"])
    );
    ws.ok(&["apply", "-auto-approve", "-no-color", "tfplan"]);
    let state = resources(&ws);
    assert_eq!(state["onesignal_app_api_key.imported"]["token"], Json::Null);
    assert_eq!(state["onesignal_app_api_key.imported"]["name"], "dashboard");
    assert_eq!(
        state["onesignal_app_api_key.imported"]["rotation_trigger"],
        "a"
    );
    assert_eq!(state["onesignal_app_api_key.bare"]["app_id"], other_app);
    assert_eq!(state["onesignal_app_api_key.bare"]["token"], Json::Null);
    assert_eq!(
        state["onesignal_app_api_key.bare"]["token_id"],
        elsewhere.token_id
    );
    assert_eq!(emu.app_key_status(&app, &by_hand.secret), 200);
    assert_eq!(plan_exit_code(&ws), 0);

    // 6. Drift: deleted outside Terraform → re-created; renamed outside → renamed back; a new
    //    app_id → replaced.
    emu.emulator.delete_key(&app, &by_hand.token_id).unwrap();
    emu.emulator
        .update_key(&app, &listed_id, &json!({"name": "renamed by hand"}))
        .unwrap();
    let plan = saved_plan(&ws);
    assert_eq!(
        change_of(&plan, "onesignal_app_api_key.imported")["actions"],
        json!(["create"])
    );
    let renamed = change_of(&plan, "onesignal_app_api_key.listed");
    assert_eq!(renamed["actions"], json!(["update"]));
    assert_eq!(renamed["before"]["name"], "renamed by hand");
    assert_eq!(renamed["after"]["name"], "backend");
    ws.ok(&["apply", "-auto-approve", "-no-color", "tfplan"]);
    assert_eq!(emu.emulator.key(&app, &listed_id).unwrap().name, "backend");
    let moved = kept.replace(
        &format!("app_id = \"{app}\"\n  name = \"worker\""),
        &format!("app_id = \"{other_app}\"\n  name = \"worker\""),
    );
    assert_ne!(moved, kept);
    write(&format!("{moved}\n{imported}\n{bare}"));
    let plan = saved_plan(&ws);
    assert_eq!(
        change_of(&plan, "onesignal_app_api_key.rotating")["actions"],
        json!(["delete", "create"])
    );
    ws.ok(&["apply", "-auto-approve", "-no-color", "tfplan"]);
    let state = resources(&ws);
    assert_eq!(state["onesignal_app_api_key.rotating"]["app_id"], other_app);
    assert!(
        emu.emulator.key(&app, &worker_id).is_none(),
        "the replaced key is deleted"
    );
    assert_eq!(plan_exit_code(&ws), 0);

    // 7. Destroy leaves no key on the server.
    ws.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert!(emu.emulator.keys(&app).unwrap().is_empty());
    assert!(emu.emulator.keys(&other_app).unwrap().is_empty());
    assert_eq!(emu.app_key_status(&app, &listed_token), 403);
}

#[test]
fn malformed_and_missing_import_ids_are_explained() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    ws.write_config(&emu.config(&key_block("k", &app, "x", "")));
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
        "0d4bc2c4-8f0a-4b7e-9a41-3f2e7c1d5a60",
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
    let version = terraform_version(&ws);
    if version < (1, 5) {
        crate::support::note(&format!(
            "NOT RUN for Terraform {version:?}: import_block_with_generated_configuration (import \
             blocks and -generate-config-out need Terraform 1.5 or later)"
        ));
        return;
    }
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    let by_hand = emu
        .emulator
        .create_key(&app, &json!({"name": "made by hand", "ip_allowlist": ["198.51.100.7/32", "2001:db8::/32"], "ip_allowlist_mode": "explicit"}))
        .unwrap();
    let bare = emu
        .emulator
        .create_key(&app, &json!({"name": "bare id"}))
        .unwrap();
    ws.write_config(&config_with(&format!(
        "{}\nimport {{\n  to = onesignal_app_api_key.adopted\n  id = \"{app}/{}\"\n}}\nimport {{\n  to = onesignal_app_api_key.bare\n  id = \"{}\"\n}}\n",
        emu.provider_block(),
        by_hand.token_id,
        bare.token_id
    )));
    ws.ok(&["plan", "-no-color", "-generate-config-out=generated.tf"]);
    let generated = std::fs::read_to_string(ws.dir.path().join("generated.tf")).unwrap();
    assert!(generated.contains("made by hand"), "{generated}");
    assert!(generated.contains("bare id"), "{generated}");
    assert!(
        !generated.contains("token "),
        "no computed-only attribute in generated config:\n{generated}"
    );
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let state = resources(&ws)["onesignal_app_api_key.adopted"].clone();
    assert_eq!(state["token_id"], by_hand.token_id);
    assert_eq!(state["token"], Json::Null);
    let state = resources(&ws)["onesignal_app_api_key.bare"].clone();
    assert_eq!(state["id"], format!("{app}/{}", bare.token_id));
    assert_eq!(
        plan_exit_code(&ws),
        0,
        "generated configuration:\n{generated}"
    );
}
