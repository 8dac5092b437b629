//! Decoding of `application/x-www-form-urlencoded` query components: `%XX` escapes and '+'
//! as space. Small enough to own rather than depend on a crate for it.

/// Decodes one query-string name or value. A '%' not followed by two hex digits is kept as a
/// literal '%' (as browsers and the WHATWG URL standard do), so `co "50%"` sent unencoded
/// survives. `None` if the decoded bytes are not UTF-8.
pub fn decode_query_component(s: &str) -> Option<String> {
    if !s.contains(['%', '+']) {
        return Some(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => match (
                bytes.get(i + 1).copied().and_then(hex_value),
                bytes.get(i + 2).copied().and_then(hex_value),
            ) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b => {
                out.push(b);
                i += 1;
            }
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
mod tests {
    use super::decode_query_component as d;

    #[test]
    fn decodes_escapes_and_plus() {
        assert_eq!(
            d("userName+eq+%22bjensen%22").as_deref(),
            Some("userName eq \"bjensen\"")
        );
        assert_eq!(d("a%2Bb").as_deref(), Some("a+b"));
        assert_eq!(d("J%C3%BCrgen").as_deref(), Some("Jürgen"));
        assert_eq!(d("%e2%9c%93").as_deref(), Some("✓"));
        assert_eq!(d("plain").as_deref(), Some("plain"));
    }

    #[test]
    fn stray_percent_is_literal() {
        assert_eq!(d("50%").as_deref(), Some("50%"));
        assert_eq!(d("%zz%4").as_deref(), Some("%zz%4"));
    }

    #[test]
    fn invalid_utf8_is_refused() {
        assert_eq!(d("%FF"), None);
        assert_eq!(d("%C3"), None);
    }
}
