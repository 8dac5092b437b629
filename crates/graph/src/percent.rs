//! Percent-encoding for the three places the client puts text into HTTP: URL path segments, query
//! values and form bodies. Small enough to own, and owning it pins down exactly what is escaped.

use std::fmt::Write;

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn encode(s: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if keep(b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A query parameter value. `$ , ( ) :` stay readable (they are legal in a query and Graph's own
/// examples show them raw); everything with a meaning to query parsers (`& = + # ' space %`) is escaped.
pub(crate) fn query_value(s: &str) -> String {
    encode(s, |b| {
        is_unreserved(b) || matches!(b, b'$' | b',' | b'(' | b')' | b':')
    })
}

/// One path segment: only unreserved characters and `@` (UPNs) stay raw, so `/`, `#`, `?` cannot
/// change which resource is addressed.
pub(crate) fn path_segment(s: &str) -> String {
    encode(s, |b| is_unreserved(b) || b == b'@')
}

/// application/x-www-form-urlencoded value (spaces as %20, which every form parser accepts).
pub(crate) fn form_value(s: &str) -> String {
    encode(s, is_unreserved)
}

/// Decodes %XX escapes; a malformed escape is kept literally. `+` is left alone: Graph's links
/// escape a literal plus as %2B, and skip tokens never contain spaces.
pub(crate) fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_value_escapes_what_query_parsers_care_about() {
        assert_eq!(
            query_value("userPrincipalName eq 'a+b@c.com' & #x"),
            "userPrincipalName%20eq%20%27a%2Bb%40c.com%27%20%26%20%23x"
        );
        assert_eq!(query_value("startswith(a,'b')"), "startswith(a,%27b%27)");
        assert_eq!(query_value("é=%"), "%C3%A9%3D%25");
    }

    #[test]
    fn path_segment_keeps_at_and_escapes_separators() {
        assert_eq!(path_segment("a_b#EXT#@c.com"), "a_b%23EXT%23@c.com");
        assert_eq!(path_segment("x/y?z"), "x%2Fy%3Fz");
    }

    #[test]
    fn form_value_escapes_everything_but_unreserved() {
        assert_eq!(form_value("s3cr~t+/= &"), "s3cr~t%2B%2F%3D%20%26");
    }

    #[test]
    fn decode_reverses_encoding_and_tolerates_bad_escapes() {
        assert_eq!(decode("a%2Bb%3D%3d"), "a+b==");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz%4"), "%zz%4");
        assert_eq!(decode(&query_value("x'y &z")), "x'y &z");
    }
}
