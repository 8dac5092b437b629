//! The Graph operations the connector performs, each one request (plus a token request when the
//! cache is cold, plus one retry after a 401 with a fresh token). No retry on 429/503: the caller
//! decides, using `retry_after` from the error, because only it knows its time budget.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::config::GraphConfig;
use crate::error::{self, Error};
use crate::odata::Filter;
use crate::page::Page;
use crate::percent;
use crate::token::{self, TokenCache};
use crate::transport::Transport;
use crate::user::{MANAGER_EXPAND, USER_PROPERTIES, User};

/// What `list_users` asks for. `skip_token` continues a previous listing; send the same filter and
/// `top` with it, as Graph expects.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserQuery {
    pub filter: Option<Filter>,
    pub top: Option<u32>,
    pub skip_token: Option<String>,
    /// Ask Graph for `@odata.count` (an advanced query; unsupported in Azure AD B2C tenants).
    pub count: bool,
}

pub struct GraphClient<'a, T: Transport> {
    transport: &'a T,
    config: &'a GraphConfig,
    tokens: &'a TokenCache,
}

impl<'a, T: Transport> GraphClient<'a, T> {
    pub fn new(transport: &'a T, config: &'a GraphConfig, tokens: &'a TokenCache) -> Self {
        Self {
            transport,
            config,
            tokens,
        }
    }

    /// `GET /v1.0/users/{id or UPN}` with every property the connector reads and the manager.
    pub async fn get_user(&self, id_or_upn: &str) -> Result<User, Error> {
        let path = format!(
            "/v1.0/{}?$select={}&$expand={}",
            user_path(id_or_upn)?,
            USER_PROPERTIES.join(","),
            percent::query_value(MANAGER_EXPAND)
        );
        let response = self.send(http::Method::GET, &path, None, false).await?;
        decode(&response, "user")
    }

    /// `GET /v1.0/users` filtered and paged. Adds `ConsistencyLevel: eventual` and `$count=true`
    /// when the filter needs an advanced query or the count was asked for.
    pub async fn list_users(&self, query: &UserQuery) -> Result<Page<User>, Error> {
        let advanced = query.count
            || query
                .filter
                .as_ref()
                .is_some_and(Filter::needs_advanced_query);
        let mut path = format!(
            "/v1.0/users?$select={}&$expand={}",
            USER_PROPERTIES.join(","),
            percent::query_value(MANAGER_EXPAND)
        );
        if let Some(filter) = &query.filter {
            path.push_str("&$filter=");
            path.push_str(&percent::query_value(&filter.to_odata()));
        }
        if let Some(top) = query.top {
            path.push_str(&format!("&$top={top}"));
        }
        if advanced {
            path.push_str("&$count=true");
        }
        if let Some(token) = &query.skip_token {
            path.push_str("&$skiptoken=");
            path.push_str(&percent::query_value(token));
        }
        let response = self.send(http::Method::GET, &path, None, advanced).await?;
        Page::from_json(response.body()).map_err(|e| Error::Decode {
            context: "user page".into(),
            message: e.to_string(),
        })
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

    /// Sends one Graph request with a bearer token; on a 401 drops the cached token and tries once
    /// more with a fresh one (the token may have been revoked or the clock skewed). Any other
    /// non-success answer becomes [`Error::Graph`].
    async fn send(
        &self,
        method: http::Method,
        path_and_query: &str,
        body: Option<&Value>,
        advanced: bool,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        let uri = format!("{}{}", self.config.graph_base(), path_and_query);
        let body = body.map(|b| serde_json::to_vec(b).expect("a JSON value serialises"));
        let mut retried = false;
        loop {
            let token = token::bearer_token(self.transport, self.config, self.tokens).await?;
            let mut request = http::Request::builder()
                .method(method.clone())
                .uri(&uri)
                .header(http::header::AUTHORIZATION, format!("Bearer {token}"))
                .header(http::header::ACCEPT, "application/json");
            if advanced {
                request = request.header("ConsistencyLevel", "eventual");
            }
            if body.is_some() {
                request = request.header(http::header::CONTENT_TYPE, "application/json");
            }
            let request = request
                .body(body.clone().unwrap_or_default())
                .map_err(|e| Error::InvalidArgument {
                    message: format!("cannot build a request for {uri}: {e}"),
                })?;
            let response = self.transport.send(request).await?;
            let status = response.status();
            if status.is_success() {
                return Ok(response);
            }
            if status == http::StatusCode::UNAUTHORIZED && !retried {
                self.tokens.clear();
                retried = true;
                continue;
            }
            return Err(error::from_graph_response(&response));
        }
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

fn decode<D: DeserializeOwned>(
    response: &http::Response<Vec<u8>>,
    context: &str,
) -> Result<D, Error> {
    serde_json::from_slice(response.body()).map_err(|e| Error::Decode {
        context: context.to_string(),
        message: e.to_string(),
    })
}
