//! Serving the plugin: the handshake, the unix socket in a private directory, mutual TLS, and the
//! gRPC services Terraform and go-plugin expect.
//!
//! `serve` returns when Terraform calls `GRPCController.Shutdown`, on SIGTERM, or when the server
//! fails; the socket's directory is removed on the way out. SIGINT is ignored like go-plugin's
//! servers do: Ctrl-C reaches every process of the terminal, and Terraform turns it into a
//! `StopProvider` call so that the provider can stop cleanly and report.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::UnixListener;
use tokio_stream::StreamExt as _;
use tokio_stream::wrappers::{ReceiverStream, UnixListenerStream};
use tokio_util::sync::CancellationToken;

use super::grpc;
use super::handshake::{self, PluginEnv};
use super::provider::Provider;
use super::tls;

/// How long in-flight calls may take to finish once shutdown starts.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);
/// How long a client may take to complete its TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

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

/// Serves `provider` to the Terraform that started this process.
pub async fn serve(provider: Arc<dyn Provider>, env: PluginEnv) -> Result<(), ServeError> {
    let identity = tls::generate_server_identity().map_err(|e| ServeError(e.to_string()))?;
    let cert_der = identity.cert_der.to_vec();
    let tls_config = tls::server_config(identity, &env.client_cert_pem)
        .map_err(|e| ServeError(e.to_string()))?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls_config));

    let (dir, socket) = socket_path(env.unix_socket_dir.as_deref())?;
    let listener = UnixListener::bind(&socket)?;
    print_stdout_line(&handshake::handshake_line(&socket, &cert_der))?;

    let shutdown = CancellationToken::new();
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
    let (dir, socket) = socket_path(None)?;
    let listener = UnixListener::bind(&socket)?;
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
    builder.prefix("plugin");
    let dir = match parent {
        Some(parent) => builder.tempdir_in(parent),
        None => builder.tempdir(),
    }?;
    let socket = dir.path().join("provider.sock");
    Ok((dir, socket))
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
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "accepting a plugin connection failed");
                    continue;
                }
            },
            () = shutdown.cancelled() => return,
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
