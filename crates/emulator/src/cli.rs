//! The `onesignal-emulator` command line: parse flags, build the state, print the one JSON line on
//! stdout, serve until SIGINT/SIGTERM. Stdout carries only that line; everything else goes to stderr.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use tokio::net::TcpListener;

use super::{Emulator, Route, Variants, generate_organization_key, run};

/// A local emulator of OneSignal's App API key endpoints, for demos and tests.
///
/// On start it prints one JSON line on stdout:
/// {"url":"http://127.0.0.1:PORT","organization_api_key":"os_v2_org_…","organization_id":"…","app_ids":["…"]}
#[derive(Debug, Parser)]
#[command(name = "onesignal-emulator", version)]
struct Args {
    /// Address to listen on (port 0 picks a free port). Only loopback by default.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    listen: String,
    /// The organization API key to accept (default: a generated `os_v2_org_…` key).
    #[arg(long, value_name = "KEY")]
    organization_api_key: Option<String>,
    /// An app to serve, by UUID; repeat for several (default: one generated app).
    #[arg(long = "app", value_name = "APP_ID", value_parser = parse_uuid)]
    apps: Vec<String>,
    /// The organization's id, which `POST /apps` must name (default: generated, or the one in
    /// the state file).
    #[arg(long, value_name = "UUID", value_parser = parse_uuid)]
    organization_id: Option<String>,
    /// Persist the organization key, apps and keys in this JSON file: loaded if it exists, saved
    /// atomically after every change.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Do not log requests on stderr.
    #[arg(long)]
    quiet: bool,
    /// Variant: answer an unknown app or key with 400 GenericError (`{"success":false,…}`)
    /// instead of 404.
    #[arg(long)]
    unknown_as_400: bool,
    /// Variant: list items carry no `ip_allowlist_mode`.
    #[arg(long)]
    omit_allowlist_mode: bool,
    /// Variant: PATCH and DELETE answer 200 with an empty body and no content type.
    #[arg(long)]
    empty_write_bodies: bool,
    /// Variant: lists spell CIDRs another way (IPv4 /32 and IPv6 /128 as bare addresses, IPv6
    /// upper-case).
    #[arg(long)]
    respell_cidrs: bool,
    /// Variant: answer every API request 400 GenericError without acting.
    #[arg(long = "reject-everything-400")]
    reject_everything_400: bool,
    /// Variant: this route answers 500 without acting (repeatable), e.g. `list_keys`.
    #[arg(long = "route-down", value_name = "ROUTE")]
    routes_down: Vec<Route>,
}

impl Args {
    /// The variants the flags ask for (switchable later through `/_emulator/variants`).
    fn variants(&self) -> Variants {
        Variants {
            unknown_as_400: self.unknown_as_400,
            omit_allowlist_mode: self.omit_allowlist_mode,
            empty_write_bodies: self.empty_write_bodies,
            respell_cidrs: self.respell_cidrs,
            reject_everything_400: self.reject_everything_400,
            routes_down: self.routes_down.clone(),
        }
    }
}

fn parse_uuid(value: &str) -> Result<String, String> {
    uuid::Uuid::parse_str(value)
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| format!("{value:?} is not a UUID (OneSignal app ids are UUIDs)"))
}

/// The binary's entry point.
pub fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("onesignal-emulator: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("onesignal-emulator: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: Args) -> Result<(), String> {
    let emulator = match &args.state {
        Some(path) => Emulator::open(path, args.organization_api_key.clone(), args.apps.clone())
            .map_err(|e| format!("cannot use state file {}: {e}", path.display()))?,
        None if args.apps.is_empty() => {
            let key = args
                .organization_api_key
                .clone()
                .unwrap_or_else(generate_organization_key);
            Emulator::new(key, [uuid::Uuid::new_v4().to_string()])
        }
        None => Emulator::new(
            args.organization_api_key
                .clone()
                .unwrap_or_else(generate_organization_key),
            args.apps.clone(),
        ),
    };
    if let Some(id) = &args.organization_id {
        emulator
            .set_organization_id(id)
            .map_err(|e| format!("cannot set the organization id: {e}"))?;
    }
    emulator.set_request_log(!args.quiet);
    let variants = args.variants();
    if variants != Variants::default() {
        // Said on stderr so nobody mistakes a variant for the documented behaviour.
        eprintln!(
            "onesignal-emulator: variants in force: {}",
            serde_json::to_string(&variants).map_err(|e| e.to_string())?
        );
    }
    emulator.set_variants(variants);
    let shutdown = shutdown_signal().map_err(|e| format!("cannot watch SIGINT/SIGTERM: {e}"))?;
    let listener = TcpListener::bind(&args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let line = serde_json::to_string(&StartLine {
        url: format!("http://{}", reachable(local)),
        organization_api_key: emulator.organization_api_key(),
        organization_id: emulator.organization_id(),
        app_ids: emulator.app_ids(),
    })
    .map_err(|e| e.to_string())?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("cannot write to stdout: {e}"))?;
    drop(stdout);
    eprintln!("onesignal-emulator: listening on http://{local}");
    run(listener, emulator, shutdown)
        .await
        .map_err(|e| e.to_string())?;
    eprintln!("onesignal-emulator: stopped");
    Ok(())
}

/// The one line printed on stdout at start (a struct, so the fields keep the documented order).
#[derive(serde::Serialize)]
struct StartLine {
    url: String,
    organization_api_key: String,
    organization_id: String,
    app_ids: Vec<String>,
}

/// The address a client on this machine should use: a wildcard bind is reachable on loopback.
fn reachable(local: SocketAddr) -> SocketAddr {
    let mut addr = local;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    addr
}

/// A future that completes on SIGINT or SIGTERM. The handlers are installed here, before the
/// start line is printed, so a signal sent as soon as the line is read already stops it cleanly.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse() {
        let args = Args::try_parse_from([
            "onesignal-emulator",
            "--app",
            "2F8E5F4A-1B7C-4E0F-9D3A-6C1B2A3D4E5F",
            "--app",
            "00000000-0000-4000-8000-000000000001",
            "--state",
            "s.json",
        ])
        .unwrap();
        assert_eq!(args.listen, "127.0.0.1:0");
        assert_eq!(args.apps[0], "2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f");
        assert_eq!(args.apps.len(), 2);
        assert!(Args::try_parse_from(["onesignal-emulator", "--app", "not-a-uuid"]).is_err());
        assert_eq!(args.variants(), Variants::default());
        let args = Args::try_parse_from([
            "onesignal-emulator",
            "--organization-id",
            "2F8E5F4A-1B7C-4E0F-9D3A-6C1B2A3D4E5F",
        ])
        .unwrap();
        assert_eq!(
            args.organization_id.as_deref(),
            Some("2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f")
        );
        assert!(Args::try_parse_from(["onesignal-emulator", "--organization-id", "x"]).is_err());
    }

    #[test]
    fn variant_flags_parse() {
        let args = Args::try_parse_from([
            "onesignal-emulator",
            "--unknown-as-400",
            "--omit-allowlist-mode",
            "--empty-write-bodies",
            "--respell-cidrs",
            "--reject-everything-400",
            "--route-down",
            "list_keys",
            "--route-down",
            "delete_key",
        ])
        .unwrap();
        assert_eq!(
            args.variants(),
            Variants {
                unknown_as_400: true,
                omit_allowlist_mode: true,
                empty_write_bodies: true,
                respell_cidrs: true,
                reject_everything_400: true,
                routes_down: vec![Route::ListKeys, Route::DeleteKey],
            }
        );
        let error = Args::try_parse_from(["onesignal-emulator", "--route-down", "lists"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("list_keys"), "{error}");
    }

    #[test]
    fn wildcard_binds_print_loopback() {
        assert_eq!(
            reachable("0.0.0.0:80".parse().unwrap()).to_string(),
            "127.0.0.1:80"
        );
        assert_eq!(
            reachable("[::]:80".parse().unwrap()).to_string(),
            "[::1]:80"
        );
        assert_eq!(
            reachable("127.0.0.2:80".parse().unwrap()).to_string(),
            "127.0.0.2:80"
        );
    }
}
