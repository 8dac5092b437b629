//! Method + path routing for the gateway, and path-parameter extraction for each operation.
//! Spin routes by path only, so method dispatch (and the 404/405 distinction) lives here,
//! in one small table that both the gateway and the operations read their routes from.
//!
//! Pure: no I/O, no allocation beyond the table and the captured parameters.

use std::fmt;

/// One piece of a template: a literal (matched ASCII-case-insensitively) or a `{name}` parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// Stored lower-cased so that matching is one comparison against the lower-cased path segment.
    Literal(String),
    Param(String),
}

#[derive(Debug, Clone)]
struct Route<T> {
    method: String,
    template: String,
    segments: Vec<Segment>,
    target: T,
}

/// A set of `(method, template) -> target` routes.
#[derive(Debug, Clone)]
pub struct RouteTable<T> {
    routes: Vec<Route<T>>,
}

impl<T> Default for RouteTable<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// The outcome of [`RouteTable::lookup`].
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup<'a, T> {
    Found {
        target: &'a T,
        template: &'a str,
        params: Params,
    },
    /// The path matches at least one template, but none registered for this method.
    /// `allowed` is sorted and deduplicated, ready for an `Allow` header.
    MethodNotAllowed {
        allowed: Vec<String>,
    },
    NotFound,
}

/// Path parameters captured by a match, percent-decoded, in template order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Why [`RouteTable::add`] refused a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteErrorKind {
    EmptyTemplate,
    MissingLeadingSlash,
    /// `//` inside the template: a segment that could never match.
    EmptySegment,
    /// A `{` or `}` that does not enclose a whole segment.
    BadBraces {
        segment: String,
    },
    EmptyParamName,
    /// Parameter names are ASCII letters, digits, `_` and `-`.
    InvalidParamName {
        name: String,
    },
    DuplicateParamName {
        name: String,
    },
    /// Not an HTTP token (empty, or contains separators or spaces).
    InvalidMethod,
    /// Same method and same shape (literals equal ignoring case, parameters in the same places)
    /// as a route already in the table: the two could never be told apart.
    DuplicateRoute {
        existing: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteError {
    method: String,
    template: String,
    kind: RouteErrorKind,
}

impl RouteError {
    pub fn method(&self) -> &str {
        &self.method
    }
    pub fn template(&self) -> &str {
        &self.template
    }
    pub fn kind(&self) -> &RouteErrorKind {
        &self.kind
    }
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "route {} {:?}: ", self.method, self.template)?;
        match &self.kind {
            RouteErrorKind::EmptyTemplate => write!(f, "the template is empty"),
            RouteErrorKind::MissingLeadingSlash => write!(f, "the template must start with '/'"),
            RouteErrorKind::EmptySegment => write!(f, "the template has an empty segment ('//')"),
            RouteErrorKind::BadBraces { segment } => write!(
                f,
                "segment {segment:?} has unbalanced or partial braces; a parameter must be a whole segment like {{id}}"
            ),
            RouteErrorKind::EmptyParamName => write!(f, "a parameter has an empty name ('{{}}')"),
            RouteErrorKind::InvalidParamName { name } => write!(
                f,
                "parameter name {name:?} may only contain ASCII letters, digits, '_' and '-'"
            ),
            RouteErrorKind::DuplicateParamName { name } => {
                write!(f, "parameter {{{name}}} appears more than once")
            }
            RouteErrorKind::InvalidMethod => {
                write!(f, "the method is not a valid HTTP method token")
            }
            RouteErrorKind::DuplicateRoute { existing } => write!(
                f,
                "duplicates the route {} {:?} (same method, same shape)",
                self.method, existing
            ),
        }
    }
}

impl std::error::Error for RouteError {}

impl<T> RouteTable<T> {
    pub fn new() -> Self {
        RouteTable { routes: Vec::new() }
    }

    /// Adds a route. `template` is like `/scim/v2/Users/{id}`: literal segments and `{name}`
    /// parameters that each match exactly one segment. One trailing slash is ignored.
    pub fn add(&mut self, method: &str, template: &str, target: T) -> Result<(), RouteError> {
        let error = |kind| RouteError {
            method: method.to_string(),
            template: template.to_string(),
            kind,
        };
        if !is_http_token(method) {
            return Err(error(RouteErrorKind::InvalidMethod));
        }
        let segments = parse_template(template).map_err(error)?;
        if let Some(existing) = self
            .routes
            .iter()
            .find(|r| r.method == method && same_shape(&r.segments, &segments))
        {
            return Err(error(RouteErrorKind::DuplicateRoute {
                existing: existing.template.clone(),
            }));
        }
        self.routes.push(Route {
            method: method.to_string(),
            template: template.to_string(),
            segments,
            target,
        });
        Ok(())
    }

    /// Finds the route for `method` and `path` (the path without its query string).
    ///
    /// Among the templates that match the path and carry the method, the most specific wins:
    /// segment by segment from the left, a literal beats a parameter. So `/Users/.search`
    /// beats `/Users/{id}` whatever the order they were added in.
    pub fn lookup(&self, method: &str, path: &str) -> Lookup<'_, T> {
        let Some(segments) = split_path(path) else {
            return Lookup::NotFound;
        };
        let mut best: Option<(&Route<T>, Params)> = None;
        let mut path_matched_other_method = false;
        for route in &self.routes {
            let Some(params) = match_route(&route.segments, &segments) else {
                continue;
            };
            if route.method != method {
                path_matched_other_method = true;
                continue;
            }
            let better = match &best {
                None => true,
                Some((current, _)) => more_specific(&route.segments, &current.segments),
            };
            if better {
                best = Some((route, params));
            }
        }
        if let Some((route, params)) = best {
            return Lookup::Found {
                target: &route.target,
                template: &route.template,
                params,
            };
        }
        if !path_matched_other_method {
            return Lookup::NotFound;
        }
        let mut allowed: Vec<String> = self
            .routes
            .iter()
            .filter(|r| match_route(&r.segments, &segments).is_some())
            .map(|r| r.method.clone())
            .collect();
        allowed.sort();
        allowed.dedup();
        Lookup::MethodNotAllowed { allowed }
    }

    /// All routes in the order they were added: `(method, template, target)`.
    pub fn routes(&self) -> impl Iterator<Item = (&str, &str, &T)> {
        self.routes
            .iter()
            .map(|r| (r.method.as_str(), r.template.as_str(), &r.target))
    }

    pub fn len(&self) -> usize {
        self.routes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }
}

/// RFC 9110 token characters: methods are tokens, compared case-sensitively.
fn is_http_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn parse_template(template: &str) -> Result<Vec<Segment>, RouteErrorKind> {
    if template.is_empty() {
        return Err(RouteErrorKind::EmptyTemplate);
    }
    let Some(rest) = template.strip_prefix('/') else {
        return Err(RouteErrorKind::MissingLeadingSlash);
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() {
        return Ok(Vec::new());
    }
    let mut segments = Vec::new();
    for raw in rest.split('/') {
        if raw.is_empty() {
            return Err(RouteErrorKind::EmptySegment);
        }
        let has_braces = raw.contains('{') || raw.contains('}');
        if !has_braces {
            segments.push(Segment::Literal(raw.to_ascii_lowercase()));
            continue;
        }
        let name = raw
            .strip_prefix('{')
            .and_then(|r| r.strip_suffix('}'))
            .filter(|n| !n.contains('{') && !n.contains('}'))
            .ok_or_else(|| RouteErrorKind::BadBraces {
                segment: raw.to_string(),
            })?;
        if name.is_empty() {
            return Err(RouteErrorKind::EmptyParamName);
        }
        if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(RouteErrorKind::InvalidParamName {
                name: name.to_string(),
            });
        }
        if segments
            .iter()
            .any(|s| matches!(s, Segment::Param(n) if n == name))
        {
            return Err(RouteErrorKind::DuplicateParamName {
                name: name.to_string(),
            });
        }
        segments.push(Segment::Param(name.to_string()));
    }
    Ok(segments)
}

/// Parameter names do not matter for ambiguity: `/Users/{id}` and `/Users/{userId}` collide.
fn same_shape(a: &[Segment], b: &[Segment]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (Segment::Literal(x), Segment::Literal(y)) => x == y,
            (Segment::Param(_), Segment::Param(_)) => true,
            _ => false,
        })
}

/// True when `a` is strictly more specific than `b` (both matched the same path, so they have
/// the same length): the first segment where they differ in kind decides.
fn more_specific(a: &[Segment], b: &[Segment]) -> bool {
    for (x, y) in a.iter().zip(b) {
        match (x, y) {
            (Segment::Literal(_), Segment::Param(_)) => return true,
            (Segment::Param(_), Segment::Literal(_)) => return false,
            _ => {}
        }
    }
    false
}

/// One request-path segment: percent-decoded, plus a lower-cased copy for literal matching.
/// `None` when the raw segment has invalid percent-encoding or does not decode to UTF-8:
/// such a segment matches nothing.
struct PathSegment {
    decoded: Option<String>,
    lowered: Option<String>,
}

/// Splits a request path into segments. One trailing slash is tolerated; an empty path is
/// the root. A path that does not start with '/' matches nothing.
fn split_path(path: &str) -> Option<Vec<PathSegment>> {
    if path.is_empty() {
        return Some(Vec::new());
    }
    let rest = path.strip_prefix('/')?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() {
        return Some(Vec::new());
    }
    Some(
        rest.split('/')
            .map(|raw| {
                let decoded = percent_decode(raw);
                let lowered = decoded.as_ref().map(|d| d.to_ascii_lowercase());
                PathSegment { decoded, lowered }
            })
            .collect(),
    )
}

fn match_route(template: &[Segment], path: &[PathSegment]) -> Option<Params> {
    if template.len() != path.len() {
        return None;
    }
    let mut params = Vec::new();
    for (t, p) in template.iter().zip(path) {
        match t {
            Segment::Literal(lit) => {
                if p.lowered.as_deref() != Some(lit.as_str()) {
                    return None;
                }
            }
            Segment::Param(name) => {
                let value = p.decoded.as_deref().filter(|v| !v.is_empty())?;
                params.push((name.clone(), value.to_string()));
            }
        }
    }
    Some(Params(params))
}

/// Percent-decodes one path segment (no '+' rule: that belongs to query strings).
/// `None` for a '%' not followed by two hex digits, or bytes that are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = hex_value(*bytes.get(i + 1)?)?;
            let lo = hex_value(*bytes.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
