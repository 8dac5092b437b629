//! OData `$filter` expressions built from typed pieces, so no other crate formats OData text. Knows
//! which operators Graph serves only as "advanced queries" (ConsistencyLevel: eventual + $count).

use std::fmt::Write;

use crate::error::Error;

/// A Graph `$filter` expression. Property names are written as given (they come from fixed maps in
/// code, e.g. `userPrincipalName` or `onPremisesExtensionAttributes/extensionAttribute1`); values are
/// always [`Literal`]s or quoted strings, so caller data can never change the expression's shape.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Eq(String, Literal),
    Ne(String, Literal),
    StartsWith(String, String),
    EndsWith(String, String),
    Ge(String, Literal),
    Le(String, Literal),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// A user who signs in with this name (`issuerAssignedId`, any sign-in type) from this
    /// issuer: `identities/any(c:c/issuerAssignedId eq '..' and c/issuer eq '..')`. Graph
    /// wants both in the lambda; it is how B2C local accounts are found by sign-in name.
    SignInName { issuer: String, name: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Bool(bool),
    Num(serde_json::Number),
    /// Written unquoted, as OData wants instants.
    DateTime(DateTimeOffset),
    Null,
}

/// An `Edm.DateTimeOffset` value: `2024-01-15T08:30:00Z`, with an optional fraction of a second
/// and `Z` or an offset such as `+02:00`. Checked when made, because it goes into a filter
/// unquoted: caller text can never change the filter's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateTimeOffset(String);

impl DateTimeOffset {
    pub fn parse(text: &str) -> Result<Self, Error> {
        if is_date_time_offset(text.as_bytes()) {
            Ok(DateTimeOffset(text.to_string()))
        } else {
            Err(Error::InvalidArgument {
                message: format!(
                    "'{text}' is not a DateTimeOffset such as 2024-01-15T08:30:00Z or 2024-01-15T08:30:00.5+02:00"
                ),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `YYYY-MM-DDThh:mm:ss`, an optional `.` and digits, then `Z` or `+hh:mm`/`-hh:mm`; fields in range.
fn is_date_time_offset(b: &[u8]) -> bool {
    let number = |at: usize, len: usize| -> Option<u32> {
        let digits = b.get(at..at + len)?;
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let punctuated = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')]
        .iter()
        .all(|(at, c)| b.get(*at) == Some(c));
    let fields = (
        number(0, 4),
        number(5, 2),
        number(8, 2),
        number(11, 2),
        number(14, 2),
        number(17, 2),
    );
    let (Some(_), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = fields else {
        return false;
    };
    let mut at = 19;
    if b.get(at) == Some(&b'.') {
        let digits = b[at + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 {
            return false;
        }
        at += 1 + digits;
    }
    let zone = match &b[at.min(b.len())..] {
        [b'Z'] => true,
        [b'+' | b'-', ..] => {
            b.len() == at + 6
                && b[at + 3] == b':'
                && number(at + 1, 2).is_some_and(|h| h < 24)
                && number(at + 4, 2).is_some_and(|m| m < 60)
        }
        _ => false,
    };
    punctuated
        && zone
        && (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60
}

impl Literal {
    fn write(&self, out: &mut String) {
        match self {
            Literal::Str(s) => write_string(s, out),
            Literal::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Literal::Num(n) => {
                let _ = write!(out, "{n}");
            }
            Literal::DateTime(t) => out.push_str(t.as_str()),
            Literal::Null => out.push_str("null"),
        }
    }
}

/// OData string literal: single quotes, an embedded quote doubled.
fn write_string(s: &str, out: &mut String) {
    out.push('\'');
    out.push_str(&s.replace('\'', "''"));
    out.push('\'');
}

/// Ids one `$filter` may name: Graph refuses more than 15 `or`ed equality terms.
pub const MAX_IDS_PER_FILTER: usize = 15;

impl Filter {
    /// `id eq 'a' or id eq 'b' ...`: the objects with these ids (at most
    /// [`MAX_IDS_PER_FILTER`] for Graph to accept it); `None` for no ids.
    pub fn any_id<'a>(ids: impl IntoIterator<Item = &'a str>) -> Option<Filter> {
        ids.into_iter().map(|id| Filter::Eq("id".into(), Literal::Str(id.to_string()))).reduce(Filter::or)
    }

    pub fn and(self, other: Filter) -> Filter {
        Filter::And(Box::new(self), Box::new(other))
    }

    pub fn or(self, other: Filter) -> Filter {
        Filter::Or(Box::new(self), Box::new(other))
    }

    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Filter {
        Filter::Not(Box::new(self))
    }

    /// The `$filter` text, not yet percent-encoded (the client encodes it into the URL).
    pub fn to_odata(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        let compare = |out: &mut String, prop: &str, op: &str, lit: &Literal| {
            let _ = write!(out, "{prop} {op} ");
            lit.write(out);
        };
        let function = |out: &mut String, name: &str, prop: &str, value: &str| {
            let _ = write!(out, "{name}({prop},");
            write_string(value, out);
            out.push(')');
        };
        match self {
            Filter::Eq(p, l) => compare(out, p, "eq", l),
            Filter::Ne(p, l) => compare(out, p, "ne", l),
            Filter::Ge(p, l) => compare(out, p, "ge", l),
            Filter::Le(p, l) => compare(out, p, "le", l),
            Filter::StartsWith(p, v) => function(out, "startswith", p, v),
            Filter::EndsWith(p, v) => function(out, "endswith", p, v),
            Filter::SignInName { issuer, name } => {
                out.push_str("identities/any(c:c/issuerAssignedId eq ");
                write_string(name, out);
                out.push_str(" and c/issuer eq ");
                write_string(issuer, out);
                out.push(')');
            }
            Filter::And(a, b) => {
                // `and` binds tighter than `or`, so an `or` operand needs parentheses to keep its meaning.
                a.write_operand_of_and(out);
                out.push_str(" and ");
                b.write_operand_of_and(out);
            }
            Filter::Or(a, b) => {
                a.write(out);
                out.push_str(" or ");
                b.write(out);
            }
            Filter::Not(inner) => {
                out.push_str("not(");
                inner.write(out);
                out.push(')');
            }
        }
    }

    fn write_operand_of_and(&self, out: &mut String) {
        if matches!(self, Filter::Or(..)) {
            out.push('(');
            self.write(out);
            out.push(')');
        } else {
            self.write(out);
        }
    }

    /// Whether Graph serves this filter only as an advanced query. Per Graph's "advanced query
    /// capabilities" page, directory objects need it for `ne`, `not`, `endsWith`, `ge`/`le` and
    /// comparisons with null; sending it when not strictly needed is harmless, omitting it is a 400.
    pub fn needs_advanced_query(&self) -> bool {
        match self {
            Filter::Eq(_, l) => *l == Literal::Null,
            Filter::StartsWith(..) | Filter::SignInName { .. } => false,
            Filter::Ne(..)
            | Filter::EndsWith(..)
            | Filter::Ge(..)
            | Filter::Le(..)
            | Filter::Not(_) => true,
            Filter::And(a, b) | Filter::Or(a, b) => {
                a.needs_advanced_query() || b.needs_advanced_query()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_names_are_an_identities_lambda_with_both_members_quoted() {
        let filter = Filter::SignInName { issuer: "contosob2c.onmicrosoft.com".into(), name: "o'brien".into() };
        assert_eq!(
            filter.to_odata(),
            "identities/any(c:c/issuerAssignedId eq 'o''brien' and c/issuer eq 'contosob2c.onmicrosoft.com')"
        );
        assert!(!filter.needs_advanced_query());
    }

    fn eq(p: &str, v: &str) -> Filter {
        Filter::Eq(p.into(), Literal::Str(v.into()))
    }

    #[test]
    fn string_literals_are_quoted_with_doubled_quotes() {
        assert_eq!(
            eq("userPrincipalName", "a@b.com").to_odata(),
            "userPrincipalName eq 'a@b.com'"
        );
        assert_eq!(eq("surname", "O'Neil").to_odata(), "surname eq 'O''Neil'");
        assert_eq!(
            eq("displayName", "x' or 1 eq 1 or 'y").to_odata(),
            "displayName eq 'x'' or 1 eq 1 or ''y'"
        );
    }

    #[test]
    fn any_id_ors_equalities_and_is_none_for_no_ids() {
        assert_eq!(Filter::any_id(["a"]).unwrap().to_odata(), "id eq 'a'");
        let three = Filter::any_id(["a", "b'c", "d"]).unwrap().to_odata();
        assert!(three.contains("id eq 'a'") && three.contains("id eq 'b''c'") && three.contains("id eq 'd'"), "{three}");
        assert_eq!(three.matches(" or ").count(), 2, "{three}");
        assert_eq!(Filter::any_id([]), None);
    }

    #[test]
    fn bools_numbers_and_null_are_raw() {
        assert_eq!(
            Filter::Eq("accountEnabled".into(), Literal::Bool(false)).to_odata(),
            "accountEnabled eq false"
        );
        assert_eq!(
            Filter::Ge("n".into(), Literal::Num(42.into())).to_odata(),
            "n ge 42"
        );
        assert_eq!(
            Filter::Le(
                "n".into(),
                Literal::Num(serde_json::Number::from_f64(1.5).unwrap())
            )
            .to_odata(),
            "n le 1.5"
        );
        assert_eq!(
            Filter::Ne("mail".into(), Literal::Null).to_odata(),
            "mail ne null"
        );
    }

    #[test]
    fn date_times_are_checked_then_written_unquoted() {
        for good in [
            "2024-01-15T08:30:00Z",
            "2024-01-15T08:30:00.1234567Z",
            "2024-01-15T08:30:00+02:00",
            "2024-01-15T08:30:00.5-11:30",
        ] {
            let at = DateTimeOffset::parse(good).unwrap();
            assert_eq!(
                Filter::Ge("activityDateTime".into(), Literal::DateTime(at)).to_odata(),
                format!("activityDateTime ge {good}")
            );
        }
        for bad in [
            "",
            "2024-01-15",
            "2024-01-15T08:30:00",
            "2024-01-15 08:30:00Z",
            "2024-13-15T08:30:00Z",
            "2024-01-15T24:30:00Z",
            "2024-01-15T08:30:00.Z",
            "2024-01-15T08:30:00+0200",
            "2024-01-15T08:30:00Z or 1 eq 1",
            "2024-01-15T08:30:00z",
        ] {
            assert!(
                matches!(
                    DateTimeOffset::parse(bad),
                    Err(Error::InvalidArgument { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn functions_and_not() {
        assert_eq!(
            Filter::StartsWith("displayName".into(), "Al'".into()).to_odata(),
            "startswith(displayName,'Al''')"
        );
        assert_eq!(
            Filter::EndsWith("mail".into(), "@x.com".into()).to_odata(),
            "endswith(mail,'@x.com')"
        );
        assert_eq!(eq("a", "1").not().to_odata(), "not(a eq '1')");
    }

    #[test]
    fn or_inside_and_keeps_its_parentheses() {
        let f = eq("a", "1").or(eq("b", "2")).and(eq("c", "3"));
        assert_eq!(f.to_odata(), "(a eq '1' or b eq '2') and c eq '3'");
        let g = eq("a", "1").and(eq("b", "2")).or(eq("c", "3"));
        assert_eq!(g.to_odata(), "a eq '1' and b eq '2' or c eq '3'");
    }

    #[test]
    fn advanced_query_detection() {
        assert!(!eq("a", "1").needs_advanced_query());
        assert!(!Filter::StartsWith("a".into(), "x".into()).needs_advanced_query());
        assert!(!eq("a", "1").or(eq("b", "2")).needs_advanced_query());
        assert!(Filter::Ne("a".into(), Literal::Bool(true)).needs_advanced_query());
        assert!(Filter::EndsWith("a".into(), "x".into()).needs_advanced_query());
        assert!(eq("a", "1").not().needs_advanced_query());
        assert!(Filter::Eq("a".into(), Literal::Null).needs_advanced_query());
        assert!(
            eq("a", "1")
                .and(Filter::EndsWith("b".into(), "x".into()))
                .needs_advanced_query()
        );
    }
}
