//! SCIM attribute names are case-insensitive (RFC 7643 §2.1) but JSONPath names are not: the B2C
//! group table reads `externalID`, our Group has `externalId`. Before a map reads a resource,
//! each member name the resource spells differently from the map is made reachable under the
//! map's spelling too, so every expression sees the member whatever its case.

use std::borrow::Cow;

use serde_json::{Map, Value};

/// The spellings a map uses for each member name, grouped by the name ignoring case. Found by a
/// case-insensitive hash in a sorted list, so checking a key allocates nothing: an inventory
/// checks every key of every object it maps.
#[derive(Debug, Clone, Default)]
pub(crate) struct Spellings {
    by_caseless_hash: Vec<(u64, Vec<String>)>,
}

impl Spellings {
    pub(crate) fn of<'a>(names: impl IntoIterator<Item = &'a str>) -> Spellings {
        let mut by_caseless_hash: Vec<(u64, Vec<String>)> = Vec::new();
        for name in names {
            let hash = caseless_hash(name);
            let group = by_caseless_hash.iter_mut().find(|(h, group)| *h == hash && group[0].eq_ignore_ascii_case(name));
            match group {
                Some((_, group)) if group.iter().any(|s| s == name) => {}
                Some((_, group)) => group.push(name.to_string()),
                None => by_caseless_hash.push((hash, vec![name.to_string()])),
            }
        }
        by_caseless_hash.sort_by_key(|(hash, _)| *hash);
        Spellings { by_caseless_hash }
    }

    /// `document` with each member also present under the map's spellings of its name, where the
    /// object does not have that exact key already. Borrowed when nothing needed adding, which
    /// is the common case: our resources and the seeds' maps mostly agree.
    pub(crate) fn align<'a>(&self, document: &'a Value) -> Cow<'a, Value> {
        // Checked first, so that the common case copies nothing.
        if !self.needs_alignment(document) {
            return Cow::Borrowed(document);
        }
        match document {
            Value::Object(object) => {
                let mut changed = false;
                let mut aligned = Map::new();
                for (key, value) in object {
                    let value = self.align(value);
                    changed |= matches!(value, Cow::Owned(_));
                    for spelling in self.other_spellings(key) {
                        if !object.contains_key(spelling) && !aligned.contains_key(spelling) {
                            aligned.insert(spelling.clone(), value.clone().into_owned());
                            changed = true;
                        }
                    }
                    aligned.insert(key.clone(), value.into_owned());
                }
                if changed {
                    Cow::Owned(Value::Object(aligned))
                } else {
                    Cow::Borrowed(document)
                }
            }
            Value::Array(elements) => {
                let aligned: Vec<Cow<Value>> = elements.iter().map(|e| self.align(e)).collect();
                if aligned.iter().any(|e| matches!(e, Cow::Owned(_))) {
                    Cow::Owned(Value::Array(
                        aligned.into_iter().map(Cow::into_owned).collect(),
                    ))
                } else {
                    Cow::Borrowed(document)
                }
            }
            _ => Cow::Borrowed(document),
        }
    }

    fn needs_alignment(&self, document: &Value) -> bool {
        match document {
            Value::Object(object) => object.iter().any(|(key, value)| {
                self.other_spellings(key).any(|spelling| !object.contains_key(spelling)) || self.needs_alignment(value)
            }),
            Value::Array(elements) => elements.iter().any(|element| self.needs_alignment(element)),
            _ => false,
        }
    }

    fn other_spellings<'s>(&'s self, key: &'s str) -> impl Iterator<Item = &'s String> + 's {
        let hash = caseless_hash(key);
        let first = self.by_caseless_hash.partition_point(|(h, _)| *h < hash);
        self.by_caseless_hash[first..]
            .iter()
            .take_while(move |(h, _)| *h == hash)
            .filter(move |(_, group)| group[0].eq_ignore_ascii_case(key))
            .flat_map(|(_, group)| group)
            .filter(move |spelling| spelling.as_str() != key)
    }
}

/// FNV-1a over the name's bytes in ASCII lower case: equal for names equal ignoring case.
fn caseless_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use serde_json::json;

    use super::Spellings;

    #[test]
    fn a_member_is_added_under_the_maps_spelling() {
        let spellings = Spellings::of(["externalID", "value"]);
        let group = json!({"externalId": "g1", "members": [{"Value": "u1"}]});
        assert_eq!(
            spellings.align(&group).into_owned(),
            json!({
                "externalId": "g1", "externalID": "g1",
                "members": [{"Value": "u1", "value": "u1"}]
            })
        );
    }

    #[test]
    fn a_document_that_already_agrees_is_borrowed() {
        let spellings = Spellings::of(["externalId", "name", "givenName"]);
        let user = json!({"externalId": "u1", "name": {"givenName": "Ada"}});
        assert!(matches!(spellings.align(&user), Cow::Borrowed(_)));
    }

    #[test]
    fn an_exact_key_wins_over_another_case() {
        let spellings = Spellings::of(["title"]);
        let user = json!({"Title": "wrong case", "title": "right case"});
        assert_eq!(spellings.align(&user)["title"], "right case");
    }
}
