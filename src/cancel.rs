//! Asking long work to stop: a [`Cancel`] flag shared between whoever started the work and
//! the work itself, checked between steps and raced against network requests.
//!
//! ```
//! use citytwin::cancel::Cancel;
//! let cancel = Cancel::new();
//! let worker_side = cancel.clone();
//! assert!(!worker_side.is_cancelled());
//! cancel.cancel();
//! assert!(worker_side.is_cancelled());
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
//! let answer = runtime.block_on(worker_side.unless_cancelled(async { 42 }));
//! assert_eq!(answer, None, "cancelled work does not start");
//! ```

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How often a waiting future looks at the flag.
const POLL: Duration = Duration::from_millis(20);

/// A flag that asks work to stop; clones share it.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A flag not set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the work to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether stopping was asked.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Sleeps for `d`, or less if stopping is asked meanwhile; true when it was.
    pub fn sleep(&self, d: std::time::Duration) -> bool {
        let until = std::time::Instant::now() + d;
        while std::time::Instant::now() < until {
            if self.is_cancelled() {
                return true;
            }
            std::thread::sleep(POLL.min(until - std::time::Instant::now()));
        }
        self.is_cancelled()
    }

    /// Resolves once stopping is asked.
    pub async fn cancelled(&self) {
        while !self.is_cancelled() {
            tokio::time::sleep(POLL).await;
        }
    }

    /// Runs `work` until it ends or stopping is asked, whichever comes first; `None` when it
    /// was stopped (the work is dropped where it stood).
    pub async fn unless_cancelled<F: Future>(&self, work: F) -> Option<F::Output> {
        if self.is_cancelled() {
            return None;
        }
        tokio::select! {
            out = work => Some(out),
            () = self.cancelled() => None,
        }
    }

    /// The shared flag itself, for code that polls an `AtomicBool`.
    pub fn flag(&self) -> &Arc<AtomicBool> {
        &self.0
    }
}
