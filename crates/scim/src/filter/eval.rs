//! Evaluating a [`Filter`] against a resource's JSON (RFC 7644 §3.4.2.2), for the few places
//! that must select values in memory: PATCH value paths (`emails[type eq "work"]`) above all.
//! Translation to Graph OData lives elsewhere; this is the reference meaning.

use serde_json::Value;
use std::cmp::Ordering;

use super::{AttrPath, CompValue, CompareOp, Filter};

/// Whether the attribute named by a path compares case-exactly (`caseExact` in RFC 7643 §2.2).
/// The path is absolute: inside `emails[type eq "work"]` the callback sees `emails.type`.
type CaseExact<'a> = &'a dyn Fn(&AttrPath) -> bool;

impl Filter {
    /// Whether `resource` (a SCIM resource's JSON) satisfies the filter. `case_exact` says
    /// which attributes compare case-exactly (`caseExact` in RFC 7643 §2.2); it sees absolute
    /// paths: inside `emails[type eq "work"]`, `emails.type`.
    ///
    /// Strings compare ignoring case unless `case_exact` says otherwise; a multi-valued
    /// attribute matches when any of its values does, and a complex value without a named
    /// sub-attribute is compared through its `value` (so `emails co "@example.com"` works);
    /// `ne` holds when no value is equal; `eq null` holds when the attribute is unassigned.
    /// Comparisons the RFC does not define (`gt` on booleans, `co` on numbers) are false.
    pub fn matches(&self, resource: &Value, case_exact: &dyn Fn(&AttrPath) -> bool) -> bool {
        eval(self, resource, None, case_exact)
    }

    /// Whether one value of the multi-valued `attribute` satisfies this value filter: the part
    /// between the brackets of `attribute[...]`, whose paths name sub-attributes.
    pub fn matches_value(
        &self,
        attribute: &AttrPath,
        value: &Value,
        case_exact: &dyn Fn(&AttrPath) -> bool,
    ) -> bool {
        eval(self, value, Some(attribute), case_exact)
    }
}

/// `scope` is the multi-valued attribute whose single value `v` is, inside a value filter.
fn eval(f: &Filter, v: &Value, scope: Option<&AttrPath>, case_exact: CaseExact<'_>) -> bool {
    match f {
        Filter::And(a, b) => eval(a, v, scope, case_exact) && eval(b, v, scope, case_exact),
        Filter::Or(a, b) => eval(a, v, scope, case_exact) || eval(b, v, scope, case_exact),
        Filter::Not(inner) => !eval(inner, v, scope, case_exact),
        Filter::Present(path) => resolve(v, path).into_iter().any(is_present),
        Filter::Compare { path, op, value } => {
            let exact = case_exact(&absolute(scope, path));
            let values = resolve(v, path);
            match (op, value) {
                (CompareOp::Eq, CompValue::Null) => values.is_empty(),
                (CompareOp::Ne, CompValue::Null) => !values.is_empty(),
                (CompareOp::Ne, _) => !values
                    .into_iter()
                    .any(|x| compare(x, CompareOp::Eq, value, exact)),
                _ => values.into_iter().any(|x| compare(x, *op, value, exact)),
            }
        }
        Filter::ValuePath { path, filter } => {
            let attribute = absolute(scope, path);
            elements(v, path)
                .into_iter()
                .any(|element| eval(filter, element, Some(&attribute), case_exact))
        }
    }
}

/// The path as seen from the resource: `type` inside `emails[...]` is `emails.type`.
fn absolute(scope: Option<&AttrPath>, path: &AttrPath) -> AttrPath {
    match scope {
        Some(outer) => AttrPath {
            schema: outer.schema.clone(),
            name: outer.name.clone(),
            sub: Some(path.name.clone()),
        },
        None => path.clone(),
    }
}

/// The member of an object named `name`, ignoring ASCII case (RFC 7643 §2.1); an exact
/// spelling wins if two members differ only in case.
pub(crate) fn member<'v>(object: &'v Value, name: &str) -> Option<&'v Value> {
    let map = object.as_object()?;
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// The object holding `path`'s attribute: the resource itself, or the extension object named
/// by the path's schema URN. A core schema URN (`urn:ietf:params:scim:schemas:core:...`) that
/// is not a member names the resource itself.
fn container<'v>(v: &'v Value, path: &AttrPath) -> Option<&'v Value> {
    match &path.schema {
        None => Some(v),
        Some(urn) => match member(v, urn) {
            Some(ext) if ext.is_object() => Some(ext),
            _ if urn.to_ascii_lowercase().contains(":core:") => Some(v),
            _ => None,
        },
    }
}

/// The attribute's value(s), multi-valued ones flattened, unassigned (null) ones dropped.
fn elements<'v>(v: &'v Value, path: &AttrPath) -> Vec<&'v Value> {
    let Some(attr) = container(v, path).and_then(|c| member(c, &path.name)) else {
        return Vec::new();
    };
    flatten(attr)
}

fn flatten(v: &Value) -> Vec<&Value> {
    match v {
        Value::Null => Vec::new(),
        Value::Array(items) => items.iter().filter(|x| !x.is_null()).collect(),
        _ => vec![v],
    }
}

/// The leaf values a comparison looks at: `path.sub` of each value, or a complex value's
/// `value` sub-attribute when no sub-attribute is named.
fn resolve<'v>(v: &'v Value, path: &AttrPath) -> Vec<&'v Value> {
    elements(v, path)
        .into_iter()
        .flat_map(|x| match (&path.sub, x) {
            (Some(sub), _) => member(x, sub).map(flatten).unwrap_or_default(),
            (None, Value::Object(_)) => member(x, "value").map(flatten).unwrap_or_default(),
            (None, _) => vec![x],
        })
        .collect()
}

fn is_present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        _ => true,
    }
}

fn compare(actual: &Value, op: CompareOp, expected: &CompValue, case_exact: bool) -> bool {
    match (actual, expected) {
        (Value::String(a), CompValue::Str(b)) if matches!(op, CompareOp::Eq | CompareOp::Ne) => {
            (op == CompareOp::Eq) == same_text(a, b, case_exact)
        }
        (Value::String(a), CompValue::Str(b)) => {
            let (a, b) = if case_exact {
                (a.clone(), b.clone())
            } else {
                (a.to_lowercase(), b.to_lowercase())
            };
            match op {
                CompareOp::Eq => a == b,
                CompareOp::Ne => a != b,
                CompareOp::Co => a.contains(&b),
                CompareOp::Sw => a.starts_with(&b),
                CompareOp::Ew => a.ends_with(&b),
                // Timestamps in the RFC's format order lexicographically, as do plain strings.
                _ => ordered(op, a.cmp(&b)),
            }
        }
        (Value::Number(a), CompValue::Num(b)) => match (a.as_f64(), b.as_f64()) {
            (Some(a), Some(b)) => a.partial_cmp(&b).is_some_and(|o| match op {
                CompareOp::Eq => o == Ordering::Equal,
                CompareOp::Ne => o != Ordering::Equal,
                CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
                _ => ordered(op, o),
            }),
            _ => false,
        },
        (Value::Bool(a), CompValue::Bool(b)) => match op {
            CompareOp::Eq => a == b,
            CompareOp::Ne => a != b,
            _ => false,
        },
        _ => false,
    }
}

/// String equality, ignoring case unless `case_exact`; no allocation for ASCII text, which is
/// what ids and most values are.
pub(crate) fn same_text(a: &str, b: &str, case_exact: bool) -> bool {
    if case_exact {
        a == b
    } else {
        a.eq_ignore_ascii_case(b)
            || (!(a.is_ascii() && b.is_ascii()) && a.to_lowercase() == b.to_lowercase())
    }
}

fn ordered(op: CompareOp, o: Ordering) -> bool {
    match op {
        CompareOp::Gt => o == Ordering::Greater,
        CompareOp::Ge => o != Ordering::Less,
        CompareOp::Lt => o == Ordering::Less,
        CompareOp::Le => o != Ordering::Greater,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::parse;
    use serde_json::json;

    fn user() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "2819c223",
            "userName": "BJensen",
            "active": true,
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [
                {"value": "bjensen@Example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            "loginCount": 42,
            "meta": {"lastModified": "2011-05-13T04:42:34Z"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "employeeNumber": "701984",
                "manager": {"value": "26118915"}
            }
        })
    }

    fn never(_: &AttrPath) -> bool {
        false
    }

    fn holds(filter: &str) -> bool {
        parse(filter).unwrap().matches(&user(), &never)
    }

    #[test]
    fn strings_compare_ignoring_case_unless_case_exact() {
        assert!(holds(r#"userName eq "bjensen""#));
        assert!(holds(r#"USERNAME Eq "BJENSEN""#), "names and operators too");
        let f = parse(r#"userName eq "bjensen""#).unwrap();
        assert!(!f.matches(&user(), &|p: &AttrPath| p.matches("userName")));
        let f = parse(r#"userName eq "BJensen""#).unwrap();
        assert!(f.matches(&user(), &|p: &AttrPath| p.matches("userName")));
    }

    #[test]
    fn every_operator_on_strings_numbers_and_booleans() {
        for (filter, expected) in [
            (r#"userName ne "x""#, true),
            (r#"userName ne "bjensen""#, false),
            (r#"userName co "jen""#, true),
            (r#"userName sw "bj""#, true),
            (r#"userName sw "je""#, false),
            (r#"userName ew "SEN""#, true),
            (r#"userName gt "a""#, true),
            (r#"userName lt "a""#, false),
            (r#"meta.lastModified gt "2011-05-13T04:42:33Z""#, true),
            (r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, true),
            (r#"meta.lastModified lt "2011-05-13T04:42:34Z""#, false),
            (r#"meta.lastModified le "2011-05-13T04:42:34Z""#, true),
            ("loginCount eq 42", true),
            ("loginCount gt 41.5", true),
            ("loginCount le 41", false),
            ("loginCount co 4", false),
            ("active eq true", true),
            ("active ne true", false),
            ("active gt false", false),
            (r#"active eq "true""#, false),
            (r#"loginCount eq "42""#, false),
        ] {
            assert_eq!(holds(filter), expected, "{filter}");
        }
    }

    #[test]
    fn presence_and_null() {
        assert!(holds("title eq null"));
        assert!(!holds("userName eq null"));
        assert!(holds("userName ne null"));
        assert!(!holds("title pr"));
        assert!(holds("name.givenName pr"));
        assert!(holds("emails pr"));
        let v = json!({"title": "", "roles": [], "x": null});
        for f in ["title pr", "roles pr", "x pr"] {
            assert!(!parse(f).unwrap().matches(&v, &never), "{f}");
        }
    }

    #[test]
    fn multi_valued_attributes_match_when_any_value_does() {
        assert!(holds(r#"emails.value ew "jensen.org""#));
        assert!(
            holds(r#"emails co "example.com""#),
            "complex without sub: value"
        );
        assert!(holds(r#"emails.type eq "home""#));
        assert!(!holds(r#"emails.type eq "other""#));
        assert!(!holds(r#"emails.type ne "home""#), "ne: no value is equal");
    }

    #[test]
    fn value_paths_select_one_value() {
        assert!(holds(
            r#"emails[type eq "work" and value co "example.com"]"#
        ));
        assert!(!holds(
            r#"emails[type eq "home" and value co "example.com"]"#
        ));
        assert!(holds(r#"emails[not (primary eq true)]"#));
        let inner = match parse(r#"emails[type eq "WORK"]"#).unwrap() {
            Filter::ValuePath { filter, .. } => filter,
            other => panic!("{other:?}"),
        };
        let emails = AttrPath::new("emails");
        let work = &user()["emails"][0];
        let home = &user()["emails"][1];
        assert!(inner.matches_value(&emails, work, &never));
        assert!(!inner.matches_value(&emails, home, &never));
        // The case-exact callback sees the absolute path.
        let seen = std::cell::RefCell::new(Vec::new());
        let record = |p: &AttrPath| {
            seen.borrow_mut().push(p.to_string());
            true
        };
        assert!(!inner.matches_value(&emails, work, &record));
        assert_eq!(seen.borrow().as_slice(), ["emails.type"]);
    }

    #[test]
    fn schema_prefixes_name_the_extension_or_the_core() {
        assert!(holds(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#
        ));
        assert!(holds(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915""#
        ));
        assert!(holds(
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bjensen""#
        ));
        assert!(!holds(
            r#"urn:example:other:1.0:User:userName eq "bjensen""#
        ));
        assert!(
            !holds(r#"employeeNumber eq "701984""#),
            "not a core attribute"
        );
    }

    #[test]
    fn case_insensitive_equality_covers_non_ascii_text() {
        assert!(same_text("ÉLODIE", "élodie", false));
        assert!(!same_text("ÉLODIE", "élodie", true));
        assert!(same_text("Straße", "STRAßE", false));
        assert!(!same_text("a", "b", false));
        let v = json!({"displayName": "Élodie"});
        assert!(
            parse(r#"displayName eq "éLODIE""#)
                .unwrap()
                .matches(&v, &never)
        );
        assert!(
            !parse(r#"displayName ne "éLODIE""#)
                .unwrap()
                .matches(&v, &never)
        );
    }

    #[test]
    fn logic() {
        assert!(holds(r#"userName eq "x" or active eq true"#));
        assert!(!holds(r#"userName eq "x" and active eq true"#));
        assert!(holds(r#"not (userName eq "x")"#));
    }
}
