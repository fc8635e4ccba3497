//! The provider as a process: it goes away with the Terraform that started it, keeps its socket
//! private whatever the umask, and does not spin when `accept` keeps failing.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use onesignal_emulator::{Fault, Route};

use crate::acceptance::BackgroundEmulator;
use crate::harness::{MAGIC_COOKIE, Plugin, pb};
use crate::terraform::Workspace;

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-onesignal");

/// Polls `condition` every 20 ms for up to `limit`; whether it came true.
fn within(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if condition() {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `/proc/PID/stat`'s fields after the command name (whose parentheses may hold anything).
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

/// Whether `pid` is a process that has not exited (a zombie has: it only waits to be reaped,
/// which its new parent may never do in a container without an init).
fn running(pid: u32) -> bool {
    stat_fields(pid).is_some_and(|f| f[0] != "Z" && f[0] != "X")
}

/// CPU time used by `pid` so far, in clock ticks (user + system).
fn cpu_ticks(pid: u32) -> u64 {
    let fields = stat_fields(pid).expect("the process exists");
    // Fields 14 and 15 of stat(5), counted from the state (field 3) here.
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// The running processes whose environment holds `entry` (`KEY=VALUE`).
fn processes_with_env(entry: &str) -> Vec<u32> {
    let wanted = entry.as_bytes();
    let mut found = Vec::new();
    for dir in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = dir.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(environ) = std::fs::read(dir.path().join("environ")) else {
            continue;
        };
        if environ.split(|b| *b == 0).any(|e| e == wanted) && running(pid) {
            found.push(pid);
        }
    }
    found
}

/// The paths of the unix sockets `pid` has open, from its descriptors and `/proc/net/unix`.
fn unix_socket_paths(pid: u32) -> Vec<PathBuf> {
    let inodes: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|fds| {
            fds.flatten()
                .filter_map(|fd| std::fs::read_link(fd.path()).ok())
                .filter_map(|target| {
                    let target = target.to_string_lossy().into_owned();
                    Some(
                        target
                            .strip_prefix("socket:[")?
                            .strip_suffix(']')?
                            .to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let table = std::fs::read_to_string(format!("/proc/{pid}/net/unix")).unwrap_or_default();
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (inode, path) = (fields.get(6)?, fields.get(7)?);
            inodes
                .iter()
                .any(|i| i == inode)
                .then(|| PathBuf::from(path))
        })
        .collect()
}

/// The directory of a provider's socket, and a check that it is the private one it made.
fn socket_dir(socket: &Path) -> PathBuf {
    let dir = socket.parent().unwrap().to_owned();
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("plugin"), "socket directory {dir:?}");
    dir
}

#[tokio::test]
async fn under_umask_000_the_socket_and_its_directory_stay_private() {
    let plugin = Plugin::start_in_shell("umask 000");
    let socket = Path::new(&plugin.socket);
    let mode = |p: &Path| {
        let mode = std::fs::metadata(p).unwrap().permissions().mode();
        format!("{:o}", mode & 0o7777)
    };
    assert_eq!(mode(&socket_dir(socket)), "700", "socket directory");
    assert_eq!(mode(socket), "600", "socket");
    // The modes do not stop Terraform, the owner.
    plugin
        .provider_client()
        .await
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap();
}

/// A provider whose parent is killed exits and removes its socket directory. The parent here is
/// a shell; with Terraform, see [`killing_terraform_leaves_no_provider_behind`].
#[test]
fn killing_the_parent_stops_the_provider_and_removes_its_socket() {
    let client = crate::harness::ClientIdentity::p521();
    // The shell starts the provider in the background and prints its pid; both lines arrive on
    // the same pipe, in either order.
    let mut shell = Command::new("sh")
        .arg("-c")
        .arg("\"$0\" &\necho \"pid=$!\"\nwait")
        .arg(PROVIDER)
        .env("TF_PLUGIN_MAGIC_COOKIE", MAGIC_COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .env("PLUGIN_CLIENT_CERT", &client.cert_pem)
        .env_remove("TF_LOG")
        .env_remove("TF_LOG_PROVIDER")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(shell.stdout.take().unwrap());
    let (mut pid, mut socket) = (None, None);
    while pid.is_none() || socket.is_none() {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "output ended");
        if let Some(n) = line.trim().strip_prefix("pid=") {
            pid = Some(n.parse::<u32>().unwrap());
        } else {
            socket = line.split('|').nth(3).map(PathBuf::from);
        }
    }
    let (pid, socket) = (pid.unwrap(), socket.unwrap());
    let dir = socket_dir(&socket);
    assert!(running(pid) && socket.exists());

    shell.kill().unwrap();
    shell.wait().unwrap();
    let gone = within(Duration::from_secs(5), || !running(pid) && !dir.exists());
    let (still_running, dir_left) = (running(pid), dir.exists());
    if !gone {
        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(
        gone,
        "5 s after its parent was killed: provider running: {still_running}, socket directory \
         left: {dir_left}"
    );
}

/// The parent-death signal comes when the parent's *thread* ends; the provider must tell that
/// from its parent's death. The test threads that start providers in this suite end all the time.
#[tokio::test]
async fn a_provider_started_from_a_thread_that_ends_keeps_serving() {
    let mut plugin = std::thread::spawn(Plugin::start).join().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        plugin.child.try_wait().unwrap().is_none(),
        "provider exited"
    );
    plugin
        .provider_client()
        .await
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap();
}

/// Out of file descriptors, `accept` fails at once for as long as a connection waits. The
/// provider must wait between attempts (not take a whole core), log the streak once, and
/// serve Terraform again once descriptors are free.
#[tokio::test]
async fn accept_failures_back_off_and_recover() {
    let log = tempfile::NamedTempFile::new().unwrap();
    let log_path = log.path().display().to_string();
    // Low enough that a few dozen waiting connections exhaust it, high enough to start.
    let plugin = Plugin::start_in_shell(&format!(
        "ulimit -n 48\nexport TF_LOG=INFO\nexec 2>'{log_path}'"
    ));
    let pid = plugin.child.id();
    // Raw connections that never start TLS: each holds a descriptor of the provider until the
    // TLS handshake times out (10 s); those beyond the limit wait in the listen queue.
    let mut idle = Vec::new();
    for _ in 0..80 {
        idle.push(
            tokio::net::UnixStream::connect(&plugin.socket)
                .await
                .unwrap(),
        );
    }
    let log_text = || std::fs::read_to_string(&log_path).unwrap();
    assert!(
        within(Duration::from_secs(5), || log_text()
            .contains("accepting a plugin connection failed")),
        "no accept failure logged: {}",
        log_text()
    );
    let before = cpu_ticks(pid);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let used = cpu_ticks(pid) - before;
    // A spinning loop takes all of a core it can get: up to 200 ticks in 2 s, 39 seen on a
    // machine loaded 6 times over. The back-off wakes the loop a handful of times: 0 seen.
    assert!(
        used < 8,
        "{used} clock ticks of CPU in 2 s of failing accepts"
    );
    let text = log_text();
    assert_eq!(
        text.matches("accepting a plugin connection failed").count(),
        1,
        "one warning per streak, not one per failure: {text}"
    );

    drop(idle);
    // Descriptors free again: Terraform gets through.
    plugin
        .provider_client()
        .await
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap();
    assert!(
        within(Duration::from_secs(5), || log_text()
            .contains("accepting plugin connections works again")),
        "recovery not logged: {}",
        log_text()
    );
}

/// Terraform killed with SIGKILL in the middle of a plan (the provider waiting on a slow
/// OneSignal): within seconds no provider process is left and its socket directory is gone.
#[test]
fn killing_terraform_leaves_no_provider_behind() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let app = emu.app();
    emu.emulator
        .inject(Fault::latency(Some(Route::ListKeys), u32::MAX, 120_000));
    ws.write_config(&emu.config(&format!(
        "data \"onesignal_app_api_keys\" \"all\" {{\n  app_id = \"{app}\"\n}}\n"
    )));
    // Children inherit the environment: the marker finds the provider Terraform starts.
    let marker = format!("ONESIGNAL_TEST_PROCESS_MARKER={}", uuid::Uuid::new_v4());
    let (key, value) = marker.split_once('=').unwrap();
    let output = ws.dir.path().join("plan.out");
    let mut terraform = ws
        .command(&["plan", "-no-color"])
        .env(key, value)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&output).unwrap())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let terraform_pid = terraform.id();
    let printed = || std::fs::read_to_string(&output).unwrap_or_default();

    let waiting = within(Duration::from_secs(60), || {
        emu.emulator.request_count(Route::ListKeys) > 0
    });
    if !waiting {
        let _ = terraform.kill();
        let _ = terraform.wait();
        panic!("the provider never asked for the keys: {}", printed());
    }
    // Terraform 1.0 runs itself twice (panicwrap: a parent watching the real Terraform's
    // output), so "Terraform" is every process with the marker that is not a provider.
    let provider_exe = std::fs::canonicalize(PROVIDER).unwrap();
    let (providers, terraforms): (Vec<u32>, Vec<u32>) =
        processes_with_env(&marker).into_iter().partition(|pid| {
            std::fs::read_link(format!("/proc/{pid}/exe")).ok() == Some(provider_exe.clone())
        });
    assert!(!providers.is_empty(), "no provider process found");
    assert!(terraforms.contains(&terraform_pid));
    let mut dirs: Vec<PathBuf> = providers
        .iter()
        .flat_map(|pid| unix_socket_paths(*pid))
        .map(|socket| socket_dir(&socket))
        .collect();
    dirs.sort();
    dirs.dedup();
    assert!(!dirs.is_empty(), "no socket of the providers {providers:?}");
    assert!(dirs.iter().all(|d| d.exists()));

    for pid in terraforms.iter().filter(|pid| **pid != terraform_pid) {
        let killed = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        assert!(killed.unwrap().success());
    }
    terraform.kill().unwrap();
    terraform.wait().unwrap();
    let clean = within(Duration::from_secs(5), || {
        processes_with_env(&marker).is_empty() && dirs.iter().all(|d| !d.exists())
    });
    let left = processes_with_env(&marker);
    let dirs_left: Vec<&PathBuf> = dirs.iter().filter(|d| d.exists()).collect();
    for pid in &left {
        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
    }
    for dir in &dirs_left {
        let _ = std::fs::remove_dir_all(dir);
    }
    assert!(
        clean,
        "5 s after `kill -9` of Terraform: processes left {left:?}, socket directories left \
         {dirs_left:?}"
    );
}
