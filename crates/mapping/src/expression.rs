//! One `source` expression of a map: parsed once, when the map loads, into an RFC 9535 query
//! (evaluated by jsonpath-rust) and, where the expression is simple enough, into the steps that
//! write a value back to where the query would find it.

use jsonpath_rust::parser::model::{
    Comparable, Comparison, Filter, FilterAtom, FnArg, JpQuery, Literal, Segment, Selector,
    SingularQuery, SingularQuerySegment, Test, TestFunction,
};
use jsonpath_rust::parser::parse_json_path;
use jsonpath_rust::query::js_path_process;
use serde_json::{Map, Value};

use crate::normalise::normalise;

/// A map's `source`: the text as written, its RFC 9535 form, the query parsed from it, and how
/// to write a value back through it (or why that cannot be done).
#[derive(Debug, Clone)]
pub struct Expression {
    as_written: String,
    normalised: String,
    query: JpQuery,
    write_path: Result<WritePath, String>,
}

/// Where a value is written: through some members (and array elements), then into one member.
#[derive(Debug, Clone)]
struct WritePath {
    through: Vec<Step>,
    leaf: String,
}

/// A member on the way, and, when that member is an array, the element of it to go into.
#[derive(Debug, Clone)]
struct Step {
    member: String,
    element: Option<ElementWhere>,
}

/// The element whose member `key` equals `value` (`[?@.type=='work']`).
#[derive(Debug, Clone)]
struct ElementWhere {
    key: String,
    value: Value,
}

/// Why an expression failed to parse: the parser's message, about the normalised text.
#[derive(Debug)]
pub(crate) struct ParseFailure {
    pub(crate) reason: String,
}

impl Expression {
    /// Normalises a seed expression and parses it; a failure says what the parser saw.
    pub(crate) fn parse(as_written: &str) -> Result<Expression, ParseFailure> {
        let normalised = normalise(as_written);
        let query = parse_json_path(&normalised).map_err(|err| ParseFailure {
            reason: format!("as {normalised:?}: {err}"),
        })?;
        let write_path = write_path(&query);
        Ok(Expression {
            as_written: as_written.to_string(),
            normalised,
            query,
            write_path,
        })
    }

    /// The expression as the map file has it.
    pub fn as_written(&self) -> &str {
        &self.as_written
    }

    /// The RFC 9535 text that was parsed.
    pub fn normalised(&self) -> &str {
        &self.normalised
    }

    /// Whether `reverse` can write a value back through this expression: only member names and
    /// filters of the form `[?@.member == literal]` after an array member, ending on a member.
    pub fn is_reversible(&self) -> bool {
        self.write_path.is_ok()
    }

    /// Why the expression cannot be written back, when it cannot.
    pub fn not_reversible_because(&self) -> Option<&str> {
        self.write_path.as_ref().err().map(String::as_str)
    }

    /// The first value the query finds, if it finds one that is not null. SCIM treats null as
    /// unassigned (RFC 7643 §2.5), so a null is reported as nothing found.
    pub(crate) fn first_match<'a>(&self, document: &'a Value) -> Option<&'a Value> {
        // The seeds' expressions are all simple paths: walking them directly gives what the
        // query gives, at a fraction of the cost (inventories apply every map to every object).
        if let Ok(path) = &self.write_path
            && path.walkable()
        {
            return path.read(document);
        }
        self.query_first_match(document)
    }

    /// `first_match` by the RFC 9535 evaluator, whatever the expression.
    fn query_first_match<'a>(&self, document: &'a Value) -> Option<&'a Value> {
        // Only a query whose result is a computed value (a function at the top) errs; the
        // grammar does not allow that for a whole query, so an error is "nothing found" too.
        let found = js_path_process(&self.query, document).ok()?;
        found.into_iter().map(|r| r.val).find(|v| !v.is_null())
    }

    /// Every member name the query mentions, filters included: what a document must spell this
    /// way for the query to see it (see `spelling`).
    pub(crate) fn member_names(&self) -> Vec<&str> {
        let mut names = Vec::new();
        segment_names(&self.query.segments, &mut names);
        names
    }

    /// Writes `value` into `resource` where the query would find it, creating the objects,
    /// arrays and array elements on the way.
    pub(crate) fn write(
        &self,
        resource: &mut Map<String, Value>,
        value: Value,
    ) -> Result<(), WriteFailure> {
        let path = self
            .write_path
            .as_ref()
            .map_err(|reason| WriteFailure::NotReversible(reason.clone()))?;
        path.write(resource, value)
    }
}

#[derive(Debug)]
pub(crate) enum WriteFailure {
    /// Why the expression cannot be written back.
    NotReversible(String),
    /// The place, or a place on the way, holds something else already.
    Conflict,
}

fn write_path(query: &JpQuery) -> Result<WritePath, String> {
    let mut through: Vec<Step> = Vec::new();
    for segment in &query.segments {
        let selector = match segment {
            Segment::Selector(selector) => selector,
            Segment::Selectors(selectors) if selectors.len() == 1 => &selectors[0],
            Segment::Selectors(_) => return Err("it selects several members at once".into()),
            Segment::Descendant(_) => return Err("it searches descendants (`..`)".into()),
        };
        match selector {
            Selector::Name(name) => through.push(Step {
                member: name.clone(),
                element: None,
            }),
            Selector::Filter(filter) => {
                let array = through
                    .last_mut()
                    .filter(|step| step.element.is_none())
                    .ok_or("a filter must follow the name of an array")?;
                let (key, value) = equality_on_member(filter)
                    .ok_or("its filter is not a single `@.member == literal` comparison")?;
                array.element = Some(ElementWhere { key, value });
            }
            Selector::Wildcard => return Err("it has a wildcard (`*`)".into()),
            Selector::Index(_) => return Err("it selects an array element by position".into()),
            Selector::Slice(..) => return Err("it selects a slice of an array".into()),
        }
    }
    match through.pop() {
        Some(Step {
            member,
            element: None,
        }) => Ok(WritePath {
            through,
            leaf: member,
        }),
        Some(_) => Err("it ends on an array element, not a member".into()),
        None => Err("it selects the whole resource".into()),
    }
}

impl WritePath {
    /// Whether `read` finds what the query finds: comparisons with numbers are left to the
    /// query, whose numeric equality (`1 == 1.0`) JSON values do not share.
    fn walkable(&self) -> bool {
        self.through.iter().all(|step| step.element.as_ref().is_none_or(|element| !element.value.is_number()))
    }

    /// The first non-null value the path leads to, as RFC 9535 evaluates it: a name selects a
    /// member of an object (nothing elsewhere); a filter selects the matching elements of an
    /// array, or member values of an object; each selected node is followed in order.
    fn read<'a>(&self, document: &'a Value) -> Option<&'a Value> {
        fn walk<'a>(value: &'a Value, through: &[Step], leaf: &str) -> Option<&'a Value> {
            let Some((step, rest)) = through.split_first() else {
                return value.as_object()?.get(leaf).filter(|v| !v.is_null());
            };
            let member = value.as_object()?.get(&step.member)?;
            match &step.element {
                None => walk(member, rest, leaf),
                Some(wanted) => {
                    let candidates: Box<dyn Iterator<Item = &Value>> = match member {
                        Value::Array(elements) => Box::new(elements.iter()),
                        Value::Object(members) => Box::new(members.values()),
                        _ => return None,
                    };
                    candidates
                        .filter(|candidate| candidate.as_object().and_then(|c| c.get(&wanted.key)) == Some(&wanted.value))
                        .find_map(|candidate| walk(candidate, rest, leaf))
                }
            }
        }
        walk(document, &self.through, &self.leaf)
    }

    fn write(&self, resource: &mut Map<String, Value>, value: Value) -> Result<(), WriteFailure> {
        let mut object = resource;
        for step in &self.through {
            let key = existing_key(object, &step.member).unwrap_or_else(|| step.member.clone());
            object = match &step.element {
                None => object
                    .entry(key)
                    .or_insert_with(|| Value::Object(Map::new()))
                    .as_object_mut()
                    .ok_or(WriteFailure::Conflict)?,
                Some(wanted) => {
                    let array = object
                        .entry(key)
                        .or_insert_with(|| Value::Array(Vec::new()))
                        .as_array_mut()
                        .ok_or(WriteFailure::Conflict)?;
                    wanted.element_in(array)?
                }
            };
        }
        let key = existing_key(object, &self.leaf).unwrap_or_else(|| self.leaf.clone());
        match object.get(&key) {
            Some(existing) if *existing != value => Err(WriteFailure::Conflict),
            _ => {
                object.insert(key, value);
                Ok(())
            }
        }
    }
}

impl ElementWhere {
    /// The element of `array` this selects, added when there is none yet.
    fn element_in<'a>(
        &self,
        array: &'a mut Vec<Value>,
    ) -> Result<&'a mut Map<String, Value>, WriteFailure> {
        let matches = |element: &Value| {
            element.as_object().is_some_and(|e| {
                existing_key(e, &self.key).is_some_and(|k| e.get(&k) == Some(&self.value))
            })
        };
        let position = match array.iter().position(matches) {
            Some(position) => position,
            None => {
                let mut element = Map::new();
                element.insert(self.key.clone(), self.value.clone());
                array.push(Value::Object(element));
                array.len() - 1
            }
        };
        array[position]
            .as_object_mut()
            .ok_or(WriteFailure::Conflict)
    }
}

/// `@.key == literal` (either way round, possibly in parentheses) -> (key, literal).
fn equality_on_member(filter: &Filter) -> Option<(String, Value)> {
    let atom = match filter {
        Filter::Atom(atom) => atom,
        Filter::Or(parts) | Filter::And(parts) if parts.len() == 1 => {
            return equality_on_member(&parts[0]);
        }
        Filter::Or(_) | Filter::And(_) => return None,
    };
    match atom {
        FilterAtom::Filter { expr, not: false } => equality_on_member(expr),
        FilterAtom::Comparison(comparison) => match comparison.as_ref() {
            Comparison::Eq(left, right) => match (left, right) {
                (Comparable::SingularQuery(query), Comparable::Literal(literal))
                | (Comparable::Literal(literal), Comparable::SingularQuery(query)) => {
                    Some((own_member(query)?, literal_value(literal)))
                }
                _ => None,
            },
            _ => None,
        },
        FilterAtom::Filter { not: true, .. } | FilterAtom::Test { .. } => None,
    }
}

/// `@.name` -> `name`: a member of the element itself, not of something deeper or of the root.
fn own_member(query: &SingularQuery) -> Option<String> {
    match query {
        SingularQuery::Current(segments) => match segments.as_slice() {
            [SingularQuerySegment::Name(name)] => Some(name.clone()),
            _ => None,
        },
        SingularQuery::Root(_) => None,
    }
}

fn literal_value(literal: &Literal) -> Value {
    match literal {
        Literal::Int(i) => Value::from(*i),
        Literal::Float(f) => Value::from(*f),
        Literal::String(s) => Value::from(s.as_str()),
        Literal::Bool(b) => Value::from(*b),
        Literal::Null => Value::Null,
    }
}

/// The key of `object` that is `name` ignoring case: SCIM names are case-insensitive, so two
/// targets spelling one member differently (`externalId`, `externalID`) write one member.
fn existing_key(object: &Map<String, Value>, name: &str) -> Option<String> {
    object
        .keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
}

fn segment_names<'a>(segments: &'a [Segment], names: &mut Vec<&'a str>) {
    for segment in segments {
        match segment {
            Segment::Descendant(inner) => {
                segment_names(std::slice::from_ref(inner.as_ref()), names)
            }
            Segment::Selector(selector) => selector_names(selector, names),
            Segment::Selectors(selectors) => {
                selectors.iter().for_each(|s| selector_names(s, names))
            }
        }
    }
}

fn selector_names<'a>(selector: &'a Selector, names: &mut Vec<&'a str>) {
    match selector {
        Selector::Name(name) => names.push(name),
        Selector::Filter(filter) => filter_names(filter, names),
        Selector::Wildcard | Selector::Index(_) | Selector::Slice(..) => {}
    }
}

fn filter_names<'a>(filter: &'a Filter, names: &mut Vec<&'a str>) {
    match filter {
        Filter::Or(parts) | Filter::And(parts) => parts.iter().for_each(|p| filter_names(p, names)),
        Filter::Atom(FilterAtom::Filter { expr, .. }) => filter_names(expr, names),
        Filter::Atom(FilterAtom::Test { expr, .. }) => test_names(expr, names),
        Filter::Atom(FilterAtom::Comparison(comparison)) => {
            let (left, right) = comparison.vals();
            comparable_names(left, names);
            comparable_names(right, names);
        }
    }
}

fn test_names<'a>(test: &'a Test, names: &mut Vec<&'a str>) {
    match test {
        Test::RelQuery(segments) => segment_names(segments, names),
        Test::AbsQuery(query) => segment_names(&query.segments, names),
        Test::Function(function) => function_names(function, names),
    }
}

fn comparable_names<'a>(comparable: &'a Comparable, names: &mut Vec<&'a str>) {
    match comparable {
        Comparable::Literal(_) => {}
        Comparable::Function(function) => function_names(function, names),
        Comparable::SingularQuery(
            SingularQuery::Current(segments) | SingularQuery::Root(segments),
        ) => {
            for segment in segments {
                if let SingularQuerySegment::Name(name) = segment {
                    names.push(name);
                }
            }
        }
    }
}

fn function_names<'a>(function: &'a TestFunction, names: &mut Vec<&'a str>) {
    let args: Vec<&FnArg> = match function {
        TestFunction::Custom(_, args) => args.iter().collect(),
        TestFunction::Length(arg) => vec![arg.as_ref()],
        TestFunction::Value(arg) | TestFunction::Count(arg) => vec![arg],
        TestFunction::Search(a, b) | TestFunction::Match(a, b) => vec![a, b],
    };
    for arg in args {
        match arg {
            FnArg::Literal(_) => {}
            FnArg::Test(test) => test_names(test, names),
            FnArg::Filter(filter) => filter_names(filter, names),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Builtin;
    use serde_json::json;

    /// Documents that test the walk's edges: several matching elements (the first with a
    /// null), a filter over an object's members, values of the wrong kind, case differences.
    fn awkward_documents() -> Vec<Value> {
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut documents: Vec<Value> = std::fs::read_dir(fixtures)
            .unwrap()
            .flatten()
            .map(|entry| serde_json::from_str(&std::fs::read_to_string(entry.path()).unwrap()).unwrap())
            .collect();
        documents.extend([
            json!({ "phoneNumbers": [{ "type": "work", "value": null }, { "type": "work", "value": "+1 555" }] }),
            json!({ "phoneNumbers": { "a": { "type": "mobile", "value": "+2" }, "b": { "type": "work" } } }),
            json!({ "phoneNumbers": "not an array", "name": ["not", "an", "object"], "emails": [1, "x", null] }),
            json!({ "emails": [{ "type": "Work", "value": "upper@x" }, { "Type": "work", "value": "key@x" }] }),
            json!({ "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "manager": { "value": null } } }),
            json!({ "userName": false, "title": 0, "name": { "givenName": "" } }),
            json!([{ "userName": "an array at the top" }]),
        ]);
        documents
    }

    #[test]
    fn walking_a_path_finds_what_the_query_finds() {
        let mut walked = 0;
        for builtin in Builtin::ALL {
            let text: toml::Table = builtin.text().parse().unwrap();
            for row in text["attribute"].as_array().unwrap() {
                let expression = Expression::parse(row["source"].as_str().unwrap()).unwrap();
                let Ok(path) = &expression.write_path else { continue };
                assert!(path.walkable(), "{}", expression.as_written());
                walked += 1;
                for document in awkward_documents() {
                    assert_eq!(
                        path.read(&document),
                        expression.query_first_match(&document),
                        "{} over {document}",
                        expression.as_written()
                    );
                }
            }
        }
        assert!(walked >= 60, "every seed row is walked: {walked}");
    }

    #[test]
    fn numeric_comparisons_are_left_to_the_query() {
        let expression = Expression::parse("items[?@.rank==1].name").unwrap();
        assert!(!expression.write_path.as_ref().unwrap().walkable());
        let document = json!({ "items": [{ "rank": 1.0, "name": "first" }] });
        assert_eq!(expression.first_match(&document), Some(&json!("first")), "1 == 1.0 in JSONPath");
    }
}
