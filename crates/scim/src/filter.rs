//! The SCIM filter grammar (RFC 7644 §3.4.2.2): parse a `filter=` expression into a [`Filter`]
//! tree, print a tree back in a canonical form that parses to the same tree, and evaluate it
//! against a resource's JSON (`eval`, used by PATCH value paths). Translation to Graph OData
//! belongs to the callers.

use serde_json::Number;
use std::fmt;

use crate::error::ScimError;

pub(crate) mod eval;

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: CompValue,
    },
    Present(AttrPath),
    /// `emails[type eq "work"]`: the inner filter's paths name sub-attributes of `path`.
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
    },
}

/// `[schema ":"] name ["." sub]`, e.g. `name.givenName` or
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    pub schema: Option<String>,
    pub name: String,
    pub sub: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    Str(String),
    Num(Number),
    Bool(bool),
    Null,
}

/// Deeper nesting than this is refused rather than risking the stack (a component's stack is
/// small, and the input is untrusted).
const MAX_NESTING: usize = 64;
/// And/or chains build left-deep trees whose drop and print recurse once per term.
const MAX_TERMS: usize = 1000;

/// Parses a filter. Errors are 400 `invalidFilter` whose detail names the problem and the
/// character position (1-based) where it was found. Never panics.
pub fn parse(input: &str) -> Result<Filter, ScimError> {
    let mut p = Parser {
        src: input,
        pos: 0,
        depth: 0,
        terms: 0,
        in_value_path: false,
    };
    p.skip_ws();
    if p.at_end() {
        return Err(p.error_at(0, "the filter is empty"));
    }
    let filter = p.parse_or()?;
    p.skip_ws();
    match p.peek() {
        None => Ok(filter),
        Some(')') => Err(p.error("unbalanced ')'")),
        Some(']') => Err(p.error("unbalanced ']'")),
        Some(_) => Err(p.error("expected 'and', 'or' or the end of the filter")),
    }
}

impl Filter {
    pub fn and(a: Filter, b: Filter) -> Filter {
        Filter::And(Box::new(a), Box::new(b))
    }

    pub fn or(a: Filter, b: Filter) -> Filter {
        Filter::Or(Box::new(a), Box::new(b))
    }

    #[allow(clippy::should_implement_trait)] // a constructor, not negation of a value
    pub fn not(f: Filter) -> Filter {
        Filter::Not(Box::new(f))
    }

    pub fn compare(path: AttrPath, op: CompareOp, value: CompValue) -> Filter {
        Filter::Compare { path, op, value }
    }

    fn precedence(&self) -> u8 {
        match self {
            Filter::Or(..) => 1,
            Filter::And(..) => 2,
            _ => 3,
        }
    }
}

impl AttrPath {
    /// A plain core attribute, e.g. `AttrPath::new("userName")`.
    pub fn new(name: impl Into<String>) -> Self {
        AttrPath {
            schema: None,
            name: name.into(),
            sub: None,
        }
    }

    pub fn with_sub(name: impl Into<String>, sub: impl Into<String>) -> Self {
        AttrPath {
            schema: None,
            name: name.into(),
            sub: Some(sub.into()),
        }
    }

    /// Parses a bare attribute path (as in `sortBy` or `attributes=`). Errors are 400
    /// `invalidPath`.
    pub fn parse(text: &str) -> Result<AttrPath, ScimError> {
        split_attr_path(text.trim()).map_err(|problem| {
            ScimError::invalid_path(format!("invalid attribute path {text:?}: {problem}"))
        })
    }

    /// `name` or `name.sub`, without the schema.
    pub fn dotted(&self) -> String {
        match &self.sub {
            Some(sub) => format!("{}.{}", self.name, sub),
            None => self.name.clone(),
        }
    }

    /// True if this path, ignoring its schema prefix, is `dotted` (`"name.givenName"`),
    /// ignoring ASCII case as SCIM attribute names do (RFC 7643 §2.1).
    pub fn matches(&self, dotted: &str) -> bool {
        let (name, sub) = match dotted.split_once('.') {
            Some((n, s)) => (n, Some(s)),
            None => (dotted, None),
        };
        self.name.eq_ignore_ascii_case(name)
            && match (&self.sub, sub) {
                (None, None) => true,
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => false,
            }
    }
}

impl CompareOp {
    pub const ALL: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    /// Case-insensitive, as the RFC's ABNF strings are.
    pub fn parse(word: &str) -> Option<CompareOp> {
        Self::ALL
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(word))
    }
}

impl CompValue {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            CompValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        match self {
            CompValue::Str(s) => serde_json::Value::String(s.clone()),
            CompValue::Num(n) => serde_json::Value::Number(n.clone()),
            CompValue::Bool(b) => serde_json::Value::Bool(*b),
            CompValue::Null => serde_json::Value::Null,
        }
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for CompValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // JSON string syntax is also the filter's string syntax, escapes included.
            CompValue::Str(s) => f.write_str(&serde_json::Value::String(s.clone()).to_string()),
            CompValue::Num(n) => write!(f, "{n}"),
            CompValue::Bool(b) => write!(f, "{b}"),
            CompValue::Null => f.write_str("null"),
        }
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(schema) = &self.schema {
            write!(f, "{schema}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// Canonical form: lower-case operators, single spaces, JSON-escaped strings, and parentheses
/// exactly where the tree differs from what precedence and left-associativity would build.
impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Or(a, b) | Filter::And(a, b) => {
                let p = self.precedence();
                let word = if p == 1 { "or" } else { "and" };
                write_grouped(f, a, a.precedence() < p)?;
                write!(f, " {word} ")?;
                // Left-associative: a right operand of equal precedence needs its parentheses.
                write_grouped(f, b, b.precedence() <= p)
            }
            Filter::Not(inner) => write!(f, "not ({inner})"),
            Filter::Compare { path, op, value } => write!(f, "{path} {op} {value}"),
            Filter::Present(path) => write!(f, "{path} pr"),
            Filter::ValuePath { path, filter } => write!(f, "{path}[{filter}]"),
        }
    }
}

fn write_grouped(f: &mut fmt::Formatter<'_>, filter: &Filter, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({filter})")
    } else {
        write!(f, "{filter}")
    }
}

/// Characters of an attribute path token: ATTRNAME chars, `$` (for `$ref`), and the `:` and
/// `.` of URN prefixes and sub-attributes.
fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.' | '$')
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_')
}

/// ATTRNAME = ALPHA *(nameChar), plus `$ref` (RFC 7643 §2.1 allows it for references).
fn check_attr_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let ok = match chars.next() {
        Some('$') => name == "$ref",
        Some(c) if c.is_ascii_alphabetic() => chars.all(is_word_char),
        _ => false,
    };
    if ok {
        Ok(())
    } else if name.is_empty() {
        Err("an attribute name is empty".to_string())
    } else {
        Err(format!(
            "{name:?} is not an attribute name (a letter, then letters, digits, '-' or '_')"
        ))
    }
}

/// Splits `[schema ":"] name ["." sub]`. The schema is everything up to the last ':' (URNs
/// such as `...:2.0:User` contain both ':' and '.').
fn split_attr_path(text: &str) -> Result<AttrPath, String> {
    if text.is_empty() {
        return Err("the attribute path is empty".to_string());
    }
    let (schema, rest) = match text.rfind(':') {
        Some(i) => (Some(&text[..i]), &text[i + 1..]),
        None => (None, text),
    };
    if let Some(schema) = schema
        && (schema.is_empty() || schema.ends_with(':'))
    {
        return Err(format!("{text:?} has an empty schema URN part"));
    }
    let mut parts = rest.split('.');
    let name = parts.next().unwrap_or_default();
    let sub = parts.next();
    if parts.next().is_some() {
        return Err(format!(
            "{text:?} has more than one '.' (only attribute.subAttribute)"
        ));
    }
    check_attr_name(name)?;
    if let Some(sub) = sub {
        check_attr_name(sub)?;
    }
    Ok(AttrPath {
        schema: schema.map(str::to_string),
        name: name.to_string(),
        sub: sub.map(str::to_string),
    })
}

struct Parser<'a> {
    src: &'a str,
    /// Byte offset; always on a char boundary.
    pos: usize,
    depth: usize,
    terms: usize,
    in_value_path: bool,
}

impl<'a> Parser<'a> {
    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn bump(&mut self) {
        if let Some(c) = self.peek() {
            self.pos += c.len_utf8();
        }
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.bump();
            } else {
                break;
            }
        }
    }

    /// Takes the longest run of chars satisfying `pred`.
    fn take_while(&mut self, pred: impl Fn(char) -> bool) -> &'a str {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if pred(c) {
                self.bump();
            } else {
                break;
            }
        }
        &self.src[start..self.pos]
    }

    /// Consumes `word` (ASCII-case-insensitively) if it stands whole at the cursor.
    fn eat_keyword(&mut self, word: &str) -> bool {
        let rest = &self.src[self.pos..];
        let Some(head) = rest.get(..word.len()) else {
            return false;
        };
        if !head.eq_ignore_ascii_case(word) {
            return false;
        }
        if rest[word.len()..].chars().next().is_some_and(is_path_char) {
            return false;
        }
        self.pos += word.len();
        true
    }

    fn error(&self, problem: &str) -> ScimError {
        self.error_at(self.pos, problem)
    }

    fn error_at(&self, at: usize, problem: &str) -> ScimError {
        let at = at.min(self.src.len());
        let column = self.src[..at].chars().count() + 1;
        let near: String = self.src[at..].chars().take(24).collect();
        let near = if near.is_empty() {
            "at the end of the filter".to_string()
        } else {
            format!("near {near:?}")
        };
        ScimError::invalid_filter(format!(
            "invalid filter: {problem} at character {column} ({near})"
        ))
    }

    fn enter(&mut self) -> Result<(), ScimError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.error(&format!("nesting deeper than {MAX_NESTING} levels")));
        }
        Ok(())
    }

    fn parse_or(&mut self) -> Result<Filter, ScimError> {
        let mut left = self.parse_and()?;
        loop {
            self.skip_ws();
            if !self.eat_keyword("or") {
                return Ok(left);
            }
            let right = self.parse_and()?;
            left = Filter::or(left, right);
        }
    }

    fn parse_and(&mut self) -> Result<Filter, ScimError> {
        let mut left = self.parse_unary()?;
        loop {
            self.skip_ws();
            if !self.eat_keyword("and") {
                return Ok(left);
            }
            let right = self.parse_unary()?;
            left = Filter::and(left, right);
        }
    }

    /// `not (F)`, `(F)`, or an attribute expression / value path.
    fn parse_unary(&mut self) -> Result<Filter, ScimError> {
        self.skip_ws();
        let start = self.pos;
        if self.eat_keyword("not") {
            self.skip_ws();
            if self.peek() != Some('(') {
                return Err(self.error_at(
                    start,
                    "'not' must be followed by a parenthesised filter, as in not (...)",
                ));
            }
            let inner = self.parse_group()?;
            return Ok(Filter::not(inner));
        }
        match self.peek() {
            Some('(') => self.parse_group(),
            None => Err(self.error("expected an attribute, '(' or 'not'")),
            Some(_) => self.parse_attr_exp(),
        }
    }

    /// `( F )` with the cursor on '('.
    fn parse_group(&mut self) -> Result<Filter, ScimError> {
        let open = self.pos;
        self.enter()?;
        self.bump();
        let inner = self.parse_or()?;
        self.skip_ws();
        if self.peek() != Some(')') {
            let problem = if self.at_end() {
                let opened = self.src[..open].chars().count() + 1;
                format!("unclosed '(' (opened at character {opened})")
            } else {
                "expected ')' or 'and'/'or'".to_string()
            };
            return Err(self.error(&problem));
        }
        self.bump();
        self.depth -= 1;
        Ok(inner)
    }

    fn parse_attr_exp(&mut self) -> Result<Filter, ScimError> {
        let start = self.pos;
        let text = self.take_while(is_path_char);
        if text.is_empty() {
            return Err(self.error("expected an attribute name, '(' or 'not'"));
        }
        let path = split_attr_path(text).map_err(|problem| self.error_at(start, &problem))?;
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(self.error_at(
                start,
                &format!("more than {MAX_TERMS} attribute expressions"),
            ));
        }
        self.skip_ws();
        if self.peek() == Some('[') {
            return self.parse_value_path(path);
        }
        let op_start = self.pos;
        let word = self.take_while(is_word_char);
        if word.is_empty() {
            return Err(self.error(&format!(
                "expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) after {text:?}"
            )));
        }
        if word.eq_ignore_ascii_case("pr") {
            return Ok(Filter::Present(path));
        }
        let Some(op) = CompareOp::parse(word) else {
            return Err(self.error_at(
                op_start,
                &format!(
                    "unknown operator {word:?} (expected eq, ne, co, sw, ew, gt, ge, lt, le or pr)"
                ),
            ));
        };
        let value = self.parse_comp_value()?;
        Ok(Filter::Compare { path, op, value })
    }

    /// `attr[ valFilter ]` with the cursor on '['.
    fn parse_value_path(&mut self, path: AttrPath) -> Result<Filter, ScimError> {
        if self.in_value_path {
            // RFC 7644 errata 4690: value filters hold sub-attribute expressions only.
            return Err(self.error("a value filter '[...]' cannot be nested inside another"));
        }
        self.enter()?;
        self.bump();
        self.in_value_path = true;
        let inner = self.parse_or()?;
        self.in_value_path = false;
        self.skip_ws();
        if self.peek() != Some(']') {
            return Err(self.error(if self.at_end() {
                "unclosed '['"
            } else {
                "expected ']' or 'and'/'or'"
            }));
        }
        self.bump();
        self.depth -= 1;
        if self.peek() == Some('.') {
            return Err(self
                .error("a sub-attribute after ']' is a PATCH path form, not allowed in a filter"));
        }
        Ok(Filter::ValuePath {
            path,
            filter: Box::new(inner),
        })
    }

    fn parse_comp_value(&mut self) -> Result<CompValue, ScimError> {
        self.skip_ws();
        let start = self.pos;
        if self.peek() == Some('"') {
            return self.parse_string();
        }
        let token =
            self.take_while(|c| !c.is_whitespace() && !matches!(c, '(' | ')' | '[' | ']' | '"'));
        if token.is_empty() {
            return Err(
                self.error("expected a value (a quoted string, a number, true, false or null)")
            );
        }
        if token.eq_ignore_ascii_case("true") {
            return Ok(CompValue::Bool(true));
        }
        if token.eq_ignore_ascii_case("false") {
            return Ok(CompValue::Bool(false));
        }
        if token.eq_ignore_ascii_case("null") {
            return Ok(CompValue::Null);
        }
        if let Ok(n) = serde_json::from_str::<Number>(token) {
            return Ok(CompValue::Num(n));
        }
        // Extension: the B2C connector's table sends `AuditLogStartTime eq 2024-01-01T00:00:00Z`
        // with the timestamp unquoted. Nothing else in the grammar can look like this.
        if looks_like_timestamp(token) {
            return Ok(CompValue::Str(token.to_string()));
        }
        let problem = if token.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
            format!("{token:?} is not a valid number")
        } else {
            format!(
                "expected a value (a quoted string, a number, true, false or null), found {token:?}; strings must be in double quotes"
            )
        };
        Err(self.error_at(start, &problem))
    }

    /// A JSON string with the cursor on its opening quote.
    fn parse_string(&mut self) -> Result<CompValue, ScimError> {
        let start = self.pos;
        let bytes = self.src.as_bytes();
        let mut i = start + 1;
        // '"' and '\\' never occur inside a multi-byte UTF-8 sequence, so a byte scan is safe
        // and `end` lands on a char boundary.
        let end = loop {
            match bytes.get(i) {
                None => return Err(self.error_at(start, "unterminated string")),
                Some(b'\\') => i += 2,
                Some(b'"') => break i,
                Some(_) => i += 1,
            }
        };
        let literal = &self.src[start..=end];
        match serde_json::from_str::<String>(literal) {
            Ok(s) => {
                self.pos = end + 1;
                Ok(CompValue::Str(s))
            }
            Err(e) => Err(self.error_at(start, &format!("invalid string ({e})"))),
        }
    }
}

/// `2024-01-01`, `2024-01-01T00:00:00Z`, `2024-01-01T00:00:00.123+02:00`: four digits, '-',
/// then only timestamp characters.
fn looks_like_timestamp(token: &str) -> bool {
    let b = token.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b.iter()
            .all(|c| c.is_ascii_digit() || b"-:.+TtZz".contains(c))
}

#[cfg(test)]
mod tests;
