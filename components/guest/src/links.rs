//! The B2C table's member and owner queries (`GET /v1.0/groups/EIDExtension/MemberQuery/{Id}`,
//! `.../OwnerQuery/{Id}`): one page of a group's direct members or owners, each with its id,
//! type (`user`, `group`, `servicePrincipal`, ...) and display name, paged by Graph's skiptoken.

use graph::DirectoryObject;
use scim::error::ScimError;
use scim::list::ListResponse;
use scim::query::ListQuery;
use serde_json::{Map, Value, json};

use crate::paging::CursorPage;
use crate::{Call, Connection, Reply};

/// Which links of a group a query reads.
#[derive(Clone, Copy)]
pub enum GroupLinks {
    Members,
    Owners,
}

impl GroupLinks {
    /// Answers the query in `call` (`count`, `skipToken` or `cursor`) for the group `{id}`.
    pub async fn answer(self, call: Call) -> Result<Reply, ScimError> {
        let query = ListQuery::from_query_string(&call.query)?;
        let cursor = query.cursor.clone().or_else(|| query.skip_token.clone()).unwrap_or_default();
        let group_id = call.param("id");
        let connection = Connection::open().await?;
        let graph = connection.graph();
        let page = CursorPage::fetch(&cursor, query.count, |top, token| {
            let graph = &graph;
            async move {
                let page = match self {
                    GroupLinks::Members => graph.list_members(group_id, top, token.as_deref()).await,
                    GroupLinks::Owners => graph.list_owners(group_id, top, token.as_deref()).await,
                };
                page.map_err(|e| scim_graph::scim_error(&e))
            }
        })
        .await?;
        let total = page.known_total(&cursor);
        let links = page.items.iter().map(|object| link(object, &call.location_base)).collect();
        let mut body = ListResponse::cursor_page(links, total, page.next_cursor).to_json();
        body["groupId"] = json!(group_id);
        Ok(Reply::ok(body))
    }
}

/// `{"id", "type", "displayName", "$ref"}`: `$ref` only for users and groups, which have SCIM resources.
fn link(object: &DirectoryObject, location_base: &str) -> Value {
    let mut link = Map::new();
    link.insert("id".into(), json!(object.id));
    link.insert("type".into(), json!(object.type_name().unwrap_or("directoryObject")));
    if let Some(name) = &object.display_name {
        link.insert("displayName".into(), json!(name));
    }
    if let Some(location) = scim_graph::scim_location(object, location_base) {
        link.insert("$ref".into(), json!(location));
    }
    Value::Object(link)
}
