//! GroupMembershipFullInventory and GroupOwnershipFullInventory: every group with its direct
//! members (or owners), one document per group. A step reads one page of groups and the links of
//! each, stopping early (mid-page) once it has read [`LINKS_PER_STEP`] links, so a step's cost
//! stays bounded however the tenant's groups are sized. Only a single group larger than that
//! budget makes a step longer: its document is never split.

use crate::cursor;
use crate::document::{LinkDocument, LinkedObject, Links};
use crate::{Document, JobError, Next, Step};
use graph::{DirectoryObject, GraphClient, GroupQuery, MAX_MEMBER_PAGE, Page, Transport};
use serde::{Deserialize, Serialize};

/// Groups read per Graph page.
pub const GROUPS_PER_PAGE: u32 = 100;
/// Links (members or owners) a step reads before it stops at the next group boundary.
pub const LINKS_PER_STEP: usize = 5_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupLinks {
    Members,
    Owners,
}

impl GroupLinks {
    fn job(self) -> &'static str {
        match self {
            GroupLinks::Members => "group-membership-full-inventory",
            GroupLinks::Owners => "group-ownership-full-inventory",
        }
    }

    fn document_kind(self) -> &'static str {
        match self {
            GroupLinks::Members => "membership",
            GroupLinks::Owners => "ownership",
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Checkpoint {
    /// When the run started: the watermark it completes with.
    started: String,
    /// The skip token of the page of groups being read; none for the first page.
    page: Option<String>,
    /// Groups of that page already delivered.
    done_in_page: usize,
}

pub async fn group_links_step<T: Transport>(
    graph: &GraphClient<'_, T>,
    links: GroupLinks,
    cursor: Option<&str>,
) -> Result<Step, JobError> {
    let mut checkpoint = match cursor {
        Some(cursor) => cursor::decode(links.job(), cursor)?,
        None => Checkpoint { started: crate::now_rfc3339(), page: None, done_in_page: 0 },
    };
    let query = GroupQuery { top: Some(GROUPS_PER_PAGE), skip_token: checkpoint.page.clone(), ..Default::default() };
    let page = graph.list_groups(&query).await?;
    let mut documents = Vec::new();
    let mut links_read = 0;
    for group in page.value.iter().skip(checkpoint.done_in_page) {
        let Some(group_id) = group.id.clone() else {
            return Err(JobError::Failed("Graph listed a group without an id".into()));
        };
        let objects = all_links(graph, links, &group_id).await?;
        links_read += objects.len();
        let linked = objects.iter().map(LinkedObject::of).collect();
        let document = LinkDocument {
            group_id: group_id.clone(),
            links: match links {
                GroupLinks::Members => Links::Members(linked),
                GroupLinks::Owners => Links::Owners(linked),
            },
        };
        documents.push(Document {
            kind: links.document_kind(),
            object_id: group_id,
            json: serde_json::to_value(&document).expect("documents are plain data"),
        });
        checkpoint.done_in_page += 1;
        if links_read >= LINKS_PER_STEP && checkpoint.done_in_page < page.value.len() {
            return Ok(Step { documents, next: Next::More(cursor::encode(links.job(), checkpoint)) });
        }
    }
    let next = match page.skip_token {
        Some(token) => {
            Next::More(cursor::encode(links.job(), Checkpoint { page: Some(token), done_in_page: 0, ..checkpoint }))
        }
        None => Next::Done(checkpoint.started),
    };
    Ok(Step { documents, next })
}

/// Every member (or owner) of one group, page by page.
async fn all_links<T: Transport>(
    graph: &GraphClient<'_, T>,
    links: GroupLinks,
    group_id: &str,
) -> Result<Vec<DirectoryObject>, JobError> {
    let mut objects = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page: Page<DirectoryObject> = match links {
            GroupLinks::Members => graph.list_members(group_id, MAX_MEMBER_PAGE, token.as_deref()).await?,
            GroupLinks::Owners => graph.list_owners(group_id, MAX_MEMBER_PAGE, token.as_deref()).await?,
        };
        objects.extend(page.value);
        match (page.next_link, page.skip_token) {
            (None, _) => return Ok(objects),
            // A token Graph repeats would loop for ever.
            (Some(_), Some(next)) if token.as_deref() != Some(next.as_str()) => token = Some(next),
            (Some(link), _) => {
                return Err(JobError::Failed(format!("Graph gave a next link the job cannot follow: {link}")));
            }
        }
    }
}
