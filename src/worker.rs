//! Background threads that belong to a handle: every thread citytwin starts (the loader and
//! viewport streamer, the style re-mesher, the live feed, the simulator, the demo broker) is a
//! [`Worker`] or sits inside a service that implements [`Service`], so that whoever started
//! it can ask it to stop and wait until it has, before the process exits.
//!
//! A thread left running while `main` returns may still be freeing PROJ's database, SQLite or
//! a tokio runtime while the C library runs its exit handlers, which corrupts the heap.
//!
//! ```
//! use citytwin::worker::Worker;
//! let mut w = Worker::spawn("counter", |cancel| {
//!     while !cancel.is_cancelled() {
//!         std::thread::sleep(std::time::Duration::from_millis(1));
//!     }
//! })
//! .unwrap();
//! w.stop(); // asks, then waits for the thread
//! assert!(w.is_finished());
//! ```

use crate::cancel::Cancel;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// After this long a stop that still waits is reported in the log (it goes on waiting).
const SLOW_STOP: Duration = Duration::from_secs(3);

/// Something running in the background that can be told to stop and waited for.
pub trait Service: Send + Sync + 'static {
    /// Its name in the log.
    fn name(&self) -> &str;
    /// Asks it to stop and waits until its threads have ended. Calling it again does nothing.
    fn stop(&mut self);
    /// Whether it has ended on its own (then it can be forgotten).
    fn is_finished(&self) -> bool {
        false
    }
}

/// A named thread with a [`Cancel`] flag; [`Worker::stop`] (or dropping it) sets the flag
/// and joins the thread.
#[derive(Debug)]
pub struct Worker {
    name: String,
    cancel: Cancel,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts `work` on a thread named `citytwin-<name>`; it should return soon after its
    /// [`Cancel`] is set.
    pub fn spawn(name: &str, work: impl FnOnce(Cancel) + Send + 'static) -> std::io::Result<Self> {
        let cancel = Cancel::new();
        let theirs = cancel.clone();
        let thread = std::thread::Builder::new()
            .name(format!("citytwin-{name}"))
            .spawn(move || work(theirs))?;
        Ok(Self {
            name: name.to_owned(),
            cancel,
            thread: Some(thread),
        })
    }

    /// Whether the thread has ended (or was joined).
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Asks the thread to stop and waits for it.
    pub fn stop(&mut self) {
        self.cancel.cancel();
        join(&self.name, self.thread.take());
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Service for Worker {
    fn name(&self) -> &str {
        &self.name
    }

    fn stop(&mut self) {
        Worker::stop(self);
    }

    fn is_finished(&self) -> bool {
        Worker::is_finished(self)
    }
}

/// Joins a thread, saying in the log when it takes long.
pub fn join(name: &str, thread: Option<JoinHandle<()>>) {
    let Some(thread) = thread else { return };
    let started = Instant::now();
    let mut said = false;
    while !thread.is_finished() {
        if !said && started.elapsed() > SLOW_STOP {
            tracing::info!("waiting for {name} to stop");
            said = true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    if thread.join().is_err() {
        tracing::error!("{name} ended with a panic");
    }
}

/// The threads of this process whose names start with `citytwin-` (every thread citytwin
/// starts is named so) other than the calling one. Read from `/proc`; empty where there is
/// none. A thread just joined may still be listed for a moment, so a list that is not empty
/// is read again for up to 200 ms. The commands print them before exiting: there should be
/// none.
pub fn threads_still_running() -> Vec<String> {
    let mut left = threads_listed();
    for _ in 0..20 {
        if left.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
        left = threads_listed();
    }
    left
}

fn threads_listed() -> Vec<String> {
    let me = std::thread::current().name().map(str::to_owned);
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    let mut names: Vec<String> = tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .map(|n| n.trim().to_owned())
        .filter(|n| n.starts_with("citytwin-"))
        .collect();
    // The calling thread, if it is one of ours (its name is cut to 15 bytes in /proc).
    if let Some(me) = me.filter(|m| m.starts_with("citytwin-")) {
        let short: String = me.chars().take(15).collect();
        if let Some(i) = names.iter().position(|n| *n == short) {
            names.remove(i);
        }
    }
    names.sort();
    names
}

/// Prints a warning naming the threads still running (see [`threads_still_running`]), for
/// commands about to exit.
pub fn warn_about_stray_threads() {
    let left = threads_still_running();
    if !left.is_empty() {
        eprintln!(
            "warning: threads still running at exit (a bug; please report it): {}",
            left.join(", ")
        );
    }
}

/// Services started by one owner, stopped together in order: the readers first (the loader,
/// the live feed), then the writers (the simulator), then the servers (the demo broker), each
/// group in the reverse order of start.
#[derive(Default)]
pub struct Services {
    running: Vec<(String, Stage, Box<dyn Service>)>,
}

/// When a service stops relative to the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Reads from the others: stops first.
    Reader,
    /// Writes to a server.
    Writer,
    /// Serves the others: stops last.
    Server,
}

impl Services {
    /// Takes a service over under `key`; one already running under the same key is stopped
    /// first (a new live feed replaces the old). Services that have ended on their own are
    /// forgotten.
    pub fn add(&mut self, key: &str, stage: Stage, service: impl Service) {
        self.stop(key);
        self.running.retain(|(_, _, s)| !s.is_finished());
        self.running
            .push((key.to_owned(), stage, Box::new(service)));
    }

    /// Stops the service running under `key`, if any.
    pub fn stop(&mut self, key: &str) {
        if let Some(i) = self.running.iter().position(|(k, _, _)| k == key) {
            let (_, _, mut old) = self.running.remove(i);
            old.stop();
        }
    }

    /// How many services run.
    pub fn len(&self) -> usize {
        self.running.len()
    }

    /// Whether none runs.
    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// Stops every service (readers, then writers, then servers; the latest first in each).
    pub fn stop_all(&mut self) {
        let mut running = std::mem::take(&mut self.running);
        running.reverse();
        running.sort_by_key(|(_, stage, _)| *stage); // stable: latest first within a stage
        for (_, _, mut s) in running {
            tracing::debug!("stopping {}", s.name());
            s.stop();
        }
    }
}

impl Drop for Services {
    fn drop(&mut self) {
        self.stop_all();
    }
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.running.iter().map(|(key, stage, _)| (key, stage)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    struct Probe(&'static str, Arc<Mutex<Vec<&'static str>>>);

    impl Service for Probe {
        fn name(&self) -> &str {
            self.0
        }
        fn stop(&mut self) {
            self.1.lock().unwrap().push(self.0);
        }
    }

    #[test]
    fn services_stop_readers_first_servers_last() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut s = Services::default();
        s.add("broker", Stage::Server, Probe("broker", log.clone()));
        s.add("loader", Stage::Reader, Probe("loader", log.clone()));
        s.add("simulator", Stage::Writer, Probe("simulator", log.clone()));
        s.add("live", Stage::Reader, Probe("live feed", log.clone()));
        s.add("live", Stage::Reader, Probe("new live feed", log.clone()));
        assert_eq!(*log.lock().unwrap(), ["live feed"], "replaced, so stopped");
        drop(s);
        assert_eq!(
            *log.lock().unwrap(),
            [
                "live feed",
                "new live feed",
                "loader",
                "simulator",
                "broker"
            ]
        );
    }

    #[test]
    fn threads_left_running_are_named() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::Builder::new()
            .name("citytwin-probe".into())
            .spawn(move || {
                let _ = rx.recv();
            })
            .unwrap();
        if std::path::Path::new("/proc/self/task").exists() {
            assert!(threads_still_running().contains(&"citytwin-probe".to_owned()));
        }
        drop(tx);
        t.join().unwrap();
        assert!(!threads_still_running().contains(&"citytwin-probe".to_owned()));
    }

    #[test]
    fn a_worker_is_joined_when_dropped() {
        let done = Arc::new(Mutex::new(false));
        let flag = done.clone();
        let w = Worker::spawn("test", move |cancel| {
            while !cancel.is_cancelled() {
                std::thread::sleep(Duration::from_millis(1));
            }
            *flag.lock().unwrap() = true;
        })
        .unwrap();
        drop(w);
        assert!(
            *done.lock().unwrap(),
            "the thread ran to its end before drop returned"
        );
    }
}
