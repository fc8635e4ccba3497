//! `make dist`'s packaging, and installing its archive the way users install offline:
//! `terraform init -plugin-dir=<mirror>` with a version constraint and no `dev_overrides`, then an
//! apply against the emulator.
//!
//! The test packages the debug binary with the same script `make dist` runs on the release
//! binary (`scripts/dist.sh`): a release build would double the time `make test` spends
//! compiling, and what is tested here is the packaging and the installation, not the optimiser.

use std::path::Path;
use std::process::Command;

use serde_json::Value as Json;

use crate::acceptance::{BackgroundEmulator, key_block, resources};
use crate::terraform::{SOURCE, Workspace};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const NAME: &str = "terraform-provider-onesignal";

fn platform() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "linux_amd64",
        "aarch64" => "linux_arm64",
        other => panic!("no release platform for {other}"),
    }
}

/// Runs `scripts/dist.sh BINARY OUT` and returns the zip's path.
fn package(out: &Path) -> std::path::PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let status = Command::new(root.join("scripts/dist.sh"))
        .arg(env!("CARGO_BIN_EXE_terraform-provider-onesignal"))
        .arg(out)
        .status()
        .expect("run scripts/dist.sh");
    assert!(status.success(), "scripts/dist.sh failed");
    out.join(format!("{NAME}_{VERSION}_{}.zip", platform()))
}

/// The names of a zip's entries, listed by Python's zipfile (python3 is a build prerequisite).
fn zip_entries(zip: &Path) -> Vec<String> {
    let output = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\nfor i in zipfile.ZipFile(sys.argv[1]).infolist(): print(i.filename, oct(i.external_attr >> 16))",
        ])
        .arg(zip)
        .output()
        .expect("run python3");
    assert!(output.status.success());
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn dist_makes_the_three_release_files() {
    let out = tempfile::tempdir().unwrap();
    let zip = package(out.path());
    let zip_name = zip.file_name().unwrap().to_str().unwrap().to_owned();

    let mut files: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            format!("{NAME}_{VERSION}_SHA256SUMS"),
            zip_name.clone(),
            format!("{NAME}_{VERSION}_manifest.json"),
        ]
    );
    // One executable entry, named as Terraform expects.
    assert_eq!(zip_entries(&zip), [format!("{NAME}_v{VERSION} 0o100755")]);
    // SHA256SUMS lists the zip in sha256sum's format, and the sum is right.
    let sums =
        std::fs::read_to_string(out.path().join(format!("{NAME}_{VERSION}_SHA256SUMS"))).unwrap();
    let lines: Vec<&str> = sums.lines().collect();
    assert_eq!(lines.len(), 1, "{sums}");
    let (digest, listed) = lines[0].split_once("  ").unwrap();
    assert_eq!(listed, zip_name);
    assert!(digest.len() == 64 && digest.chars().all(|c| c.is_ascii_hexdigit()));
    let check = Command::new("sha256sum")
        .args([
            "--check",
            "--strict",
            &format!("{NAME}_{VERSION}_SHA256SUMS"),
        ])
        .current_dir(out.path())
        .output()
        .expect("run sha256sum");
    assert!(check.status.success(), "{check:?}");
    // The manifest is the repository's, which declares protocol 6.
    let manifest: Json = serde_json::from_slice(
        &std::fs::read(out.path().join(format!("{NAME}_{VERSION}_manifest.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(
        manifest,
        serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
    );
}

#[test]
fn terraform_init_installs_the_archive_from_a_plugin_dir_and_applies() {
    // No dev_overrides and no other installation method: only -plugin-dir can provide it.
    let Some(ws) = Workspace::with_cli_config("# providers come from -plugin-dir only\n") else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let zip = package(out.path());
    // The packed layout of a filesystem mirror: HOSTNAME/NAMESPACE/TYPE/<the release zip>.
    let mirror = ws.dir.path().join("mirror");
    let in_mirror = mirror.join(SOURCE);
    std::fs::create_dir_all(&in_mirror).unwrap();
    std::fs::copy(&zip, in_mirror.join(zip.file_name().unwrap())).unwrap();

    let emu = BackgroundEmulator::start();
    let app = emu.app();
    ws.write_config(&format!(
        "terraform {{\n  required_providers {{\n    onesignal = {{\n      source  = \"{SOURCE}\"\n      \
         version = \"~> {VERSION}\"\n    }}\n  }}\n}}\n\n{}\n{}",
        emu.provider_block(),
        key_block("installed", &app, "from the archive", "")
    ));
    let init = ws.ok(&[
        "init",
        "-no-color",
        &format!("-plugin-dir={}", mirror.display()),
    ]);
    assert!(
        init.contains(&format!("Installed onesignal/onesignal v{VERSION}")),
        "{init}"
    );
    let lock = std::fs::read_to_string(ws.dir.path().join(".terraform.lock.hcl")).unwrap();
    assert!(
        lock.contains(&format!("version     = \"{VERSION}\"")),
        "{lock}"
    );

    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let state = resources(&ws);
    let key = &state["onesignal_app_api_key.installed"];
    let token_id = key["token_id"].as_str().unwrap();
    let remote = emu.emulator.key(&app, token_id).expect("the key exists");
    assert_eq!(remote.name, "from the archive");
    assert_eq!(key["token"].as_str(), Some(remote.secret.as_str()));
    ws.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert!(emu.emulator.key(&app, token_id).is_none());
}
