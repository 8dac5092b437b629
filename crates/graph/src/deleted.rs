//! Deleted items as the connector reads them (`/v1.0/directory/deletedItems`): users and
//! Microsoft 365 groups deleted in the last 30 days, and bringing one back. Security groups
//! never get here (Graph deletes them for good at once); only the audit log remembers them.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::client::{self, GraphClient};
use crate::error::Error;
use crate::group::{GROUP_PROPERTIES, Group, graph_type_name};
use crate::page::Page;
use crate::percent;
use crate::transport::Transport;
use crate::user::{USER_PROPERTIES, User};

/// Graph's largest page of deleted items (100 without `$top`).
pub const MAX_DELETED_PAGE: u32 = 999;

/// A deleted (or just restored) object, told apart by its `@odata.type`; other types (an
/// application, a device) come as Graph sent them. Users and groups are boxed: they are large.
#[derive(Debug, Clone, PartialEq)]
pub enum DeletedItem {
    User(Box<User>),
    Group(Box<Group>),
    Other(Value),
}

impl<'de> Deserialize<'de> for DeletedItem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let name = value
            .get("@odata.type")
            .and_then(Value::as_str)
            .and_then(graph_type_name);
        let item = match name {
            Some(n) if n.eq_ignore_ascii_case("user") => {
                DeletedItem::User(serde_json::from_value(value).map_err(serde::de::Error::custom)?)
            }
            Some(n) if n.eq_ignore_ascii_case("group") => {
                DeletedItem::Group(serde_json::from_value(value).map_err(serde::de::Error::custom)?)
            }
            _ => DeletedItem::Other(value),
        };
        Ok(item)
    }
}

impl<T: Transport> GraphClient<'_, T> {
    /// One page of `GET /v1.0/directory/deletedItems/microsoft.graph.user` with the properties
    /// the connector reads (`deletedDateTime` among them), in Graph's order.
    pub async fn list_deleted_users(
        &self,
        top: Option<u32>,
        skip_token: Option<&str>,
    ) -> Result<Page<User>, Error> {
        let path = deleted_list_path("user", USER_PROPERTIES, top, skip_token)?;
        let response = self.send(http::Method::GET, &path, None, false).await?;
        client::decode_page(&response, "deleted user page")
    }

    /// One page of `GET /v1.0/directory/deletedItems/microsoft.graph.group`.
    pub async fn list_deleted_groups(
        &self,
        top: Option<u32>,
        skip_token: Option<&str>,
    ) -> Result<Page<Group>, Error> {
        let path = deleted_list_path("group", GROUP_PROPERTIES, top, skip_token)?;
        let response = self.send(http::Method::GET, &path, None, false).await?;
        client::decode_page(&response, "deleted group page")
    }

    /// `GET /v1.0/directory/deletedItems/{id}`; 404 `Request_ResourceNotFound` when nothing by
    /// that id is in deleted items (never deleted, restored, or gone for good).
    pub async fn get_deleted_item(&self, id: &str) -> Result<DeletedItem, Error> {
        let path = format!("/v1.0/{}", deleted_item_path(id)?);
        let response = self.send(http::Method::GET, &path, None, false).await?;
        client::decode(&response, "deleted item")
    }

    /// `POST /v1.0/directory/deletedItems/{id}/restore`: the object is live again, a user with
    /// its group memberships. Graph refuses (400) while a live object holds the user's
    /// userPrincipalName or the group's mail alias.
    pub async fn restore_deleted_item(&self, id: &str) -> Result<DeletedItem, Error> {
        let path = format!("/v1.0/{}/restore", deleted_item_path(id)?);
        let response = self.send(http::Method::POST, &path, None, false).await?;
        client::decode(&response, "restored item")
    }
}

fn deleted_item_path(id: &str) -> Result<String, Error> {
    if id.is_empty() {
        return Err(Error::InvalidArgument {
            message: "empty deleted item id".into(),
        });
    }
    Ok(format!(
        "directory/deletedItems/{}",
        percent::path_segment(id)
    ))
}

fn deleted_list_path(
    type_name: &str,
    properties: &[&str],
    top: Option<u32>,
    skip_token: Option<&str>,
) -> Result<String, Error> {
    let mut path = format!(
        "/v1.0/directory/deletedItems/microsoft.graph.{type_name}?$select={}",
        properties.join(",")
    );
    if let Some(top) = top {
        if !(1..=MAX_DELETED_PAGE).contains(&top) {
            return Err(Error::InvalidArgument {
                message: format!(
                    "a page of deleted items holds 1 to {MAX_DELETED_PAGE} objects, not {top}"
                ),
            });
        }
        path.push_str(&format!("&$top={top}"));
    }
    if let Some(token) = skip_token {
        path.push_str("&$skiptoken=");
        path.push_str(&percent::query_value(token));
    }
    Ok(path)
}
