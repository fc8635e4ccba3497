//! `StopProvider` as terraform-plugin-go does it: a stop cancels the calls in flight, not the
//! provider.
//!
//! Each RPC gets its own token, a child of the server's current stop token, and hands it to the
//! provider in its request ([`ReadRequest::cancel`](super::ReadRequest::cancel) and the like).
//! `StopProvider` cancels the current stop token, so every call in flight sees its token
//! cancelled, and arms a fresh one: the calls Terraform makes afterwards (a later command against
//! the same process, `terraform console`, a provider kept by a long-lived runner) work normally.

use std::sync::{Mutex, PoisonError};

use tokio_util::sync::CancellationToken;

/// The server's stop signal: hands out per-call tokens and cancels those in flight on a stop.
#[derive(Debug, Default)]
pub struct StopSignal {
    current: Mutex<CancellationToken>,
}

impl StopSignal {
    /// A token for one call: cancelled by the next [`StopSignal::stop`], or on its own (a child,
    /// so that cancelling one call never reaches the others).
    pub fn call(&self) -> CancellationToken {
        self.lock().child_token()
    }

    /// Cancels every call's token handed out so far, and arms a fresh signal for later calls.
    pub fn stop(&self) {
        // Swapped under the lock: a call starting now gets either the cancelled token or the new
        // one, never a token that a stop has already passed over.
        let stopped = std::mem::take(&mut *self.lock());
        stopped.cancel();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CancellationToken> {
        // The guarded value is a token, whole at every moment: a panic elsewhere cannot leave it
        // half-written.
        self.current.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stop_cancels_the_calls_in_flight_and_rearms() {
        let signal = StopSignal::default();
        let first = signal.call();
        let second = signal.call();
        signal.stop();
        assert!(first.is_cancelled());
        assert!(second.is_cancelled());

        let later = signal.call();
        assert!(!later.is_cancelled(), "a call after the stop runs normally");
        signal.stop();
        assert!(later.is_cancelled(), "and the next stop cancels it in turn");
        assert!(!signal.call().is_cancelled());
    }

    #[test]
    fn cancelling_one_call_leaves_the_others_and_the_signal_alone() {
        let signal = StopSignal::default();
        let one = signal.call();
        let other = signal.call();
        one.cancel();
        assert!(!other.is_cancelled());
        assert!(!signal.call().is_cancelled());
        signal.stop();
        assert!(other.is_cancelled());
    }

    #[tokio::test]
    async fn a_stop_wakes_a_call_waiting_on_its_token() {
        let signal = std::sync::Arc::new(StopSignal::default());
        let token = signal.call();
        let waiting = tokio::spawn(async move { token.cancelled().await });
        tokio::task::yield_now().await;
        signal.stop();
        tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
            .await
            .expect("the waiting call is woken")
            .unwrap();
    }
}
