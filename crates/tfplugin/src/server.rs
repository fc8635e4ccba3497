//! Serving the plugin: the handshake, the unix socket in a private directory, mutual TLS, and the
//! gRPC services Terraform and go-plugin expect.
//!
//! `serve` returns when Terraform calls `GRPCController.Shutdown`, on SIGTERM, when the Terraform
//! that started it is gone ([`parent`](super::parent)), or when the server fails; the socket's
//! directory is removed on the way out. SIGINT is ignored like go-plugin's servers do: Ctrl-C
//! reaches every process of the terminal, and Terraform turns it into a `StopProvider` call so
//! that the provider can stop cleanly and report.
//!
//! The socket is 0600 in a directory of its own that is 0700, whatever the umask: mutual TLS
//! already refuses strangers, and the modes keep other users from even connecting.

use std::fs::Permissions;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::UnixListener;
use tokio_stream::StreamExt as _;
use tokio_stream::wrappers::{ReceiverStream, UnixListenerStream};
use tokio_util::sync::CancellationToken;

use super::grpc;
use super::handshake::{self, PluginEnv};
use super::parent::Parent;
use super::provider::Provider;
use super::tls;

/// How long in-flight calls may take to finish once shutdown starts.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);
/// How long a client may take to complete its TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// The first wait after a failed `accept`, doubled at each failure in a row up to
/// [`ACCEPT_BACKOFF_MAX`].
const ACCEPT_BACKOFF_FIRST: Duration = Duration::from_millis(5);
/// The longest wait between two failing `accept`s.
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// Why serving failed.
#[derive(Debug)]
pub struct ServeError(pub String);

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ServeError {}

impl From<std::io::Error> for ServeError {
    fn from(e: std::io::Error) -> Self {
        Self(format!("I/O error: {e}"))
    }
}

/// Serves `provider` to the Terraform that started this process, `parent`, and stops when it is
/// gone.
pub async fn serve(
    provider: Arc<dyn Provider>,
    env: PluginEnv,
    parent: Parent,
) -> Result<(), ServeError> {
    let parent_watch = parent.watch();
    let identity = tls::generate_server_identity().map_err(|e| ServeError(e.to_string()))?;
    let cert_der = identity.cert_der.to_vec();
    let tls_config = tls::server_config(identity, &env.client_cert_pem)
        .map_err(|e| ServeError(e.to_string()))?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls_config));

    let (dir, socket) = socket_path(env.unix_socket_dir.as_deref())?;
    let listener = bind_private(&socket)?;
    print_stdout_line(&handshake::handshake_line(&socket, &cert_der))?;

    let shutdown = CancellationToken::new();
    let orphaned = shutdown.clone();
    tokio::spawn(async move {
        parent_watch.exited().await;
        tracing::warn!("Terraform is gone without shutting the provider down: stopping");
        orphaned.cancel();
    });
    let (connections, incoming) = tokio::sync::mpsc::channel(16);
    let accept_loop = tokio::spawn(accept_tls(
        listener,
        acceptor,
        connections,
        shutdown.clone(),
    ));
    let incoming = ReceiverStream::new(incoming).map(Ok::<_, std::io::Error>);
    let result = run_grpc(provider, incoming, shutdown).await;
    accept_loop.abort();
    drop(dir);
    result
}

/// Serves plaintext gRPC for a debugger session and prints the `TF_REATTACH_PROVIDERS` value.
pub async fn serve_debug(provider: Arc<dyn Provider>, address: &str) -> Result<(), ServeError> {
    // No parent watch: whoever started a debug session, it was not a Terraform run that owns it.
    let (dir, socket) = socket_path(None)?;
    let listener = bind_private(&socket)?;
    let reattach = handshake::reattach_json(address, std::process::id(), &socket);
    print_stdout_line(&format!(
        "Provider started. To attach Terraform, set TF_REATTACH_PROVIDERS in your shell:\n\n\
         \tTF_REATTACH_PROVIDERS='{reattach}'\n"
    ))?;
    let incoming = UnixListenerStream::new(listener);
    let result = run_grpc(provider, incoming, CancellationToken::new()).await;
    drop(dir);
    result
}

/// A private directory (mode 0700) holding the socket; removed when the guard drops.
fn socket_path(parent: Option<&str>) -> Result<(tempfile::TempDir, PathBuf), ServeError> {
    let mut builder = tempfile::Builder::new();
    // Created 0700, so that it is never wider, even for an instant; the umask can only take bits
    // away, so the mode is set again below (a umask of 0277 would leave it unwritable).
    builder
        .prefix("plugin")
        .permissions(Permissions::from_mode(0o700));
    let dir = match parent {
        Some(parent) => builder.tempdir_in(parent),
        None => builder.tempdir(),
    }?;
    std::fs::set_permissions(dir.path(), Permissions::from_mode(0o700))?;
    let socket = dir.path().join("provider.sock");
    Ok((dir, socket))
}

/// Binds the socket and makes it 0600 whatever the umask. Between the two it may be wider for an
/// instant, inside a directory nobody else can enter.
fn bind_private(socket: &Path) -> Result<UnixListener, ServeError> {
    let listener = UnixListener::bind(socket)?;
    std::fs::set_permissions(socket, Permissions::from_mode(0o600))?;
    Ok(listener)
}

fn print_stdout_line(line: &str) -> Result<(), ServeError> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()?;
    Ok(())
}

/// Completes TLS handshakes off the accept path, so a slow or hostile client cannot hold up
/// Terraform's connection; only clients that pass mutual TLS reach the gRPC server.
async fn accept_tls(
    listener: UnixListener,
    acceptor: tokio_rustls::TlsAcceptor,
    connections: tokio::sync::mpsc::Sender<tokio_rustls::server::TlsStream<tokio::net::UnixStream>>,
    shutdown: CancellationToken,
) {
    let mut backoff = AcceptBackoff::default();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shutdown.cancelled() => return,
        };
        let stream = match accepted {
            Ok((stream, _)) => {
                if let Some(failures) = backoff.succeeded() {
                    tracing::info!(failures, "accepting plugin connections works again");
                }
                stream
            }
            Err(error) => {
                // Out of file descriptors, `accept` fails at once for as long as a connection
                // waits: without a pause this loop would take a whole core.
                let (wait, first) = backoff.failed();
                if first {
                    tracing::warn!(
                        %error,
                        "accepting a plugin connection failed; retrying with back-off, \
                         logged once until it works again"
                    );
                }
                tokio::select! {
                    () = tokio::time::sleep(wait) => continue,
                    () = shutdown.cancelled() => return,
                }
            }
        };
        let acceptor = acceptor.clone();
        let connections = connections.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => {
                    let _ = connections.send(tls).await;
                }
                Ok(Err(error)) => {
                    tracing::warn!(%error, "refused a plugin connection: TLS handshake failed")
                }
                Err(_) => tracing::warn!("refused a plugin connection: TLS handshake timed out"),
            }
        });
    }
}

/// The waits between failing `accept`s: doubling from [`ACCEPT_BACKOFF_FIRST`] to
/// [`ACCEPT_BACKOFF_MAX`], reset by a success.
#[derive(Debug, Default)]
struct AcceptBackoff {
    failures: u32,
}

impl AcceptBackoff {
    /// After a failure: how long to wait, and whether it starts a streak (the one to log).
    fn failed(&mut self) -> (Duration, bool) {
        self.failures = self.failures.saturating_add(1);
        let doublings = (self.failures - 1).min(16);
        let wait = ACCEPT_BACKOFF_FIRST
            .saturating_mul(1 << doublings)
            .min(ACCEPT_BACKOFF_MAX);
        (wait, self.failures == 1)
    }

    /// After a success: the length of the streak it ends, if there was one.
    fn succeeded(&mut self) -> Option<u32> {
        let failures = std::mem::take(&mut self.failures);
        (failures > 0).then_some(failures)
    }
}

/// Runs the gRPC services over `incoming` until shutdown is asked for and in-flight calls finish
/// (or the grace period ends).
async fn run_grpc<S, IO>(
    provider: Arc<dyn Provider>,
    incoming: S,
    shutdown: CancellationToken,
) -> Result<(), ServeError>
where
    S: tokio_stream::Stream<Item = std::io::Result<IO>> + Send + 'static,
    IO: tonic::transport::server::Connected
        + tokio::io::AsyncRead
        + tokio::io::AsyncWrite
        + Unpin
        + Send
        + 'static,
{
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;
    let routes = grpc::routes(provider, shutdown.clone()).add_service(health_service);

    let sigterm_shutdown = shutdown.clone();
    tokio::spawn(async move {
        wait_for_sigterm().await;
        sigterm_shutdown.cancel();
    });
    tokio::spawn(ignore_sigint());

    let signal = shutdown.clone();
    let server = tonic::transport::Server::builder()
        .add_routes(routes)
        .serve_with_incoming_shutdown(incoming, async move { signal.cancelled().await });
    tokio::select! {
        result = server => result.map_err(|e| ServeError(format!("gRPC server failed: {e}"))),
        () = async { shutdown.cancelled().await; tokio::time::sleep(SHUTDOWN_GRACE).await } => Ok(()),
    }
}

async fn wait_for_sigterm() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            term.recv().await;
        }
        Err(_) => std::future::pending().await,
    }
}

async fn ignore_sigint() {
    if let Ok(mut interrupts) =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
    {
        while interrupts.recv().await.is_some() {
            tracing::debug!("ignoring SIGINT: Terraform stops providers with StopProvider");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_backoff_doubles_to_a_cap_and_logs_once_per_streak() {
        let mut backoff = AcceptBackoff::default();
        assert_eq!(backoff.succeeded(), None);
        let streak: Vec<(Duration, bool)> = (0..12).map(|_| backoff.failed()).collect();
        assert_eq!(streak[0], (ACCEPT_BACKOFF_FIRST, true));
        assert_eq!(streak[1], (ACCEPT_BACKOFF_FIRST * 2, false));
        assert_eq!(streak[2], (ACCEPT_BACKOFF_FIRST * 4, false));
        assert!(streak[1..].iter().all(|(_, first)| !first));
        assert!(streak.windows(2).all(|w| w[0].0 <= w[1].0));
        assert_eq!(streak[11].0, ACCEPT_BACKOFF_MAX);
        // Thousands of failures in a row neither overflow nor exceed the cap.
        for _ in 0..10_000 {
            assert!(backoff.failed().0 <= ACCEPT_BACKOFF_MAX);
        }
        assert_eq!(backoff.succeeded(), Some(10_012));
        assert_eq!(backoff.succeeded(), None);
        // A new streak is logged again and starts from the first wait.
        assert_eq!(backoff.failed(), (ACCEPT_BACKOFF_FIRST, true));
    }

    #[test]
    fn socket_directory_and_socket_get_private_modes() {
        // The umask is the process's; this test does not change it (other tests run alongside),
        // so it checks the modes set explicitly. The umask 000 case runs the binary in
        // tests/integration/process.rs.
        let parent = tempfile::tempdir().unwrap();
        let (dir, socket) = socket_path(Some(parent.path().to_str().unwrap())).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let _listener = runtime.block_on(async { bind_private(&socket) }).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode(dir.path()), 0o700);
        assert_eq!(mode(&socket), 0o600);
        let path = dir.path().to_owned();
        drop(dir);
        assert!(!path.exists(), "the directory is removed with its guard");
    }
}
