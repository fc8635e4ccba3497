//! Noticing that the Terraform that started this process is gone.
//!
//! Terraform stops its providers with `GRPCController.Shutdown`; when Terraform itself is killed
//! (SIGKILL, the OOM killer, a CI runner's timeout) nobody does, and a provider would keep
//! listening for as long as the machine runs. Watching stdin cannot tell: go-plugin hands the
//! plugin Terraform's own stdin, which may be closed from the start or stay open after Terraform
//! dies (a terminal, a CI runner's pipe).
//!
//! On Linux the kernel tells us, at no cost while idle: the parent-death signal
//! (`PR_SET_PDEATHSIG`). It is sent when the *thread* that forked us exits, not only the process,
//! and Go's runtime does end threads (a goroutine that exits while locked to its OS thread takes
//! the thread with it), as do this crate's own tests, which start the provider from test threads
//! that end. So the signal only prompts a look at the parent pid, and the wait ends only when the
//! parent is no longer the process that started us (an orphan is handed to init or to a
//! subreaper, whose pid differs). A thread's exit does not use the signal up: the kernel keeps
//! the setting and sends it again at every re-parenting (`forget_original_parent` in
//! `kernel/exit.c`), so the process's own exit is still announced. Elsewhere, or where `prctl`
//! is refused (a seccomp profile), the parent pid is polled every [`POLL_INTERVAL`]: one cheap
//! system call, never a busy wake-up.
//!
//! A parent that dies between `exec` and [`Parent::current`] (the first thing `run` does, about a
//! millisecond in) goes unnoticed: the pid seen is already the new parent's. Terraform does not
//! exit on its own in that window: it waits for the handshake line.

use std::time::Duration;

/// How often the parent pid is checked where the kernel cannot signal its death.
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// The process that started this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parent {
    pid: u32,
}

impl Parent {
    /// The parent as of now: call it as early as possible.
    pub fn current() -> Self {
        Self {
            pid: std::os::unix::process::parent_id(),
        }
    }

    /// Whether the parent is still the process that started us.
    pub fn is_alive(self) -> bool {
        std::os::unix::process::parent_id() == self.pid
    }

    /// Starts watching: on Linux, arms the parent-death signal for the calling thread, which must
    /// live as long as the watch matters (the runtime's thread does). Call it within a tokio
    /// runtime.
    pub fn watch(self) -> Watch {
        Watch {
            parent: self,
            #[cfg(target_os = "linux")]
            signals: linux::arm(),
        }
    }
}

/// A watch on the parent, from [`Parent::watch`].
#[derive(Debug)]
pub struct Watch {
    parent: Parent,
    #[cfg(target_os = "linux")]
    signals: Option<tokio::signal::unix::Signal>,
}

impl Watch {
    /// Resolves once the parent has exited (at once if it already has).
    pub async fn exited(self) {
        let parent = self.parent;
        #[cfg(target_os = "linux")]
        if let Some(mut signals) = self.signals {
            // Checked before each wait: the parent may have died before the signal was armed.
            while parent.is_alive() {
                if signals.recv().await.is_none() {
                    break;
                }
            }
            if !parent.is_alive() {
                return;
            }
        }
        let mut tick = tokio::time::interval(POLL_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while parent.is_alive() {
            tick.tick().await;
        }
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use rustix::process::Signal;
    use tokio::signal::unix::{SignalKind, signal};

    /// SIGUSR1, not SIGTERM: a thread's exit must prompt a check, while SIGTERM means "stop" in
    /// any case. Nobody else sends it to a provider.
    const SIGNAL: Signal = Signal::USR1;

    /// Installs the handler, then arms the signal; `None` (poll instead) if either is refused.
    pub(super) fn arm() -> Option<tokio::signal::unix::Signal> {
        // The handler first: SIGUSR1's default action ends the process, and a thread of the
        // parent may exit as soon as the signal is armed.
        let stream = signal(SignalKind::from_raw(SIGNAL.as_raw()))
            .inspect_err(|error| {
                tracing::debug!(%error, "no parent-death signal handler; polling the parent pid")
            })
            .ok()?;
        rustix::process::set_parent_process_death_signal(Some(SIGNAL))
            .inspect_err(|error| {
                tracing::debug!(%error, "parent-death signal refused; polling the parent pid")
            })
            .ok()?;
        Some(stream)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_parent_is_alive() {
        let parent = Parent::current();
        assert!(parent.is_alive());
        assert!(
            !Parent {
                pid: parent.pid + 1
            }
            .is_alive()
        );
    }

    #[tokio::test]
    async fn a_parent_already_gone_is_noticed_at_once() {
        // A pid that is not our parent stands for a parent that has exited.
        let gone = Parent {
            pid: std::os::unix::process::parent_id() + 1,
        };
        tokio::time::timeout(Duration::from_millis(500), gone.watch().exited())
            .await
            .expect("resolves without waiting");
    }

    #[tokio::test]
    async fn a_living_parent_keeps_the_watch_waiting() {
        // The process's own exit is tested with the binary (tests/integration/process.rs).
        let watch = Parent::current().watch();
        assert!(
            tokio::time::timeout(Duration::from_millis(200), watch.exited())
                .await
                .is_err()
        );
    }
}
