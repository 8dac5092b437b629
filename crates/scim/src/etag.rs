//! Resource versions (RFC 7644 §3.14): a weak entity tag computed from the resource's content,
//! so it changes exactly when the resource does, whatever order its JSON members come in. Graph
//! keeps no version for users or groups, hence a digest of what SCIM returns.

use serde_json::Value;

use crate::projection::{ResourceKind, project};

/// The weak entity tag of a resource: `W/"<16 hex digits>"`, over everything but `meta` and the
/// attributes returned only on request (a group's owners), so a representation with them has
/// the version of one without, and either can be sent back in `If-Match`.
pub fn version_of(resource: &Value) -> String {
    let mut digest = Fnv1a::default();
    let kind = resource
        .pointer("/meta/resourceType")
        .and_then(Value::as_str)
        .and_then(ResourceKind::from_resource_type);
    let content = match kind {
        Some(kind) => project(resource, &[], &[], kind),
        None => resource.clone(),
    };
    match content {
        Value::Object(mut members) => {
            members.remove("meta");
            digest.value(&Value::Object(members));
        }
        other => digest.value(&other),
    }
    format!("W/\"{:016x}\"", digest.0)
}

/// Sets `meta.version` on the resource and returns it.
pub fn stamp(resource: &mut Value) -> String {
    let version = version_of(resource);
    if let Value::Object(members) = resource {
        let meta = members.entry("meta").or_insert_with(|| Value::Object(Default::default()));
        if let Value::Object(meta) = meta {
            meta.insert("version".into(), Value::String(version.clone()));
        }
    }
    version
}

/// Whether an `If-Match` / `If-None-Match` header value names `version`: `*`, or a list of
/// tags compared weakly (RFC 9110 §8.8.3.2: the `W/` prefix does not matter).
pub fn matches(header: &str, version: &str) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
    header.split(',').any(|tag| tag.trim() == "*" || opaque(tag) == opaque(version))
}

/// FNV-1a over a canonical walk of the JSON (object members sorted by key).
#[derive(Clone, Copy)]
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    fn bytes(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn value(&mut self, value: &Value) {
        match value {
            Value::Null => self.bytes(b"n"),
            Value::Bool(b) => self.bytes(if *b { b"t" } else { b"f" }),
            Value::Number(n) => {
                self.bytes(b"#");
                self.bytes(n.to_string().as_bytes());
            }
            Value::String(s) => {
                self.bytes(b"\"");
                self.bytes(&(s.len() as u64).to_le_bytes());
                self.bytes(s.as_bytes());
            }
            Value::Array(items) => {
                self.bytes(b"[");
                self.bytes(&(items.len() as u64).to_le_bytes());
                items.iter().for_each(|item| self.value(item));
            }
            Value::Object(members) => {
                let mut keys: Vec<&String> = members.keys().collect();
                keys.sort();
                self.bytes(b"{");
                self.bytes(&(keys.len() as u64).to_le_bytes());
                for key in keys {
                    self.bytes(&(key.len() as u64).to_le_bytes());
                    self.bytes(key.as_bytes());
                    self.value(&members[key]);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn version_follows_content_not_order_or_meta() {
        let a = json!({"id": "1", "userName": "a", "name": {"givenName": "A", "familyName": "B"}, "meta": {"location": "x"}});
        let b = json!({"name": {"familyName": "B", "givenName": "A"}, "userName": "a", "id": "1", "meta": {"location": "y"}});
        assert_eq!(version_of(&a), version_of(&b));
        let c = json!({"id": "1", "userName": "b", "name": {"givenName": "A", "familyName": "B"}});
        assert_ne!(version_of(&a), version_of(&c));
        assert!(version_of(&a).starts_with("W/\"") && version_of(&a).len() == 20);
    }

    #[test]
    fn owners_returned_on_request_do_not_change_a_groups_version() {
        let ext = crate::schema::AZURE_AD_GROUP;
        let group = json!({"id": "g", "displayName": "G", "meta": {"resourceType": "Group"}, ext: {"description": "d"}});
        let mut with_owners = group.clone();
        with_owners[ext]["owners"] = json!([{"value": "o1"}]);
        assert_eq!(version_of(&group), version_of(&with_owners));
        let mut changed = group.clone();
        changed[ext]["description"] = json!("e");
        assert_ne!(version_of(&group), version_of(&changed));
    }

    #[test]
    fn nesting_and_types_are_distinguished() {
        assert_ne!(version_of(&json!({"a": ["b"]})), version_of(&json!({"a": "b"})));
        assert_ne!(version_of(&json!({"a": 1})), version_of(&json!({"a": "1"})));
        assert_ne!(version_of(&json!({"ab": "c"})), version_of(&json!({"a": "bc"})));
    }

    #[test]
    fn stamp_sets_meta_version() {
        let mut user = json!({"id": "1", "meta": {"resourceType": "User"}});
        let version = stamp(&mut user);
        assert_eq!(user["meta"]["version"], json!(version));
        assert_eq!(user["meta"]["resourceType"], "User");
        assert_eq!(version_of(&user), version, "stamping does not change the version");
    }

    #[test]
    fn header_matching_is_weak_and_accepts_lists_and_star() {
        let v = "W/\"00000000000000ff\"";
        assert!(matches(v, v));
        assert!(matches("\"00000000000000ff\"", v));
        assert!(matches("W/\"1\", W/\"00000000000000ff\"", v));
        assert!(matches("*", v));
        assert!(!matches("W/\"0000000000000000\"", v));
    }
}
