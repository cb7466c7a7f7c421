//! The comments' outbox: a thread that sends comments to the broker and carries moderators'
//! hide/show marks. No Bevy here; the comments plugin reads [`OutboxEvent`]s.
//!
//! A comment is first written to the disk [`Queue`], then sent (`POST /entities`); it leaves
//! the queue only when the broker has it: created (201), or already there (409, the same
//! id sent before, so nothing is stored twice). While the broker cannot be reached or fails
//! (5xx), it stays queued and is tried again every [`RETRY`]; comments left in the queue by
//! an earlier run are sent at start. A refusal (another 4xx: 400, 403, 413, …) takes it out of
//! the queue and gives it back to the person with the status, so their text is kept.

use crate::comment::queue::Queue;
use crate::comment::{Comment, Problem};
use crate::ngsi_ld::client::{Client, ClientConfig, ClientError};
use crate::worker::Worker;
use crossbeam_channel::{Receiver, Sender};
use std::time::Duration;

/// Time between two tries while comments wait.
pub const RETRY: Duration = Duration::from_secs(1);

/// What the outbox is asked to do.
#[derive(Debug, Clone, PartialEq)]
pub enum OutboxRequest {
    /// Keep this comment on disk and send it.
    Send(Box<Comment>),
    /// Hide a comment (a moderator), or show it again.
    SetHidden {
        /// The comment's id.
        id: String,
        /// Hidden or shown.
        hidden: bool,
    },
}

/// What became of a request.
#[derive(Debug, Clone, PartialEq)]
pub enum OutboxEvent {
    /// The broker has the comment.
    Accepted(Box<Comment>),
    /// The comment waits on disk: the broker cannot be reached or failed.
    Waiting {
        /// The comment's id.
        id: String,
        /// Why, for the log and the status line.
        why: String,
    },
    /// The broker refused the comment: it is out of the queue, and back to the person.
    Refused {
        /// The comment, with the text as written.
        comment: Box<Comment>,
        /// Why, for the person.
        problem: Problem,
        /// The broker's words, for the log.
        detail: String,
    },
    /// A hide/show mark was written, or why not.
    Moderated {
        /// The comment's id.
        id: String,
        /// What was asked.
        hidden: bool,
        /// Whether the broker took it.
        result: Result<(), String>,
    },
    /// How many comments wait on disk (after each change).
    Queued(usize),
}

/// The running outbox; dropping it stops the thread (comments still queued stay on disk).
#[derive(Debug)]
pub struct Outbox {
    requests: Sender<OutboxRequest>,
    /// What happened, for the scene.
    pub events: Receiver<OutboxEvent>,
    worker: Option<Worker>,
}

impl Outbox {
    /// Asks for something; the answer comes as an [`OutboxEvent`].
    pub fn ask(&self, r: OutboxRequest) {
        let _ = self.requests.send(r);
    }

    /// Hands the thread to an owner that stops it in order with the others.
    pub fn take_worker(&mut self) -> Option<Worker> {
        self.worker.take()
    }
}

/// Starts the outbox for a broker and a queue folder.
pub fn start(client: ClientConfig, queue: Queue) -> Outbox {
    let (req_tx, req_rx) = crossbeam_channel::unbounded();
    let (tx, rx) = crossbeam_channel::unbounded();
    let worker = Worker::spawn("comments outbox", move |cancel| {
        run(client, &queue, &req_rx, &tx, &cancel);
    })
    .map_err(|e| tracing::error!("cannot start the comments outbox: {e}"))
    .ok();
    Outbox {
        requests: req_tx,
        events: rx,
        worker,
    }
}

/// What one try at sending gave.
enum Sent {
    Stored,
    Retry(String),
    Refused(u16, String),
}

fn run(
    client: ClientConfig,
    queue: &Queue,
    requests: &Receiver<OutboxRequest>,
    tx: &Sender<OutboxEvent>,
    cancel: &crate::cancel::Cancel,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .thread_name("citytwin-outbox")
        .build()
    {
        Ok(r) => r,
        Err(e) => return tracing::error!("comments outbox: no network runtime: {e}"),
    };
    let client = match Client::new(client) {
        Ok(c) => c,
        Err(e) => return tracing::error!("comments outbox: {e}"),
    };
    let (_, unreadable) = queue.pending();
    for path in unreadable {
        tracing::warn!(
            "a queued comment could not be read and is left in {}",
            path.display()
        );
    }
    let mut retry_due = true;
    while !cancel.is_cancelled() {
        if retry_due {
            send_pending(&runtime, &client, queue, tx, cancel);
        }
        match requests.recv_timeout(RETRY) {
            Ok(OutboxRequest::Send(c)) => {
                if let Err(e) = queue.put(&c) {
                    // Not on disk: still sent now, but it would not survive a crash.
                    tracing::warn!(
                        "a comment could not be kept in {}: {e}",
                        queue.dir().display()
                    );
                }
                let _ = tx.send(OutboxEvent::Queued(queue.pending().0.len()));
                retry_due = true;
            }
            Ok(OutboxRequest::SetHidden { id, hidden }) => {
                let attrs = Comment::hidden_attribute(hidden);
                let result = runtime
                    .block_on(client.append_attributes(&id, &attrs))
                    .map_err(|e| e.to_string());
                let _ = tx.send(OutboxEvent::Moderated { id, hidden, result });
            }
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => retry_due = true,
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// Tries every queued comment once, oldest first; stops at the first that must wait (the
/// broker is away: the others would wait too).
fn send_pending(
    runtime: &tokio::runtime::Runtime,
    client: &Client,
    queue: &Queue,
    tx: &Sender<OutboxEvent>,
    cancel: &crate::cancel::Cancel,
) {
    let (pending, _) = queue.pending();
    if pending.is_empty() {
        return;
    }
    for c in pending {
        if cancel.is_cancelled() {
            return;
        }
        match runtime.block_on(send(client, &c)) {
            Sent::Stored => {
                if let Err(e) = queue.remove(&c.id) {
                    tracing::warn!("a sent comment could not be taken off the queue: {e}");
                }
                let _ = tx.send(OutboxEvent::Accepted(Box::new(c)));
            }
            Sent::Refused(status, detail) => {
                let _ = queue.remove(&c.id);
                tracing::warn!("the broker refused comment {}: {detail}", c.id);
                let _ = tx.send(OutboxEvent::Refused {
                    comment: Box::new(c),
                    problem: Problem::Refused { status },
                    detail,
                });
            }
            Sent::Retry(why) => {
                let _ = tx.send(OutboxEvent::Waiting { id: c.id, why });
                break;
            }
        }
    }
    let _ = tx.send(OutboxEvent::Queued(queue.pending().0.len()));
}

async fn send(client: &Client, c: &Comment) -> Sent {
    match client.create(&c.to_entity()).await {
        Ok(()) => Sent::Stored,
        Err(ClientError::Broker { status: 409, .. }) => Sent::Stored,
        Err(e @ ClientError::Broker { status, .. })
            if (400..500).contains(&status) && status != 408 && status != 429 =>
        {
            Sent::Refused(status, e.to_string())
        }
        Err(e) => Sent::Retry(e.to_string()),
    }
}
