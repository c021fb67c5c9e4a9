//! The activity log's batched writer: the records that need not commit with a change
//! (failures, reads with `SCIMD_ACTIVITY_READS`, admin actions, a Bulk request's own record)
//! are queued by the request and written here, up to `BATCH` per transaction, at the latest
//! [`FLUSH_EVERY`] after they were queued, so a burst of 401s costs a few commits instead of
//! one each. A crash loses what is queued — at most [`FLUSH_EVERY`] of such records; a
//! clean shutdown writes them all. A full queue (`CAPACITY`) drops records (logged and
//! counted) rather than slowing requests down.
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use entity::activity;
use tokio::sync::{mpsc, oneshot};

use super::Shutdown;
use crate::store::Store;

/// The longest a queued record waits before it is written.
pub const FLUSH_EVERY: Duration = Duration::from_millis(200);
/// Records per transaction.
const BATCH: usize = 500;
/// Records the queue holds before it drops new ones.
const CAPACITY: usize = 20_000;

enum Message {
    Record(Box<activity::ActiveModel>),
    /// Answered once everything queued before it is written.
    Flush(oneshot::Sender<()>),
}

/// The requests' end of the queue.
#[derive(Debug, Clone)]
pub struct Sink {
    queue: mpsc::Sender<Message>,
    dropped: Arc<AtomicU64>,
}

/// The writer's end, for [`run_until_stopped`].
pub struct Queue(mpsc::Receiver<Message>);

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Record(_) => "Record",
            Self::Flush(_) => "Flush",
        })
    }
}

pub fn queue() -> (Sink, Queue) {
    let (queue, receiver) = mpsc::channel(CAPACITY);
    (
        Sink {
            queue,
            dropped: Arc::default(),
        },
        Queue(receiver),
    )
}

impl Sink {
    /// Queues `record`; never waits.
    pub fn send(&self, record: activity::ActiveModel) {
        if self
            .queue
            .try_send(Message::Record(Box::new(record)))
            .is_err()
        {
            let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if dropped.is_power_of_two() {
                tracing::warn!(
                    dropped,
                    "the activity log's queue is full or closed: records were dropped"
                );
            }
        }
    }

    /// Waits (at most a second) until what was queued before is written: a query of the log
    /// then sees the requests this process answered before it.
    pub async fn flush(&self) {
        let (done, written) = oneshot::channel();
        if self.queue.send(Message::Flush(done)).await.is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(1), written).await;
        }
    }
}

/// The writer: batches records until shutdown, then writes what is left.
pub async fn run_until_stopped(store: Store, Queue(mut queue): Queue, mut shutdown: Shutdown) {
    let mut batch: Vec<activity::ActiveModel> = Vec::new();
    let mut waiting: Vec<oneshot::Sender<()>> = Vec::new();
    loop {
        let deadline = tokio::time::sleep(FLUSH_EVERY);
        tokio::pin!(deadline);
        let stop = loop {
            tokio::select! {
                message = queue.recv() => match message {
                    Some(Message::Record(record)) => {
                        batch.push(*record);
                        if batch.len() >= BATCH {
                            break false;
                        }
                    }
                    Some(Message::Flush(done)) => {
                        waiting.push(done);
                        break false;
                    }
                    None => break true,
                },
                () = &mut deadline => break false,
                () = shutdown.requested() => break true,
            }
        };
        if stop {
            queue.close();
            while let Ok(message) = queue.try_recv() {
                match message {
                    Message::Record(record) => batch.push(*record),
                    Message::Flush(done) => waiting.push(done),
                }
            }
        }
        write(&store, std::mem::take(&mut batch)).await;
        for done in waiting.drain(..) {
            let _ = done.send(());
        }
        if stop {
            return;
        }
    }
}

async fn write(store: &Store, batch: Vec<activity::ActiveModel>) {
    if batch.is_empty() {
        return;
    }
    let n = batch.len();
    for chunk in batch.chunks(BATCH) {
        if let Err(e) = store.activity().write(chunk.to_vec()).await {
            tracing::error!(error = %e, records = n, "writing activity records failed; they are lost");
        }
    }
}
