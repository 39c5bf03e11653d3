//! Large downloads, sent while they are read: a thread reads and writes
//! the file a page at a time and hands the pieces to the response through
//! a small channel, so the client's pace holds the reader back. A download
//! ends cleanly only when the thread says it is complete: if it stops for
//! any other reason (a failed query, a row that cannot be read, a panic),
//! the response ends with an error and the connection is closed before the
//! end of the body, so the client knows the file is incomplete.
//!
//! Downloads take turns ([`Downloads`]): only a few run at once, each with
//! one thread and one pooled connection; the others wait for a turn.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use futures_util::Stream;
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a download waits for a client that reads nothing before it
/// gives up (and frees its turn).
const STALL: Duration = Duration::from_secs(60);

/// Turns for downloads, shared by the server.
#[derive(Clone)]
pub struct Downloads(Arc<Turns>);

struct Turns {
    permits: Arc<Semaphore>,
    running: AtomicUsize,
    most: AtomicUsize,
}

impl Downloads {
    /// Downloads that run at once.
    pub const AT_ONCE: usize = 2;

    pub fn new() -> Downloads {
        Downloads(Arc::new(Turns {
            permits: Arc::new(Semaphore::new(Self::AT_ONCE)),
            running: AtomicUsize::new(0),
            most: AtomicUsize::new(0),
        }))
    }

    /// Waits for a turn; `None` only when the server is shutting down.
    pub async fn turn(&self) -> Option<Turn> {
        let permit = self.0.permits.clone().acquire_owned().await.ok()?;
        let now = self.0.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.0.most.fetch_max(now, Ordering::SeqCst);
        Some(Turn {
            _permit: permit,
            turns: self.0.clone(),
        })
    }

    /// Downloads running now.
    pub fn running(&self) -> usize {
        self.0.running.load(Ordering::SeqCst)
    }

    /// The most that ever ran at once.
    pub fn most(&self) -> usize {
        self.0.most.load(Ordering::SeqCst)
    }
}

impl Default for Downloads {
    fn default() -> Self {
        Downloads::new()
    }
}

/// A download's turn; the next waiting download starts when it is dropped.
pub struct Turn {
    _permit: OwnedSemaphorePermit,
    turns: Arc<Turns>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.turns.running.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What the reading thread hands over.
enum Piece {
    Bytes(Bytes),
    /// The file is complete.
    End,
}

/// Why the reading thread stopped early.
pub enum Stop {
    /// The client went away: nothing more to do.
    Gone,
    /// Something failed; the download ends as broken.
    Failed(String),
}

impl<E: std::fmt::Display> From<E> for Stop {
    fn from(e: E) -> Self {
        Stop::Failed(e.to_string())
    }
}

/// The reading thread's end of a download.
pub struct Sink(mpsc::Sender<Piece>);

impl Sink {
    /// Hands bytes to the client, waiting while it reads (but not forever).
    pub fn send(&self, bytes: Vec<u8>) -> Result<(), Stop> {
        self.put(Piece::Bytes(Bytes::from(bytes)))
    }

    fn put(&self, piece: Piece) -> Result<(), Stop> {
        let mut piece = piece;
        let started = Instant::now();
        loop {
            match self.0.try_send(piece) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Closed(_)) => return Err(Stop::Gone),
                Err(TrySendError::Full(back)) if started.elapsed() < STALL => {
                    piece = back;
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(TrySendError::Full(_)) => {
                    return Err(Stop::Failed("the client stopped reading".into()));
                }
            }
        }
    }

    /// Says the file is complete.
    fn finish(self) -> Result<(), Stop> {
        self.put(Piece::End)
    }
}

/// Runs `write` on a thread of its own, holding `turn`, and gives the
/// stream of what it writes. The stream ends cleanly only if `write`
/// returns `Ok` and its end reaches the client.
pub fn spawn<F>(
    turn: Turn,
    write: F,
) -> std::io::Result<impl Stream<Item = Result<Bytes, std::io::Error>>>
where
    F: FnOnce(&Sink) -> Result<(), Stop> + Send + 'static,
{
    let (tx, rx) = mpsc::channel::<Piece>(4);
    std::thread::Builder::new()
        .name("shishi-download".into())
        .spawn(move || {
            let _turn = turn;
            let sink = Sink(tx);
            match write(&sink).and_then(|()| sink.finish()) {
                Ok(()) | Err(Stop::Gone) => {}
                Err(Stop::Failed(why)) => log::error!("a download failed: {why}"),
            }
        })?;
    Ok(futures_util::stream::unfold(Some(rx), |rx| async move {
        let mut rx = rx?;
        match rx.recv().await {
            Some(Piece::Bytes(b)) => Some((Ok(b), Some(rx))),
            Some(Piece::End) => None,
            // The thread stopped without saying the file is complete.
            None => Some((
                Err(std::io::Error::other("the download stopped before its end")),
                None,
            )),
        }
    }))
}
