//! Inventory jobs as stateless steps. A step reads one bounded chunk of the tenant through
//! [`graph::GraphClient`] and returns warehouse documents plus what follows: a cursor for the next
//! step, or the watermark the next incremental run starts from. Nothing is kept between steps, so
//! the same code runs in a component (one step per call) and under any driver that stores cursors.
//!
//! The document shapes are the seeds': memberships and ownerships as
//! `{"groupId": "...", "members": [{"id": "...", "type": "user|group|serviceaccount"}]}`.

mod audit_changes;
mod cursor;
mod directory;
mod document;
mod error;
mod group_links;

pub use directory::{
    ChangeTracking, GroupDocuments, UserDocuments, groups_full_step, groups_incremental_step, users_full_step,
    users_incremental_step,
};
pub use document::{Document, LinkDocument, LinkedObject, Links, member_type};
pub use error::JobError;
pub use group_links::{GroupLinks, LINKS_PER_STEP, group_links_step};

/// What follows a step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// More to read: the cursor for the next step.
    More(String),
    /// The run is complete: the watermark for the next incremental run.
    Done(String),
}

/// One step's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub documents: Vec<Document>,
    pub next: Next,
}

/// The current time as an RFC 3339 UTC instant, the form watermarks and checkpoints record.
fn now_rfc3339() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

/// What a driver hands a step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepRequest {
    /// Where the previous step of the run stopped; `None` to start a run.
    pub cursor: Option<String>,
    /// The watermark of the job's last completed run (incremental jobs start from it).
    pub watermark: Option<String>,
}
