//! The Graph operations the connector performs, each one request (`all_members`: one a page),
//! plus a token request when the cache is cold, plus one retry after a 401 with a fresh token,
//! plus the retries [`RetryPolicy`] allows on throttling and transient failures (when the
//! transport can wait). Past the policy's budget the failure, with Graph's `retry_after`, goes
//! back to the caller.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::config::GraphConfig;
use crate::error::{self, Error};
use crate::random;
use crate::retry::{Budget, Failure, Replay, RetryNotice, RetryPolicy};
use crate::group::{DIRECTORY_OBJECT_PROPERTIES, DirectoryObject, GROUP_PROPERTIES, Group};
use crate::mailbox::{MAILBOX_NOT_ENABLED, MailboxSettings};
use crate::odata::{Filter, MAX_IDS_PER_FILTER};
use crate::page::Page;
use crate::percent;
use crate::token::{self, TokenCache};
use crate::transport::Transport;
use crate::user::{LIFECYCLE_PROPERTIES, MANAGER_EXPAND, USER_PROPERTIES, User};

/// What `list_users` asks for. `skip_token` continues a previous listing; send the same filter and
/// `top` with it, as Graph expects.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserQuery {
    pub filter: Option<Filter>,
    pub top: Option<u32>,
    pub skip_token: Option<String>,
    /// Ask Graph for `@odata.count` (an advanced query; unsupported in Azure AD B2C tenants).
    pub count: bool,
    pub order_by: Option<OrderBy>,
}

/// `$orderby`: one property, ascending unless `descending`. Sent as an advanced query, which is
/// what Graph needs to sort together with a filter or on most properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderBy {
    pub property: String,
    pub descending: bool,
}

/// What `list_groups` asks for; the same rules as [`UserQuery`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupQuery {
    pub filter: Option<Filter>,
    pub top: Option<u32>,
    pub skip_token: Option<String>,
    /// Ask Graph for `@odata.count` (an advanced query).
    pub count: bool,
    pub order_by: Option<OrderBy>,
}

/// Graph's largest page of group members or owners.
pub const MAX_MEMBER_PAGE: u32 = 999;

pub struct GraphClient<'a, T: Transport> {
    transport: &'a T,
    config: &'a GraphConfig,
    tokens: &'a TokenCache,
    /// Whether user reads also select [`LIFECYCLE_PROPERTIES`].
    lifecycle_info: bool,
    /// More properties user reads select (B2C custom attributes: `extension_{appId}_{name}`).
    user_properties: &'a [String],
    retry: RetryPolicy,
}

impl<'a, T: Transport> GraphClient<'a, T> {
    pub fn new(transport: &'a T, config: &'a GraphConfig, tokens: &'a TokenCache) -> Self {
        Self {
            transport,
            config,
            tokens,
            lifecycle_info: false,
            user_properties: &[],
            retry: RetryPolicy::default(),
        }
    }

    /// The same client, retrying throttled and failed calls as `policy` allows (the default
    /// waits at most 30 s a call).
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    pub(crate) fn transport(&self) -> &T {
        self.transport
    }

    pub(crate) fn now(&self) -> std::time::SystemTime {
        self.tokens.now()
    }

    /// `https://graph.microsoft.com`: where requests go and the only host links are followed on.
    pub(crate) fn graph_base(&self) -> &str {
        self.config.graph_base()
    }

    /// The same client, reading users with [`LIFECYCLE_PROPERTIES`] (employeeLeaveDateTime) too.
    /// Only for an app that holds User-LifeCycleInfo.Read.All: it is not asked for by default
    /// because Graph does not serve it to the others.
    pub fn with_lifecycle_info(mut self) -> Self {
        self.lifecycle_info = true;
        self
    }

    /// The same client, reading these properties of users too: Graph returns extension
    /// properties (a B2C tenant's custom attributes) only when they are selected.
    pub fn with_user_properties(mut self, properties: &'a [String]) -> Self {
        self.user_properties = properties;
        self
    }

    /// The `$select` of a user read.
    fn user_select(&self) -> String {
        let lifecycle = if self.lifecycle_info { LIFECYCLE_PROPERTIES } else { &[] };
        let extra = self.user_properties.iter().map(String::as_str);
        USER_PROPERTIES.iter().chain(lifecycle).copied().chain(extra).collect::<Vec<_>>().join(",")
    }

    /// `GET /v1.0/users/{id or UPN}` with every property the connector reads and the manager.
    pub async fn get_user(&self, id_or_upn: &str) -> Result<User, Error> {
        let path = format!(
            "/v1.0/{}?$select={}&$expand={}",
            user_path(id_or_upn)?,
            self.user_select(),
            percent::query_value(MANAGER_EXPAND)
        );
        let response = self.send(http::Method::GET, &path, None, false).await?;
        decode(&response, "user")
    }

    /// `GET /v1.0/users` filtered and paged. Adds `ConsistencyLevel: eventual` and `$count=true`
    /// when the filter needs an advanced query or the count was asked for.
    pub async fn list_users(&self, query: &UserQuery) -> Result<Page<User>, Error> {
        let mut path = format!(
            "/v1.0/users?$select={}&$expand={}",
            self.user_select(),
            percent::query_value(MANAGER_EXPAND)
        );
        let advanced = push_collection_query(
            &mut path,
            query.filter.as_ref(),
            query.top,
            query.count,
            query.skip_token.as_deref(),
            query.order_by.as_ref(),
        );
        let response = self.send(http::Method::GET, &path, None, advanced).await?;
        decode_page(&response, "user page")
    }

    /// The users with these ids that exist, in no set order: 15 ids to a filter and 20 filters
    /// to a `$batch` request, 300 users a round trip (an incremental inventory re-reads every
    /// changed user).
    pub async fn users_with_ids(&self, ids: &[&str]) -> Result<Vec<User>, Error> {
        let base = format!("/users?$select={}&$expand={}", self.user_select(), percent::query_value(MANAGER_EXPAND));
        self.objects_with_ids(&base, ids, "user page").await
    }

    /// [`Self::users_with_ids`] for groups.
    pub async fn groups_with_ids(&self, ids: &[&str]) -> Result<Vec<Group>, Error> {
        let base = format!("/groups?$select={}", GROUP_PROPERTIES.join(","));
        self.objects_with_ids(&base, ids, "group page").await
    }

    async fn objects_with_ids<D: DeserializeOwned>(&self, base: &str, ids: &[&str], context: &str) -> Result<Vec<D>, Error> {
        let paths: Vec<String> = ids
            .chunks(MAX_IDS_PER_FILTER)
            .map(|chunk| {
                let mut path = base.to_string();
                let filter = Filter::any_id(chunk.iter().copied());
                // An id filter is a plain query: no ConsistencyLevel header, which a batched
                // request would have to carry itself.
                push_collection_query(&mut path, filter.as_ref(), Some(chunk.len() as u32), false, None, None);
                path
            })
            .collect();
        let mut objects = Vec::new();
        for body in self.batch_get(&paths).await {
            objects.extend(decode_batched_page::<D>(body?, context)?.value);
        }
        Ok(objects)
    }

    /// `POST /v1.0/users`; `user` is a Graph user body (see scim-graph for building one).
    pub async fn create_user(&self, user: &Value) -> Result<User, Error> {
        let response = self
            .send(http::Method::POST, "/v1.0/users", Some(user), false)
            .await?;
        decode(&response, "created user")
    }

    /// `PATCH /v1.0/users/{id}` with only the properties to change.
    pub async fn update_user(&self, id: &str, changes: &Value) -> Result<(), Error> {
        let path = format!("/v1.0/{}", user_path(id)?);
        self.send(http::Method::PATCH, &path, Some(changes), false)
            .await?;
        Ok(())
    }

    /// `GET /v1.0/users/{id}/mailboxSettings` (MailboxSettings.Read): one request a user, so
    /// callers ask only when they need the automatic replies. `None` when the user has no
    /// mailbox Graph can reach (Graph's 404 `MailboxNotEnabledForRESTAPI`); an unknown user stays
    /// an error.
    pub async fn get_mailbox_settings(&self, id: &str) -> Result<Option<MailboxSettings>, Error> {
        let path = format!("/v1.0/{}/mailboxSettings", user_path(id)?);
        let response = self.send(http::Method::GET, &path, None, false).await;
        unless_no_mailbox(response.and_then(|response| decode(&response, "mailbox settings")))
    }

    /// [`Self::get_mailbox_settings`] of each user, in the order of `ids`, 20 users to a
    /// `$batch` request: a page of users costs a twentieth of the round trips.
    pub async fn mailbox_settings_of(&self, ids: &[&str]) -> Vec<Result<Option<MailboxSettings>, Error>> {
        let paths = ids.iter().map(|id| Ok(format!("/{}/mailboxSettings", user_path(id)?))).collect();
        self.batch_get_each(paths)
            .await
            .into_iter()
            .map(|body| {
                let settings = body.and_then(|body| {
                    serde_json::from_value(body)
                        .map_err(|e| Error::Decode { context: "mailbox settings".into(), message: e.to_string() })
                });
                unless_no_mailbox(settings)
            })
            .collect()
    }

    /// `DELETE /v1.0/users/{id}` (the user goes to deleted items for 30 days).
    pub async fn delete_user(&self, id: &str) -> Result<(), Error> {
        let path = format!("/v1.0/{}", user_path(id)?);
        self.send(http::Method::DELETE, &path, None, false).await?;
        Ok(())
    }

    /// `PUT /v1.0/users/{id}/manager/$ref` pointing at another user.
    pub async fn set_manager(&self, user_id: &str, manager_id: &str) -> Result<(), Error> {
        let path = format!("/v1.0/{}/manager/$ref", user_path(user_id)?);
        let reference = format!(
            "{}/v1.0/{}",
            self.config.graph_base(),
            user_path(manager_id)?
        );
        let body = json!({ "@odata.id": reference });
        self.send(http::Method::PUT, &path, Some(&body), false)
            .await?;
        Ok(())
    }

    /// `DELETE /v1.0/users/{id}/manager/$ref`: the user has no manager afterwards.
    pub async fn remove_manager(&self, user_id: &str) -> Result<(), Error> {
        let path = format!("/v1.0/{}/manager/$ref", user_path(user_id)?);
        self.send(http::Method::DELETE, &path, None, false).await?;
        Ok(())
    }

    /// `GET /v1.0/groups/{id}` with every property the connector reads.
    pub async fn get_group(&self, id: &str) -> Result<Group, Error> {
        let path = format!(
            "/v1.0/{}?$select={}",
            group_path(id)?,
            GROUP_PROPERTIES.join(",")
        );
        let response = self.send(http::Method::GET, &path, None, false).await?;
        decode(&response, "group")
    }

    /// `GET /v1.0/groups` filtered and paged; advanced queries as for [`Self::list_users`].
    pub async fn list_groups(&self, query: &GroupQuery) -> Result<Page<Group>, Error> {
        let mut path = format!("/v1.0/groups?$select={}", GROUP_PROPERTIES.join(","));
        let advanced = push_collection_query(
            &mut path,
            query.filter.as_ref(),
            query.top,
            query.count,
            query.skip_token.as_deref(),
            query.order_by.as_ref(),
        );
        let response = self.send(http::Method::GET, &path, None, advanced).await?;
        decode_page(&response, "group page")
    }

    /// `POST /v1.0/groups`; `group` is a Graph group body (see scim-graph for building one).
    pub async fn create_group(&self, group: &Value) -> Result<Group, Error> {
        let response = self
            .send(http::Method::POST, "/v1.0/groups", Some(group), false)
            .await?;
        decode(&response, "created group")
    }

    /// `PATCH /v1.0/groups/{id}` with only the properties to change.
    pub async fn update_group(&self, id: &str, changes: &Value) -> Result<(), Error> {
        let path = format!("/v1.0/{}", group_path(id)?);
        self.send(http::Method::PATCH, &path, Some(changes), false)
            .await?;
        Ok(())
    }

    /// `DELETE /v1.0/groups/{id}`.
    pub async fn delete_group(&self, id: &str) -> Result<(), Error> {
        let path = format!("/v1.0/{}", group_path(id)?);
        self.send(http::Method::DELETE, &path, None, false).await?;
        Ok(())
    }

    /// One page of `GET /v1.0/groups/{id}/members` (direct members: users, groups, service
    /// principals, devices, contacts), `top` at most [`MAX_MEMBER_PAGE`].
    pub async fn list_members(
        &self,
        group_id: &str,
        top: u32,
        skip_token: Option<&str>,
    ) -> Result<Page<DirectoryObject>, Error> {
        self.list_links(group_id, "members", top, skip_token).await
    }

    /// One page of `GET /v1.0/groups/{id}/owners`.
    pub async fn list_owners(
        &self,
        group_id: &str,
        top: u32,
        skip_token: Option<&str>,
    ) -> Result<Page<DirectoryObject>, Error> {
        self.list_links(group_id, "owners", top, skip_token).await
    }

    /// The first page (up to [`MAX_MEMBER_PAGE`]) of each group's members, 20 groups to a
    /// `$batch` request: one round trip where [`Self::list_members`] would make twenty. A page's
    /// `skip_token` goes on with `list_members`.
    pub async fn first_member_pages(&self, group_ids: &[String]) -> Vec<Result<Page<DirectoryObject>, Error>> {
        self.first_link_pages(group_ids, "members").await
    }

    /// [`Self::first_member_pages`] for owners.
    pub async fn first_owner_pages(&self, group_ids: &[String]) -> Vec<Result<Page<DirectoryObject>, Error>> {
        self.first_link_pages(group_ids, "owners").await
    }

    async fn first_link_pages(&self, group_ids: &[String], relationship: &str) -> Vec<Result<Page<DirectoryObject>, Error>> {
        let paths: Vec<Result<String, Error>> = group_ids
            .iter()
            .map(|id| {
                Ok(format!(
                    "/{}/{relationship}?$select={}&$top={MAX_MEMBER_PAGE}",
                    group_path(id)?,
                    DIRECTORY_OBJECT_PROPERTIES.join(",")
                ))
            })
            .collect();
        let context = format!("{} page", singular(relationship));
        self.batch_get_each(paths).await.into_iter().map(|body| decode_batched_page(body?, &context)).collect()
    }

    /// [`Self::batch_get`] of the paths that could be built, each one that could not keeping
    /// its error in its place.
    async fn batch_get_each(&self, paths: Vec<Result<String, Error>>) -> Vec<Result<Value, Error>> {
        let valid: Vec<String> = paths.iter().filter_map(|p| p.as_ref().ok().cloned()).collect();
        let mut answers = self.batch_get(&valid).await.into_iter();
        paths
            .into_iter()
            .map(|path| path.and_then(|_| answers.next().expect("one answer per valid path")))
            .collect()
    }

    /// Every member, page by page (999 a page); refuses with Error::InvalidArgument beyond `limit`
    /// objects rather than reading without end.
    pub async fn all_members(
        &self,
        group_id: &str,
        limit: usize,
    ) -> Result<Vec<DirectoryObject>, Error> {
        let mut members = Vec::new();
        let mut skip_token: Option<String> = None;
        loop {
            let page = self
                .list_members(group_id, MAX_MEMBER_PAGE, skip_token.as_deref())
                .await?;
            members.extend(page.value);
            if members.len() > limit {
                return Err(Error::InvalidArgument {
                    message: format!(
                        "group {group_id} has more than the {limit} members the caller reads at once"
                    ),
                });
            }
            match (page.next_link, page.skip_token) {
                (None, _) => return Ok(members),
                // A token Graph repeats would loop for ever over empty pages; one it did not
                // give cannot be followed.
                (Some(_), Some(next)) if skip_token.as_deref() != Some(next.as_str()) => {
                    skip_token = Some(next);
                }
                (Some(link), _) => {
                    return Err(Error::Decode {
                        context: "member page".into(),
                        message: format!("a next link the client cannot follow: {link}"),
                    });
                }
            }
        }
    }

    /// `POST /v1.0/groups/{id}/members/$ref`. Graph answers 400 "One or more added object
    /// references already exist" for an existing member and 404 for an unknown object.
    pub async fn add_member(&self, group_id: &str, object_id: &str) -> Result<(), Error> {
        self.add_link(group_id, "members", object_id).await
    }

    /// `DELETE /v1.0/groups/{id}/members/{objectId}/$ref`; 404 when the object is not a member.
    pub async fn remove_member(&self, group_id: &str, object_id: &str) -> Result<(), Error> {
        self.remove_link(group_id, "members", object_id).await
    }

    /// `POST /v1.0/groups/{id}/owners/$ref` (owners are users or service principals).
    pub async fn add_owner(&self, group_id: &str, object_id: &str) -> Result<(), Error> {
        self.add_link(group_id, "owners", object_id).await
    }

    /// `DELETE /v1.0/groups/{id}/owners/{objectId}/$ref`; Graph refuses to remove the last owner.
    pub async fn remove_owner(&self, group_id: &str, object_id: &str) -> Result<(), Error> {
        self.remove_link(group_id, "owners", object_id).await
    }

    async fn list_links(
        &self,
        group_id: &str,
        relationship: &str,
        top: u32,
        skip_token: Option<&str>,
    ) -> Result<Page<DirectoryObject>, Error> {
        if !(1..=MAX_MEMBER_PAGE).contains(&top) {
            return Err(Error::InvalidArgument {
                message: format!(
                    "a page of {relationship} holds 1 to {MAX_MEMBER_PAGE} objects, not {top}"
                ),
            });
        }
        let mut path = format!(
            "/v1.0/{}/{relationship}?$select={}&$top={top}",
            group_path(group_id)?,
            DIRECTORY_OBJECT_PROPERTIES.join(",")
        );
        if let Some(token) = skip_token {
            path.push_str("&$skiptoken=");
            path.push_str(&percent::query_value(token));
        }
        let response = self.send(http::Method::GET, &path, None, false).await?;
        decode_page(&response, &format!("{} page", singular(relationship)))
    }

    async fn add_link(
        &self,
        group_id: &str,
        relationship: &str,
        object_id: &str,
    ) -> Result<(), Error> {
        let path = format!("/v1.0/{}/{relationship}/$ref", group_path(group_id)?);
        let reference = format!(
            "{}/v1.0/directoryObjects/{}",
            self.config.graph_base(),
            object_segment(object_id, relationship)?
        );
        let body = json!({ "@odata.id": reference });
        self.send_replayable(
            http::Method::POST,
            &path,
            Some(&body),
            false,
            Replay::ReferenceAdd,
        )
        .await?;
        Ok(())
    }

    async fn remove_link(
        &self,
        group_id: &str,
        relationship: &str,
        object_id: &str,
    ) -> Result<(), Error> {
        let path = format!(
            "/v1.0/{}/{relationship}/{}/$ref",
            group_path(group_id)?,
            object_segment(object_id, relationship)?
        );
        self.send(http::Method::DELETE, &path, None, false).await?;
        Ok(())
    }

    /// Sends one Graph request with a bearer token; on a 401 drops the cached token and tries once
    /// more with a fresh one (the token may have been revoked or the clock skewed); retries
    /// throttled and transient failures as the policy allows. Any other non-success answer
    /// becomes [`Error::Graph`].
    pub(crate) async fn send(
        &self,
        method: http::Method,
        path_and_query: &str,
        body: Option<&Value>,
        advanced: bool,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        let replay = Replay::of(&method, body);
        self.send_replayable(method, path_and_query, body, advanced, replay)
            .await
    }

    pub(crate) async fn send_replayable(
        &self,
        method: http::Method,
        path_and_query: &str,
        body: Option<&Value>,
        advanced: bool,
        replay: Replay,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        let mut budget = Budget::new(&self.retry);
        self.send_within(method, path_and_query, body, advanced, replay, &mut budget)
            .await
    }

    /// [`Self::send_replayable`] spending an existing budget (a batch's rounds share one).
    pub(crate) async fn send_within(
        &self,
        method: http::Method,
        path_and_query: &str,
        body: Option<&Value>,
        advanced: bool,
        replay: Replay,
        budget: &mut Budget<'_>,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        let uri = format!("{}{}", self.config.graph_base(), path_and_query);
        let body = body.map(|b| serde_json::to_vec(b).expect("a JSON value serialises"));
        // One id for every attempt of this call, so Graph's logs show them as one.
        let client_request_id = random::guid();
        let mut token_refreshed = false;
        let mut attempt = 1;
        loop {
            let sent = self
                .attempt(&method, &uri, body.as_deref(), advanced, &client_request_id)
                .await;
            let (failure, error, failure_replay) = match sent {
                Ok(response) if response.status().is_success() => return Ok(response),
                Ok(response)
                    if response.status() == http::StatusCode::UNAUTHORIZED && !token_refreshed =>
                {
                    self.tokens.clear();
                    token_refreshed = true;
                    continue;
                }
                Ok(response) => {
                    let error = error::from_graph_response(&response, self.tokens.now());
                    // Our earlier attempt made the link before its answer was lost.
                    if replay == Replay::ReferenceAdd && attempt > 1 && error::is_existing_reference(&error) {
                        return Ok(response);
                    }
                    let failure = Failure::Status {
                        status: response.status().as_u16(),
                        retry_after: match &error {
                            Error::Graph { retry_after, .. } => *retry_after,
                            _ => None,
                        },
                    };
                    (failure, error, replay)
                }
                Err(Error::Transport(refused)) if refused.refused => {
                    return Err(self.gave_up(Error::Transport(refused)));
                }
                Err(error @ Error::Transport(_)) => (Failure::NoAnswer, error, replay),
                // Graph was not asked yet, so any request may try again.
                Err(error @ Error::Token { status, .. }) => (
                    Failure::Status {
                        status,
                        retry_after: None,
                    },
                    error,
                    Replay::Safe,
                ),
                Err(error) => return Err(self.gave_up(error)),
            };
            let Some(wait) = budget.next_wait(&failure, failure_replay) else {
                return Err(self.gave_up(error));
            };
            if self.transport.sleep(wait).await.is_err() {
                return Err(self.gave_up(error));
            }
            self.transport.retrying(&RetryNotice {
                method: method.to_string(),
                path: path_and_query.to_string(),
                status: match failure {
                    Failure::Status { status, .. } => Some(status),
                    Failure::NoAnswer => None,
                },
                request_id: match &error {
                    Error::Graph { request_id, .. } => request_id.clone(),
                    _ => None,
                },
                client_request_id: client_request_id.clone(),
                message: error.to_string(),
                wait,
                attempt,
            });
            attempt += 1;
        }
    }

    /// The call's last word, shown to the transport before the caller sees it.
    fn gave_up(&self, error: Error) -> Error {
        self.transport.failed(&error);
        error
    }

    /// One attempt: a token (cached, or fetched) and the request.
    async fn attempt(
        &self,
        method: &http::Method,
        uri: &str,
        body: Option<&[u8]>,
        advanced: bool,
        client_request_id: &str,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        let token = token::bearer_token(self.transport, self.config, self.tokens).await?;
        let mut request = http::Request::builder()
            .method(method.clone())
            .uri(uri)
            .header(http::header::AUTHORIZATION, format!("Bearer {token}"))
            .header(http::header::ACCEPT, "application/json")
            .header("client-request-id", client_request_id);
        if advanced {
            request = request.header("ConsistencyLevel", "eventual");
        }
        if body.is_some() {
            request = request.header(http::header::CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(body.map(<[u8]>::to_vec).unwrap_or_default())
            .map_err(|e| Error::InvalidArgument {
                message: format!("cannot build a request for {uri}: {e}"),
            })?;
        Ok(self.transport.send(request).await?)
    }
}

/// `users/{id}` with the id escaped as one path segment. Graph reads a segment starting with `$`
/// as a system resource, so such UPNs take the key form `users('$x@y')`.
fn user_path(id: &str) -> Result<String, Error> {
    if id.is_empty() {
        return Err(Error::InvalidArgument {
            message: "empty user id".into(),
        });
    }
    Ok(if id.starts_with('$') {
        format!(
            "users('{}')",
            percent::path_segment(&id.replace('\'', "''"))
        )
    } else {
        format!("users/{}", percent::path_segment(id))
    })
}

/// `groups/{id}` with the id escaped as one path segment.
pub(crate) fn group_path(id: &str) -> Result<String, Error> {
    if id.is_empty() {
        return Err(Error::InvalidArgument {
            message: "empty group id".into(),
        });
    }
    Ok(format!("groups/{}", percent::path_segment(id)))
}

/// A member's or owner's id as one path segment.
pub(crate) fn object_segment(id: &str, relationship: &str) -> Result<String, Error> {
    if id.is_empty() {
        return Err(Error::InvalidArgument {
            message: format!("empty {} id", singular(relationship)),
        });
    }
    Ok(percent::path_segment(id))
}

/// A user's mailbox settings, or `None` when Graph can reach no mailbox of the user.
fn unless_no_mailbox(settings: Result<MailboxSettings, Error>) -> Result<Option<MailboxSettings>, Error> {
    match settings {
        Ok(settings) => Ok(Some(settings)),
        Err(Error::Graph { status: 404, code, .. }) if code == MAILBOX_NOT_ENABLED => Ok(None),
        Err(error) => Err(error),
    }
}

fn singular(relationship: &str) -> &str {
    relationship.strip_suffix('s').unwrap_or(relationship)
}

/// Appends `$filter`, `$top`, `$count` and `$skiptoken` to a collection URL that already has a
/// query; returns whether the request is an advanced query (it then needs
/// `ConsistencyLevel: eventual` and `$count=true`).
fn push_collection_query(
    path: &mut String,
    filter: Option<&Filter>,
    top: Option<u32>,
    count: bool,
    skip_token: Option<&str>,
    order_by: Option<&OrderBy>,
) -> bool {
    let advanced = count || order_by.is_some() || filter.is_some_and(Filter::needs_advanced_query);
    if let Some(filter) = filter {
        path.push_str("&$filter=");
        path.push_str(&percent::query_value(&filter.to_odata()));
    }
    if let Some(order) = order_by {
        let direction = if order.descending { " desc" } else { "" };
        path.push_str("&$orderby=");
        path.push_str(&percent::query_value(&format!(
            "{}{direction}",
            order.property
        )));
    }
    if let Some(top) = top {
        path.push_str(&format!("&$top={top}"));
    }
    if advanced {
        path.push_str("&$count=true");
    }
    if let Some(token) = skip_token {
        path.push_str("&$skiptoken=");
        path.push_str(&percent::query_value(token));
    }
    advanced
}

pub(crate) fn decode_page<D: DeserializeOwned>(
    response: &http::Response<Vec<u8>>,
    context: &str,
) -> Result<Page<D>, Error> {
    Page::from_json(response.body()).map_err(|e| Error::Decode {
        context: context.to_string(),
        message: e.to_string(),
    })
}

/// [`decode_page`] for a page answered inside a `$batch` response.
fn decode_batched_page<D: DeserializeOwned>(body: Value, context: &str) -> Result<Page<D>, Error> {
    Page::from_value(body).map_err(|e| Error::Decode { context: context.to_string(), message: e.to_string() })
}

pub(crate) fn decode<D: DeserializeOwned>(
    response: &http::Response<Vec<u8>>,
    context: &str,
) -> Result<D, Error> {
    serde_json::from_slice(response.body()).map_err(|e| Error::Decode {
        context: context.to_string(),
        message: e.to_string(),
    })
}
