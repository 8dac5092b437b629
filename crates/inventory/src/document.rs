//! Documents for the inbox, and the seed's membership/ownership document shape.

use graph::{DirectoryObject, ObjectKind};
use serde::Serialize;
use serde_json::value::RawValue;

/// One document for the warehouse's inbox.
#[derive(Clone, Debug)]
pub struct Document {
    /// `user`, `group`, `membership`, `ownership`, `user-deleted`, `group-deleted`.
    pub kind: &'static str,
    /// The Graph object the document is about (for memberships and ownerships, the group).
    pub object_id: String,
    /// The document as JSON text: made that way, not as a tree, since text is what the inbox
    /// stores and an inventory makes one per object of the tenant.
    pub json: Box<RawValue>,
}

impl Document {
    /// A document of `value`, which serialises to a JSON object.
    pub fn of(kind: &'static str, object_id: String, value: &impl Serialize) -> Document {
        let json = serde_json::value::to_raw_value(value).expect("documents are plain data");
        Document { kind, object_id, json }
    }

    /// The document as a JSON tree (for checks).
    pub fn value(&self) -> serde_json::Value {
        serde_json::from_str(self.json.get()).expect("a document is JSON")
    }
}

impl PartialEq for Document {
    fn eq(&self, other: &Document) -> bool {
        (self.kind, &self.object_id, self.json.get()) == (other.kind, &other.object_id, other.json.get())
    }
}

/// A group's members or owners, exactly as the seed shows them: `{"groupId": "...", "members":
/// [{"id": "...", "type": "user"}]}` (or `"owners"`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkDocument {
    #[serde(rename = "groupId")]
    pub group_id: String,
    #[serde(flatten)]
    pub links: Links,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Links {
    Members(Vec<LinkedObject>),
    Owners(Vec<LinkedObject>),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkedObject {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
}

impl LinkedObject {
    pub fn of(object: &DirectoryObject) -> LinkedObject {
        LinkedObject { id: object.id.clone(), kind: member_type(object).to_string() }
    }
}

/// The seed's type names: `user`, `group`, and `serviceaccount` for service principals; other
/// directory objects (devices, contacts) keep Graph's type name in lower case.
pub fn member_type(object: &DirectoryObject) -> String {
    match seed_type(object.kind()) {
        Some(name) => name.into(),
        None => object.type_name().unwrap_or("directoryobject").to_ascii_lowercase(),
    }
}

/// The seed's name for the kinds of object it names.
pub(crate) fn seed_type(kind: ObjectKind) -> Option<&'static str> {
    match kind {
        ObjectKind::User => Some("user"),
        ObjectKind::Group => Some("group"),
        ObjectKind::ServicePrincipal => Some("serviceaccount"),
        ObjectKind::Other => None,
    }
}
