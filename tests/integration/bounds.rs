//! The provider process under answers no OneSignal should send: a gigabyte body, a server that
//! accepts and never answers. What is measured is the real binary (memory) and a real
//! `terraform plan` (the deadline), not the client in isolation.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use onesignal_emulator::{Fault, Route};
use serde_json::json;
use terraform_provider_onesignal::tfplugin::{Type, Value, msgpack};

use crate::acceptance::BackgroundEmulator;
use crate::harness::{Plugin, pb};
use crate::terraform::{Workspace, printed};

/// The provider may use at most this much memory, whatever OneSignal answers (SPEC.md).
const MEMORY_LIMIT_KIB: u64 = 64 * 1024;

fn dynamic(value: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: msgpack::encode(value, ty).unwrap(),
        json: Vec::new(),
    })
}

/// An object of `ty` with every attribute null but those given.
fn object_of(ty: &Type, given: &[(&str, &str)]) -> Value {
    let Type::Object(types) = ty else {
        panic!("an object type");
    };
    let mut attributes: BTreeMap<String, Value> = types
        .keys()
        .map(|name| (name.clone(), Value::Null))
        .collect();
    for (name, value) in given {
        attributes.insert((*name).to_owned(), Value::String((*value).to_owned()));
    }
    Value::Object(attributes)
}

/// `VmHWM` (peak resident memory) of a live process, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmHWM line")
}

/// OneSignal answering a key list with 1 GiB (streamed, no Content-Length): the refresh fails
/// with the body cap's error, keeps the state, and the provider process never holds the body.
#[tokio::test]
async fn the_provider_stays_under_64_mib_when_onesignal_answers_a_gigabyte() {
    let em = crate::support::start_fresh().await;
    let app = em.app();
    let key = em
        .emulator
        .create_key(&app, &json!({"name": "big answer"}))
        .unwrap();
    em.emulator
        .inject(Fault::huge_body(Some(Route::ListKeys), 10, 200, 1 << 30));

    let plugin = Plugin::start();
    let mut client = plugin.provider_client().await;
    let provider_type = terraform_provider_onesignal::provider::config::schema().object_type();
    let configured = client
        .configure_provider(pb::configure_provider::Request {
            terraform_version: "1.11.4".into(),
            config: dynamic(
                &object_of(
                    &provider_type,
                    &[
                        ("organization_api_key", &em.org_key()),
                        ("api_url", &em.url),
                    ],
                ),
                &provider_type,
            ),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(configured.diagnostics.is_empty(), "{configured:?}");

    let ty = terraform_provider_onesignal::provider::app_api_key::schema::schema().object_type();
    let state = object_of(
        &ty,
        &[
            ("id", &format!("{app}/{}", key.token_id)),
            ("app_id", &app),
            ("token_id", &key.token_id),
            ("name", "big answer"),
            ("ip_allowlist_mode", "disabled"),
        ],
    );
    let read = client
        .read_resource(pb::read_resource::Request {
            type_name: "onesignal_app_api_key".into(),
            current_state: dynamic(&state, &ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let errors: Vec<&pb::Diagnostic> = read
        .diagnostics
        .iter()
        .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
        .collect();
    assert_eq!(errors.len(), 1, "{:?}", read.diagnostics);
    let text = format!("{} {}", errors[0].summary, errors[0].detail);
    assert!(text.contains("4 MiB"), "{text}");
    let kept = msgpack::decode(&read.new_state.unwrap().msgpack, &ty).unwrap();
    assert_eq!(kept, state, "a failed read keeps the state as it was");

    let peak = peak_rss_kib(plugin.child.id());
    crate::support::note(&format!(
        "bounds: provider peak RSS {peak} KiB after a 1 GiB answer"
    ));
    assert!(
        peak < MEMORY_LIMIT_KIB,
        "the provider peaked at {peak} KiB (limit {MEMORY_LIMIT_KIB} KiB)"
    );
}

/// A OneSignal that accepts connections and never answers: `terraform plan` (a refresh) fails
/// within the per-operation deadline the docs state (120 s), saying so, and leaves the state
/// file as it was. With the defaults this takes two minutes of wall time (no CPU).
#[test]
fn a_plan_against_a_server_that_never_answers_fails_within_the_deadline() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    ws.write_config(&emu.one_key_config());
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let state_path = ws.dir.path().join("terraform.tfstate");
    let before = std::fs::read(&state_path).unwrap();

    // Every route: the organization key check at configure time meets the black hole first.
    emu.emulator.inject(Fault::hang(None, u32::MAX));
    let started = Instant::now();
    let output = ws.run(&["plan", "-no-color"]);
    let took = started.elapsed();
    let text = printed(&output);
    assert!(!output.status.success(), "the plan succeeded\n{text}");
    assert!(
        text.contains("120 s"),
        "the error states the deadline\n{text}"
    );
    // The deadline, plus Terraform's own start-up and a loaded machine's slack.
    assert!(
        took < Duration::from_secs(120 + 45),
        "the plan took {took:?}\n{text}"
    );
    assert!(
        took >= Duration::from_secs(100),
        "the plan gave up long before the deadline ({took:?}): it did not wait for OneSignal\n{text}"
    );
    assert_eq!(
        std::fs::read(&state_path).unwrap(),
        before,
        "the state file is unchanged"
    );
}
