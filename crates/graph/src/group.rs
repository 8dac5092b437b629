//! The Graph group as the connector reads it, and the directory objects its members and owners
//! relationships list. Like [`User`](crate::User), `other` keeps whatever else Graph sent.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::user::null_as_empty;

/// Every group property the connector reads, sent as `$select`. All are served on list requests
/// (unlike e.g. `allowExternalSenders` or `autoSubscribeNewMembers`, which Graph returns only on a
/// single-group GET and which would fail a whole list).
pub const GROUP_PROPERTIES: &[&str] = &[
    "id",
    "displayName",
    "description",
    "mailNickname",
    "mailEnabled",
    "securityEnabled",
    "groupTypes",
    "mail",
    "visibility",
    "createdDateTime",
    "deletedDateTime",
];

/// What members and owners listings ask for: the id, the name and (always sent) `@odata.type`.
pub const DIRECTORY_OBJECT_PROPERTIES: &[&str] = &["id", "displayName"];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Group {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail_nickname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_enabled: Option<bool>,
    /// `Unified` (a Microsoft 365 group), `DynamicMembership`; empty for a plain security group.
    #[serde(
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub group_types: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail: Option<String>,
    /// `Public`, `Private`, `HiddenMembership`; security groups often have none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_date_time: Option<String>,
    /// When the group went to deleted items (Microsoft 365 groups only: security groups are
    /// deleted for good); null on live groups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_date_time: Option<String>,
    /// Everything Graph sent that has no typed field (`@odata.context`, `proxyAddresses`, ...).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Group {
    /// A Microsoft 365 group (it has a mailbox and holds users only).
    pub fn is_unified(&self) -> bool {
        self.group_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case("Unified"))
    }
}

/// A member or owner: `{"@odata.type":"#microsoft.graph.user","id":..,"displayName":..}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryObject {
    #[serde(
        rename = "@odata.type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub odata_type: Option<String>,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// What a directory object is, as far as the connector cares: users and groups have SCIM
/// resources; everything else (devices, contacts, ...) travels under its Graph type name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    User,
    Group,
    ServicePrincipal,
    Other,
}

impl ObjectKind {
    /// The kind a Graph type name names (`user`, `Group`, `servicePrincipal`; any case), as
    /// `@odata.type` and audit log target types spell them.
    pub fn named(type_name: &str) -> ObjectKind {
        match type_name {
            t if t.eq_ignore_ascii_case("user") => ObjectKind::User,
            t if t.eq_ignore_ascii_case("group") => ObjectKind::Group,
            t if t.eq_ignore_ascii_case("servicePrincipal") => ObjectKind::ServicePrincipal,
            _ => ObjectKind::Other,
        }
    }
}

impl DirectoryObject {
    pub fn kind(&self) -> ObjectKind {
        self.type_name().map_or(ObjectKind::Other, ObjectKind::named)
    }

    /// The type as Graph names it without its namespace: `user`, `servicePrincipal`, `orgContact`.
    pub fn type_name(&self) -> Option<&str> {
        graph_type_name(self.odata_type.as_deref()?)
    }
}

/// `#microsoft.graph.user` -> `user`: an `@odata.type` without its `#` and namespace.
pub(crate) fn graph_type_name(odata_type: &str) -> Option<&str> {
    let full = odata_type.trim();
    let full = full.strip_prefix('#').unwrap_or(full);
    let name = match full.get(..16) {
        Some(prefix) if prefix.eq_ignore_ascii_case("microsoft.graph.") => &full[16..],
        _ => full,
    };
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(odata_type: Option<&str>) -> DirectoryObject {
        DirectoryObject {
            odata_type: odata_type.map(str::to_string),
            id: "x".into(),
            display_name: None,
        }
    }

    #[test]
    fn kind_and_type_name_come_from_the_odata_type() {
        let cases = [
            (
                Some("#microsoft.graph.user"),
                ObjectKind::User,
                Some("user"),
            ),
            (
                Some("#microsoft.graph.group"),
                ObjectKind::Group,
                Some("group"),
            ),
            (
                Some("#microsoft.graph.servicePrincipal"),
                ObjectKind::ServicePrincipal,
                Some("servicePrincipal"),
            ),
            (
                Some("#microsoft.graph.orgContact"),
                ObjectKind::Other,
                Some("orgContact"),
            ),
            (
                Some("#Microsoft.Graph.User"),
                ObjectKind::User,
                Some("User"),
            ),
            (
                Some("microsoft.graph.device"),
                ObjectKind::Other,
                Some("device"),
            ),
            (Some("#"), ObjectKind::Other, None),
            (None, ObjectKind::Other, None),
        ];
        for (odata_type, kind, name) in cases {
            let o = object(odata_type);
            assert_eq!((o.kind(), o.type_name()), (kind, name), "{odata_type:?}");
        }
    }

    #[test]
    fn unified_is_read_from_group_types() {
        let mut group = Group::default();
        assert!(!group.is_unified());
        group.group_types = vec!["DynamicMembership".into(), "Unified".into()];
        assert!(group.is_unified());
    }
}
