//! SCIM's index paging (`startIndex`, `count`) over Graph's continuation tokens: fetch pages until
//! the window is in hand, never more than a bounded number of pages for one answer, and learn
//! the total only when Graph has more than the window holds.

use graph::Page;
use scim::error::{ScimError, ScimType};

/// A page when the caller names no `count`.
pub const DEFAULT_COUNT: u64 = 100;
/// Graph's largest `$top`.
pub const GRAPH_MAX_TOP: u64 = 999;
/// Skipping to a far `startIndex` costs a Graph page per 999 objects; past this, the caller is
/// asked to page in smaller steps rather than have one request read a whole tenant.
const MAX_PAGES_PER_ANSWER: usize = 10;

/// The objects at `start_index..start_index + count` (1-based).
pub struct Window<T> {
    pub items: Vec<T>,
    /// How many objects the pages held, from the first on: the total when Graph has no more.
    pub seen: u64,
    /// Whether Graph has more pages; the total must then be asked for.
    pub more: bool,
}

impl<T> Window<T> {
    /// Fetches with `fetch(top, skip_token)` until the window is filled or Graph runs out.
    pub async fn fetch<F, Fut>(start_index: u64, count: Option<u64>, mut fetch: F) -> Result<Window<T>, ScimError>
    where
        F: FnMut(u32, Option<String>) -> Fut,
        Fut: Future<Output = Result<Page<T>, ScimError>>,
    {
        let count = count.unwrap_or(DEFAULT_COUNT).min(GRAPH_MAX_TOP);
        let skip = start_index.saturating_sub(1);
        let wanted = skip + count;
        let mut items = Vec::new();
        let mut skip_token = None;
        for page_number in 0.. {
            if page_number == MAX_PAGES_PER_ANSWER {
                return Err(ScimError::new(
                    400,
                    Some(ScimType::TooMany),
                    format!("startIndex {start_index} is too far to reach in one request; page with smaller steps"),
                ));
            }
            let top = (wanted - (items.len() as u64).min(wanted)).clamp(1, GRAPH_MAX_TOP) as u32;
            let page = fetch(top, skip_token.take()).await?;
            items.extend(page.value);
            skip_token = page.skip_token;
            if skip_token.is_none() || items.len() as u64 >= wanted {
                break;
            }
        }
        let seen = items.len() as u64;
        let items = items.into_iter().skip(skip as usize).take(count as usize).collect();
        Ok(Window { items, seen, more: skip_token.is_some() })
    }
}
