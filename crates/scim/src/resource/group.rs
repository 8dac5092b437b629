//! The Group resource (RFC 7643 §4.2).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::body::{self, Shape};
use super::common::{MemberRef, Meta, null_as_empty};
use super::user::{MEMBER_REF_SHAPE, META_SHAPE};
use crate::error::ScimError;
use crate::schema;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub schemas: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub members: Vec<MemberRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Every other top-level member, kept as sent (extension objects under their URN).
    #[serde(flatten)]
    pub extensions: Map<String, Value>,
}

impl Group {
    pub fn new(display_name: impl Into<String>) -> Self {
        Group {
            schemas: vec![schema::GROUP.to_string()],
            display_name: Some(display_name.into()),
            ..Group::default()
        }
    }

    /// Parses a create/replace request body; the same rules as
    /// [`User::from_request_body`](super::User::from_request_body), with `displayName` required.
    pub fn from_request_body(body: &[u8]) -> Result<Group, ScimError> {
        let group: Group = body::parse(body, GROUP_SHAPE, schema::GROUP, "Group")?;
        if group
            .display_name
            .as_deref()
            .is_none_or(|n| n.trim().is_empty())
        {
            return Err(ScimError::invalid_value("displayName is required"));
        }
        Ok(group)
    }

    /// Sets `schemas` to the core Group URN plus the URN of each extension object.
    pub fn fill_schemas(&mut self) {
        let mut schemas = vec![schema::GROUP.to_string()];
        schemas.extend(body::extension_urns(&self.extensions));
        self.schemas = schemas;
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

pub(super) const GROUP_SHAPE: Shape = Shape::complex::<Group>(&[
    ("schemas", Shape::Leaf),
    ("id", Shape::Leaf),
    ("externalId", Shape::Leaf),
    ("displayName", Shape::Leaf),
    ("members", MEMBER_REF_SHAPE),
    ("meta", META_SHAPE),
]);
