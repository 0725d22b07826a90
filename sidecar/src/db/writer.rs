//! The writer thread and its group commit.
//!
//! Every write of the store runs on one dedicated thread that owns the
//! writer connection. The thread takes all write jobs waiting in its queue
//! (at most [`MAX_BATCH`]), runs them in one `IMMEDIATE` transaction, each
//! inside its own savepoint, commits once (one fsync with
//! `synchronous=FULL`) and only then answers each job. So:
//!
//! - a job that fails is rolled back to its savepoint and answered with its
//!   own error; the other jobs of the batch are not affected;
//! - a job is answered with success only after the commit that contains
//!   it returned, so whatever a caller was told is written is on disk;
//! - when the commit (or the transaction itself) fails, every job of the
//!   batch that had succeeded is answered with that error instead.
//!
//! Under load, jobs queue while a commit is syncing and the next batch
//! takes them all: the cost of the fsync is shared instead of paid per
//! write. With one job at a time nothing changes.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::thread::JoinHandle;

use anyhow::{anyhow, Context, Result};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use tokio::sync::oneshot;

/// Most jobs run in one transaction.
pub const MAX_BATCH: usize = 256;

/// The name of the savepoint around each job.
const SAVEPOINT: &str = "docket_write_job";

/// A write job as the thread sees it: run it inside the batch's
/// transaction, then answer it once the batch's fate is known.
trait Job: Send {
    /// Runs the job; `true` when its changes should stay.
    fn run(&mut self, tx: &Transaction<'_>) -> bool;
    /// Answers the caller: the job's own result if the batch committed,
    /// otherwise `failure`.
    fn answer(self: Box<Self>, failure: Option<&anyhow::Error>);
}

/// A job with its closure, its result and the caller's answer channel.
struct TypedJob<T, F> {
    work: Option<F>,
    result: Option<Result<T>>,
    reply: oneshot::Sender<Result<T>>,
}

impl<T, F> Job for TypedJob<T, F>
where
    T: Send + 'static,
    F: FnOnce(&Transaction<'_>) -> rusqlite::Result<T> + Send + 'static,
{
    fn run(&mut self, tx: &Transaction<'_>) -> bool {
        let Some(work) = self.work.take() else {
            self.result = Some(Err(anyhow!("database job ran twice")));
            return false;
        };
        let result = match catch_unwind(AssertUnwindSafe(|| work(tx))) {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(anyhow::Error::from(err)),
            Err(_) => Err(anyhow!("database job panicked")),
        };
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn answer(self: Box<Self>, failure: Option<&anyhow::Error>) {
        let result = match (self.result, failure) {
            // A job that failed on its own keeps its own error.
            (Some(Err(err)), _) => Err(err),
            (Some(Ok(_)), Some(failure)) | (None, Some(failure)) => {
                Err(anyhow!("the write was not committed: {failure:#}"))
            }
            (Some(Ok(value)), None) => Ok(value),
            (None, None) => Err(anyhow!("database job did not run")),
        };
        // The caller may have gone away (request cancelled); nothing to do.
        let _ = self.reply.send(result);
    }
}

/// The handle on the writer thread: a queue of jobs. Dropping it lets the
/// thread finish the queued jobs, close the connection and exit; the drop
/// waits for that.
pub struct Writer {
    jobs: Option<mpsc::Sender<Box<dyn Job>>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    /// Starts the writer thread on `conn` (already migrated).
    pub fn start(conn: Connection) -> Result<Self> {
        let (jobs, queue) = mpsc::channel::<Box<dyn Job>>();
        let thread = std::thread::Builder::new()
            .name("docket-db-writer".to_owned())
            .spawn(move || run_thread(conn, queue))
            .context("cannot start the database writer thread")?;
        Ok(Self {
            jobs: Some(jobs),
            thread: Some(thread),
        })
    }

    /// Queues `work` and waits (without blocking the runtime) until the
    /// batch containing it has committed, or it failed.
    pub async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> rusqlite::Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Box::new(TypedJob {
            work: Some(work),
            result: None,
            reply,
        });
        self.jobs
            .as_ref()
            .ok_or_else(|| anyhow!("the database writer is stopped"))?
            .send(job)
            .map_err(|_| anyhow!("the database writer thread has stopped"))?;
        answer
            .await
            .map_err(|_| anyhow!("the database writer thread dropped a write"))?
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(thread) = self.thread.take() {
            // A job that drops the last handle runs on the thread itself.
            if thread.thread().id() != std::thread::current().id() {
                let _ = thread.join();
            }
        }
    }
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

fn run_thread(mut conn: Connection, queue: mpsc::Receiver<Box<dyn Job>>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        run_batch(&mut conn, batch);
    }
}

/// Runs `batch` in one transaction and answers every job. If the
/// transaction breaks part-way (SQLite rolled it back, or a savepoint
/// statement failed), the jobs run so far are answered with the error and
/// the rest get a new transaction.
fn run_batch(conn: &mut Connection, batch: Vec<Box<dyn Job>>) {
    let mut pending = batch.into_iter();
    loop {
        let mut done: Vec<Box<dyn Job>> = Vec::new();
        let outcome = run_some(conn, &mut pending, &mut done);
        let failure = outcome.err();
        for job in done {
            job.answer(failure.as_ref());
        }
        if pending.as_slice().is_empty() {
            return;
        }
    }
}

/// Runs jobs from `pending` in one transaction until they are all done or
/// the transaction breaks; moves each job that ran into `done`. `Err` when
/// the transaction did not commit.
fn run_some(
    conn: &mut Connection,
    pending: &mut std::vec::IntoIter<Box<dyn Job>>,
    done: &mut Vec<Box<dyn Job>>,
) -> Result<()> {
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(err) => {
            // Nothing can run: fail the whole rest of the batch.
            done.extend(pending.by_ref());
            return Err(anyhow::Error::from(err).context("cannot begin a write transaction"));
        }
    };
    for mut job in pending.by_ref() {
        if let Err(err) = tx.execute_batch(&format!("SAVEPOINT {SAVEPOINT}")) {
            done.push(job);
            return Err(anyhow::Error::from(err).context("cannot start a savepoint"));
        }
        let keep = job.run(&tx);
        done.push(job);
        if tx.is_autocommit() {
            // SQLite rolled the whole transaction back (I/O error, disk
            // full…): everything of this batch so far is gone.
            return Err(anyhow!("SQLite rolled the write transaction back"));
        }
        let end = if keep {
            format!("RELEASE {SAVEPOINT}")
        } else {
            format!("ROLLBACK TO {SAVEPOINT}; RELEASE {SAVEPOINT}")
        };
        if let Err(err) = tx.execute_batch(&end) {
            return Err(anyhow::Error::from(err).context("cannot end a savepoint"));
        }
    }
    tx.commit().context("cannot commit the write transaction")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn open(dir: &tempfile::TempDir) -> Connection {
        let conn = Connection::open(dir.path().join("w.db")).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
             CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE);",
        )
        .unwrap();
        conn
    }

    fn count(dir: &tempfile::TempDir) -> i64 {
        let conn = Connection::open(dir.path().join("w.db")).unwrap();
        conn.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_jobs_are_all_committed_and_failures_stay_their_own() {
        let dir = tempfile::tempdir().unwrap();
        let writer = Arc::new(Writer::start(open(&dir)).unwrap());
        let mut tasks = Vec::new();
        for i in 0..400 {
            let writer = Arc::clone(&writer);
            tasks.push(tokio::spawn(async move {
                // Every fifth job breaks the UNIQUE rule after a good insert:
                // its savepoint must undo both, and only it must fail.
                let value = if i % 5 == 0 {
                    "dup".to_owned()
                } else {
                    format!("v{i}")
                };
                writer
                    .write(move |tx| {
                        if value == "dup" {
                            tx.execute("INSERT OR IGNORE INTO t (v) VALUES ('dup')", [])?;
                            tx.execute("INSERT INTO t (v) VALUES (?1)", [format!("x{i}")])?;
                        }
                        tx.execute("INSERT INTO t (v) VALUES (?1)", [&value])?;
                        Ok(i)
                    })
                    .await
            }));
        }
        let mut ok = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => ok += 1,
                Err(err) => assert!(format!("{err:#}").contains("UNIQUE"), "{err:#}"),
            }
        }
        assert_eq!(ok, 320);
        drop(writer);
        // 320 good rows and the one 'dup' row of a failed job is undone too.
        assert_eq!(count(&dir), 320);
    }

    #[tokio::test]
    async fn a_panicking_job_fails_alone() {
        let dir = tempfile::tempdir().unwrap();
        let writer = Writer::start(open(&dir)).unwrap();
        let err = writer
            .write(|tx| -> rusqlite::Result<()> {
                tx.execute("INSERT INTO t (v) VALUES ('a')", [])?;
                panic!("boom");
            })
            .await
            .unwrap_err();
        assert!(format!("{err:#}").contains("panicked"), "{err:#}");
        writer
            .write(|tx| tx.execute("INSERT INTO t (v) VALUES ('b')", []))
            .await
            .unwrap();
        drop(writer);
        assert_eq!(count(&dir), 1);
    }
}
