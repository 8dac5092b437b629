//! The list response (RFC 7644 §3.4.2): one page of resources with the totals and, for
//! cursor-paged endpoints (the B2C table's `skipToken`, SCIM cursor pagination), the next cursor.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::schema;

#[derive(Debug, Clone, PartialEq)]
pub struct ListResponse<T> {
    /// `None` only on a cursor page whose total is unknown (RFC 9865 lets it be omitted).
    pub total_results: Option<u64>,
    /// 1-based index of the first resource in this page; `None` on cursor pages, which have no index.
    pub start_index: Option<u64>,
    pub items_per_page: u64,
    pub resources: Vec<T>,
    /// Opaque token for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> ListResponse<T> {
    /// A page whose `itemsPerPage` is the number of resources it holds.
    pub fn new(resources: Vec<T>, total_results: u64, start_index: u64) -> Self {
        ListResponse {
            total_results: Some(total_results),
            start_index: Some(start_index),
            items_per_page: resources.len() as u64,
            resources,
            next_cursor: None,
        }
    }

    /// A page of cursor paging (RFC 9865): no `startIndex`, the total when known, and the
    /// cursor of the next page unless this is the last.
    pub fn cursor_page(resources: Vec<T>, total_results: Option<u64>, next_cursor: Option<String>) -> Self {
        ListResponse {
            total_results,
            start_index: None,
            items_per_page: resources.len() as u64,
            resources,
            next_cursor,
        }
    }

}

impl<T: Serialize> ListResponse<T> {
    /// `Resources` is always present, `[]` for an empty page: the RFC makes it REQUIRED only
    /// when totalResults is non-zero, but always sending it spares every client a special case.
    pub fn to_json(&self) -> Value {
        let mut body = Map::new();
        body.insert("schemas".into(), Value::from(vec![schema::LIST_RESPONSE]));
        if let Some(total) = self.total_results {
            body.insert("totalResults".into(), Value::from(total));
        }
        if let Some(start_index) = self.start_index {
            body.insert("startIndex".into(), Value::from(start_index));
        }
        body.insert("itemsPerPage".into(), Value::from(self.items_per_page));
        // A resource that cannot be serialised (only possible with non-string map keys) is
        // shown as null rather than failing the whole page.
        let resources = self
            .resources
            .iter()
            .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
            .collect();
        body.insert("Resources".into(), Value::Array(resources));
        if let Some(cursor) = &self.next_cursor {
            body.insert("nextCursor".into(), Value::from(cursor.as_str()));
        }
        Value::Object(body)
    }

    pub fn to_body(&self) -> Vec<u8> {
        serde_json::to_vec(&self.to_json()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shape_of_a_page() {
        let page = ListResponse {
            total_results: Some(5),
            start_index: Some(3),
            items_per_page: 2,
            resources: vec![json!({"id": "a"}), json!({"id": "b"})],
            next_cursor: None,
        };
        assert_eq!(
            page.to_json(),
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                "totalResults": 5,
                "startIndex": 3,
                "itemsPerPage": 2,
                "Resources": [{"id": "a"}, {"id": "b"}]
            })
        );
    }

    #[test]
    fn empty_page_still_has_resources() {
        let page: ListResponse<Value> = ListResponse::new(vec![], 0, 1);
        let v = page.to_json();
        assert_eq!(v["Resources"], json!([]));
        assert_eq!(v["totalResults"], 0);
        assert_eq!(v["itemsPerPage"], 0);
        assert!(v.get("nextCursor").is_none());
    }

    #[test]
    fn next_cursor_when_present() {
        let page = ListResponse::cursor_page(vec!["x"], Some(10), Some("tok==".into()));
        let v = page.to_json();
        assert_eq!(v["nextCursor"], "tok==");
        assert_eq!(v["itemsPerPage"], 1);
        assert_eq!(v["Resources"], json!(["x"]));
        let parsed: Value = serde_json::from_slice(&page.to_body()).unwrap();
        assert_eq!(parsed, v);
    }

    #[test]
    fn a_cursor_page_has_no_start_index_and_may_have_no_total() {
        let v = ListResponse::cursor_page(vec!["x"], None, Some("next".into())).to_json();
        assert!(v.get("startIndex").is_none() && v.get("totalResults").is_none(), "{v}");
        assert_eq!((v["itemsPerPage"].clone(), v["nextCursor"].clone()), (json!(1), json!("next")));
        let last = ListResponse::cursor_page(vec!["x"], Some(7), None).to_json();
        assert_eq!(last["totalResults"], 7);
        assert!(last.get("nextCursor").is_none());
    }

    #[test]
    fn typed_resources_serialize_with_their_own_names() {
        let user = crate::User::new("bjensen");
        let v = ListResponse::new(vec![user], 1, 1).to_json();
        assert_eq!(v["Resources"][0]["userName"], "bjensen");
        assert_eq!(v["Resources"][0]["schemas"], json!([schema::USER]));
    }
}
