//! The inbox contract, run against both backends: SQLite in a temporary file and PostgreSQL in a
//! scratch server of our own. Each check gets a way to reopen the same inbox, which is what a
//! driver restarted after a crash does.

use inbox::scratch::ScratchPostgres;
use inbox::{AnyInbox, Document, Inbox, InboxError, Mode, Next};
use serde_json::{Value, json};
use std::sync::OnceLock;

/// Reopens one inbox: a new connection to the same file or database.
struct Location(String);

impl Location {
    async fn open(&self) -> AnyInbox {
        AnyInbox::open(&self.0).await.expect("the inbox opens")
    }
}

fn sqlite(directory: &tempfile::TempDir) -> Location {
    Location(format!("sqlite:{}", directory.path().join("inbox.db").display()))
}

/// One scratch server per test binary; each check gets a database of its own.
async fn postgres(database: &str) -> Location {
    static SERVER: OnceLock<ScratchPostgres> = OnceLock::new();
    let server = SERVER.get_or_init(|| ScratchPostgres::start().expect("a scratch PostgreSQL server"));
    Location(server.fresh_database(database).await.unwrap())
}

/// Runs a check once on SQLite and once on PostgreSQL.
macro_rules! on_both_backends {
    ($($check:ident),* $(,)?) => {
        mod sqlite_backend {
            $(
                #[tokio::test]
                async fn $check() {
                    let directory = tempfile::tempdir().unwrap();
                    super::$check(super::sqlite(&directory)).await;
                }
            )*
        }
        mod postgres_backend {
            $(
                #[tokio::test]
                async fn $check() {
                    super::$check(super::postgres(stringify!($check)).await).await;
                }
            )*
        }
    };
}

on_both_backends!(
    a_run_commits_documents_and_cursor_then_completes_with_its_watermark,
    a_restarted_driver_resumes_the_unfinished_run_where_it_stopped,
    a_second_driver_on_the_same_run_is_refused_without_writing,
    an_unfinished_run_of_the_other_mode_is_named_and_can_be_abandoned,
    an_invalid_document_rolls_back_the_whole_step,
);

fn users(range: std::ops::Range<u32>) -> Vec<Document> {
    range
        .map(|i| Document {
            kind: "user".into(),
            object_id: format!("u{i}"),
            json: json!({ "DisplayName": format!("User {i}"), "Active": true }).to_string(),
        })
        .collect()
}

fn parsed(json: &str) -> Value {
    serde_json::from_str(json).unwrap()
}

async fn a_run_commits_documents_and_cursor_then_completes_with_its_watermark(location: Location) {
    let mut inbox = location.open().await;
    let mut run = inbox.start_run("users-full", Mode::Full).await.unwrap();
    assert_eq!((run.cursor.as_deref(), run.watermark.as_deref(), run.documents, run.resumed), (None, None, 0, false));

    inbox.commit_step(&mut run, &users(0..3), Next::More("page-2".into())).await.unwrap();
    inbox.commit_step(&mut run, &users(3..5), Next::Done("delta-1".into())).await.unwrap();
    assert_eq!(run.documents, 5);

    let stored = inbox.documents("users-full").await.unwrap();
    let objects: Vec<&str> = stored.iter().map(|d| d.document.object_id.as_str()).collect();
    assert_eq!(objects, ["u0", "u1", "u2", "u3", "u4"], "documents in write order");
    assert!(stored.iter().all(|d| d.run_id == run.run_id && d.job == "users-full" && d.document.kind == "user"));
    assert_eq!(parsed(&stored[4].document.json), json!({ "DisplayName": "User 4", "Active": true }));
    let ids: std::collections::BTreeSet<&str> = stored.iter().map(|d| d.document_id.as_str()).collect();
    assert_eq!(ids.len(), 5, "document ids are unique");

    let completed = inbox.last_completed("users-full").await.unwrap().expect("a completed run");
    assert_eq!((completed.run_id.as_str(), completed.documents, completed.watermark.as_str()), (run.run_id.as_str(), 5, "delta-1"));
    assert!(completed.completed.ends_with('Z') && completed.completed.contains('T'), "{}", completed.completed);

    // The next run is new and starts from the completed run's watermark.
    let next = inbox.start_run("users-full", Mode::Incremental).await.unwrap();
    assert_ne!(next.run_id, run.run_id);
    assert_eq!((next.watermark.as_deref(), next.cursor.as_deref(), next.resumed), (Some("delta-1"), None, false));
    assert!(inbox.last_completed("groups-full").await.unwrap().is_none(), "jobs are kept apart");
}

async fn a_restarted_driver_resumes_the_unfinished_run_where_it_stopped(location: Location) {
    let first_run_id = {
        let mut inbox = location.open().await;
        assert_eq!(inbox.open_run("groups-full").await.unwrap(), None);
        let mut run = inbox.start_run("groups-full", Mode::Full).await.unwrap();
        inbox.commit_step(&mut run, &users(0..2), Next::More("after-2".into())).await.unwrap();
        let seen = inbox.open_run("groups-full").await.unwrap().expect("the run is open");
        assert_eq!((seen.steps, seen.documents, seen.cursor.as_deref()), (1, 2, Some("after-2")));
        run.run_id
    }; // the driver "crashes": its connection is gone, the run is unfinished

    let mut inbox = location.open().await;
    let mut run = inbox.start_run("groups-full", Mode::Full).await.unwrap();
    assert_eq!((run.run_id.as_str(), run.cursor.as_deref(), run.documents, run.resumed), (first_run_id.as_str(), Some("after-2"), 2, true));
    inbox.commit_step(&mut run, &users(2..4), Next::Done("w".into())).await.unwrap();

    let stored = inbox.documents("groups-full").await.unwrap();
    let objects: Vec<&str> = stored.iter().map(|d| d.document.object_id.as_str()).collect();
    assert_eq!(objects, ["u0", "u1", "u2", "u3"], "nothing lost or repeated across the restart");
    assert!(inbox.last_completed("groups-full").await.unwrap().is_some());
}

async fn a_second_driver_on_the_same_run_is_refused_without_writing(location: Location) {
    let mut first = location.open().await;
    let mut second = location.open().await;
    let mut run = first.start_run("memberships", Mode::Full).await.unwrap();
    let mut stale = second.start_run("memberships", Mode::Full).await.unwrap();
    assert_eq!(stale.run_id, run.run_id, "both see the one open run");

    first.commit_step(&mut run, &users(0..2), Next::More("c1".into())).await.unwrap();
    let refused = second.commit_step(&mut stale, &users(10..12), Next::More("other".into())).await;
    assert!(matches!(refused, Err(InboxError::Conflict { .. })), "{refused:?}");

    let stored = first.documents("memberships").await.unwrap();
    assert_eq!(stored.len(), 2, "the refused step wrote nothing");
    let resumed = first.start_run("memberships", Mode::Full).await.unwrap();
    assert_eq!(resumed.cursor.as_deref(), Some("c1"));
}

async fn an_unfinished_run_of_the_other_mode_is_named_and_can_be_abandoned(location: Location) {
    let mut inbox = location.open().await;
    let mut run = inbox.start_run("users", Mode::Incremental).await.unwrap();
    inbox.commit_step(&mut run, &users(0..1), Next::More("c".into())).await.unwrap();

    let error = inbox.start_run("users", Mode::Full).await.unwrap_err();
    assert!(matches!(error, InboxError::RunInProgress { mode: Mode::Incremental, .. }), "{error:?}");
    assert!(error.to_string().contains(&run.run_id), "{error}");

    assert_eq!(inbox.abandon_run("users").await.unwrap(), Some(run.run_id.clone()));
    assert!(inbox.documents("users").await.unwrap().is_empty(), "an abandoned run leaves no documents");
    let fresh = inbox.start_run("users", Mode::Full).await.unwrap();
    assert_ne!(fresh.run_id, run.run_id);
    assert_eq!(inbox.abandon_run("nothing-open").await.unwrap(), None);
}

async fn an_invalid_document_rolls_back_the_whole_step(location: Location) {
    let mut inbox = location.open().await;
    let mut run = inbox.start_run("users", Mode::Full).await.unwrap();
    let mut step = users(0..3);
    step[2].json = "{not json".into();
    assert!(inbox.commit_step(&mut run, &step, Next::More("c".into())).await.is_err());
    assert_eq!((run.documents, run.steps, run.cursor.as_deref()), (0, 0, None), "the run is unchanged");
    assert!(inbox.documents("users").await.unwrap().is_empty(), "no half-written step");

    // The same run carries on from where it was.
    inbox.commit_step(&mut run, &users(0..3), Next::Done("w".into())).await.unwrap();
    assert_eq!(inbox.documents("users").await.unwrap().len(), 3);
}
