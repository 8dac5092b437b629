//! SCIM's index paging (`startIndex`, `count`) over Graph's continuation tokens: fetch pages until
//! the window is in hand, never more than a bounded number of pages for one answer, and learn
//! the total only when Graph has more than the window holds.

use graph::Page;
use scim::error::{ScimError, ScimType};

/// A page when the caller names no `count`, as /ServiceProviderConfig announces.
pub const DEFAULT_COUNT: u64 = scim::discovery::DEFAULT_PAGE_SIZE;
/// Graph's largest `$top`, announced as the largest page.
pub const GRAPH_MAX_TOP: u64 = scim::discovery::MAX_PAGE_SIZE;
/// Skipping to a far `startIndex` costs a Graph page per 999 objects; past this, the caller is
/// asked to page in smaller steps rather than have one request read a whole tenant.
const MAX_PAGES_PER_ANSWER: usize = 10;

/// The objects at `start_index..start_index + count` (1-based).
pub struct Window<T> {
    pub items: Vec<T>,
    /// How many objects the pages held, from the first on: the total when Graph has no more.
    pub seen: u64,
    /// Graph's token for the page after the window, when it has more: the total must then be
    /// asked for, or counted.
    pub next: Option<String>,
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
        Ok(Window { items, seen, next: skip_token })
    }
}

/// The cursor a list request pages by, if it pages by cursor: RFC 9865's `cursor` (empty for
/// the first page), the B2C table's `skipToken`, or any request to its `EIDExtension/Paged` routes.
pub fn requested_cursor(call: &crate::Call, query: &scim::query::ListQuery) -> Option<String> {
    query
        .cursor
        .clone()
        .or_else(|| query.skip_token.clone())
        .or_else(|| call.route_template().ends_with("/EIDExtension/Paged").then(String::new))
}

/// One page of cursor paging (RFC 9865 `cursor` / `nextCursor`, and the B2C table's
/// `skipToken`): Graph's own continuation token is the cursor, so no state is kept anywhere.
pub struct CursorPage<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> CursorPage<T> {
    /// The page after `cursor` (the first page when it is empty).
    pub async fn fetch<F, Fut>(cursor: &str, count: Option<u64>, fetch: F) -> Result<CursorPage<T>, ScimError>
    where
        F: FnOnce(u32, Option<String>) -> Fut,
        Fut: Future<Output = Result<Page<T>, ScimError>>,
    {
        let top = count.unwrap_or(DEFAULT_COUNT).clamp(1, GRAPH_MAX_TOP) as u32;
        let token = (!cursor.is_empty()).then(|| cursor.to_string());
        let page = fetch(top, token).await.map_err(|error| match error.status {
            // Graph refuses a token it did not issue, or one for another query.
            400 if !cursor.is_empty() => invalid_cursor(&error),
            _ => error,
        })?;
        Ok(CursorPage { items: page.value, next_cursor: page.skip_token })
    }

    /// The total without asking Graph: known only when the first page (an empty `cursor`) is
    /// also the last.
    pub fn known_total(&self, cursor: &str) -> Option<u64> {
        (cursor.is_empty() && self.next_cursor.is_none()).then_some(self.items.len() as u64)
    }
}

fn invalid_cursor(error: &ScimError) -> ScimError {
    ScimError::bad_request(ScimType::InvalidCursor, format!("the cursor is not valid for this query: {}", error.detail))
}

/// Most objects one answer reads from Graph to check a filter Graph cannot answer itself, or to
/// count what Graph cannot count (Azure AD B2C tenants have no `$count`).
pub const MAX_SCANNED: usize = 5_000;

/// The objects on Graph's pages from `token` on, counted by reading them: the total of an
/// index-paged answer where Graph cannot count. Past [`MAX_SCANNED`], 400 tooMany.
async fn count_rest<T, F, Fut>(already: u64, mut token: Option<String>, mut fetch: F) -> Result<u64, ScimError>
where
    F: FnMut(u32, Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>, ScimError>>,
{
    let mut total = already;
    while let Some(next) = token.take() {
        if total > MAX_SCANNED as u64 {
            return Err(ScimError::too_many(format!(
                "more than {MAX_SCANNED} objects match, and this Azure AD B2C tenant cannot count them (Microsoft Graph \
                 offers no $count there): page with a cursor (cursor=) instead of startIndex"
            )));
        }
        let page = fetch(GRAPH_MAX_TOP as u32, Some(next)).await?;
        total += page.value.len() as u64;
        token = page.skip_token;
    }
    Ok(total)
}

/// The objects Graph returns that pass a check the connector makes itself (the residual of a
/// filter): Graph's pages read one after another, never more than [`MAX_SCANNED`] objects for
/// one answer, so no request silently reads a whole tenant.
pub struct Scan;

impl Scan {
    /// Every passing object, for index paging (which needs the total). More than
    /// [`MAX_SCANNED`] candidates is 400 tooMany: `why` says why the connector had to check.
    pub async fn all<T, F, Fut>(why: &str, mut keep: impl FnMut(&T) -> bool, mut fetch: F) -> Result<Vec<T>, ScimError>
    where
        F: FnMut(u32, Option<String>) -> Fut,
        Fut: Future<Output = Result<Page<T>, ScimError>>,
    {
        let mut kept = Vec::new();
        let (mut scanned, mut token) = (0, None);
        loop {
            let page = fetch(GRAPH_MAX_TOP as u32, token.take()).await?;
            scanned += page.value.len();
            if scanned > MAX_SCANNED {
                return Err(ScimError::too_many(format!(
                    "{why}, and more than {MAX_SCANNED} objects would have to be checked; add terms Microsoft Graph \
                     can filter on, or page with a cursor (cursor=), which checks a bounded number per page"
                )));
            }
            kept.extend(page.value.into_iter().filter(|item| keep(item)));
            match page.skip_token {
                Some(next) => token = Some(next),
                None => return Ok(kept),
            }
        }
    }

    /// One cursor page: Graph pages of `count` objects from `cursor` on, until one holds a
    /// passing object, [`MAX_SCANNED`] objects were checked, or Graph runs out. A page may so
    /// hold fewer than `count` objects, or none, while `next_cursor` says there are more
    /// (RFC 9865 allows short pages); it never holds more.
    pub async fn page<T, F, Fut>(cursor: &str, count: Option<u64>, mut keep: impl FnMut(&T) -> bool, mut fetch: F) -> Result<CursorPage<T>, ScimError>
    where
        F: FnMut(u32, Option<String>) -> Fut,
        Fut: Future<Output = Result<Page<T>, ScimError>>,
    {
        let top = count.unwrap_or(DEFAULT_COUNT).clamp(1, GRAPH_MAX_TOP) as u32;
        let mut token = (!cursor.is_empty()).then(|| cursor.to_string());
        let mut scanned = 0;
        loop {
            let first = scanned == 0;
            let page = fetch(top, token.take()).await.map_err(|error| match error.status {
                400 if first && !cursor.is_empty() => invalid_cursor(&error),
                _ => error,
            })?;
            scanned += page.value.len();
            let items: Vec<T> = page.value.into_iter().filter(|item| keep(item)).collect();
            if !items.is_empty() || page.skip_token.is_none() || scanned >= MAX_SCANNED {
                return Ok(CursorPage { items, next_cursor: page.skip_token });
            }
            token = page.skip_token;
        }
    }
}

/// The objects of one list answer and how its ListResponse frames them: index paging
/// (`startIndex`, an exact total) or cursor paging (`nextCursor`, the total when known).
pub struct Listing<T> {
    pub items: Vec<T>,
    total: Option<u64>,
    start_index: Option<u64>,
    next_cursor: Option<String>,
}

/// A check the connector makes itself on each object Graph returns (the residual of a filter),
/// and why Graph could not make it.
pub struct Check<'a, T> {
    pub passes: &'a dyn Fn(&T) -> bool,
    pub why: &'a str,
}

impl<T> Listing<T> {
    /// Pages Graph for `query` as it asks (cursor or index, bounded either way), keeping only
    /// what passes `check`. `list(top, skip_token, count_only)` reads one Graph page; with
    /// `count_only` it asks Graph for `@odata.count`, which it does only when the tenant has
    /// `advanced_queries` (B2C tenants have not: there the total is counted, or left out of
    /// cursor pages).
    pub async fn fetch<F, Fut>(
        call: &crate::Call,
        query: &scim::query::ListQuery,
        check: Option<Check<'_, T>>,
        advanced_queries: bool,
        list: F,
    ) -> Result<Listing<T>, ScimError>
    where
        F: Fn(u32, Option<String>, bool) -> Fut,
        Fut: Future<Output = Result<Page<T>, ScimError>>,
    {
        let count_from_graph = async || Ok::<_, ScimError>(list(1, None, true).await?.count);
        if let Some(cursor) = requested_cursor(call, query) {
            let (page, total) = match &check {
                None => {
                    let page = CursorPage::fetch(&cursor, query.count, |top, token| list(top, token, false)).await?;
                    // Past the first page, or with more to come, only Graph knows the total.
                    let total = match page.known_total(&cursor) {
                        Some(total) => Some(total),
                        None if advanced_queries => Some(count_from_graph().await?.unwrap_or(page.items.len() as u64)),
                        None => None,
                    };
                    (page, total)
                }
                Some(check) => {
                    let page = Scan::page(&cursor, query.count, check.passes, |top, token| list(top, token, false)).await?;
                    let total = page.known_total(&cursor);
                    (page, total)
                }
            };
            return Ok(Listing { items: page.items, total, start_index: None, next_cursor: page.next_cursor });
        }
        let (items, total) = match &check {
            None => {
                let window = Window::fetch(query.start_index, query.count, |top, token| list(top, token, false)).await?;
                // More objects than this answer holds: ask Graph for the count, or count them.
                let total = match window.next {
                    None => window.seen,
                    Some(_) if advanced_queries => count_from_graph().await?.unwrap_or(window.seen),
                    next => count_rest(window.seen, next, |top, token| list(top, token, false)).await?,
                };
                (window.items, total)
            }
            Some(check) => {
                let all = Scan::all(check.why, check.passes, |top, token| list(top, token, false)).await?;
                let total = all.len() as u64;
                let skip = query.start_index.saturating_sub(1) as usize;
                let count = query.count.unwrap_or(DEFAULT_COUNT) as usize;
                (all.into_iter().skip(skip).take(count).collect(), total)
            }
        };
        Ok(Listing { items, total: Some(total), start_index: Some(query.start_index), next_cursor: None })
    }

    /// The ListResponse of these objects, once turned into `resources`.
    pub fn respond<R>(self, resources: Vec<R>) -> scim::list::ListResponse<R> {
        match self.start_index {
            Some(start_index) => scim::list::ListResponse::new(resources, self.total.unwrap_or_default(), start_index),
            None => scim::list::ListResponse::cursor_page(resources, self.total, self.next_cursor),
        }
    }
}
