//! The inventory inbox: where inventory jobs deliver their documents (table `AzureJsonInbox`) and
//! where the driver keeps each job's progress (table `InventoryRun`). Two backends, one contract
//! ([`Inbox`]): SQLite, a file with zero set-up, and PostgreSQL, for warehouses beyond one machine.
//!
//! A run moves forward one step at a time. [`Inbox::commit_step`] writes a step's documents and the
//! run's next cursor in one transaction, so a driver killed anywhere resumes from the last
//! committed step with nothing lost and nothing written twice. The watermark that incremental runs
//! start from changes only when a run completes.

mod postgres;
pub mod scratch;
mod sqlite;

pub use postgres::PostgresInbox;
pub use sqlite::SqliteInbox;

use std::fmt;
use std::time::SystemTime;

/// Whether a run reads the whole tenant or only what changed since the last completed run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Full,
    Incremental,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Full => "full",
            Mode::Incremental => "incremental",
        }
    }

    fn parse(text: &str) -> Result<Mode, InboxError> {
        match text {
            "full" => Ok(Mode::Full),
            "incremental" => Ok(Mode::Incremental),
            other => Err(InboxError::Corrupt(format!("unknown run mode `{other}`"))),
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One JSON document a job step produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// What it describes, e.g. `user`, `group`, `membership`, `user-deleted`.
    pub kind: String,
    /// The Graph object id it is about (for memberships, the group's).
    pub object_id: String,
    /// The document itself: JSON text.
    pub json: String,
}

/// An unfinished run of one job: the driver steps it until the job says it is done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    pub job: String,
    pub run_id: String,
    pub mode: Mode,
    /// Where the next step starts; `None` before the first step.
    pub cursor: Option<String>,
    /// The watermark of the last completed run of the job (where an incremental run starts).
    pub watermark: Option<String>,
    /// Documents committed so far; also numbers the next document.
    pub documents: u64,
    /// Steps committed so far: how the inbox notices a second driver on the same run.
    pub steps: u64,
    /// Whether this run was found unfinished and is being resumed.
    pub resumed: bool,
}

/// What follows a step: more steps from a cursor, or the end of the run with its watermark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    More(String),
    Done(String),
}

/// A completed run, as the job state records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletedRun {
    pub run_id: String,
    pub mode: Mode,
    pub documents: u64,
    pub watermark: String,
    /// The run's LastTimeStamp: when it completed (RFC 3339, UTC).
    pub completed: String,
}

/// A document as stored, with the columns the inbox adds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredDocument {
    pub document_id: String,
    pub job: String,
    pub run_id: String,
    pub created: String,
    pub document: Document,
}

#[derive(Debug)]
pub enum InboxError {
    /// The inbox location is not one we know (`sqlite:`, a path, or `postgres://`).
    Location(String),
    Sqlite(rusqlite::Error),
    Postgres(tokio_postgres::Error),
    /// The job has an unfinished run of another mode.
    RunInProgress { job: String, run_id: String, mode: Mode },
    /// Another driver moved the run on since this one read it; this driver must stop.
    Conflict { job: String, run_id: String },
    /// The stored state is not something this code wrote.
    Corrupt(String),
}

impl fmt::Display for InboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InboxError::Location(detail) => write!(f, "{detail}"),
            InboxError::Sqlite(error) => write!(f, "SQLite inbox: {error}"),
            InboxError::Postgres(error) => write!(f, "PostgreSQL inbox: {error}"),
            InboxError::RunInProgress { job, run_id, mode } => write!(
                f,
                "job `{job}` has an unfinished {mode} run ({run_id}): resume it with --mode {mode}, or abandon it"
            ),
            InboxError::Conflict { job, run_id } => write!(
                f,
                "run {run_id} of job `{job}` was advanced by another driver; this one stops without writing"
            ),
            InboxError::Corrupt(detail) => write!(f, "the inbox's job state is damaged: {detail}"),
        }
    }
}

impl std::error::Error for InboxError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            InboxError::Sqlite(error) => Some(error),
            InboxError::Postgres(error) => Some(error),
            _ => None,
        }
    }
}

impl From<rusqlite::Error> for InboxError {
    fn from(error: rusqlite::Error) -> Self {
        InboxError::Sqlite(error)
    }
}

impl From<tokio_postgres::Error> for InboxError {
    fn from(error: tokio_postgres::Error) -> Self {
        InboxError::Postgres(error)
    }
}

/// The contract both backends keep. Every method is one transaction.
#[allow(async_fn_in_trait)] // used generically by the driver, never as a trait object
pub trait Inbox {
    /// The job's unfinished run, to resume, or else a new one (fresh id, no cursor) carrying the
    /// watermark of the job's last completed run. An unfinished run of the other mode is an error:
    /// the caller decides whether to abandon it.
    async fn start_run(&mut self, job: &str, mode: Mode) -> Result<Run, InboxError>;

    /// Writes a step's documents and what follows it, atomically. `Next::Done` completes the run
    /// and makes its watermark the job's. Fails with [`InboxError::Conflict`] if the run moved on
    /// since `run` was read (another driver); then nothing is written.
    async fn commit_step(&mut self, run: &mut Run, documents: &[Document], next: Next) -> Result<(), InboxError>;

    /// The job's unfinished run, if any, without starting one (for status and monitoring).
    async fn open_run(&mut self, job: &str) -> Result<Option<Run>, InboxError>;

    /// Drops the job's unfinished run and the documents it wrote.
    async fn abandon_run(&mut self, job: &str) -> Result<Option<String>, InboxError>;

    /// The job's last completed run, if any.
    async fn last_completed(&mut self, job: &str) -> Result<Option<CompletedRun>, InboxError>;

    /// Every stored document of a job in write order (for tests, exports and checks).
    async fn documents(&mut self, job: &str) -> Result<Vec<StoredDocument>, InboxError>;
}

/// Either backend, chosen by the location's form.
pub enum AnyInbox {
    Sqlite(SqliteInbox),
    Postgres(PostgresInbox),
}

impl AnyInbox {
    /// Opens (and creates the tables of) `sqlite:<path>`, a bare path, or `postgres://...` /
    /// `postgresql://...`.
    pub async fn open(location: &str) -> Result<AnyInbox, InboxError> {
        if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            return Ok(AnyInbox::Postgres(PostgresInbox::connect(location).await?));
        }
        let path = location.strip_prefix("sqlite:").unwrap_or(location);
        if path.is_empty() || path.contains("://") {
            return Err(InboxError::Location(format!(
                "`{location}` is not an inbox: give sqlite:<file> or postgres://user@host/database"
            )));
        }
        Ok(AnyInbox::Sqlite(SqliteInbox::open(path)?))
    }
}

impl Inbox for AnyInbox {
    async fn start_run(&mut self, job: &str, mode: Mode) -> Result<Run, InboxError> {
        match self {
            AnyInbox::Sqlite(inbox) => inbox.start_run(job, mode).await,
            AnyInbox::Postgres(inbox) => inbox.start_run(job, mode).await,
        }
    }

    async fn commit_step(&mut self, run: &mut Run, documents: &[Document], next: Next) -> Result<(), InboxError> {
        match self {
            AnyInbox::Sqlite(inbox) => inbox.commit_step(run, documents, next).await,
            AnyInbox::Postgres(inbox) => inbox.commit_step(run, documents, next).await,
        }
    }

    async fn open_run(&mut self, job: &str) -> Result<Option<Run>, InboxError> {
        match self {
            AnyInbox::Sqlite(inbox) => inbox.open_run(job).await,
            AnyInbox::Postgres(inbox) => inbox.open_run(job).await,
        }
    }

    async fn abandon_run(&mut self, job: &str) -> Result<Option<String>, InboxError> {
        match self {
            AnyInbox::Sqlite(inbox) => inbox.abandon_run(job).await,
            AnyInbox::Postgres(inbox) => inbox.abandon_run(job).await,
        }
    }

    async fn last_completed(&mut self, job: &str) -> Result<Option<CompletedRun>, InboxError> {
        match self {
            AnyInbox::Sqlite(inbox) => inbox.last_completed(job).await,
            AnyInbox::Postgres(inbox) => inbox.last_completed(job).await,
        }
    }

    async fn documents(&mut self, job: &str) -> Result<Vec<StoredDocument>, InboxError> {
        match self {
            AnyInbox::Sqlite(inbox) => inbox.documents(job).await,
            AnyInbox::Postgres(inbox) => inbox.documents(job).await,
        }
    }
}

/// A run id unique across drivers and restarts: the start time and a random part.
fn new_run_id() -> String {
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let random = std::collections::hash_map::RandomState::new();
    let salt = std::hash::BuildHasher::hash_one(&random, now.as_nanos());
    format!("{}-{:08x}", now.as_millis(), salt as u32)
}

/// The id of the `index`-th document of a run: stable across a resume, so a step replayed after
/// a crash could never add a second copy under another id.
fn document_id(run_id: &str, index: u64) -> String {
    format!("{run_id}-{index:09}")
}

fn now_rfc3339() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}
