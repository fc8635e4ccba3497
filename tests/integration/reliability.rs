//! Reliability under faults, with the real `terraform` binary against the emulator's periodic
//! fault hooks: rate limits and outages during a parallel apply, create and rotate answers lost
//! after the server acted, and a `TF_LOG=TRACE` run that must log every request but no secret.
//!
//! After each run the state must tell the truth: every token in it works, and the server holds
//! exactly the keys the state holds (no orphan, no lost key).

use std::collections::BTreeSet;

use onesignal_emulator::{Fault, FaultKind, Route};

use crate::acceptance::{BackgroundEmulator, key_block, plan_exit_code, resources};
use crate::terraform::{Workspace, config_with};

/// A key as Terraform's state records it.
#[derive(Debug, Clone)]
struct StateKey {
    app_id: String,
    token_id: String,
    token: String,
}

/// Every `onesignal_app_api_key` in state.
fn state_keys(ws: &Workspace) -> Vec<StateKey> {
    resources(ws)
        .into_values()
        .map(|values| {
            let text = |field: &str| {
                values[field]
                    .as_str()
                    .unwrap_or_else(|| panic!("{field} missing in {values}"))
                    .to_owned()
            };
            StateKey {
                app_id: text("app_id"),
                token_id: text("token_id"),
                token: text("token"),
            }
        })
        .collect()
}

/// The provider block for `emu` with `max_retries`.
fn provider_block(emu: &BackgroundEmulator, max_retries: u32) -> String {
    format!(
        "provider \"onesignal\" {{\n  organization_api_key = \"{}\"\n  api_url = \"{}\"\n  max_retries = {max_retries}\n}}\n",
        emu.emulator.organization_api_key(),
        emu.url
    )
}

/// Asserts that every token in state works and that `apps` hold exactly the keys in state.
#[track_caller]
fn assert_state_is_the_truth(emu: &BackgroundEmulator, apps: &[String], keys: &[StateKey]) {
    for key in keys {
        assert_eq!(
            emu.app_key_status(&key.app_id, &key.token),
            200,
            "the token in state for {} works",
            key.token_id
        );
    }
    let on_server: BTreeSet<(String, String)> = apps
        .iter()
        .flat_map(|app| {
            emu.emulator
                .keys(app)
                .unwrap()
                .into_iter()
                .map(|k| (app.clone(), k.token_id))
        })
        .collect();
    let in_state: BTreeSet<(String, String)> = keys
        .iter()
        .map(|k| (k.app_id.clone(), k.token_id.clone()))
        .collect();
    assert_eq!(
        on_server, in_state,
        "the server holds exactly the keys in state"
    );
}

/// How many times the pending periodic fault of `kind` has hit since it was injected with
/// `u32::MAX` uses.
fn hits(emu: &BackgroundEmulator, kind: fn(&FaultKind) -> Option<u32>) -> u32 {
    let remaining = emu
        .emulator
        .pending_faults()
        .iter()
        .find_map(|f| kind(&f.kind))
        .unwrap_or(0);
    u32::MAX - remaining
}

#[test]
fn twelve_keys_over_two_apps_come_through_429s_and_503s() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let apps = vec![emu.app(), emu.emulator.create_app("second app").unwrap().id];
    let blocks: String = (0..12)
        .map(|i| key_block(&format!("k{i}"), &apps[i % 2], &format!("svc-{i}"), ""))
        .collect();
    ws.write_config(&config_with(&format!(
        "{}\n{blocks}",
        provider_block(&emu, 10)
    )));

    emu.emulator
        .inject(Fault::rate_limit(None, u32::MAX, 1).every(3));
    emu.emulator
        .inject(Fault::unavailable(None, u32::MAX).every(7));
    ws.ok(&["apply", "-auto-approve", "-no-color", "-parallelism=10"]);
    let rate_limited = hits(&emu, |k| match k {
        FaultKind::RateLimit { count, .. } => Some(*count),
        _ => None,
    });
    let unavailable = hits(&emu, |k| match k {
        FaultKind::Unavailable { count } => Some(*count),
        _ => None,
    });
    emu.emulator.clear_faults();
    // At least 12 creates and 12 read-backs went through, so both faults must have hit.
    assert!(rate_limited >= 8, "429s: {rate_limited}");
    assert!(unavailable >= 3, "503s: {unavailable}");

    let keys = state_keys(&ws);
    assert_eq!(keys.len(), 12);
    assert_state_is_the_truth(&emu, &apps, &keys);
    assert_eq!(plan_exit_code(&ws), 0, "nothing left to do");
}

#[test]
fn lost_create_answers_leave_no_orphan_and_working_tokens() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    let blocks: String = (0..6)
        .map(|i| key_block(&format!("k{i}"), &app, &format!("svc-{i}"), ""))
        .collect();
    ws.write_config(&emu.config(&blocks));

    emu.emulator
        .inject(Fault::drop_after_act(Some(Route::CreateKey), u32::MAX).every(2));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let dropped = hits(&emu, |k| match k {
        FaultKind::DropAfterAct { count } => Some(*count),
        _ => None,
    });
    emu.emulator.clear_faults();
    assert_eq!(dropped, 3, "every 2nd of 6 creates lost its answer");
    // Each lost create was adopted, not repeated, and its unseen secret rotated away.
    assert_eq!(emu.emulator.request_count(Route::CreateKey), 6);
    assert_eq!(emu.emulator.request_count(Route::RotateKey), 3);

    let keys = state_keys(&ws);
    assert_eq!(keys.len(), 6);
    assert_state_is_the_truth(&emu, std::slice::from_ref(&app), &keys);
    // Every key, adopted or not, was renamed from its temporary name.
    let names: BTreeSet<String> = emu
        .emulator
        .keys(&app)
        .unwrap()
        .into_iter()
        .map(|k| k.name)
        .collect();
    let configured: BTreeSet<String> = (0..6).map(|i| format!("svc-{i}")).collect();
    assert_eq!(names, configured);
    assert_eq!(plan_exit_code(&ws), 0);
}

#[test]
fn lost_creates_of_keys_with_one_name_each_adopt_their_own_key() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    // Six keys of one name: a recovery that matched by name alone would adopt a neighbour's key
    // (killing its secret) and leave its own orphaned.
    ws.write_config(&emu.config(&format!(
        "resource \"onesignal_app_api_key\" \"k\" {{\n  count = 6\n  app_id = \"{app}\"\n  name = \"svc\"\n}}\n"
    )));
    emu.emulator
        .inject(Fault::drop_after_act(Some(Route::CreateKey), u32::MAX).every(2));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    emu.emulator.clear_faults();
    assert_eq!(emu.emulator.request_count(Route::CreateKey), 6);

    let keys = state_keys(&ws);
    assert_eq!(keys.len(), 6);
    let distinct: BTreeSet<&str> = keys.iter().map(|k| k.token_id.as_str()).collect();
    assert_eq!(distinct.len(), 6, "each resource has its own key");
    assert_state_is_the_truth(&emu, std::slice::from_ref(&app), &keys);
}

#[test]
fn a_lost_create_never_adopts_a_key_that_was_there_before() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    // A key of the same name, made by hand a moment ago: only the create's marker, which it
    // lacks, keeps the recovery from rotating it.
    let by_hand = emu
        .emulator
        .create_key(&app, &serde_json::json!({"name": "svc"}))
        .unwrap();
    ws.write_config(&emu.one_key_config());
    // A gateway's 502: the create may have acted (here it did not), so the provider recovers.
    emu.emulator
        .inject(Fault::status(Some(Route::CreateKey), 1, 502));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(
        emu.emulator.request_count(Route::RotateKey),
        0,
        "nothing adopted"
    );
    assert_eq!(
        emu.emulator.request_count(Route::CreateKey),
        2,
        "created again"
    );
    assert_eq!(
        emu.app_key_status(&app, &by_hand.secret),
        200,
        "the key made by hand keeps its secret"
    );
    let keys = state_keys(&ws);
    assert_eq!(keys.len(), 1);
    assert_ne!(keys[0].token_id, by_hand.token_id);
    assert_eq!(emu.app_key_status(&app, &keys[0].token), 200);
    assert_eq!(emu.emulator.keys(&app).unwrap().len(), 2);
}

#[test]
fn an_adopted_key_whose_rotation_fails_is_tracked_and_replaced() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    ws.write_config(&emu.one_key_config());
    emu.emulator
        .inject(Fault::drop_after_act(Some(Route::CreateKey), 1));
    // 501: a server error that is not retried (a 500 would be, and the rotation would succeed).
    emu.emulator
        .inject(Fault::status(Some(Route::RotateKey), 1, 501));
    let failed = ws.run(&["apply", "-auto-approve", "-no-color"]);
    let output = crate::terraform::printed(&failed);
    assert!(!failed.status.success(), "{output}");
    assert!(output.contains("tainted"), "{output}");
    let on_server = emu.emulator.keys(&app).unwrap();
    assert_eq!(on_server.len(), 1, "one key made");
    let adopted = &on_server[0].token_id;
    assert!(output.contains(adopted.as_str()), "names the key: {output}");

    // Terraform tracks it (tainted, no secret); the next apply replaces it.
    let show: serde_json::Value = serde_json::from_str(&ws.ok(&["show", "-json"])).unwrap();
    let tracked = &show["values"]["root_module"]["resources"][0];
    assert_eq!(
        tracked["values"]["token_id"].as_str(),
        Some(adopted.as_str())
    );
    assert!(tracked["values"]["token"].is_null());
    assert_eq!(tracked["tainted"], true, "{tracked}");
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let keys = state_keys(&ws);
    assert_eq!(keys.len(), 1);
    assert_ne!(&keys[0].token_id, adopted, "the tainted key was replaced");
    assert_state_is_the_truth(&emu, std::slice::from_ref(&app), &keys);
}

#[test]
fn lost_rotate_answers_are_retried_and_the_new_tokens_work() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    let write = |trigger: &str| {
        let blocks: String = (0..4)
            .map(|i| {
                key_block(
                    &format!("k{i}"),
                    &app,
                    &format!("svc-{i}"),
                    &format!("  rotation_trigger = \"{trigger}\""),
                )
            })
            .collect();
        ws.write_config(&emu.config(&blocks));
    };
    write("1");
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let before = state_keys(&ws);

    write("2");
    emu.emulator.reset_counters();
    emu.emulator
        .inject(Fault::drop_after_act(Some(Route::RotateKey), u32::MAX).every(2));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let dropped = hits(&emu, |k| match k {
        FaultKind::DropAfterAct { count } => Some(*count),
        _ => None,
    });
    emu.emulator.clear_faults();
    assert!(dropped >= 2, "rotate answers lost: {dropped}");
    assert!(emu.emulator.request_count(Route::RotateKey) >= 6);

    let after = state_keys(&ws);
    assert_eq!(after.len(), 4);
    for old in &before {
        assert!(
            after.iter().all(|new| new.token != old.token),
            "every token in state is new"
        );
        assert_ne!(
            emu.app_key_status(&app, &old.token),
            200,
            "the old secret of {} is dead",
            old.token_id
        );
    }
    let ids = |keys: &[StateKey]| -> BTreeSet<String> {
        keys.iter().map(|k| k.token_id.clone()).collect()
    };
    assert_eq!(ids(&before), ids(&after), "rotation keeps the keys");
    assert_state_is_the_truth(&emu, std::slice::from_ref(&app), &after);
}

/// The provider's log lines about HTTP requests, as Terraform re-logs them.
fn request_lines(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|line| {
            // "OneSignal request: " or "OneSignal request failed: ", not "retrying …".
            line.contains("provider.terraform-provider-onesignal: OneSignal request")
        })
        .collect()
}

#[test]
fn trace_logs_show_every_request_and_no_secret() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    let org_key = emu.emulator.organization_api_key();
    let write = |trigger: &str| {
        let blocks: String = (0..2)
            .map(|i| {
                key_block(
                    &format!("k{i}"),
                    &app,
                    &format!("svc-{i}"),
                    &format!(
                        "  ip_allowlist = [\"127.0.0.1\"]\n  rotation_trigger = \"{trigger}\""
                    ),
                )
            })
            .collect();
        ws.write_config(&emu.config(&blocks));
    };
    let log_path = ws.dir.path().join("terraform.log");
    let log_path_text = log_path.display().to_string();
    let trace = [("TF_LOG", "TRACE"), ("TF_LOG_PATH", log_path_text.as_str())];
    let mut outputs = String::new();
    let mut apply = || {
        let output = ws.run_with_env(&["apply", "-auto-approve", "-no-color"], &trace);
        let (stdout, stderr) = (
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
        assert!(output.status.success(), "{stdout}\n{stderr}");
        outputs.push_str(&stdout);
        outputs.push_str(&stderr);
    };

    // One retried request, so that an attempt 2 appears as well.
    emu.emulator
        .inject(Fault::rate_limit(Some(Route::CreateKey), 1, 0));
    write("1");
    apply();
    let created = state_keys(&ws);
    write("2");
    apply();
    let rotated = state_keys(&ws);

    let log = std::fs::read_to_string(&log_path).unwrap();
    let lines = request_lines(&log);
    let requests: u64 = emu.emulator.request_counts().values().sum();
    assert_eq!(
        lines.len() as u64,
        requests,
        "one provider line per HTTP request:\n{}",
        lines.join("\n")
    );
    let tokens = format!("/apps/{app}/auth/tokens");
    for (method, path, status, attempt) in [
        ("POST", tokens.clone(), "429", "1"),
        ("POST", tokens.clone(), "200", "2"),
        ("GET", tokens.clone(), "200", "1"),
        (
            "POST",
            format!("{tokens}/{}/rotate", created[0].token_id),
            "200",
            "1",
        ),
    ] {
        // Fields come in any order, each followed by a space (the timestamp is last).
        let wanted = [
            format!("method={method} "),
            format!("path={path} "),
            format!("status={status} "),
            format!("attempt={attempt} "),
            "duration_ms=".to_owned(),
        ];
        assert!(
            lines
                .iter()
                .any(|line| wanted.iter().all(|w| line.contains(w.as_str()))),
            "no line with {wanted:?} in\n{}",
            lines.join("\n")
        );
    }

    let secrets: Vec<&str> = std::iter::once(org_key.as_str())
        .chain(created.iter().chain(&rotated).map(|k| k.token.as_str()))
        .collect();
    assert_eq!(secrets.len(), 5);
    for (name, text) in [("terraform output", &outputs), ("TF_LOG_PATH file", &log)] {
        for secret in &secrets {
            assert!(
                !text.contains(secret),
                "a secret ({}…) appears in the {name}",
                &secret[..14]
            );
        }
    }
}

#[test]
fn exhausted_retries_say_how_many_attempts_and_how_long_it_waited() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    ws.write_config(&config_with(&format!(
        "{}\n{}",
        provider_block(&emu, 2),
        key_block("k", &app, "svc", "")
    )));
    for (fault, status, summary) in [
        (
            Fault::rate_limit(Some(Route::CreateKey), 3, 1),
            "HTTP 429",
            "OneSignal kept rate limiting the provider",
        ),
        (
            Fault::unavailable(Some(Route::CreateKey), 3),
            "HTTP 503",
            "OneSignal failed to answer",
        ),
    ] {
        emu.emulator.inject(fault);
        let output = ws.run(&["apply", "-auto-approve", "-no-color"]);
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        let flat = stderr.split_whitespace().collect::<Vec<_>>().join(" ");
        for wanted in [summary, status, "after 3 attempts and ", " s of waiting"] {
            assert!(flat.contains(wanted), "{wanted:?} missing:\n{stderr}");
        }
        // The time waited is real: for the 429s it is at least the two Retry-After seconds.
        let waited: f64 = flat
            .split("after 3 attempts and ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no duration in {flat}"));
        assert!(waited > 0.0, "{flat}");
        if status == "HTTP 429" {
            assert!(waited >= 2.0, "{flat}");
        }
        assert!(
            emu.emulator.pending_faults().is_empty(),
            "all 3 attempts made"
        );
        assert!(emu.emulator.keys(&app).unwrap().is_empty());
        assert!(resources(&ws).is_empty(), "nothing in state");
    }
}

#[test]
fn a_lost_create_whose_recovery_fails_tells_the_user_what_to_check() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    ws.write_config(&emu.one_key_config());
    // The create acts but its answer is lost, and the list that would find the key is refused.
    emu.emulator
        .inject(Fault::drop_after_act(Some(Route::CreateKey), 1));
    emu.emulator
        .inject(Fault::status(Some(Route::ListKeys), 1, 400));
    let output = ws.run(&["apply", "-auto-approve", "-no-color"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let flat = stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    for wanted in [
        "OneSignal did not answer the create request",
        "looking for the key it may have made failed",
        "HTTP 400",
        "terraform import",
        app.as_str(),
    ] {
        assert!(flat.contains(wanted), "{wanted:?} missing:\n{stderr}");
    }
    // The error names the temporary name to look for, which the key still carries.
    let keys = emu.emulator.keys(&app).unwrap();
    assert!(keys[0].name.starts_with("svc [tf-"), "{:?}", keys[0].name);
    assert!(flat.contains(&keys[0].name), "{stderr}");
    assert_eq!(
        emu.emulator.request_count(Route::CreateKey),
        1,
        "no blind second create"
    );
    assert_eq!(
        emu.emulator.keys(&app).unwrap().len(),
        1,
        "the key the user is told about"
    );
}
