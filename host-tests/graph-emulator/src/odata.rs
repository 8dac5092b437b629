//! OData system query options for directory collections (users, groups, their members):
//! `$select`, `$expand`, `$top`, `$count`, `$orderby`, `$skiptoken`, and a small `$filter`
//! language (tokenizer plus recursive descent) with Graph's default-versus-advanced query
//! rules, each checked against the resource's property table. Never panics on input.

use serde_json::{Map, Value};

use crate::clock;
use crate::codec;
use crate::error::GraphError;
use crate::schema::{self, Kind, Resource, Support};

/// Which properties to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// The resource's default set ([`schema::Resource::default_select`]).
    Default,
    /// Exactly these, in the order asked (navigation properties dropped).
    Properties(Vec<String>),
    /// Every stored property (`$select=*`, and expanded managers without an inner `$select`).
    All,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expand {
    /// The navigation property followed: `manager`, `members`, `owners`.
    pub navigation: &'static str,
    pub select: Selection,
    /// `$levels`: how far up the management chain to expand (1 when absent; manager only).
    pub levels: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderBy {
    pub property: &'static str,
    pub descending: bool,
}

/// The options of one request on a collection (`/users`, `/groups/{id}/members`) or an
/// entity (`/users/{id}`).
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub top: usize,
    pub select: Selection,
    pub expand: Option<Expand>,
    pub filter: Option<Filter>,
    pub orderby: Option<OrderBy>,
    pub count: bool,
    pub skiptoken: Option<String>,
    /// The first construct that needs advanced query parameters, as the error Graph gives
    /// when they are missing.
    pub needs_advanced: Option<GraphError>,
    /// Identifies the result set, so a skip token cannot be replayed against another query.
    pub fingerprint: u64,
    /// Every option except `$skiptoken`, to carry into `@odata.nextLink`.
    pub carried: Vec<(String, String)>,
}

fn option_name(key: &str) -> Option<&'static str> {
    const KNOWN: &[&str] = &[
        "select",
        "expand",
        "filter",
        "top",
        "count",
        "orderby",
        "skiptoken",
        "skip",
        "search",
        "format",
    ];
    let bare = key.strip_prefix('$').unwrap_or(key);
    KNOWN.iter().find(|k| k.eq_ignore_ascii_case(bare)).copied()
}

impl Query {
    /// Binds skip tokens to one collection as well as to the query (`groups`,
    /// `groups/{id}/members`), so a token cannot wander between collections.
    pub fn scoped(mut self, collection: &str) -> Self {
        self.fingerprint = fnv1a(format!("{collection}\u{0}{:016x}", self.fingerprint).as_bytes());
        self
    }
}

/// [`parse_query`] for the user type.
pub fn parse_user_query(pairs: &[(String, String)], collection: bool) -> Result<Query, GraphError> {
    parse_query(&schema::USER, pairs, collection)
}

/// Parses the query string pairs against `resource`. `collection` is false for
/// single-entity reads, where Graph honours only `$select` and `$expand`.
pub fn parse_query(
    resource: &'static Resource,
    pairs: &[(String, String)],
    collection: bool,
) -> Result<Query, GraphError> {
    let mut q = Query {
        top: resource.default_page,
        select: Selection::Default,
        expand: None,
        filter: None,
        orderby: None,
        count: false,
        skiptoken: None,
        needs_advanced: None,
        fingerprint: 0,
        carried: Vec::new(),
    };
    let mut seen: Vec<&'static str> = Vec::new();
    let mut filter_text = "";
    let mut orderby_text = "";
    for (key, value) in pairs {
        let Some(name) = option_name(key) else {
            if key.starts_with('$') {
                return Err(GraphError::odata(format!(
                    "Query option '{key}' is not supported."
                )));
            }
            // Graph ignores parameters that are not query options; keep them for nextLink.
            q.carried.push((key.clone(), value.clone()));
            continue;
        };
        if seen.contains(&name) {
            return Err(GraphError::odata(format!(
                "Query option '${name}' was specified more than once, but it must be specified at most once."
            )));
        }
        seen.push(name);
        if name != "skiptoken" {
            q.carried.push((key.clone(), value.clone()));
        }
        match name {
            "select" => q.select = parse_select(resource, value)?,
            "expand" => q.expand = parse_expand(resource, value)?,
            "top" if collection => q.top = parse_top(value, resource.max_page)?,
            "count" if collection => {
                q.count = match value.trim().to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(GraphError::odata(format!(
                            "Invalid value '{value}' for $count query option found. Valid values are 'true' and 'false'."
                        )));
                    }
                }
            }
            "filter" if collection => {
                let parsed = parse_filter_on(resource, value)?;
                if q.needs_advanced.is_none() {
                    q.needs_advanced = parsed.needs_advanced;
                }
                q.filter = Some(parsed.filter);
                filter_text = value;
            }
            "orderby" if collection => {
                let (order, advanced) = parse_orderby(resource, value)?;
                if let Some(err) = advanced {
                    q.needs_advanced.get_or_insert(err);
                }
                q.orderby = Some(order);
                orderby_text = value;
            }
            "skiptoken" if collection => q.skiptoken = Some(value.clone()),
            "skip" if collection => {
                return Err(GraphError::bad_request(
                    "'$skip' is not supported by the service.",
                ));
            }
            "search" if collection => {
                return Err(GraphError::unsupported(
                    "$search is not supported by this emulator.",
                ));
            }
            _ => {}
        }
    }
    // Sorting a filtered directory listing is itself an advanced query.
    if resource.advanced_queries
        && q.filter.is_some()
        && q.orderby.is_some()
        && q.needs_advanced.is_none()
    {
        q.needs_advanced = Some(GraphError::unsupported(
            "Sorting not supported for current query.",
        ));
    }
    q.fingerprint = fnv1a(format!("{filter_text}\u{0}{orderby_text}").as_bytes());
    Ok(q)
}

fn parse_top(value: &str, max: usize) -> Result<usize, GraphError> {
    let trimmed = value.trim();
    let n: i64 = trimmed.parse().map_err(|_| {
        GraphError::odata(format!(
            "Invalid value '{value}' for $top query option found. The $top query option requires a non-negative integer value."
        ))
    })?;
    if n < 1 || n > max as i64 {
        return Err(GraphError::unsupported(format!(
            "Invalid page size specified: '{trimmed}'. Must be between 1 and {max} inclusive."
        )));
    }
    Ok(n as usize)
}

/// `$select=a,b`: names are case-insensitive; unknown ones are an error, navigation
/// properties are accepted and ignored (Graph returns them only through `$expand`).
pub fn parse_select(resource: &'static Resource, value: &str) -> Result<Selection, GraphError> {
    let mut props: Vec<String> = Vec::new();
    for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if item == "*" {
            return Ok(Selection::All);
        }
        let name = match resource.property(item) {
            Some(p) => Some(p.name.to_string()),
            None if schema::is_extension(item) => Some(item.to_string()),
            None => None,
        };
        if let Some(name) = name {
            if !props.contains(&name) {
                props.push(name);
            }
        } else if resource.navigation(item).is_none() {
            return Err(GraphError::unknown_property_on(item, resource.name));
        }
    }
    Ok(if props.is_empty() && value.trim().is_empty() {
        Selection::Default
    } else {
        Selection::Properties(props)
    })
}

/// `$expand=manager`, `manager($select=id,displayName)`, `manager($levels=max;$select=...)`,
/// `members($select=id)`: one navigation property of those `resource` can expand.
fn parse_expand(resource: &'static Resource, value: &str) -> Result<Option<Expand>, GraphError> {
    let mut result = None;
    for item in split_top_level(value, ',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (name, options) = match item.find('(') {
            Some(open) if item.ends_with(')') => {
                (item[..open].trim(), Some(&item[open + 1..item.len() - 1]))
            }
            Some(_) => {
                return Err(GraphError::odata(format!(
                    "Syntax error in $expand: '{item}'."
                )));
            }
            None => (item, None),
        };
        let navigation = match resource.navigation(name) {
            Some(n) if resource.expandable.contains(&n) => n,
            Some(other) => {
                return Err(GraphError::unsupported(format!(
                    "Expanding '{other}' is not supported by this emulator."
                )));
            }
            None if resource.property(name).is_some() => {
                return Err(GraphError::odata(format!(
                    "Property '{name}' on type 'microsoft.graph.{}' is not a navigation property or complex property. Only navigation properties can be expanded.",
                    resource.name
                )));
            }
            None => return Err(GraphError::unknown_property_on(name, resource.name)),
        };
        match &result {
            Some(Expand {
                navigation: earlier,
                ..
            }) if *earlier == navigation => {
                return Err(GraphError::odata(format!(
                    "Found multiple expand items for the same navigation property '{navigation}'."
                )));
            }
            // Graph expands one relationship per request.
            Some(_) => {
                return Err(GraphError::odata(
                    "Only one relationship can be expanded in a single request.",
                ));
            }
            None => {}
        }
        // The manager is a user; members and owners are users and groups alike.
        let target: &'static Resource = if navigation == "manager" {
            &schema::USER
        } else {
            &schema::DIRECTORY_OBJECT
        };
        let mut expand = Expand {
            navigation,
            select: Selection::All,
            levels: None,
        };
        for option in options.map(|o| split_top_level(o, ';')).unwrap_or_default() {
            let option = option.trim();
            if option.is_empty() {
                continue;
            }
            let (key, val) = option.split_once('=').unwrap_or((option, ""));
            match key
                .trim()
                .trim_start_matches('$')
                .to_ascii_lowercase()
                .as_str()
            {
                "select" => expand.select = parse_select(target, val)?,
                "levels" if navigation == "manager" => {
                    let val = val.trim();
                    expand.levels = Some(if val.eq_ignore_ascii_case("max") {
                        u32::MAX
                    } else {
                        match val.parse::<u32>() {
                            Ok(n) if (1..=1000).contains(&n) => n,
                            _ => {
                                return Err(GraphError::odata(format!(
                                    "Invalid value '{val}' for $levels."
                                )));
                            }
                        }
                    })
                }
                _ => {
                    return Err(GraphError::odata(format!(
                        "Query option '{}' is not supported in $expand.",
                        key.trim()
                    )));
                }
            }
        }
        result = Some(expand);
    }
    Ok(result)
}

/// Splits on `sep` outside parentheses and quotes.
fn split_top_level(text: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quoted, mut start) = (0i32, false, 0);
    for (i, c) in text.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            c if c == sep && !quoted && depth == 0 => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn parse_orderby(
    resource: &'static Resource,
    value: &str,
) -> Result<(OrderBy, Option<GraphError>), GraphError> {
    let items: Vec<&str> = value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if items.len() != 1 {
        return Err(GraphError::unsupported(
            "Sorting not supported for current query.",
        ));
    }
    let mut words = items[0].split_whitespace();
    let name = words.next().unwrap_or("");
    let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(GraphError::odata(format!(
                "Syntax error: '{other}' in $orderby."
            )));
        }
    };
    if words.next().is_some() {
        return Err(GraphError::odata(format!(
            "Syntax error in $orderby: '{value}'."
        )));
    }
    let property = resource
        .property(name)
        .ok_or_else(|| GraphError::unknown_property_on(name, resource.name))?;
    let advanced = match property.orderby {
        Support::None => {
            return Err(GraphError::unsupported(
                "Sorting not supported for current query.",
            ));
        }
        Support::Default => None,
        Support::Advanced => Some(GraphError::unsupported(
            "Sorting not supported for current query.",
        )),
    };
    Ok((
        OrderBy {
            property: property.name,
            descending,
        },
        advanced,
    ))
}

/// FNV-1a: a stable hash (std's `DefaultHasher` may change between releases).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

// ---------------------------------------------------------------------------------------
// Skip tokens

/// Where the previous page ended in the query's ordering.
#[derive(Debug, Clone, PartialEq)]
pub struct PageCursor {
    pub fingerprint: u64,
    /// Creation sequence of the last user returned (the ordering's tie-breaker).
    pub last_seq: u64,
    /// The `$orderby` key of that user, when sorting.
    pub last_key: Option<String>,
}

/// Real skip tokens are opaque base64 blobs starting `RFNwdAIA` ("DSpt\x02\0"); these are
/// shaped the same so that nobody is tempted to parse them.
const SKIPTOKEN_MAGIC: &[u8] = b"DSpt\x02\x00";

pub fn encode_skiptoken(cursor: &PageCursor) -> String {
    let mut bytes = SKIPTOKEN_MAGIC.to_vec();
    let key = match &cursor.last_key {
        Some(k) => format!("k{k}"),
        None => "-".to_string(),
    };
    bytes.extend_from_slice(
        format!("{:016x}|{}|{}", cursor.fingerprint, cursor.last_seq, key).as_bytes(),
    );
    codec::base64url_encode(&bytes)
}

pub fn decode_skiptoken(token: &str) -> Option<PageCursor> {
    let bytes = codec::base64url_decode(token.trim())?;
    let text = std::str::from_utf8(bytes.strip_prefix(SKIPTOKEN_MAGIC)?).ok()?;
    let mut parts = text.splitn(3, '|');
    let fingerprint = u64::from_str_radix(parts.next()?, 16).ok()?;
    let last_seq = parts.next()?.parse().ok()?;
    let key = parts.next()?;
    let last_key = if key == "-" {
        None
    } else {
        Some(key.strip_prefix('k')?.to_string())
    };
    Some(PageCursor {
        fingerprint,
        last_seq,
        last_key,
    })
}

// ---------------------------------------------------------------------------------------
// $filter

/// What a comparison or function reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Property(&'static str),
    /// A directory extension (`extension_{appId}_{name}`), typed by its stored value.
    Extension(String),
    /// `parent/child` on a complex property.
    Sub(&'static str, &'static str),
    /// The range variable inside `collection/any(x: ...)`.
    Element,
    /// A member of the range variable inside `complexCollection/any(t: t/member ...)`.
    Member(&'static str),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    String(String),
    Bool(bool),
    Null,
    /// Unquoted `2024-01-01T00:00:00Z`.
    DateTime(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CmpOp {
    fn odata_kind(self) -> &'static str {
        match self {
            CmpOp::Eq => "Equal",
            CmpOp::Ne => "NotEqual",
            CmpOp::Gt => "GreaterThan",
            CmpOp::Ge => "GreaterThanOrEqual",
            CmpOp::Lt => "LessThan",
            CmpOp::Le => "LessThanOrEqual",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Compare(Operand, CmpOp, Literal),
    In(Operand, Vec<Literal>),
    StartsWith(Operand, String),
    EndsWith(Operand, String),
    /// `collection/any(x: body)`.
    Any(&'static str, Box<Filter>),
    /// `identities/any(c: c/issuerAssignedId eq '..' and c/issuer eq '..')`, or the issuer
    /// alone for the few issuers Graph allows that for: matched by Graph's objectIdentity
    /// rules, not as a plain lambda (see [`Filter::matches`]).
    Identity {
        issuer: String,
        issuer_assigned_id: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFilter {
    pub filter: Filter,
    pub needs_advanced: Option<GraphError>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    /// Unquoted non-identifier literal: numbers, dates, GUIDs.
    Bare(String),
    LParen,
    RParen,
    Comma,
    Slash,
    Colon,
    End,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    pos: usize,
}

fn syntax(msg: String) -> GraphError {
    GraphError::odata(format!("Invalid filter clause: {msg}"))
}

fn tokenize(text: &str) -> Result<Vec<Token>, GraphError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let tok = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            ',' => Tok::Comma,
            '/' => Tok::Slash,
            ':' => Tok::Colon,
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(syntax(format!(
                                "There is an unterminated string literal at position {start} in '{text}'."
                            )));
                        }
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            s.push('\'');
                            i += 2;
                        }
                        Some('\'') => break,
                        Some(ch) => {
                            s.push(*ch);
                            i += 1;
                        }
                    }
                }
                Tok::Str(s)
            }
            c if c.is_alphabetic() || c == '_' || c == '@' => {
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '.' | '@'))
                {
                    i += 1;
                }
                tokens.push(Token {
                    tok: Tok::Ident(chars[start..i].iter().collect()),
                    pos: start,
                });
                continue;
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit())) =>
            {
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric()
                        || matches!(chars[i], ':' | '.' | '-' | '+'))
                {
                    i += 1;
                }
                tokens.push(Token {
                    tok: Tok::Bare(chars[start..i].iter().collect()),
                    pos: start,
                });
                continue;
            }
            other => {
                return Err(syntax(format!(
                    "Syntax error: character '{other}' is not valid at position {start} in '{text}'."
                )));
            }
        };
        i += 1;
        tokens.push(Token { tok, pos: start });
    }
    tokens.push(Token {
        tok: Tok::End,
        pos: chars.len(),
    });
    Ok(tokens)
}

/// Nesting beyond this is rejected rather than risking the stack.
const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    resource: &'static Resource,
    text: &'a str,
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
    /// The `any` range variable in scope and the collection it ranges over, if any.
    range: Option<(String, &'static schema::Property)>,
    needs_advanced: Option<GraphError>,
}

fn unsupported_clause(property: &str, resource: &Resource) -> GraphError {
    GraphError::unsupported(format!(
        "Unsupported or invalid query filter clause specified for property '{property}' of resource '{}'.",
        resource.label
    ))
}

/// Parses a `$filter` value against the user schema.
#[cfg(test)]
pub fn parse_filter(text: &str) -> Result<ParsedFilter, GraphError> {
    parse_filter_on(&schema::USER, text)
}

/// Parses a `$filter` value against `resource`'s schema.
pub fn parse_filter_on(
    resource: &'static Resource,
    text: &str,
) -> Result<ParsedFilter, GraphError> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        resource,
        text,
        tokens,
        at: 0,
        depth: 0,
        range: None,
        needs_advanced: None,
    };
    if parser.peek() == &Tok::End {
        return Err(syntax(format!(
            "Expression expected at position 0 in '{text}'."
        )));
    }
    let filter = parser.parse_or()?;
    if parser.peek() != &Tok::End {
        return Err(parser.unexpected());
    }
    if !resource.advanced_queries
        && let Some(refused) = parser.needs_advanced
    {
        return Err(refused);
    }
    Ok(ParsedFilter {
        filter,
        needs_advanced: parser.needs_advanced,
    })
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.tokens[self.at.min(self.tokens.len() - 1)].tok
    }

    fn peek_at(&self, offset: usize) -> &Tok {
        &self.tokens[(self.at + offset).min(self.tokens.len() - 1)].tok
    }

    fn pos(&self) -> usize {
        self.tokens[self.at.min(self.tokens.len() - 1)].pos
    }

    fn advance(&mut self) -> Tok {
        let tok = self.peek().clone();
        if self.at < self.tokens.len() - 1 {
            self.at += 1;
        }
        tok
    }

    fn unexpected(&self) -> GraphError {
        syntax(format!(
            "Syntax error at position {} in '{}'.",
            self.pos(),
            self.text
        ))
    }

    fn expect(&mut self, tok: Tok) -> Result<(), GraphError> {
        if *self.peek() != tok {
            return Err(self.unexpected());
        }
        self.at += 1;
        Ok(())
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Tok::Ident(w) if w.eq_ignore_ascii_case(word))
    }

    fn advanced(&mut self, err: GraphError) {
        self.needs_advanced.get_or_insert(err);
    }

    fn enter(&mut self) -> Result<(), GraphError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(syntax("The filter is nested too deeply.".to_string()));
        }
        Ok(())
    }

    fn parse_or(&mut self) -> Result<Filter, GraphError> {
        self.enter()?;
        let mut left = self.parse_and()?;
        while self.keyword("or") {
            self.advance();
            let right = self.parse_and()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn parse_and(&mut self) -> Result<Filter, GraphError> {
        let mut left = self.parse_unary()?;
        while self.keyword("and") {
            self.advance();
            let right = self.parse_unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_unary(&mut self) -> Result<Filter, GraphError> {
        // `not` is an operator only when something follows it; a bare `not` is a name.
        if self.keyword("not") && !matches!(self.peek_at(1), Tok::End | Tok::RParen) {
            self.advance();
            self.enter()?;
            let inner = self.parse_unary()?;
            self.depth -= 1;
            self.advanced(GraphError::unsupported("Unsupported Query."));
            return Ok(Filter::Not(Box::new(inner)));
        }
        self.parse_primary()
    }

    fn parse_primary(&mut self) -> Result<Filter, GraphError> {
        match self.peek().clone() {
            Tok::LParen => {
                self.advance();
                let inner = self.parse_or()?;
                self.expect(Tok::RParen)?;
                Ok(inner)
            }
            Tok::Ident(name) if *self.peek_at(1) == Tok::LParen => {
                self.advance();
                self.parse_function(&name)
            }
            Tok::Ident(_) => self.parse_comparison(),
            _ => Err(self.unexpected()),
        }
    }

    fn parse_function(&mut self, name: &str) -> Result<Filter, GraphError> {
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "startswith" | "endswith" => {}
            "contains" | "substringof" | "tolower" | "toupper" | "length" | "indexof" | "trim"
            | "concat" => {
                return Err(GraphError::unsupported("Unsupported Query."));
            }
            _ => {
                return Err(syntax(format!(
                    "An unknown function with name '{name}' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed."
                )));
            }
        }
        self.expect(Tok::LParen)?;
        let (operand, mut kind, support, label) = self.parse_operand()?;
        if matches!(operand, Operand::Extension(_)) {
            kind = Kind::String;
        }
        self.expect(Tok::Comma)?;
        let Tok::Str(text) = self.advance() else {
            return Err(syntax(format!(
                "No function signature for the function with name '{name}' matches the specified arguments."
            )));
        };
        self.expect(Tok::RParen)?;
        if kind != Kind::String {
            return Err(syntax(format!(
                "No function signature for the function with name '{name}' matches the specified arguments. The function signatures considered are: {name}(Edm.String Nullable=true, Edm.String Nullable=true)."
            )));
        }
        self.check_support(support, &label)?;
        if lower == "endswith" {
            self.advanced(GraphError::unsupported("Unsupported Query."));
            Ok(Filter::EndsWith(operand, text))
        } else {
            Ok(Filter::StartsWith(operand, text))
        }
    }

    /// A property, `parent/child`, or the range variable; returns its kind, filter support
    /// and a label for messages.
    fn parse_operand(&mut self) -> Result<(Operand, Kind, Support, String), GraphError> {
        let Tok::Ident(name) = self.advance() else {
            return Err(self.unexpected());
        };
        if let Some((var, collection)) = self
            .range
            .as_ref()
            .filter(|(var, _)| *var == name)
            .map(|(var, collection)| (var.clone(), *collection))
        {
            return self.parse_range_operand(var, collection);
        }
        if schema::is_extension(&name) {
            return Ok((
                Operand::Extension(name.clone()),
                Kind::Other,
                Support::Default,
                name,
            ));
        }
        let resource = self.resource;
        let property = match resource.property(&name) {
            Some(p) => p,
            None if resource.navigation(&name).is_some() => {
                return Err(unsupported_clause(&name, resource));
            }
            None => return Err(GraphError::unknown_property_on(&name, resource.name)),
        };
        if *self.peek() == Tok::Slash && property.kind == Kind::Complex {
            self.advance();
            let Tok::Ident(child) = self.advance() else {
                return Err(self.unexpected());
            };
            let child = resource
                .sub_property(property.name, &child)
                .ok_or_else(|| {
                    GraphError::unknown_property_on(
                        &format!("{}/{child}", property.name),
                        resource.name,
                    )
                })?;
            let label = format!("{}/{child}", property.name);
            return Ok((
                Operand::Sub(property.name, child),
                Kind::String,
                Support::Advanced,
                label,
            ));
        }
        Ok((
            Operand::Property(property.name),
            property.kind,
            property.filter,
            property.name.to_string(),
        ))
    }

    /// The range variable itself (strings) or `t/member` (complex values).
    fn parse_range_operand(
        &mut self,
        var: String,
        collection: &'static schema::Property,
    ) -> Result<(Operand, Kind, Support, String), GraphError> {
        if collection.kind != Kind::ComplexCollection {
            return Ok((Operand::Element, Kind::String, Support::Default, var));
        }
        if *self.peek() != Tok::Slash {
            return Err(unsupported_clause(collection.name, self.resource));
        }
        self.advance();
        let Tok::Ident(member) = self.advance() else {
            return Err(self.unexpected());
        };
        let label = format!("{}/{member}", collection.name);
        let member = self
            .resource
            .sub_property(collection.name, &member)
            .ok_or_else(|| GraphError::unknown_property_on(&label, self.resource.name))?;
        Ok((
            Operand::Member(member),
            Kind::String,
            Support::Default,
            label,
        ))
    }

    fn check_support(&mut self, support: Support, label: &str) -> Result<(), GraphError> {
        match support {
            Support::None => Err(unsupported_clause(label, self.resource)),
            Support::Advanced => {
                self.advanced(unsupported_clause(label, self.resource));
                Ok(())
            }
            Support::Default => Ok(()),
        }
    }

    fn parse_comparison(&mut self) -> Result<Filter, GraphError> {
        // `collection/any(x: ...)`
        if *self.peek_at(1) == Tok::Slash
            && let (Tok::Ident(name), Tok::Ident(lambda)) =
                (self.peek().clone(), self.peek_at(2).clone())
            && (lambda.eq_ignore_ascii_case("any") || lambda.eq_ignore_ascii_case("all"))
            && let Some(property) = self.resource.property(&name)
            && matches!(
                property.kind,
                Kind::StringCollection | Kind::ComplexCollection
            )
        {
            self.at += 3;
            return self.parse_lambda(property, &lambda);
        }
        let (operand, kind, support, label) = self.parse_operand()?;
        let Tok::Ident(op_word) = self.advance() else {
            return Err(self.unexpected());
        };
        let op = match op_word.to_ascii_lowercase().as_str() {
            "eq" => CmpOp::Eq,
            "ne" => CmpOp::Ne,
            "gt" => CmpOp::Gt,
            "ge" => CmpOp::Ge,
            "lt" => CmpOp::Lt,
            "le" => CmpOp::Le,
            "in" => return self.parse_in(operand, kind, support, &label),
            _ => {
                return Err(syntax(format!(
                    "Syntax error at position {} in '{}'.",
                    self.pos(),
                    self.text
                )));
            }
        };
        if matches!(
            kind,
            Kind::StringCollection | Kind::ComplexCollection | Kind::Complex
        ) || (kind == Kind::Other && !matches!(operand, Operand::Extension(_)))
        {
            return Err(syntax(format!(
                "The operand for a binary operator '{}' is not a single value. Binary operators require both operands to be single values.",
                op.odata_kind()
            )));
        }
        let literal = self.parse_literal()?;
        if !matches!(operand, Operand::Extension(_)) {
            check_types(kind, &literal, op)?;
        }
        self.check_support(support, &label)?;
        // Outside the directory, date ranges are ordinary filters.
        let plain_range = !self.resource.advanced_queries
            && kind == Kind::DateTime
            && op != CmpOp::Ne
            && literal != Literal::Null;
        if (op != CmpOp::Eq || literal == Literal::Null) && !plain_range {
            self.advanced(
                if op == CmpOp::Eq || op == CmpOp::Ne || support != Support::Default {
                    unsupported_clause(&label, self.resource)
                } else {
                    GraphError::unsupported("Unsupported Query.")
                },
            );
        }
        Ok(Filter::Compare(operand, op, literal))
    }

    fn parse_in(
        &mut self,
        operand: Operand,
        kind: Kind,
        support: Support,
        label: &str,
    ) -> Result<Filter, GraphError> {
        let extension = matches!(operand, Operand::Extension(_));
        if matches!(
            kind,
            Kind::StringCollection | Kind::ComplexCollection | Kind::Complex
        ) || (kind == Kind::Other && !extension)
        {
            return Err(unsupported_clause(label, self.resource));
        }
        self.expect(Tok::LParen)?;
        let mut values = Vec::new();
        loop {
            let literal = self.parse_literal()?;
            if !extension {
                check_types(kind, &literal, CmpOp::Eq)?;
            }
            values.push(literal);
            match self.advance() {
                Tok::Comma => continue,
                Tok::RParen => break,
                _ => {
                    return Err(syntax(format!(
                        "Syntax error at position {} in '{}'.",
                        self.pos(),
                        self.text
                    )));
                }
            }
        }
        self.check_support(support, label)?;
        if values.contains(&Literal::Null) {
            self.advanced(unsupported_clause(label, self.resource));
        }
        Ok(Filter::In(operand, values))
    }

    fn parse_lambda(
        &mut self,
        property: &'static schema::Property,
        lambda: &str,
    ) -> Result<Filter, GraphError> {
        if !lambda.eq_ignore_ascii_case("any") {
            return Err(GraphError::unsupported("Unsupported Query."));
        }
        if self.range.is_some() {
            return Err(GraphError::unsupported(format!(
                "Complex query on property {} is not supported.",
                property.name
            )));
        }
        self.expect(Tok::LParen)?;
        let Tok::Ident(var) = self.advance() else {
            return Err(self.unexpected());
        };
        self.expect(Tok::Colon)?;
        self.check_support(property.filter, property.name)?;
        self.range = Some((var, property));
        let body = self.parse_or();
        self.range = None;
        let body = body?;
        self.expect(Tok::RParen)?;
        if !body_reads_only_element(&body) {
            return Err(GraphError::unsupported(format!(
                "Complex query on property {} is not supported.",
                property.name
            )));
        }
        if property.name == "identities" {
            return identity_filter(&body, self.resource);
        }
        Ok(Filter::Any(property.name, Box::new(body)))
    }

    fn parse_literal(&mut self) -> Result<Literal, GraphError> {
        let pos = self.pos();
        match self.advance() {
            Tok::Str(s) => Ok(Literal::String(s)),
            Tok::Ident(w) if w.eq_ignore_ascii_case("true") => Ok(Literal::Bool(true)),
            Tok::Ident(w) if w.eq_ignore_ascii_case("false") => Ok(Literal::Bool(false)),
            Tok::Ident(w) if w.eq_ignore_ascii_case("null") => Ok(Literal::Null),
            Tok::Bare(b) if clock::parse_ticks(&b).is_some() => Ok(Literal::DateTime(b)),
            Tok::Bare(b) if b.parse::<f64>().is_ok() => Err(syntax(format!(
                "A binary operator with incompatible types was detected. Found operand types 'Edm.String' and 'Edm.Int32' near '{b}'."
            ))),
            Tok::Ident(w) => Err(syntax(format!(
                "Could not find a property named '{w}' on type 'microsoft.graph.{}'; string literals must be quoted.",
                self.resource.name
            ))),
            _ => Err(syntax(format!(
                "Syntax error at position {pos} in '{}'.",
                self.text
            ))),
        }
    }
}

fn check_types(kind: Kind, literal: &Literal, op: CmpOp) -> Result<(), GraphError> {
    let literal_type = match literal {
        Literal::Null => return Ok(()),
        Literal::String(_) => "Edm.String",
        Literal::Bool(_) => "Edm.Boolean",
        Literal::DateTime(_) => "Edm.DateTimeOffset",
    };
    if literal_type == kind.edm_name() {
        return Ok(());
    }
    Err(syntax(format!(
        "A binary operator with incompatible types was detected. Found operand types '{}' and '{literal_type}' for operator kind '{}'.",
        kind.edm_name(),
        op.odata_kind()
    )))
}

/// Issuers `identities/any(c: c/issuer eq '...')` may name without an issuerAssignedId
/// (Graph's objectIdentity page).
const ISSUER_ONLY: &[&str] = &["google.com", "facebook.com", "mail", "phone"];

/// An `identities` lambda as Graph takes it: `issuerAssignedId eq` and `issuer eq` joined by
/// `and` (or `issuer eq` alone for [`ISSUER_ONLY`]). Graph answers other lambdas
/// `Request_UnsupportedQuery` (message not documented: the emulator names the property) and
/// functions or other operators on the members `Request_BadRequest` with the text below, as
/// users report it.
fn identity_filter(body: &Filter, resource: &Resource) -> Result<Filter, GraphError> {
    fn terms<'a>(filter: &'a Filter, out: &mut Vec<&'a Filter>) {
        match filter {
            Filter::And(a, b) => {
                terms(a, out);
                terms(b, out);
            }
            other => out.push(other),
        }
    }
    let mut parts = Vec::new();
    terms(body, &mut parts);
    let (mut issuer, mut assigned) = (None, None);
    for part in parts {
        match part {
            Filter::Compare(Operand::Member(member), CmpOp::Eq, Literal::String(value)) => {
                let slot = match *member {
                    "issuer" => &mut issuer,
                    "issuerAssignedId" => &mut assigned,
                    _ => return Err(unsupported_clause("identities", resource)),
                };
                if slot.replace(value.clone()).is_some() {
                    return Err(unsupported_clause("identities", resource));
                }
            }
            Filter::Compare(..)
            | Filter::In(..)
            | Filter::StartsWith(..)
            | Filter::EndsWith(..) => {
                return Err(GraphError::bad_request(
                    "Unsupported property or property value or combination of property and operation occured",
                ));
            }
            _ => return Err(unsupported_clause("identities", resource)),
        }
    }
    match (issuer, assigned) {
        (Some(issuer), Some(assigned)) => Ok(Filter::Identity {
            issuer,
            issuer_assigned_id: Some(assigned),
        }),
        (Some(issuer), None) if ISSUER_ONLY.iter().any(|i| i.eq_ignore_ascii_case(&issuer)) => {
            Ok(Filter::Identity {
                issuer,
                issuer_assigned_id: None,
            })
        }
        _ => Err(unsupported_clause("identities", resource)),
    }
}

/// Graph's objectIdentity filtering: userPrincipalName identities never match (filter on the
/// property instead), and for `emailAddress*` and `userName` ones the issuer is ignored.
fn identity_matches(identity: &Value, issuer: &str, assigned: Option<&str>) -> bool {
    let text = |name: &str| identity.get(name).and_then(Value::as_str).unwrap_or("");
    let sign_in_type = text("signInType");
    if sign_in_type.eq_ignore_ascii_case("userPrincipalName") {
        return false;
    }
    let issuer_matches = cmp_ci(text("issuer"), issuer).is_eq();
    match assigned {
        None => issuer_matches,
        Some(assigned) => {
            let local = starts_with_ci(sign_in_type, "emailAddress")
                || sign_in_type.eq_ignore_ascii_case("userName");
            cmp_ci(text("issuerAssignedId"), assigned).is_eq() && (local || issuer_matches)
        }
    }
}

fn body_reads_only_element(filter: &Filter) -> bool {
    match filter {
        Filter::And(a, b) | Filter::Or(a, b) => {
            body_reads_only_element(a) && body_reads_only_element(b)
        }
        Filter::Not(a) => body_reads_only_element(a),
        Filter::Compare(o, ..)
        | Filter::In(o, _)
        | Filter::StartsWith(o, _)
        | Filter::EndsWith(o, _) => matches!(o, Operand::Element | Operand::Member(_)),
        Filter::Any(..) | Filter::Identity { .. } => false,
    }
}

// ---------------------------------------------------------------------------------------
// Evaluation

impl Filter {
    /// Whether a stored user (its Graph JSON properties) matches. String comparisons ignore
    /// case, as directory queries do.
    pub fn matches(&self, user: &Map<String, Value>) -> bool {
        self.eval(user, None)
    }

    /// The ids a filter of only `id eq '..'` terms joined by `or`, or `id in (..)`, names: such a
    /// filter is answered by lookup, as Graph's index answers it, rather than by a scan.
    pub fn named_ids(&self) -> Option<Vec<&str>> {
        match self {
            Filter::Compare(Operand::Property("id"), CmpOp::Eq, Literal::String(id)) => Some(vec![id]),
            Filter::In(Operand::Property("id"), literals) => literals
                .iter()
                .map(|literal| match literal {
                    Literal::String(id) => Some(id.as_str()),
                    _ => None,
                })
                .collect(),
            Filter::Or(a, b) => {
                let mut ids = a.named_ids()?;
                ids.extend(b.named_ids()?);
                Some(ids)
            }
            _ => None,
        }
    }

    fn eval(&self, user: &Map<String, Value>, element: Option<&Value>) -> bool {
        match self {
            Filter::And(a, b) => a.eval(user, element) && b.eval(user, element),
            Filter::Or(a, b) => a.eval(user, element) || b.eval(user, element),
            Filter::Not(a) => !a.eval(user, element),
            Filter::Compare(operand, op, literal) => {
                compare(resolve(operand, user, element), *op, literal)
            }
            Filter::In(operand, literals) => {
                let value = resolve(operand, user, element);
                literals.iter().any(|l| compare(value, CmpOp::Eq, l))
            }
            Filter::StartsWith(operand, prefix) => match resolve(operand, user, element) {
                Some(Value::String(s)) => starts_with_ci(s, prefix),
                _ => false,
            },
            Filter::EndsWith(operand, suffix) => match resolve(operand, user, element) {
                Some(Value::String(s)) => s.to_lowercase().ends_with(&suffix.to_lowercase()),
                _ => false,
            },
            Filter::Any(property, body) => match user.get(*property) {
                Some(Value::Array(items)) => items.iter().any(|item| body.eval(user, Some(item))),
                _ => false,
            },
            Filter::Identity {
                issuer,
                issuer_assigned_id,
            } => match user.get("identities") {
                Some(Value::Array(items)) => items
                    .iter()
                    .any(|i| identity_matches(i, issuer, issuer_assigned_id.as_deref())),
                _ => false,
            },
        }
    }
}

fn resolve<'a>(
    operand: &Operand,
    user: &'a Map<String, Value>,
    element: Option<&'a Value>,
) -> Option<&'a Value> {
    match operand {
        Operand::Property(name) => user.get(*name),
        Operand::Extension(name) => user.get(name.as_str()),
        Operand::Sub(parent, child) => user.get(*parent).and_then(|p| p.get(*child)),
        Operand::Element => element,
        Operand::Member(name) => element.and_then(|e| e.get(*name)),
    }
}

fn compare(value: Option<&Value>, op: CmpOp, literal: &Literal) -> bool {
    let value = value.unwrap_or(&Value::Null);
    let ordering = match (value, literal) {
        (Value::Null, Literal::Null) => Some(std::cmp::Ordering::Equal),
        (_, Literal::Null) | (Value::Null, _) => None,
        (Value::String(s), Literal::String(l)) => Some(cmp_ci(s, l)),
        // Instants, not text: `...:12.5Z` is later than `...:12Z`, and offsets count.
        (Value::String(s), Literal::DateTime(l)) => clock::parse_ticks(s)
            .zip(clock::parse_ticks(l))
            .map(|(s, l)| s.cmp(&l)),
        (Value::Bool(b), Literal::Bool(l)) => Some(b.cmp(l)),
        (Value::Number(n), Literal::String(l)) => Some(cmp_ci(&n.to_string(), l)),
        _ => None,
    };
    use std::cmp::Ordering::*;
    match (op, ordering) {
        (CmpOp::Eq, o) => o == Some(Equal),
        // A missing value differs from every literal.
        (CmpOp::Ne, o) => o != Some(Equal),
        (CmpOp::Gt, o) => o == Some(Greater),
        (CmpOp::Ge, o) => matches!(o, Some(Greater | Equal)),
        (CmpOp::Lt, o) => o == Some(Less),
        (CmpOp::Le, o) => matches!(o, Some(Less | Equal)),
    }
}

fn cmp_ci(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        a.bytes()
            .map(|c| c.to_ascii_lowercase())
            .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
    } else {
        a.to_lowercase().cmp(&b.to_lowercase())
    }
}

pub fn starts_with_ci(text: &str, prefix: &str) -> bool {
    if prefix.is_ascii() {
        text.len() >= prefix.len()
            && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    } else {
        text.to_lowercase().starts_with(&prefix.to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Map<String, Value> {
        json!({
            "id": "11111111-2222-4333-8444-555555555555",
            "displayName": "Adele Vance",
            "givenName": "Adele",
            "surname": "Vance",
            "userPrincipalName": "adele.vance@contoso.onmicrosoft.com",
            "mail": "Adele.Vance@contoso.onmicrosoft.com",
            "accountEnabled": true,
            "department": "Executive Management",
            "jobTitle": null,
            "otherMails": ["adele@fabrikam.example", "av@contoso.example"],
            "onPremisesExtensionAttributes": { "extensionAttribute1": "CC-100", "extensionAttribute2": null },
            "createdDateTime": "2020-03-01T10:00:00Z",
            "city": "O'Fallon",
            "extension_0a1b_loyaltyTier": "Gold",
            "extension_0a1b_vip": true
        })
        .as_object()
        .unwrap()
        .clone()
    }

    fn matches(text: &str) -> bool {
        parse_filter(text)
            .unwrap_or_else(|e| panic!("{text}: {e:?}"))
            .filter
            .matches(&user())
    }

    fn advanced(text: &str) -> bool {
        parse_filter(text).unwrap().needs_advanced.is_some()
    }

    #[test]
    fn filters_of_ids_alone_name_them_for_a_lookup() {
        let ids = |text: &str| parse_filter(text).unwrap().filter.named_ids().map(|ids| ids.join(","));
        assert_eq!(ids("id eq 'a1' or id eq 'B2' or id eq 'c3'").as_deref(), Some("a1,B2,c3"));
        assert_eq!(ids("id in ('a1', 'b2')").as_deref(), Some("a1,b2"));
        assert_eq!(ids("id eq 'a1' or displayName eq 'x'"), None);
        assert_eq!(ids("id eq 'a1' and id eq 'a1'"), None);
        assert_eq!(ids("not(id eq 'a1')"), None);
    }

    #[test]
    fn eq_is_case_insensitive_on_strings_and_typed_on_booleans() {
        assert!(matches(
            "userPrincipalName eq 'ADELE.VANCE@contoso.onmicrosoft.com'"
        ));
        assert!(matches("displayName eq 'adele vance'"));
        assert!(!matches("displayName eq 'Adele'"));
        assert!(matches("accountEnabled eq true"));
        assert!(!matches("accountEnabled eq false"));
        assert!(matches("id eq '11111111-2222-4333-8444-555555555555'"));
        assert!(
            matches("DisplayName EQ 'Adele Vance'"),
            "names and operators ignore case"
        );
        assert!(!advanced("mail eq 'x'"));
    }

    #[test]
    fn quotes_escape_by_doubling() {
        assert!(matches("city eq 'O''Fallon'"));
        assert!(matches("startswith(city,'o''f')"));
    }

    #[test]
    fn startswith_and_boolean_connectives_with_precedence() {
        assert!(matches("startswith(displayName,'ad')"));
        assert!(matches("startsWith(givenName, 'A') and surname eq 'Vance'"));
        assert!(!matches("startswith(displayName,'Vance')"));
        // and binds tighter than or: false or (true and true)
        assert!(matches(
            "givenName eq 'x' or givenName eq 'adele' and surname eq 'vance'"
        ));
        // parentheses override: (false or true) and false
        assert!(!matches(
            "(givenName eq 'x' or givenName eq 'adele') and surname eq 'nope'"
        ));
        assert!(!advanced(
            "(givenName eq 'x' or startswith(mail,'a')) and accountEnabled eq true"
        ));
    }

    #[test]
    fn in_and_any_lambda() {
        assert!(matches("department in ('Sales', 'executive management')"));
        assert!(!matches("department in ('Sales')"));
        assert!(matches("otherMails/any(m:m eq 'AV@contoso.example')"));
        assert!(matches("otherMails/any(x: startswith(x, 'adele@'))"));
        assert!(!matches("otherMails/any(x: x eq 'nobody@x')"));
        assert!(!advanced("otherMails/any(x: x eq 'a')"));
    }

    #[test]
    fn directory_extension_properties_filter_by_their_stored_type() {
        assert!(matches("extension_0a1b_loyaltyTier eq 'gold'"));
        assert!(matches("extension_0a1b_vip eq true"));
        assert!(!matches("extension_0a1b_vip eq false"));
        assert!(matches("startswith(extension_0a1b_loyaltyTier,'Go')"));
        assert!(!matches("extension_0a1b_missing eq 'x'"));
    }

    #[test]
    fn advanced_constructs_are_flagged_and_still_evaluate() {
        for (text, expected) in [
            ("displayName ne 'Bob'", true),
            ("not(displayName eq 'Adele Vance')", false),
            ("not startswith(displayName,'Z')", true),
            ("endswith(mail,'@CONTOSO.onmicrosoft.com')", true),
            ("jobTitle eq null", true),
            ("department ne null", true),
            (
                "onPremisesExtensionAttributes/extensionAttribute1 eq 'cc-100'",
                true,
            ),
            (
                "onPremisesExtensionAttributes/extensionAttribute2 eq null",
                true,
            ),
            ("createdDateTime ge 2020-01-01T00:00:00Z", true),
            ("createdDateTime lt 2020-01-01T00:00:00Z", false),
            ("mobilePhone eq '1'", false),
        ] {
            assert!(
                advanced(text),
                "{text} should need advanced query parameters"
            );
            assert_eq!(matches(text), expected, "{text}");
        }
        let err = parse_filter("endswith(mail,'x')")
            .unwrap()
            .needs_advanced
            .unwrap();
        assert_eq!(
            (err.code, err.message.as_str()),
            ("Request_UnsupportedQuery", "Unsupported Query.")
        );
        let err = parse_filter("displayName ne 'x'")
            .unwrap()
            .needs_advanced
            .unwrap();
        assert!(err.message.contains("'displayName'"), "{}", err.message);
    }

    #[test]
    fn date_times_compare_as_instants_not_text() {
        // Stored as 2020-03-01T10:00:00Z.
        assert!(matches("createdDateTime lt 2020-03-01T10:00:00.5Z"));
        assert!(matches("createdDateTime gt 2020-03-01T09:59:59.9999999Z"));
        assert!(matches("createdDateTime eq 2020-03-01T11:00:00+01:00"));
        assert!(!matches("createdDateTime gt 2020-03-01T10:00:00.0000001Z"));
        assert!(parse_filter("createdDateTime ge 2020-02-30T00:00:00Z").is_err());
    }

    fn audit_entry() -> Map<String, Value> {
        json!({
            "id": "Directory_1",
            "category": "GroupManagement",
            "activityDisplayName": "Add member to group",
            "activityDateTime": "2026-11-22T10:11:12.1234567Z",
            "loggedByService": "Core Directory",
            "targetResources": [
                { "id": "u1", "displayName": "Nina", "type": "User", "userPrincipalName": "nina@contoso.com" },
                { "id": "g1", "displayName": "Sales", "type": "Group", "userPrincipalName": null }
            ]
        })
        .as_object()
        .unwrap()
        .clone()
    }

    fn audit_matches(text: &str) -> bool {
        parse_filter_on(&schema::DIRECTORY_AUDIT, text)
            .unwrap_or_else(|e| panic!("{text}: {e:?}"))
            .filter
            .matches(&audit_entry())
    }

    #[test]
    fn audit_filters_take_date_ranges_and_target_lambdas_without_advanced_queries() {
        for (text, expected) in [
            ("activityDateTime ge 2026-11-22T10:11:12.1234567Z", true),
            ("activityDateTime gt 2026-11-22T10:11:12.1234567Z", false),
            ("activityDateTime le 2026-11-22T10:11:12.1234567Z", true),
            ("activityDateTime lt 2026-11-22T10:11:13Z", true),
            (
                "category eq 'groupmanagement' and loggedByService eq 'Core Directory'",
                true,
            ),
            (
                "(activityDisplayName eq 'Add user' or activityDisplayName eq 'Add member to group') and activityDateTime ge 2026-01-01T00:00:00Z",
                true,
            ),
            ("startswith(activityDisplayName,'Add ')", true),
            ("targetResources/any(t: t/id eq 'g1')", true),
            (
                "targetResources/any(t:t/type eq 'Group' and t/displayName eq 'Sales')",
                true,
            ),
            (
                "targetResources/any(t: startswith(t/userPrincipalName, 'NINA@'))",
                true,
            ),
            ("targetResources/any(t: t/id eq 'g2')", false),
        ] {
            assert_eq!(audit_matches(text), expected, "{text}");
            let parsed = parse_filter_on(&schema::DIRECTORY_AUDIT, text).unwrap();
            assert!(parsed.needs_advanced.is_none(), "{text}");
        }
        for unsupported in [
            "category ne 'x'",
            "not(category eq 'x')",
            "endswith(activityDisplayName,'group')",
            "resultReason eq ''",
            "targetResources/any(t: t eq 'x')",
        ] {
            let err = parse_filter_on(&schema::DIRECTORY_AUDIT, unsupported).unwrap_err();
            assert_eq!(err.status, 400, "{unsupported}");
            assert_eq!(
                err.code, "Request_UnsupportedQuery",
                "{unsupported}: {err:?}"
            );
        }
        for invalid in [
            "targetResources/any(t: t/shoeSize eq 'x')",
            "activityDateTime ge '2026-01-01T00:00:00Z'",
            "targetResources eq 'x'",
            "initiatedBy eq 'x'",
        ] {
            let err = parse_filter_on(&schema::DIRECTORY_AUDIT, invalid).unwrap_err();
            assert_eq!(err.code, "BadRequest", "{invalid}: {err:?}");
        }
    }

    #[test]
    fn errors_name_the_problem() {
        let err = parse_filter("shoeSize eq '42'").unwrap_err();
        assert_eq!(err.code, "BadRequest");
        assert!(err.message.contains("'shoeSize'"), "{}", err.message);

        let err = parse_filter("businessPhones/any(p:p eq '1')").unwrap_err();
        assert_eq!(err.code, "Request_UnsupportedQuery");
        assert!(err.message.contains("'businessPhones'"));

        let err = parse_filter("displayName eq 'unterminated").unwrap_err();
        assert!(
            err.message.contains("unterminated string literal"),
            "{}",
            err.message
        );

        let err = parse_filter("accountEnabled eq 'true'").unwrap_err();
        assert!(
            err.message.contains("incompatible types"),
            "{}",
            err.message
        );

        let err = parse_filter("displayName eq Adele").unwrap_err();
        assert_eq!(err.code, "BadRequest");

        let err = parse_filter("frobnicate(displayName,'a')").unwrap_err();
        assert!(err.message.contains("unknown function"), "{}", err.message);

        assert_eq!(
            parse_filter("contains(displayName,'a')").unwrap_err().code,
            "Request_UnsupportedQuery"
        );
        assert!(parse_filter("startswith(accountEnabled,'t')").is_err());
        assert!(parse_filter("otherMails eq 'a'").is_err());
        assert!(parse_filter("(displayName eq 'a'").is_err());
        assert!(parse_filter("displayName eq 'a')").is_err());
        assert!(parse_filter("displayName eq 'a' and").is_err());
        assert!(parse_filter("").is_err());
        assert!(parse_filter("displayName # 'a'").is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = format!(
            "{}displayName eq 'a'{}",
            "(".repeat(10_000),
            ")".repeat(10_000)
        );
        assert!(parse_filter(&deep).is_err());
        let nots = format!("{}displayName eq 'a'", "not ".repeat(10_000));
        assert!(parse_filter(&nots).is_err());
        let ok = format!(
            "{}displayName eq 'Adele Vance'{}",
            "(".repeat(20),
            ")".repeat(20)
        );
        assert!(matches(&ok));
    }

    #[test]
    fn never_panics_on_arbitrary_input() {
        const PIECES: &[&str] = &[
            "(",
            ")",
            "'",
            "''",
            ",",
            "/",
            ":",
            " ",
            "eq",
            "ne",
            "and",
            "or",
            "not",
            "in",
            "any",
            "x",
            "displayName",
            "otherMails",
            "startswith",
            "endswith",
            "true",
            "null",
            "2020-01-01T00:00:00Z",
            "'a'",
            "onPremisesExtensionAttributes",
            "extensionAttribute1",
            "é",
            "\u{0}",
            "-1",
            "ge",
            "@",
            "$",
        ];
        let mut rng = crate::prng::SplitMix64::new(99);
        for _ in 0..20_000 {
            let n = rng.below(12) as usize;
            let text: String = (0..n)
                .map(|_| *rng.pick(PIECES))
                .collect::<Vec<_>>()
                .join(if rng.chance(50) { " " } else { "" });
            if let Ok(parsed) = parse_filter(&text) {
                let _ = parsed.filter.matches(&user());
            }
        }
    }

    #[test]
    fn query_options() {
        let pairs = |s: &str| codec::parse_pairs(s);
        let q = parse_user_query(
            &pairs("$top=5&$select=id,DisplayName,manager&$count=true"),
            true,
        )
        .unwrap();
        assert_eq!(q.top, 5);
        assert_eq!(
            q.select,
            Selection::Properties(vec!["id".into(), "displayName".into()])
        );
        assert!(q.count);
        let q = parse_user_query(&pairs(""), true).unwrap();
        assert_eq!((q.top, q.select), (100, Selection::Default));
        // Graph also accepts the options without their `$`.
        assert_eq!(parse_user_query(&pairs("top=7"), true).unwrap().top, 7);

        for bad in ["$top=0", "$top=1000", "$top=-1"] {
            let err = parse_user_query(&pairs(bad), true).unwrap_err();
            assert_eq!(err.code, "Request_UnsupportedQuery", "{bad}");
            assert!(err.message.contains("Invalid page size"), "{bad}");
        }
        assert_eq!(
            parse_user_query(&pairs("$top=abc"), true).unwrap_err().code,
            "BadRequest"
        );
        assert_eq!(
            parse_user_query(&pairs("$top=1&$top=2"), true)
                .unwrap_err()
                .code,
            "BadRequest"
        );
        assert!(
            parse_user_query(&pairs("$select=nope"), true)
                .unwrap_err()
                .message
                .contains("'nope'")
        );
        assert!(parse_user_query(&pairs("$bogus=1"), true).is_err());
        assert!(parse_user_query(&pairs("other=1"), true).is_ok());

        let q = parse_user_query(&pairs("$expand=manager($select=id,displayName)"), false).unwrap();
        assert_eq!(
            q.expand.unwrap().select,
            Selection::Properties(vec!["id".into(), "displayName".into()])
        );
        let q = parse_user_query(&pairs("$select=id,extension_0a1b_loyaltyTier"), true).unwrap();
        assert_eq!(
            q.select,
            Selection::Properties(vec!["id".into(), "extension_0a1b_loyaltyTier".into()])
        );
        let q = parse_user_query(&pairs("$expand=manager($levels=max;$select=id)"), false).unwrap();
        assert_eq!(q.expand.unwrap().levels, Some(u32::MAX));
        assert_eq!(
            parse_user_query(&pairs("$expand=manager"), false)
                .unwrap()
                .expand
                .unwrap()
                .select,
            Selection::All
        );
        assert!(parse_user_query(&pairs("$expand=nothing"), false).is_err());
        assert!(parse_user_query(&pairs("$expand=displayName"), false).is_err());

        let q = parse_user_query(&pairs("$orderby=displayName desc"), true).unwrap();
        assert_eq!(
            q.orderby,
            Some(OrderBy {
                property: "displayName",
                descending: true
            })
        );
        assert!(q.needs_advanced.is_none());
        let q = parse_user_query(
            &pairs("$orderby=displayName&$filter=accountEnabled eq true"),
            true,
        )
        .unwrap();
        assert!(
            q.needs_advanced.is_some(),
            "sorting a filtered list is advanced"
        );
        assert!(parse_user_query(&pairs("$orderby=businessPhones"), true).is_err());
    }

    #[test]
    fn skiptokens_round_trip_and_reject_garbage() {
        for cursor in [
            PageCursor {
                fingerprint: 42,
                last_seq: 7,
                last_key: None,
            },
            PageCursor {
                fingerprint: u64::MAX,
                last_seq: 0,
                last_key: Some("a|b k".to_string()),
            },
            PageCursor {
                fingerprint: 1,
                last_seq: 3,
                last_key: Some(String::new()),
            },
        ] {
            let token = encode_skiptoken(&cursor);
            assert!(token.starts_with("RFNwdAIA"), "{token}");
            assert_eq!(decode_skiptoken(&token), Some(cursor));
        }
        assert_eq!(decode_skiptoken("garbage!"), None);
        assert_eq!(decode_skiptoken("RFNwdAIA"), None);
        assert_eq!(decode_skiptoken(""), None);
    }
}
