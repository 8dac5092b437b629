//! The query string of a list request (RFC 7644 §3.4.2) in both route styles: standard SCIM
//! (`filter`, `startIndex`, `count`, ...) and the B2C table's (`Filter`, `count`, `skipToken`).
//! Names are matched ignoring case; unknown parameters are ignored. The same parameters also
//! arrive as the JSON body of `POST .../.search` (RFC 7644 §3.4.3), checked by the same rules.

use serde_json::Value;

use crate::error::ScimError;
use crate::filter::{self, Filter};
use crate::percent::decode_query_component;
use crate::schema;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    Ascending,
    Descending,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub filter: Option<Filter>,
    /// 1-based; values below 1 become 1 (RFC 7644 §3.4.2.4).
    pub start_index: u64,
    pub count: Option<u64>,
    pub skip_token: Option<String>,
    pub cursor: Option<String>,
    pub attributes: Vec<String>,
    pub excluded_attributes: Vec<String>,
    pub sort_by: Option<String>,
    pub sort_order: Option<SortOrder>,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            filter: None,
            start_index: 1,
            count: None,
            skip_token: None,
            cursor: None,
            attributes: Vec::new(),
            excluded_attributes: Vec::new(),
            sort_by: None,
            sort_order: None,
        }
    }
}

impl ListQuery {
    /// Whether a resource answered for this query carries `attribute` (or some sub-attribute of
    /// it), so a caller can skip fetching what the projection would drop. Only an exclusion of
    /// the whole attribute drops it; `attributes` may name it or one of its sub-attributes.
    pub fn wants(&self, attribute: &str) -> bool {
        let attribute = attribute.to_ascii_lowercase();
        let excluded = self.excluded_attributes.iter().any(|a| a.eq_ignore_ascii_case(&attribute));
        let named = self.attributes.iter().any(|a| {
            let a = a.to_ascii_lowercase();
            a == attribute || a.starts_with(&format!("{attribute}."))
        });
        !excluded && (self.attributes.is_empty() || named)
    }

    /// Parses `filter=...&count=...` (with or without a leading '?'). Bad numbers and
    /// repeated parameters are 400 `invalidValue` naming the parameter; a bad filter is 400
    /// `invalidFilter`. Empty values count as absent.
    pub fn from_query_string(query: &str) -> Result<ListQuery, ScimError> {
        let query = query.strip_prefix('?').unwrap_or(query);
        let mut q = ListQuery::default();
        let mut seen: Vec<&'static str> = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let Some(name) = decode_query_component(raw_name) else {
                continue; // a name that is not UTF-8 cannot be one of ours
            };
            let Some(param) = Param::from_name(&name) else {
                continue;
            };
            param.first_time(&mut seen)?;
            let value = decode_query_component(raw_value).ok_or_else(|| {
                ScimError::invalid_value(format!(
                    "query parameter {} is not valid UTF-8 after percent-decoding",
                    param.canonical()
                ))
            })?;
            q.set(param, value)?;
        }
        Ok(q)
    }

    /// Parses the SearchRequest body of `POST /Users/.search` or `/Groups/.search` (RFC 7644
    /// §3.4.3). `schemas`, when present, must list
    /// `urn:ietf:params:scim:api:messages:2.0:SearchRequest`. `attributes` and
    /// `excludedAttributes` are arrays of strings (a comma-separated string is accepted too);
    /// numbers may be JSON numbers or strings; `null` counts as absent. Malformed JSON or wrong
    /// `schemas` are 400 `invalidSyntax`; otherwise the errors are those of
    /// [`from_query_string`](Self::from_query_string), plus 400 `invalidValue` for a member of
    /// the wrong JSON type.
    pub fn from_search_request(body: &[u8]) -> Result<ListQuery, ScimError> {
        let body: Value = serde_json::from_slice(body).map_err(|e| {
            ScimError::invalid_syntax(format!("the SearchRequest body is not valid JSON: {e}"))
        })?;
        let Value::Object(members) = body else {
            return Err(ScimError::invalid_syntax(
                "the SearchRequest body must be a JSON object",
            ));
        };
        let mut q = ListQuery::default();
        let mut seen: Vec<&'static str> = Vec::new();
        for (name, value) in &members {
            if name.eq_ignore_ascii_case("schemas") {
                check_search_request_schemas(value)?;
                continue;
            }
            let Some(param) = Param::from_name(name) else {
                continue;
            };
            param.first_time(&mut seen)?;
            let wrong_type = || {
                ScimError::invalid_value(format!(
                    "SearchRequest member {} has the wrong JSON type",
                    param.canonical()
                ))
            };
            let text = match (param, value) {
                (_, Value::Null) => continue,
                (_, Value::String(s)) => s.clone(),
                (Param::StartIndex | Param::Count, Value::Number(n)) => n.to_string(),
                (Param::Attributes | Param::ExcludedAttributes, Value::Array(items)) => items
                    .iter()
                    .map(|i| i.as_str().ok_or_else(wrong_type))
                    .collect::<Result<Vec<_>, _>>()?
                    .join(","),
                _ => return Err(wrong_type()),
            };
            q.set(param, text)?;
        }
        Ok(q)
    }

    /// One parameter's value, as text; the single place where values are checked, whichever
    /// form the request took. Empty values count as absent, except `cursor`: an empty cursor asks
    /// for the first page of cursor paging (RFC 9865).
    fn set(&mut self, param: Param, value: String) -> Result<(), ScimError> {
        if value.trim().is_empty() {
            if matches!(param, Param::Cursor) {
                self.cursor = Some(String::new());
            }
            return Ok(());
        }
        match param {
            Param::Filter => self.filter = Some(filter::parse(&value)?),
            Param::StartIndex => self.start_index = parse_start_index(&value)?,
            Param::Count => self.count = Some(parse_count(&value)?),
            Param::SkipToken => self.skip_token = Some(value),
            Param::Cursor => self.cursor = Some(value),
            Param::Attributes => self.attributes = split_list(&value),
            Param::ExcludedAttributes => self.excluded_attributes = split_list(&value),
            Param::SortBy => self.sort_by = Some(value.trim().to_string()),
            Param::SortOrder => self.sort_order = Some(parse_sort_order(&value)?),
        }
        Ok(())
    }
}

fn check_search_request_schemas(value: &Value) -> Result<(), ScimError> {
    let listed = value.as_array().is_some_and(|items| {
        items.iter().any(|s| {
            s.as_str()
                .is_some_and(|s| schema::urn_eq(s, schema::SEARCH_REQUEST))
        })
    });
    if listed {
        Ok(())
    } else {
        Err(ScimError::invalid_syntax(format!(
            "a SearchRequest's schemas must be an array listing {}",
            schema::SEARCH_REQUEST
        )))
    }
}

#[derive(Clone, Copy)]
enum Param {
    Filter,
    StartIndex,
    Count,
    SkipToken,
    Cursor,
    Attributes,
    ExcludedAttributes,
    SortBy,
    SortOrder,
}

impl Param {
    const ALL: [Param; 9] = [
        Param::Filter,
        Param::StartIndex,
        Param::Count,
        Param::SkipToken,
        Param::Cursor,
        Param::Attributes,
        Param::ExcludedAttributes,
        Param::SortBy,
        Param::SortOrder,
    ];

    fn canonical(self) -> &'static str {
        match self {
            Param::Filter => "filter",
            Param::StartIndex => "startIndex",
            Param::Count => "count",
            Param::SkipToken => "skipToken",
            Param::Cursor => "cursor",
            Param::Attributes => "attributes",
            Param::ExcludedAttributes => "excludedAttributes",
            Param::SortBy => "sortBy",
            Param::SortOrder => "sortOrder",
        }
    }

    /// A repeated parameter is ambiguous (which one did the caller mean?), so it is refused
    /// rather than one silently picked.
    fn first_time(self, seen: &mut Vec<&'static str>) -> Result<(), ScimError> {
        if seen.contains(&self.canonical()) {
            return Err(ScimError::invalid_value(format!(
                "query parameter {} is given more than once",
                self.canonical()
            )));
        }
        seen.push(self.canonical());
        Ok(())
    }

    fn from_name(name: &str) -> Option<Param> {
        Self::ALL
            .into_iter()
            .find(|p| p.canonical().eq_ignore_ascii_case(name))
    }
}

/// Any integer is accepted; below 1 means 1 (RFC 7644 §3.4.2.4).
fn parse_start_index(value: &str) -> Result<u64, ScimError> {
    let v = value.trim();
    if let Ok(n) = v.parse::<u64>() {
        return Ok(n.max(1));
    }
    if v.starts_with('-') && v[1..].chars().all(|c| c.is_ascii_digit()) && v.len() > 1 {
        return Ok(1);
    }
    Err(ScimError::invalid_value(format!(
        "query parameter startIndex must be an integer, got {value:?}"
    )))
}

fn parse_count(value: &str) -> Result<u64, ScimError> {
    value.trim().parse::<u64>().map_err(|_| {
        ScimError::invalid_value(format!(
            "query parameter count must be a non-negative integer, got {value:?}"
        ))
    })
}

fn parse_sort_order(value: &str) -> Result<SortOrder, ScimError> {
    match value.trim() {
        v if v.eq_ignore_ascii_case("ascending") => Ok(SortOrder::Ascending),
        v if v.eq_ignore_ascii_case("descending") => Ok(SortOrder::Descending),
        _ => Err(ScimError::invalid_value(format!(
            "query parameter sortOrder must be \"ascending\" or \"descending\", got {value:?}"
        ))),
    }
}

/// `attributes=userName,name.givenName` (RFC 7644 §3.9): comma-separated, spaces trimmed.
fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ScimType;
    use crate::filter::{AttrPath, CompValue, CompareOp};

    fn q(s: &str) -> ListQuery {
        ListQuery::from_query_string(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn bad(s: &str) -> ScimError {
        ListQuery::from_query_string(s).unwrap_err()
    }

    #[test]
    fn empty_query_gives_defaults() {
        for s in ["", "?", "&&"] {
            assert_eq!(q(s), ListQuery::default());
        }
        assert_eq!(ListQuery::default().start_index, 1);
    }

    #[test]
    fn standard_scim_parameters() {
        let got = q(
            "filter=userName%20eq%20%22bjensen%22&startIndex=11&count=5&attributes=userName,%20name.givenName&excludedAttributes=emails&sortBy=meta.created&sortOrder=descending",
        );
        assert_eq!(
            got.filter,
            Some(Filter::compare(
                AttrPath::new("userName"),
                CompareOp::Eq,
                CompValue::Str("bjensen".into())
            ))
        );
        assert_eq!(got.start_index, 11);
        assert_eq!(got.count, Some(5));
        assert_eq!(got.attributes, vec!["userName", "name.givenName"]);
        assert_eq!(got.excluded_attributes, vec!["emails"]);
        assert_eq!(got.sort_by.as_deref(), Some("meta.created"));
        assert_eq!(got.sort_order, Some(SortOrder::Descending));
        assert_eq!(got.skip_token, None);
        assert_eq!(got.cursor, None);
    }

    #[test]
    fn b2c_table_style_with_capitalised_names_and_plus_spaces() {
        let got = q(
            "Filter=AuditLogStartTime+eq+2024-01-01T00:00:00Z+and+AuditLogEndTime+eq+2024-01-02T00:00:00Z",
        );
        assert!(
            matches!(got.filter, Some(Filter::And(..))),
            "{:?}",
            got.filter
        );
        let got = q("?filter=displayName+sw+%22A%22&count=100&skipToken=X%2BY%3D%3D");
        assert_eq!(got.count, Some(100));
        assert_eq!(got.skip_token.as_deref(), Some("X+Y=="));
        assert_eq!(got.filter.unwrap().to_string(), r#"displayName sw "A""#);
    }

    #[test]
    fn names_are_case_insensitive() {
        let got =
            q("STARTINDEX=2&Count=3&SKIPTOKEN=t&Cursor=c&SortOrder=Ascending&sortby=userName");
        assert_eq!((got.start_index, got.count), (2, Some(3)));
        assert_eq!(got.skip_token.as_deref(), Some("t"));
        assert_eq!(got.cursor.as_deref(), Some("c"));
        assert_eq!(got.sort_order, Some(SortOrder::Ascending));
        assert_eq!(got.sort_by.as_deref(), Some("userName"));
    }

    #[test]
    fn start_index_below_one_becomes_one() {
        assert_eq!(q("startIndex=0").start_index, 1);
        assert_eq!(q("startIndex=-5").start_index, 1);
        assert_eq!(q("startIndex=1").start_index, 1);
    }

    #[test]
    fn bad_numbers_name_the_parameter() {
        for (s, name) in [
            ("count=abc", "count"),
            ("count=-1", "count"),
            ("count=1.5", "count"),
            ("startIndex=abc", "startIndex"),
            ("startIndex=-", "startIndex"),
            ("startIndex=99999999999999999999999", "startIndex"),
        ] {
            let e = bad(s);
            assert_eq!(
                (e.status, e.scim_type),
                (400, Some(ScimType::InvalidValue)),
                "{s}"
            );
            assert!(e.detail.contains(name), "{s}: {}", e.detail);
        }
        let e = bad("sortOrder=up");
        assert!(e.detail.contains("sortOrder"), "{}", e.detail);
    }

    #[test]
    fn count_zero_is_valid() {
        assert_eq!(q("count=0").count, Some(0));
    }

    #[test]
    fn bad_filter_is_invalid_filter() {
        let e = bad("filter=userName+eq");
        assert_eq!(
            (e.status, e.scim_type),
            (400, Some(ScimType::InvalidFilter))
        );
    }

    #[test]
    fn empty_values_count_as_absent() {
        let got = q("filter=&count=&startIndex=&attributes=");
        assert_eq!(got, ListQuery::default());
    }

    #[test]
    fn repeated_parameters_are_refused() {
        let e = bad("count=1&Count=2");
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
        assert!(e.detail.contains("count"), "{}", e.detail);
    }

    #[test]
    fn unknown_parameters_are_ignored() {
        assert_eq!(q("foo=bar&$top=3"), ListQuery::default());
    }

    #[test]
    fn literal_percent_and_encoded_ampersand_in_filter() {
        let got = q("filter=displayName+co+%22R%26D+50%%22");
        assert_eq!(
            got.filter.unwrap().to_string(),
            r#"displayName co "R&D 50%""#
        );
    }

    #[test]
    fn invalid_utf8_value_is_refused() {
        let e = bad("filter=%FF");
        assert!(
            e.detail.contains("filter") && e.detail.contains("UTF-8"),
            "{}",
            e.detail
        );
    }

    // ---- SearchRequest bodies (POST .../.search) ----

    fn search(body: &str) -> ListQuery {
        ListQuery::from_search_request(body.as_bytes()).unwrap_or_else(|e| panic!("{body}: {e}"))
    }

    fn bad_search(body: &str) -> ScimError {
        ListQuery::from_search_request(body.as_bytes())
            .err()
            .unwrap_or_else(|| panic!("{body} was accepted"))
    }

    #[test]
    fn search_request_with_every_field() {
        let got = search(
            r#"{
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                "attributes": ["displayName", "userName"],
                "excludedAttributes": ["emails"],
                "filter": "displayName sw \"smith\"",
                "sortBy": "userName",
                "sortOrder": "descending",
                "startIndex": 11,
                "count": 10,
                "cursor": "abc"
            }"#,
        );
        assert_eq!(got.attributes, vec!["displayName", "userName"]);
        assert_eq!(got.excluded_attributes, vec!["emails"]);
        assert_eq!(
            got.filter.map(|f| f.to_string()).as_deref(),
            Some(r#"displayName sw "smith""#)
        );
        assert_eq!(got.sort_by.as_deref(), Some("userName"));
        assert_eq!(got.sort_order, Some(SortOrder::Descending));
        assert_eq!((got.start_index, got.count), (11, Some(10)));
        assert_eq!(got.cursor.as_deref(), Some("abc"));
        assert_eq!(got.skip_token, None);
    }

    #[test]
    fn search_request_attribute_lists_as_array_or_comma_separated_string() {
        let from_array = search(r#"{"attributes": ["userName", " name.givenName "]}"#);
        let from_string = search(r#"{"attributes": "userName, name.givenName"}"#);
        assert_eq!(from_array.attributes, vec!["userName", "name.givenName"]);
        assert_eq!(from_string.attributes, from_array.attributes);
        let got = search(r#"{"excludedAttributes": "emails,groups"}"#);
        assert_eq!(got.excluded_attributes, vec!["emails", "groups"]);
        assert_eq!(
            search(r#"{"attributes": []}"#).attributes,
            Vec::<String>::new()
        );
    }

    #[test]
    fn search_request_schemas_may_be_absent_and_names_ignore_case() {
        let got = search(r#"{"COUNT": 3, "StartIndex": "2", "sortorder": "Ascending"}"#);
        assert_eq!((got.start_index, got.count), (2, Some(3)));
        assert_eq!(got.sort_order, Some(SortOrder::Ascending));
        assert_eq!(search("{}"), ListQuery::default());
        assert_eq!(
            search(r#"{"schemas": ["URN:IETF:PARAMS:SCIM:API:MESSAGES:2.0:SEARCHREQUEST"]}"#),
            ListQuery::default()
        );
    }

    #[test]
    fn search_request_nulls_and_unknown_members_are_ignored() {
        let got = search(r#"{"filter": null, "count": null, "foo": [1], "startIndex": 0}"#);
        assert_eq!(got, ListQuery::default());
    }

    #[test]
    fn search_request_malformed_json_or_wrong_schemas_is_invalid_syntax() {
        for body in [
            "",
            "{",
            "[]",
            r#""filter""#,
            r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}"#,
            r#"{"schemas": "urn:ietf:params:scim:api:messages:2.0:SearchRequest"}"#,
            r#"{"schemas": []}"#,
        ] {
            let e = bad_search(body);
            assert_eq!(
                (e.status, e.scim_type),
                (400, Some(ScimType::InvalidSyntax)),
                "{body}: {e}"
            );
        }
    }

    #[test]
    fn search_request_bad_filter_is_invalid_filter() {
        let e = bad_search(r#"{"filter": "userName eq"}"#);
        assert_eq!(
            (e.status, e.scim_type),
            (400, Some(ScimType::InvalidFilter))
        );
    }

    #[test]
    fn search_request_bad_values_are_invalid_value_naming_the_member() {
        for (body, name) in [
            (r#"{"count": -1}"#, "count"),
            (r#"{"count": 1.5}"#, "count"),
            (r#"{"count": "abc"}"#, "count"),
            (r#"{"count": true}"#, "count"),
            (r#"{"startIndex": "x"}"#, "startIndex"),
            (r#"{"startIndex": 99999999999999999999999}"#, "startIndex"),
            (r#"{"sortOrder": "up"}"#, "sortOrder"),
            (r#"{"filter": 5}"#, "filter"),
            (r#"{"attributes": ["userName", 5]}"#, "attributes"),
            (r#"{"excludedAttributes": {"a": 1}}"#, "excludedAttributes"),
            (r#"{"count": 1, "Count": 2}"#, "count"),
        ] {
            let e = bad_search(body);
            assert_eq!(
                (e.status, e.scim_type),
                (400, Some(ScimType::InvalidValue)),
                "{body}: {e}"
            );
            assert!(e.detail.contains(name), "{body}: {}", e.detail);
        }
    }

    #[test]
    fn search_request_and_query_string_agree() {
        let body = search(
            r#"{"filter": "userName eq \"bjensen\"", "startIndex": -3, "count": 0,
                "attributes": ["userName"], "sortBy": "meta.created"}"#,
        );
        let query = q(
            "filter=userName+eq+%22bjensen%22&startIndex=-3&count=0&attributes=userName&sortBy=meta.created",
        );
        assert_eq!(body, query);
        assert_eq!(body.start_index, 1);
    }

    #[test]
    fn wants_follows_attributes_and_exclusions() {
        let q = |query: &str| ListQuery::from_query_string(query).unwrap();
        assert!(q("").wants("members"));
        assert!(!q("excludedAttributes=Members").wants("members"));
        assert!(q("excludedAttributes=members.display").wants("members"), "only part of it is excluded");
        assert!(q("attributes=displayName,members.value").wants("members"));
        assert!(!q("attributes=displayName").wants("members"));
    }

    #[test]
    fn an_empty_cursor_asks_for_cursor_paging() {
        let q = ListQuery::from_query_string("cursor&count=5").unwrap();
        assert_eq!(q.cursor.as_deref(), Some(""));
        assert_eq!(ListQuery::from_query_string("cursor=").unwrap().cursor.as_deref(), Some(""));
        assert_eq!(ListQuery::from_query_string("count=5").unwrap().cursor, None);
    }
}
