//! GroupMembershipFullInventory and GroupOwnershipFullInventory: every group with its direct
//! members (or owners). A step reads one page of groups and the links of each: the first page of
//! links of 20 groups at a time in one `$batch` request, further pages group by group. It stops
//! once it has read [`LINKS_PER_STEP`] links, at a group boundary or, for a group larger than
//! that, in the middle of it: such a group is delivered as several consecutive documents of the
//! seed's shape with the same `groupId`, whose links together are the group's. However large the
//! tenant or its groups, a step holds at most [`LINKS_PER_STEP`] plus one batch of first pages
//! (20 Graph pages) of links.

use crate::cursor;
use crate::document::{LinkDocument, LinkedObject, Links};
use crate::{Document, JobError, Next, Step};
use graph::{DirectoryObject, GraphClient, GroupQuery, MAX_BATCH, MAX_MEMBER_PAGE, Page, Transport};
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
    let group_ids = page
        .value
        .iter()
        .skip(checkpoint.done_in_page)
        .map(|group| group.id.clone().ok_or_else(|| JobError::Failed("Graph listed a group without an id".into())))
        .collect::<Result<Vec<String>, JobError>>()?;
    let mut reading = Reading { links, documents: Vec::new(), links_read: 0 };
    let mut waiting = group_ids.as_slice();
    // A group the last step stopped in the middle of goes on from the page it saved.
    if let Some(token) = checkpoint.links_page.take()
        && let Some((group_id, rest)) = waiting.split_first()
    {
        let first = links.page(graph, group_id, Some(&token)).await?;
        checkpoint.links_page = reading.group(graph, group_id, first, Some(token)).await?;
        if checkpoint.links_page.is_some() {
            return Ok(reading.step(links.job(), checkpoint));
        }
        checkpoint.done_in_page += 1;
        waiting = rest;
    }
    for batch in waiting.chunks(MAX_BATCH) {
        if reading.links_read >= LINKS_PER_STEP {
            return Ok(reading.step(links.job(), checkpoint));
        }
        for (group_id, first) in batch.iter().zip(links.first_pages(graph, batch).await) {
            let first = first?;
            // Past its share, a step still delivers the groups whose first page was all of
            // them; one with more pages waits for the next step, which reads it again.
            if reading.links_read >= LINKS_PER_STEP && first.next_link.is_some() {
                return Ok(reading.step(links.job(), checkpoint));
            }
            checkpoint.links_page = reading.group(graph, group_id, first, None).await?;
            if checkpoint.links_page.is_some() {
                return Ok(reading.step(links.job(), checkpoint));
            }
            checkpoint.done_in_page += 1;
        }
    }
    let next = match page.skip_token {
        Some(token) => Next::More(cursor::encode(
            links.job(),
            Checkpoint { page: Some(token), done_in_page: 0, links_page: None, ..checkpoint },
        )),
        None => Next::Done(checkpoint.started),
    };
    Ok(Step { documents: reading.documents, next })
}

/// What a step has read so far.
struct Reading {
    links: GroupLinks,
    documents: Vec<Document>,
    links_read: usize,
}

impl Reading {
    /// Reads one group's links from `page` (read with `token`) on, into a document, following
    /// its further pages until the group ends (`None`) or the step has read its share: then the
    /// skip token of the page to go on from.
    async fn group<T: Transport>(
        &mut self,
        graph: &GraphClient<'_, T>,
        group_id: &str,
        mut page: Page<DirectoryObject>,
        mut token: Option<String>,
    ) -> Result<Option<String>, JobError> {
        let mut linked = Vec::new();
        let resume = loop {
            self.links_read += page.value.len();
            linked.extend(page.value.iter().map(LinkedObject::of));
            match (page.next_link, page.skip_token) {
                (None, _) => break None,
                // A token Graph repeats would loop for ever.
                (Some(_), Some(next)) if token.as_deref() != Some(next.as_str()) => {
                    if self.links_read >= LINKS_PER_STEP {
                        break Some(next);
                    }
                    page = self.links.page(graph, group_id, Some(&next)).await?;
                    token = Some(next);
                }
                (Some(link), _) => {
                    return Err(JobError::Failed(format!("Graph gave a next link the job cannot follow: {link}")));
                }
            }
        };
        self.documents.push(self.links.document(group_id.to_string(), linked));
        Ok(resume)
    }

    /// The step so far, to go on from `checkpoint`.
    fn step(self, job: &str, checkpoint: Checkpoint) -> Step {
        Step { documents: self.documents, next: Next::More(cursor::encode(job, checkpoint)) }
    }
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

    /// The first page of links of each group, batched.
    async fn first_pages<T: Transport>(
        self,
        graph: &GraphClient<'_, T>,
        group_ids: &[String],
    ) -> Vec<Result<Page<DirectoryObject>, graph::Error>> {
        match self {
            GroupLinks::Members => graph.first_member_pages(group_ids).await,
            GroupLinks::Owners => graph.first_owner_pages(group_ids).await,
        }
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
        Document::of(self.document_kind(), group_id, &document)
    }
}
