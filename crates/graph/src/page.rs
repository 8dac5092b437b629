//! One page of a Graph collection, and the skip token that asks for the next one. Callers keep
//! only the token (it fits in a SCIM cursor or a job checkpoint), not the whole next link.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::percent;

#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub value: Vec<T>,
    /// `@odata.nextLink` as Graph sent it; `None` on the last page.
    pub next_link: Option<String>,
    /// The decoded `$skiptoken` from `next_link`, ready to pass back in a query.
    pub skip_token: Option<String>,
    /// `@odata.count`, present when the request asked for `$count=true`.
    pub count: Option<u64>,
}

#[derive(Deserialize)]
struct RawPage<T> {
    #[serde(default = "Vec::new")]
    value: Vec<T>,
    #[serde(rename = "@odata.nextLink", default)]
    next_link: Option<String>,
    #[serde(rename = "@odata.count", default)]
    count: Option<u64>,
}

impl<T: DeserializeOwned> Page<T> {
    pub(crate) fn from_json(body: &[u8]) -> Result<Self, serde_json::Error> {
        Ok(Self::from_raw(serde_json::from_slice(body)?))
    }

    /// A page answered inside a `$batch` response.
    pub(crate) fn from_value(body: serde_json::Value) -> Result<Self, serde_json::Error> {
        Ok(Self::from_raw(serde_json::from_value(body)?))
    }

    fn from_raw(raw: RawPage<T>) -> Self {
        let skip_token = raw.next_link.as_deref().and_then(skip_token_from_next_link);
        Page {
            value: raw.value,
            next_link: raw.next_link,
            skip_token,
            count: raw.count,
        }
    }
}

/// The decoded value of the `$skiptoken` query parameter of a Graph next link (matched
/// case-insensitively, as Graph's own parameter names are).
pub fn skip_token_from_next_link(next_link: &str) -> Option<String> {
    let query = next_link.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    query.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        let name = percent::decode(name);
        name.eq_ignore_ascii_case("$skiptoken")
            .then(|| percent::decode(value))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_token_is_found_among_other_parameters_and_decoded() {
        let link = "https://graph.microsoft.com/v1.0/users?$select=id&$top=2&$skiptoken=RFNwdAIA%2BAQ%3D%3D&$count=true";
        assert_eq!(
            skip_token_from_next_link(link).as_deref(),
            Some("RFNwdAIA+AQ==")
        );
        let encoded_name = "https://x/v1.0/users?%24skiptoken=abc";
        assert_eq!(
            skip_token_from_next_link(encoded_name).as_deref(),
            Some("abc")
        );
        assert_eq!(
            skip_token_from_next_link("https://x/v1.0/users?$SkipToken=Q").as_deref(),
            Some("Q")
        );
    }

    #[test]
    fn no_skip_token_without_the_parameter() {
        assert_eq!(
            skip_token_from_next_link("https://x/v1.0/users?$top=5"),
            None
        );
        assert_eq!(skip_token_from_next_link("https://x/v1.0/users"), None);
        assert_eq!(
            skip_token_from_next_link("https://x/v1.0/users?$skiptokenx=1"),
            None
        );
    }

    #[test]
    fn page_reads_value_count_and_next_link() {
        let body = br#"{"@odata.context":"c","@odata.count":7,"@odata.nextLink":"https://x/v1.0/users?$skiptoken=T1","value":[1,2]}"#;
        let page: Page<u32> = Page::from_json(body).unwrap();
        assert_eq!(page.value, vec![1, 2]);
        assert_eq!(page.count, Some(7));
        assert_eq!(page.skip_token.as_deref(), Some("T1"));
        let last: Page<u32> = Page::from_json(br#"{"value":[]}"#).unwrap();
        assert_eq!(
            (last.next_link, last.skip_token, last.count),
            (None, None, None)
        );
    }
}
