//! Helpers shared by the integration tests: an emulator started in-process on 127.0.0.1:0, clients
//! pointed at it, and a secret-leak assertion.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use onesignal_emulator::{self as emulator, Emulator};
use terraform_provider_onesignal::onesignal::{
    AllowlistMode, Client, ClientConfig, KeySpec, Limits,
};
use terraform_provider_onesignal::secret::Secret;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The `onesignal-emulator` binary. It belongs to another package of the workspace, so Cargo does
/// not hand its path to these tests: it is the one built next to the provider binary (`cargo
/// build --bins`, which `make test` runs first, builds both).
pub fn emulator_binary() -> PathBuf {
    let provider = Path::new(env!("CARGO_BIN_EXE_terraform-provider-onesignal"));
    let emulator = provider.with_file_name(format!(
        "onesignal-emulator{}",
        std::env::consts::EXE_SUFFIX
    ));
    assert!(
        emulator.is_file(),
        "{} is not built: run `cargo build --bins` (or `make test`) first",
        emulator.display()
    );
    emulator
}

/// Writes `text` to the test process's stderr past libtest's capture, so that a reason for a step
/// not run shows in `make test`'s output even when the test passes.
pub fn note(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// An emulator serving on a loopback port for the duration of a test.
pub struct Running {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// The handle, for hooks and direct state access.
    pub emulator: Emulator,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

/// Starts `emulator` on 127.0.0.1:0.
pub async fn start(emulator: Emulator) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr: SocketAddr = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(emulator::run(listener, emulator.clone(), async {
        let _ = rx.await;
    }));
    Running {
        url: format!("http://{addr}"),
        emulator,
        shutdown: Some(tx),
        task: Some(task),
    }
}

/// Starts a fresh emulator with a generated org key and one app.
pub async fn start_fresh() -> Running {
    start(Emulator::generated()).await
}

impl Running {
    /// The first app's id.
    pub fn app(&self) -> String {
        self.emulator.app_ids()[0].clone()
    }

    /// The organization key.
    pub fn org_key(&self) -> String {
        self.emulator.organization_api_key()
    }

    /// A client with the right org key.
    pub fn client(&self, max_retries: u32) -> Client {
        self.client_with(self.org_key(), max_retries, CancellationToken::new())
    }

    /// A client with any key and cancellation token.
    pub fn client_with(&self, key: String, max_retries: u32, cancel: CancellationToken) -> Client {
        Client::new(ClientConfig {
            base_url: self.url.clone(),
            organization_api_key: Secret::new(key),
            max_retries,
            user_agent: "onesignal-tests/0.0.0".into(),
            limits: Limits::default(),
        })
        .expect("client")
        .with_cancel(cancel)
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .expect("emulator stops within 10 s")
                .expect("emulator task")
                .expect("emulator run");
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A key spec with no allowlist.
pub fn spec(name: &str) -> KeySpec {
    KeySpec {
        name: name.into(),
        ip_allowlist_mode: AllowlistMode::Disabled,
        ip_allowlist: vec![],
    }
}

/// A plain HTTP client for raw requests.
pub fn http() -> reqwest::Client {
    reqwest::Client::new()
}

/// `GET /apps/{app_id}` with an App API key: the status the emulator answers.
pub async fn app_key_status(url: &str, app_id: &str, secret: &str) -> u16 {
    http()
        .get(format!("{url}/apps/{app_id}"))
        .header("Authorization", format!("Key {secret}"))
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

/// Asserts that none of `secrets` occurs in `text`.
#[track_caller]
pub fn assert_no_secret(text: &str, secrets: &[String]) {
    for secret in secrets {
        assert!(!secret.is_empty());
        assert!(
            !text.contains(secret.as_str()),
            "a secret leaked into: {text}"
        );
    }
}

/// Polls `condition` every 5 ms for up to 5 s.
pub async fn eventually(mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not reached within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A one-request HTTP server on 127.0.0.1:0 that answers `status` with the JSON `body`, for
/// answers the emulator never gives. The task returns the request head, lower-cased.
pub async fn serve_once(status: u16, body: &'static str) -> (String, JoinHandle<String>) {
    let (url, server) = serve_in_turn(vec![(status, body)]).await;
    let server = tokio::spawn(async move { server.await.unwrap().remove(0) });
    (url, server)
}

/// Like [`serve_once`], one connection per answer, in turn; the task returns the request heads.
pub async fn serve_in_turn(answers: Vec<(u16, &'static str)>) -> (String, JoinHandle<Vec<String>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let mut heads = Vec::new();
        for (status, body) in answers {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            let end = loop {
                if let Some(i) = head.windows(4).position(|w| w == b"\r\n\r\n") {
                    break i + 4;
                }
                let n = socket.read(&mut buf).await.unwrap();
                assert!(n > 0, "the client closed before sending a request head");
                head.extend_from_slice(&buf[..n]);
            };
            // Read the body too: closing with unread bytes would reset the connection, and the
            // answer could be lost before the client reads it.
            let text = String::from_utf8_lossy(&head[..end]).to_ascii_lowercase();
            let length: usize = text
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            while head.len() < end + length {
                let n = socket.read(&mut buf).await.unwrap();
                assert!(n > 0, "the client closed before sending the request body");
                head.extend_from_slice(&buf[..n]);
            }
            head.truncate(end);
            let answer = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(answer.as_bytes()).await.unwrap();
            heads.push(String::from_utf8_lossy(&head).to_ascii_lowercase());
        }
        heads
    });
    (url, server)
}
