//! Lookups in JSON objects by SCIM name: attribute names and schema URNs are case-insensitive
//! (RFC 7643 §2.1), so requests may spell them in any case.

use serde_json::{Map, Value};

/// The member of `object` named `name`, ignoring ASCII case.
pub(crate) fn member_named<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}
