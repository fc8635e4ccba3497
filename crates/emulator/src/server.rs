//! The accept loop. Each connection is served by hyper directly (not `axum::serve`) so that the
//! "drop after act" fault can close one connection without any answer: the handler acts, fires the
//! connection's abort token and never completes; the connection task then drops the hyper
//! connection, which closes the socket with nothing written.
//!
//! Requests carry `ConnectInfo<SocketAddr>` (the TCP peer, for allowlists) and a [`ConnControl`].

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use super::Emulator;
use super::routes;

/// How long in-flight requests get to finish once shutdown begins.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Lets a handler close its own connection without answering.
#[derive(Clone)]
pub(crate) struct ConnControl {
    abort: CancellationToken,
    /// Fired when the server begins to shut down.
    stop: CancellationToken,
}

impl ConnControl {
    /// Closes the connection; the caller must then never complete its response.
    pub(crate) fn drop_connection(&self) {
        self.abort.cancel();
    }

    /// Never answers: waits for the server's shutdown, then closes the connection without an
    /// answer, so a hanging request cannot hold shutdown up for the drain timeout.
    pub(crate) async fn hang(&self) -> ! {
        self.stop.cancelled().await;
        self.drop_connection();
        std::future::pending().await
    }
}

/// Serves the emulator on `listener` until `shutdown` completes, then stops accepting, lets
/// in-flight requests finish (for up to 5 s) and returns.
pub async fn run(
    listener: TcpListener,
    emulator: Emulator,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = routes::router(emulator);
    let stop = CancellationToken::new();
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        // Reap finished connection tasks so the set does not grow without bound.
        while connections.try_join_next().is_some() {}
        match accepted {
            Ok((stream, peer)) => {
                connections.spawn(serve_connection(stream, peer, router.clone(), stop.clone()));
            }
            Err(e) => {
                // Usually transient (e.g. out of file descriptors): wait a little instead of spinning.
                eprintln!("onesignal-emulator: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    drop(listener);
    stop.cancel();
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.abort_all();
    }
    Ok(())
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    stop: CancellationToken,
) {
    let control = ConnControl {
        abort: CancellationToken::new(),
        stop: stop.clone(),
    };
    let abort = control.abort.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        request.extensions_mut().insert(control.clone());
        router.clone().oneshot(request)
    });
    // No timer is set, so hyper applies no header-read timeout and never closes an idle keep-alive
    // connection itself: a client reusing a pooled connection cannot race such a close (which
    // would turn an innocent create into an "ambiguous" one in tests).
    let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let mut draining = false;
    loop {
        tokio::select! {
            _ = connection.as_mut() => return,
            // Returning drops the connection: the socket closes and no response is written.
            () = abort.cancelled() => return,
            () = stop.cancelled(), if !draining => {
                draining = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}
