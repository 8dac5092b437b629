//! OData `$filter` expressions built from typed pieces, so no other crate formats OData text. Knows
//! which operators Graph serves only as "advanced queries" (ConsistencyLevel: eventual + $count).

use std::fmt::Write;

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
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Bool(bool),
    Num(serde_json::Number),
    Null,
}

impl Literal {
    fn write(&self, out: &mut String) {
        match self {
            Literal::Str(s) => write_string(s, out),
            Literal::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Literal::Num(n) => {
                let _ = write!(out, "{n}");
            }
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

impl Filter {
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
            Filter::StartsWith(..) => false,
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
