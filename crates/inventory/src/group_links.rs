//! GroupMembershipFullInventory and GroupOwnershipFullInventory: every group with its direct
//! members (or owners). A step reads one page of groups and the links of each, and stops once it
//! has read [`LINKS_PER_STEP`] links, at a group boundary or, for a group larger than that, in the
//! middle of it: such a group is delivered as several consecutive documents of the seed's shape
//! with the same `groupId`, whose links together are the group's. However large the tenant or
//! its groups, a step holds at most [`LINKS_PER_STEP`] plus one Graph page of links.

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
    /// Groups of that page already delivered whole.
    done_in_page: usize,
    /// The skip token of the next page of links of the group being read, when a step stopped
    /// in the middle of a group.
    #[serde(default)]
    links_page: Option<String>,
}

pub async fn group_links_step<T: Transport>(
    graph: &GraphClient<'_, T>,
    links: GroupLinks,
    cursor: Option<&str>,
) -> Result<Step, JobError> {
    let mut checkpoint = match cursor {
        Some(cursor) => cursor::decode(links.job(), cursor)?,
        None => Checkpoint { started: crate::now_rfc3339(), page: None, done_in_page: 0, links_page: None },
    };
    let query = GroupQuery { top: Some(GROUPS_PER_PAGE), skip_token: checkpoint.page.clone(), ..Default::default() };
    let page = graph.list_groups(&query).await?;
    let mut documents = Vec::new();
    let mut links_read = 0;
    for group in page.value.iter().skip(checkpoint.done_in_page) {
        let Some(group_id) = group.id.clone() else {
            return Err(JobError::Failed("Graph listed a group without an id".into()));
        };
        let mut linked = Vec::new();
        let finished = loop {
            let token = checkpoint.links_page.take();
            let links_page = links.page(graph, &group_id, token.as_deref()).await?;
            links_read += links_page.value.len();
            linked.extend(links_page.value.iter().map(LinkedObject::of));
            match (links_page.next_link, links_page.skip_token) {
                (None, _) => break true,
                // A token Graph repeats would loop for ever.
                (Some(_), Some(next)) if token.as_deref() != Some(next.as_str()) => {
                    checkpoint.links_page = Some(next);
                    if links_read >= LINKS_PER_STEP {
                        break false;
                    }
                }
                (Some(link), _) => {
                    return Err(JobError::Failed(format!("Graph gave a next link the job cannot follow: {link}")));
                }
            }
        };
        documents.push(links.document(group_id, linked));
        if !finished {
            return Ok(Step { documents, next: Next::More(cursor::encode(links.job(), checkpoint)) });
        }
        checkpoint.done_in_page += 1;
        if links_read >= LINKS_PER_STEP && checkpoint.done_in_page < page.value.len() {
            return Ok(Step { documents, next: Next::More(cursor::encode(links.job(), checkpoint)) });
        }
    }
    let next = match page.skip_token {
        Some(token) => Next::More(cursor::encode(
            links.job(),
            Checkpoint { page: Some(token), done_in_page: 0, links_page: None, ..checkpoint },
        )),
        None => Next::Done(checkpoint.started),
    };
    Ok(Step { documents, next })
}

impl GroupLinks {
    /// One page of a group's members (or owners).
    async fn page<T: Transport>(
        self,
        graph: &GraphClient<'_, T>,
        group_id: &str,
        token: Option<&str>,
    ) -> Result<Page<DirectoryObject>, JobError> {
        Ok(match self {
            GroupLinks::Members => graph.list_members(group_id, MAX_MEMBER_PAGE, token).await?,
            GroupLinks::Owners => graph.list_owners(group_id, MAX_MEMBER_PAGE, token).await?,
        })
    }

    /// The seed's document for (part of) a group's links.
    fn document(self, group_id: String, linked: Vec<LinkedObject>) -> Document {
        let document = LinkDocument {
            group_id: group_id.clone(),
            links: match self {
                GroupLinks::Members => Links::Members(linked),
                GroupLinks::Owners => Links::Owners(linked),
            },
        };
        Document {
            kind: self.document_kind(),
            object_id: group_id,
            json: serde_json::to_value(&document).expect("documents are plain data"),
        }
    }
}
