//! The built `onesignal-emulator` binary: its start line, state file, signals and variant flags.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdout, Command, Stdio};

use reqwest::Method;
use serde_json::{Value, json};

use super::call;
use crate::support::{app_key_status, http};

/// The built binary, killed on drop so a failing test leaves no process behind.
struct Binary {
    child: Child,
    stdout: BufReader<ChildStdout>,
}

impl Binary {
    /// Sends `signal` (a `kill` name such as `TERM`), waits for the exit, and returns the exit
    /// status with whatever else was written to stdout after the JSON line.
    async fn signal(mut self, signal: &str) -> (std::process::ExitStatus, String) {
        let sent = Command::new("kill")
            .args([format!("-{signal}"), self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        tokio::task::spawn_blocking(move || {
            let status = self.child.wait().unwrap();
            let mut rest = String::new();
            self.stdout.read_to_string(&mut rest).unwrap();
            (status, rest)
        })
        .await
        .unwrap()
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `onesignal-emulator` with `args` and returns it with its parsed JSON line.
fn spawn_binary(args: &[&str]) -> (Binary, Value) {
    let mut child = Command::new(crate::support::emulator_binary())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn onesignal-emulator");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read the JSON line");
    let value: Value =
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line:?}"));
    (Binary { child, stdout }, value)
}

#[tokio::test]
async fn the_binary_prints_its_line_serves_persists_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state_arg = state.to_str().unwrap();
    let app_id = "2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f";
    let (mut binary, line) = spawn_binary(&[
        "--app",
        app_id,
        "--state",
        state_arg,
        "--organization-api-key",
        "os_v2_org_cli",
        "--quiet",
    ]);
    let keys: Vec<&str> = line
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 4, "{line}");
    assert!(uuid::Uuid::parse_str(line["organization_id"].as_str().unwrap()).is_ok());
    let url = line["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(line["organization_api_key"], "os_v2_org_cli");
    assert_eq!(line["app_ids"], json!([app_id]));

    let (status, created) = call(
        &url,
        Method::POST,
        &format!("/apps/{app_id}/auth/tokens"),
        "os_v2_org_cli",
        Some(r#"{"name":"from the cli"}"#),
    )
    .await;
    assert_eq!(status, 200);
    let secret = created["formatted_token"].as_str().unwrap().to_owned();
    assert_eq!(app_key_status(&url, app_id, &secret).await, 200);

    // SIGKILL: the state was saved at the change, not at exit.
    binary.child.kill().unwrap();
    binary.child.wait().unwrap();
    let (binary, line) = spawn_binary(&["--state", state_arg, "--quiet"]);
    assert_eq!(line["organization_api_key"], "os_v2_org_cli");
    assert_eq!(line["app_ids"], json!([app_id]));
    let url = line["url"].as_str().unwrap().to_owned();
    assert_eq!(app_key_status(&url, app_id, &secret).await, 200);

    // SIGTERM: a clean exit, and stdout never carried more than the one line.
    let (exit, rest) = binary.signal("TERM").await;
    assert!(exit.success(), "{exit:?}");
    assert_eq!(rest, "");
}

#[tokio::test]
async fn the_binary_generates_a_key_and_an_app_by_default() {
    let (binary, line) = spawn_binary(&[]);
    let key = line["organization_api_key"].as_str().unwrap();
    assert!(key.starts_with("os_v2_org_") && key.len() == 113, "{key}");
    let apps = line["app_ids"].as_array().unwrap();
    assert_eq!(apps.len(), 1);
    let url = line["url"].as_str().unwrap();
    let (status, listed) = call(url, Method::GET, "/apps", key, None).await;
    assert_eq!(status, 200);
    assert_eq!(listed[0]["id"], apps[0]);
    // With the request log on (no --quiet), logs still stay off stdout; SIGINT stops it cleanly.
    let (exit, rest) = binary.signal("INT").await;
    assert!(exit.success(), "{exit:?}");
    assert_eq!(rest, "");
}

#[tokio::test]
async fn the_binary_stops_cleanly_on_a_signal_sent_as_soon_as_its_line_is_read() {
    for signal in ["TERM", "INT"] {
        let (binary, _line) = spawn_binary(&["--quiet"]);
        let (exit, rest) = binary.signal(signal).await;
        assert!(exit.success(), "SIG{signal}: {exit:?}");
        assert_eq!(rest, "");
    }
}

#[tokio::test]
async fn the_binary_starts_in_the_variants_its_flags_name() {
    let (binary, line) = spawn_binary(&[
        "--quiet",
        "--unknown-as-400",
        "--empty-write-bodies",
        "--route-down",
        "list_apps",
    ]);
    let url = line["url"].as_str().unwrap();
    let key = line["organization_api_key"].as_str().unwrap();
    let variants: Value = http()
        .get(format!("{url}/_emulator/variants"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        variants,
        json!({"unknown_as_400": true, "omit_allowlist_mode": false, "empty_write_bodies": true,
               "respell_cidrs": false, "reject_everything_400": false, "routes_down": ["list_apps"]})
    );
    let (status, value) = call(url, Method::GET, "/apps", key, None).await;
    assert_eq!(status, 500, "{value}");
    let ghost = "/apps/00000000-0000-4000-8000-000000000000/auth/tokens";
    let (status, value) = call(url, Method::GET, ghost, key, None).await;
    assert_eq!(
        (status.as_u16(), &value["success"]),
        (400, &json!(false)),
        "{value}"
    );
    let (exit, rest) = binary.signal("TERM").await;
    assert!(exit.success(), "{exit:?}");
    assert_eq!(rest, "");
}
