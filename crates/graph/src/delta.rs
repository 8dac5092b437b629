//! Graph's delta queries, `users/delta` and `groups/delta`, as the incremental inventory reads
//! them: a round starts with the properties and relationships to track and continues with the
//! links Graph returns; each page gives objects as they are now or as removed, and either the
//! next link or, ending the round, the delta link that starts the next one. Graph documents
//! change tracking as unsupported in Azure AD B2C tenants: there, only full runs work.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::client::GraphClient;
use crate::error::Error;
use crate::group::{DirectoryObject, GROUP_PROPERTIES, Group, ObjectKind};
use crate::transport::Transport;
use crate::user::{USER_PROPERTIES, User};

/// Which page of a round to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeltaRequest {
    /// A first round: every current object, then a delta link (a full inventory).
    Start,
    /// `$deltatoken=latest`: no objects, only a delta link that tracks changes from now on.
    Latest,
    /// An `@odata.nextLink` or `@odata.deltaLink` from an earlier page, followed as Graph gave
    /// it (its token carries the round's `$select`). Only links on the configured Graph host
    /// and the same collection's delta function are followed.
    Continue(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeltaPage<T> {
    pub items: Vec<DeltaItem<T>>,
    pub next: DeltaNext,
}

/// How a round goes on after a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeltaNext {
    /// More of this round: fetch this `@odata.nextLink` (pages may be empty and still go on).
    Next(String),
    /// The round is complete: keep this `@odata.deltaLink` to ask for the next changes.
    Done(String),
}

/// One entry of a page. The same object may come more than once in a round (a large group
/// split over pages, a change replayed): later entries complete or supersede earlier ones.
#[derive(Debug, Clone, PartialEq)]
pub enum DeltaItem<T> {
    /// Created, changed, restored, or (first round) simply there.
    Present(T),
    /// Left the collection.
    Removed { id: String, reason: RemovalReason },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemovalReason {
    /// Deleted into deleted items, restorable for 30 days (`"reason": "changed"`). Any other
    /// reason Graph may add reads as this: the object left, nothing says it is gone for good.
    Changed,
    /// Deleted for good (`"reason": "deleted"`).
    Deleted,
}

/// A user as a delta page gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct UserDelta {
    /// The selected properties ([`USER_PROPERTIES`]); `manager` is left empty, see below.
    pub user: User,
    /// What `manager@delta` said: the manager set, or (`removed`) the one the user lost;
    /// `None` when Graph said nothing about the manager.
    pub manager: Option<LinkChange>,
}

/// A group as a delta page gives it. Graph tracks the relationships a round selects; this
/// client selects both `members` and `owners` (the group: delta page documents any
/// directory-object relationship as trackable; older texts name only `members`).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupDelta {
    /// The selected properties ([`GROUP_PROPERTIES`]).
    pub group: Group,
    /// `members@delta`: every member in a first round, then those added or removed since.
    /// A large group's members are spread over several entries for the same group.
    pub members: Vec<LinkChange>,
    /// `owners@delta`, in the same way.
    pub owners: Vec<LinkChange>,
}

/// A reference in `members@delta`, `owners@delta` or `manager@delta`: an object linked, or
/// (`removed`) unlinked, whether by removing the link or by deleting the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkChange {
    pub id: String,
    pub kind: ObjectKind,
    pub removed: bool,
}

impl<T: Transport> GraphClient<'_, T> {
    /// One page of `GET /v1.0/users/delta`, tracking [`USER_PROPERTIES`] and `manager`.
    /// A token Graph no longer honours gives [`Error::DeltaTokenExpired`]: start over with
    /// [`DeltaRequest::Start`].
    pub async fn users_delta(&self, request: &DeltaRequest) -> Result<DeltaPage<UserDelta>, Error> {
        let select = format!("{},manager", USER_PROPERTIES.join(","));
        let body = self.delta_page("users", &select, request).await?;
        decode_page(&body, "user delta page", |mut object| {
            let manager = take_links(&mut object, "manager@delta")?.pop();
            let user = serde_json::from_value(Value::Object(object))?;
            Ok(UserDelta { user, manager })
        })
    }

    /// One page of `GET /v1.0/groups/delta`, tracking [`GROUP_PROPERTIES`], `members` and
    /// `owners`; errors as for [`Self::users_delta`].
    pub async fn groups_delta(
        &self,
        request: &DeltaRequest,
    ) -> Result<DeltaPage<GroupDelta>, Error> {
        let select = format!("{},members,owners", GROUP_PROPERTIES.join(","));
        let body = self.delta_page("groups", &select, request).await?;
        decode_page(&body, "group delta page", |mut object| {
            let members = take_links(&mut object, "members@delta")?;
            let owners = take_links(&mut object, "owners@delta")?;
            let group = serde_json::from_value(Value::Object(object))?;
            Ok(GroupDelta {
                group,
                members,
                owners,
            })
        })
    }

    async fn delta_page(
        &self,
        collection: &str,
        select: &str,
        request: &DeltaRequest,
    ) -> Result<Vec<u8>, Error> {
        let path = match request {
            DeltaRequest::Start => format!("/v1.0/{collection}/delta?$select={select}"),
            DeltaRequest::Latest => {
                format!("/v1.0/{collection}/delta?$select={select}&$deltatoken=latest")
            }
            DeltaRequest::Continue(link) => self.delta_link_path(link, collection)?,
        };
        match self.send(http::Method::GET, &path, None, false).await {
            Ok(response) => Ok(response.into_body()),
            Err(error) => Err(expired_token(error)),
        }
    }

    /// The path and query of a link Graph gave, once it is known to name this collection's
    /// delta function on the configured host: the bearer token goes nowhere else.
    fn delta_link_path(&self, link: &str, collection: &str) -> Result<String, Error> {
        let refuse = || Error::InvalidArgument {
            message: format!(
                "not a {collection} delta link on the configured Microsoft Graph host: {link}"
            ),
        };
        let base = self.graph_base();
        let on_host = link
            .get(..base.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(base));
        let rest = link
            .get(base.len()..)
            .filter(|_| on_host)
            .ok_or_else(refuse)?;
        let path = rest.split(['?', '#']).next().unwrap_or(rest);
        let segments: Vec<&str> = path.split('/').collect();
        let function = segments.get(3).map(|s| s.strip_suffix("()").unwrap_or(s));
        let is_delta = matches!(function, Some(f) if f.eq_ignore_ascii_case("delta")
            || f.eq_ignore_ascii_case("microsoft.graph.delta"));
        match segments.as_slice() {
            ["", version, name, _] if is_delta && name.eq_ignore_ascii_case(collection) => {
                if !version.eq_ignore_ascii_case("v1.0") {
                    return Err(refuse());
                }
                Ok(rest.to_string())
            }
            _ => Err(refuse()),
        }
    }
}

/// Graph's two ways of saying a token cannot go on: 410 Gone (a reset, with a `Location` to
/// start over) and `syncStateNotFound` / `resyncRequired` (an expired token).
fn expired_token(error: Error) -> Error {
    match error {
        Error::Graph {
            status,
            code,
            message,
            request_id,
            ..
        } if status == 410
            || code.eq_ignore_ascii_case("syncStateNotFound")
            || code.eq_ignore_ascii_case("resyncRequired") =>
        {
            Error::DeltaTokenExpired {
                status,
                code,
                message,
                request_id,
            }
        }
        other => other,
    }
}

#[derive(Deserialize)]
struct RawPage {
    #[serde(default)]
    value: Vec<Map<String, Value>>,
    #[serde(rename = "@odata.nextLink", default)]
    next_link: Option<String>,
    #[serde(rename = "@odata.deltaLink", default)]
    delta_link: Option<String>,
}

#[derive(Deserialize)]
struct RawRemoved {
    #[serde(default)]
    reason: Option<String>,
}

fn decode_page<T>(
    body: &[u8],
    context: &str,
    present: impl Fn(Map<String, Value>) -> Result<T, serde_json::Error>,
) -> Result<DeltaPage<T>, Error> {
    let decode_error = |message: String| Error::Decode {
        context: context.to_string(),
        message,
    };
    let raw: RawPage = serde_json::from_slice(body).map_err(|e| decode_error(e.to_string()))?;
    // Graph never sends both; if it did, more of this round is the safe reading.
    let next = match (raw.next_link, raw.delta_link) {
        (Some(next), _) => DeltaNext::Next(next),
        (None, Some(delta)) => DeltaNext::Done(delta),
        (None, None) => {
            return Err(decode_error(
                "a delta page with neither a next link nor a delta link".into(),
            ));
        }
    };
    let items = raw
        .value
        .into_iter()
        .map(|object| item(object, &present))
        .collect::<Result<_, _>>()
        .map_err(|e| decode_error(e.to_string()))?;
    Ok(DeltaPage { items, next })
}

fn item<T>(
    mut object: Map<String, Value>,
    present: impl Fn(Map<String, Value>) -> Result<T, serde_json::Error>,
) -> Result<DeltaItem<T>, serde_json::Error> {
    let Some(removed) = object.remove("@removed") else {
        return Ok(DeltaItem::Present(present(object)?));
    };
    let removed: RawRemoved = serde_json::from_value(removed)?;
    let id = match object.remove("id") {
        Some(Value::String(id)) => id,
        _ => return Err(serde::de::Error::custom("a removed entry without an id")),
    };
    let reason = match removed.reason.as_deref() {
        Some(r) if r.eq_ignore_ascii_case("deleted") => RemovalReason::Deleted,
        _ => RemovalReason::Changed,
    };
    Ok(DeltaItem::Removed { id, reason })
}

/// Takes `name` (`members@delta`, ...) out of an entry, so the rest reads as the object.
fn take_links(
    object: &mut Map<String, Value>,
    name: &str,
) -> Result<Vec<LinkChange>, serde_json::Error> {
    #[derive(Deserialize)]
    struct RawLink {
        #[serde(flatten)]
        object: DirectoryObject,
        #[serde(rename = "@removed", default)]
        removed: Option<Value>,
    }
    let Some(links) = object.remove(name) else {
        return Ok(Vec::new());
    };
    let links: Vec<RawLink> = serde_json::from_value(links)?;
    Ok(links
        .into_iter()
        .map(|link| LinkChange {
            kind: link.object.kind(),
            id: link.object.id,
            removed: link.removed.is_some(),
        })
        .collect())
}
