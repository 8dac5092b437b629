//! The PostgreSQL inbox: the same tables as SQLite, with documents as `jsonb`. A run's row is
//! locked (`FOR UPDATE`) while a step commits, so two drivers on one job serialise.

use crate::{
    CompletedRun, Document, Inbox, InboxError, Mode, Next, Run, StoredDocument, document_id, new_run_id, now_rfc3339,
};
use tokio_postgres::{Client, GenericClient, NoTls};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS AzureJsonInbox (
    DocumentId  TEXT PRIMARY KEY,
    Job         TEXT NOT NULL,
    Kind        TEXT NOT NULL,
    ObjectId    TEXT NOT NULL,
    RunId       TEXT NOT NULL,
    CreatedTime TIMESTAMPTZ NOT NULL,
    Document    JSONB NOT NULL
);
CREATE INDEX IF NOT EXISTS AzureJsonInboxByJob ON AzureJsonInbox (Job, DocumentId);
CREATE INDEX IF NOT EXISTS AzureJsonInboxByObject ON AzureJsonInbox (ObjectId);
CREATE TABLE IF NOT EXISTS InventoryRun (
    RunId         TEXT PRIMARY KEY,
    Job           TEXT NOT NULL,
    Mode          TEXT NOT NULL,
    StartedTime   TIMESTAMPTZ NOT NULL,
    CompletedTime TIMESTAMPTZ,
    Cursor        TEXT,
    Steps         BIGINT NOT NULL DEFAULT 0,
    Documents     BIGINT NOT NULL DEFAULT 0,
    Watermark     TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS OneOpenRunPerJob ON InventoryRun (Job) WHERE CompletedTime IS NULL;
";

/// Timestamps leave PostgreSQL in the form SQLite stores them: RFC 3339, UTC, milliseconds.
const TIME_TEXT: &str = r#"to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"#;

pub struct PostgresInbox {
    client: Client,
}

impl PostgresInbox {
    pub async fn connect(url: &str) -> Result<PostgresInbox, InboxError> {
        let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                eprintln!("inbox: the PostgreSQL connection ended: {error}");
            }
        });
        client.batch_execute(SCHEMA).await?;
        Ok(PostgresInbox { client })
    }
}

async fn read_open_run(client: &impl GenericClient, job: &str) -> Result<Option<Run>, InboxError> {
    let Some(row) = client
        .query_opt(
            "SELECT RunId, Mode, Cursor, Steps, Documents FROM InventoryRun WHERE Job = $1 AND CompletedTime IS NULL",
            &[&job],
        )
        .await?
    else {
        return Ok(None);
    };
    let (steps, documents): (i64, i64) = (row.get(3), row.get(4));
    Ok(Some(Run {
        job: job.into(),
        run_id: row.get(0),
        mode: Mode::parse(row.get(1))?,
        cursor: row.get(2),
        watermark: last_watermark(client, job).await?,
        documents: documents as u64,
        steps: steps as u64,
        resumed: true,
    }))
}

async fn last_watermark(client: &impl GenericClient, job: &str) -> Result<Option<String>, InboxError> {
    Ok(client
        .query_opt(
            "SELECT Watermark FROM InventoryRun WHERE Job = $1 AND CompletedTime IS NOT NULL
             ORDER BY CompletedTime DESC, RunId DESC LIMIT 1",
            &[&job],
        )
        .await?
        .map(|row| row.get(0)))
}

fn time_text(column: &str) -> String {
    TIME_TEXT.replace("%s", column)
}

impl Inbox for PostgresInbox {
    async fn start_run(&mut self, job: &str, mode: Mode) -> Result<Run, InboxError> {
        let transaction = self.client.transaction().await?;
        // Serialises concurrent starts of one job: the partial unique index would otherwise
        // turn the loser's insert into an error.
        transaction.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&job]).await?;
        let run = match read_open_run(&transaction, job).await? {
            Some(run) if run.mode != mode => {
                return Err(InboxError::RunInProgress { job: job.into(), run_id: run.run_id, mode: run.mode });
            }
            Some(run) => run,
            None => {
                let run_id = new_run_id();
                transaction
                    .execute(
                        "INSERT INTO InventoryRun (RunId, Job, Mode, StartedTime) VALUES ($1, $2, $3, $4::text::timestamptz)",
                        &[&run_id, &job, &mode.as_str(), &now_rfc3339()],
                    )
                    .await?;
                let watermark = last_watermark(&transaction, job).await?;
                Run { job: job.into(), run_id, mode, cursor: None, watermark, documents: 0, steps: 0, resumed: false }
            }
        };
        transaction.commit().await?;
        Ok(run)
    }

    async fn open_run(&mut self, job: &str) -> Result<Option<Run>, InboxError> {
        read_open_run(&self.client, job).await
    }

    async fn commit_step(&mut self, run: &mut Run, documents: &[Document], next: Next) -> Result<(), InboxError> {
        let transaction = self.client.transaction().await?;
        let current = transaction
            .query_opt(
                "SELECT Steps FROM InventoryRun WHERE RunId = $1 AND CompletedTime IS NULL FOR UPDATE",
                &[&run.run_id],
            )
            .await?;
        if current.map(|row| row.get::<_, i64>(0)) != Some(run.steps as i64) {
            return Err(InboxError::Conflict { job: run.job.clone(), run_id: run.run_id.clone() });
        }
        let created = now_rfc3339();
        // One statement per step, whatever its size: the columns travel as arrays.
        let ids: Vec<String> =
            (0..documents.len()).map(|offset| document_id(&run.run_id, run.documents + offset as u64)).collect();
        let kinds: Vec<&str> = documents.iter().map(|d| d.kind.as_str()).collect();
        let objects: Vec<&str> = documents.iter().map(|d| d.object_id.as_str()).collect();
        let bodies: Vec<&str> = documents.iter().map(|d| d.json.as_str()).collect();
        transaction
            .execute(
                "INSERT INTO AzureJsonInbox (DocumentId, Job, Kind, ObjectId, RunId, CreatedTime, Document)
                 SELECT id, $5, kind, object, $6, $7::text::timestamptz, body::jsonb
                 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS step(id, kind, object, body)",
                &[&ids, &kinds, &objects, &bodies, &run.job, &run.run_id, &created],
            )
            .await?;
        let total = run.documents + documents.len() as u64;
        let (cursor, watermark, completed) = match &next {
            Next::More(cursor) => (Some(cursor.as_str()), None, None),
            Next::Done(watermark) => (None, Some(watermark.as_str()), Some(created.as_str())),
        };
        transaction
            .execute(
                "UPDATE InventoryRun SET Cursor = $1, Watermark = $2, CompletedTime = $3::text::timestamptz,
                 Steps = Steps + 1, Documents = $4 WHERE RunId = $5",
                &[&cursor, &watermark, &completed, &(total as i64), &run.run_id],
            )
            .await?;
        transaction.commit().await?;
        run.documents = total;
        run.steps += 1;
        run.cursor = cursor.map(str::to_string);
        Ok(())
    }

    async fn abandon_run(&mut self, job: &str) -> Result<Option<String>, InboxError> {
        let transaction = self.client.transaction().await?;
        let open: Option<String> = transaction
            .query_opt("SELECT RunId FROM InventoryRun WHERE Job = $1 AND CompletedTime IS NULL FOR UPDATE", &[&job])
            .await?
            .map(|row| row.get(0));
        if let Some(run_id) = &open {
            transaction.execute("DELETE FROM AzureJsonInbox WHERE RunId = $1", &[run_id]).await?;
            transaction.execute("DELETE FROM InventoryRun WHERE RunId = $1", &[run_id]).await?;
        }
        transaction.commit().await?;
        Ok(open)
    }

    async fn last_completed(&mut self, job: &str) -> Result<Option<CompletedRun>, InboxError> {
        let query = format!(
            "SELECT RunId, Mode, Documents, Watermark, {} FROM InventoryRun
             WHERE Job = $1 AND CompletedTime IS NOT NULL ORDER BY CompletedTime DESC, RunId DESC LIMIT 1",
            time_text("CompletedTime")
        );
        let row = self.client.query_opt(&query, &[&job]).await?;
        row.map(|row| {
            Ok(CompletedRun {
                run_id: row.get(0),
                mode: Mode::parse(row.get(1))?,
                documents: row.get::<_, i64>(2) as u64,
                watermark: row.get(3),
                completed: row.get(4),
            })
        })
        .transpose()
    }

    async fn documents(&mut self, job: &str) -> Result<Vec<StoredDocument>, InboxError> {
        let query = format!(
            "SELECT DocumentId, Job, Kind, ObjectId, RunId, {}, Document::text FROM AzureJsonInbox
             WHERE Job = $1 ORDER BY DocumentId",
            time_text("CreatedTime")
        );
        let rows = self.client.query(&query, &[&job]).await?;
        Ok(rows
            .into_iter()
            .map(|row| StoredDocument {
                document_id: row.get(0),
                job: row.get(1),
                document: Document { kind: row.get(2), object_id: row.get(3), json: row.get(6) },
                run_id: row.get(4),
                created: row.get(5),
            })
            .collect())
    }
}
