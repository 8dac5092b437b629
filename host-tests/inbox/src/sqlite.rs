//! The SQLite inbox: one file, created on first use. Writes are immediate transactions, so two
//! drivers on one file serialise instead of interleaving. A step's commit runs on a blocking
//! thread, so a driver's next step can run meanwhile.

use crate::{
    CompletedRun, Document, Inbox, InboxError, Mode, Next, Run, StoredDocument, document_id, new_run_id, now_rfc3339,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS AzureJsonInbox (
    DocumentId  TEXT PRIMARY KEY,
    Job         TEXT NOT NULL,
    Kind        TEXT NOT NULL,
    ObjectId    TEXT NOT NULL,
    RunId       TEXT NOT NULL,
    CreatedTime TEXT NOT NULL,
    Document    TEXT NOT NULL CHECK (json_valid(Document))
);
CREATE INDEX IF NOT EXISTS AzureJsonInboxByJob ON AzureJsonInbox (Job, DocumentId);
CREATE INDEX IF NOT EXISTS AzureJsonInboxByObject ON AzureJsonInbox (ObjectId);
CREATE TABLE IF NOT EXISTS InventoryRun (
    RunId         TEXT PRIMARY KEY,
    Job           TEXT NOT NULL,
    Mode          TEXT NOT NULL,
    StartedTime   TEXT NOT NULL,
    CompletedTime TEXT,
    Cursor        TEXT,
    Steps         INTEGER NOT NULL DEFAULT 0,
    Documents     INTEGER NOT NULL DEFAULT 0,
    Watermark     TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS OneOpenRunPerJob ON InventoryRun (Job) WHERE CompletedTime IS NULL;
";

pub struct SqliteInbox {
    connection: Arc<Mutex<Connection>>,
}

impl SqliteInbox {
    pub fn open(path: &str) -> Result<SqliteInbox, InboxError> {
        let connection = Connection::open(path)?;
        // WAL lets readers (a warehouse loader, a test) look while a run writes.
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        connection.busy_timeout(Duration::from_secs(30))?;
        connection.execute_batch(SCHEMA)?;
        Ok(SqliteInbox { connection: Arc::new(Mutex::new(connection)) })
    }

    fn connection(&self) -> MutexGuard<'_, Connection> {
        self.connection.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One step's documents and what follows, in one transaction; `run` moves on only if it
    /// committed.
    fn commit(connection: &mut Connection, run: &mut Run, documents: &[Document], next: Next) -> Result<(), InboxError> {
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let steps: Option<i64> = transaction
            .query_row("SELECT Steps FROM InventoryRun WHERE RunId = ?1 AND CompletedTime IS NULL", [&run.run_id], |row| {
                row.get(0)
            })
            .optional()?;
        if steps != Some(run.steps as i64) {
            return Err(InboxError::Conflict { job: run.job.clone(), run_id: run.run_id.clone() });
        }
        let created = now_rfc3339();
        {
            let mut insert = transaction.prepare_cached(
                "INSERT INTO AzureJsonInbox (DocumentId, Job, Kind, ObjectId, RunId, CreatedTime, Document)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for (offset, document) in documents.iter().enumerate() {
                insert.execute(params![
                    document_id(&run.run_id, run.documents + offset as u64),
                    run.job,
                    document.kind,
                    document.object_id,
                    run.run_id,
                    created,
                    document.json,
                ])?;
            }
        }
        let total = run.documents + documents.len() as u64;
        let (cursor, watermark, completed) = match &next {
            Next::More(cursor) => (Some(cursor.as_str()), None, None),
            Next::Done(watermark) => (None, Some(watermark.as_str()), Some(created.as_str())),
        };
        transaction.execute(
            "UPDATE InventoryRun SET Cursor = ?1, Watermark = ?2, CompletedTime = ?3, Steps = Steps + 1, Documents = ?4
             WHERE RunId = ?5",
            params![cursor, watermark, completed, total as i64, run.run_id],
        )?;
        transaction.commit()?;
        run.documents = total;
        run.steps += 1;
        run.cursor = cursor.map(str::to_string);
        Ok(())
    }

    fn read_open_run(connection: &Connection, job: &str) -> Result<Option<Run>, InboxError> {
        let open = connection
            .query_row(
                "SELECT RunId, Mode, Cursor, Steps, Documents FROM InventoryRun WHERE Job = ?1 AND CompletedTime IS NULL",
                [job],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, Option<String>>(2)?,
                        row.get::<_, i64>(3)?,
                        row.get::<_, i64>(4)?,
                    ))
                },
            )
            .optional()?;
        let Some((run_id, mode, cursor, steps, documents)) = open else { return Ok(None) };
        Ok(Some(Run {
            job: job.into(),
            run_id,
            mode: Mode::parse(&mode)?,
            cursor,
            watermark: Self::last_watermark(connection, job)?,
            documents: documents as u64,
            steps: steps as u64,
            resumed: true,
        }))
    }

    fn last_watermark(connection: &Connection, job: &str) -> Result<Option<String>, InboxError> {
        Ok(connection
            .query_row(
                "SELECT Watermark FROM InventoryRun WHERE Job = ?1 AND CompletedTime IS NOT NULL
                 ORDER BY CompletedTime DESC, RunId DESC LIMIT 1",
                [job],
                |row| row.get(0),
            )
            .optional()?)
    }
}

impl Inbox for SqliteInbox {
    async fn start_run(&mut self, job: &str, mode: Mode) -> Result<Run, InboxError> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let run = match Self::read_open_run(&transaction, job)? {
            Some(run) if run.mode != mode => {
                return Err(InboxError::RunInProgress { job: job.into(), run_id: run.run_id, mode: run.mode });
            }
            Some(run) => run,
            None => {
                let run_id = new_run_id();
                transaction.execute(
                    "INSERT INTO InventoryRun (RunId, Job, Mode, StartedTime) VALUES (?1, ?2, ?3, ?4)",
                    params![run_id, job, mode.as_str(), now_rfc3339()],
                )?;
                let watermark = Self::last_watermark(&transaction, job)?;
                Run { job: job.into(), run_id, mode, cursor: None, watermark, documents: 0, steps: 0, resumed: false }
            }
        };
        transaction.commit()?;
        Ok(run)
    }

    async fn open_run(&mut self, job: &str) -> Result<Option<Run>, InboxError> {
        Self::read_open_run(&self.connection(), job)
    }

    async fn commit_step(&mut self, run: &mut Run, documents: &[Document], next: Next) -> Result<(), InboxError> {
        let (connection, mut committed, documents) = (Arc::clone(&self.connection), run.clone(), documents.to_vec());
        let commit = tokio::task::spawn_blocking(move || {
            let mut connection = connection.lock().unwrap_or_else(PoisonError::into_inner);
            Self::commit(&mut connection, &mut committed, &documents, next).map(|()| committed)
        });
        // A commit that panicked is a bug: it goes on panicking here.
        *run = commit.await.unwrap_or_else(|stopped| std::panic::resume_unwind(stopped.into_panic()))?;
        Ok(())
    }

    async fn abandon_run(&mut self, job: &str) -> Result<Option<String>, InboxError> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;

        let open: Option<String> = transaction
            .query_row("SELECT RunId FROM InventoryRun WHERE Job = ?1 AND CompletedTime IS NULL", [job], |row| row.get(0))
            .optional()?;
        if let Some(run_id) = &open {
            transaction.execute("DELETE FROM AzureJsonInbox WHERE RunId = ?1", [run_id])?;
            transaction.execute("DELETE FROM InventoryRun WHERE RunId = ?1", [run_id])?;
        }
        transaction.commit()?;
        Ok(open)
    }

    async fn last_completed(&mut self, job: &str) -> Result<Option<CompletedRun>, InboxError> {
        let row = self
            .connection()
            .query_row(
                "SELECT RunId, Mode, Documents, Watermark, CompletedTime FROM InventoryRun
                 WHERE Job = ?1 AND CompletedTime IS NOT NULL ORDER BY CompletedTime DESC, RunId DESC LIMIT 1",
                [job],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, i64>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, String>(4)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(run_id, mode, documents, watermark, completed)| {
            Ok(CompletedRun { run_id, mode: Mode::parse(&mode)?, documents: documents as u64, watermark, completed })
        })
        .transpose()
    }

    async fn documents(&mut self, job: &str) -> Result<Vec<StoredDocument>, InboxError> {
        let connection = self.connection();
        let mut query = connection.prepare(
            "SELECT DocumentId, Job, Kind, ObjectId, RunId, CreatedTime, Document FROM AzureJsonInbox
             WHERE Job = ?1 ORDER BY DocumentId",
        )?;
        let rows = query.query_map([job], |row| {
            Ok(StoredDocument {
                document_id: row.get(0)?,
                job: row.get(1)?,
                document: Document { kind: row.get(2)?, object_id: row.get(3)?, json: row.get(6)? },
                run_id: row.get(4)?,
                created: row.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
