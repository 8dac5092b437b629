//! The seeds' expressions are JSONPath as older libraries accepted it: no `$`, `.` before a
//! bracket (`['urn:...'].['department']`), filters wrapped in parentheses (`[?(@.type=='work')]`).
//! This turns each into the RFC 9535 form the parser accepts, leaving quoted names untouched.

/// The RFC 9535 form of a seed expression: rooted at `$`, no `.` before a `[`, and a filter
/// whose whole expression is parenthesised unwrapped (`[?(@.a=='b')]` -> `[?@.a=='b']`).
pub(crate) fn normalise(seed_expression: &str) -> String {
    let trimmed = seed_expression.trim();
    let rooted = match trimmed.chars().next() {
        Some('$') => trimmed.to_string(),
        Some('[') => format!("${trimmed}"),
        _ => format!("$.{trimmed}"),
    };
    unwrap_filter_parentheses(&drop_dot_before_bracket(&rooted))
}

/// Where each character of an expression stands: inside a quoted name or string literal, or not.
/// Both rewrites below must leave quoted text alone (`['a.[b']` names the member `a.[b`).
fn quoted_flags(chars: &[char]) -> Vec<bool> {
    let mut flags = Vec::with_capacity(chars.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for &c in chars {
        match quote {
            Some(q) => {
                flags.push(true);
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => {
                let opens = c == '\'' || c == '"';
                flags.push(opens);
                if opens {
                    quote = Some(c);
                }
            }
        }
    }
    flags
}

/// `].['x']` -> `]['x']`. A `..[` (descendant segment) keeps both dots: only a lone dot goes.
fn drop_dot_before_bracket(expression: &str) -> String {
    let chars: Vec<char> = expression.chars().collect();
    let quoted = quoted_flags(&chars);
    let mut out = String::with_capacity(expression.len());
    for (i, &c) in chars.iter().enumerate() {
        let lone_dot_before_bracket = c == '.'
            && !quoted[i]
            && chars.get(i + 1) == Some(&'[')
            && (i == 0 || chars[i - 1] != '.');
        if !lone_dot_before_bracket {
            out.push(c);
        }
    }
    out
}

/// `[?(@.type=='work')]` -> `[?@.type=='work']`. Both forms are RFC 9535, but one canonical form
/// keeps the parsed filter flat, which is what `reverse` recognises. Parentheses that group only
/// part of the filter (`[?(@.a==1) && (@.b==2)]`) stay.
fn unwrap_filter_parentheses(expression: &str) -> String {
    let chars: Vec<char> = expression.chars().collect();
    let quoted = quoted_flags(&chars);
    let mut dropped = vec![false; chars.len()];
    for i in 0..chars.len() {
        if quoted[i] || chars[i] != '?' || i == 0 || chars[i - 1] != '[' {
            continue;
        }
        let Some(open) = (i + 1..chars.len()).find(|&j| !chars[j].is_whitespace()) else {
            continue;
        };
        if chars[open] != '(' || quoted[open] {
            continue;
        }
        let Some(close) = matching_parenthesis(&chars, &quoted, open) else {
            continue;
        };
        let next = (close + 1..chars.len()).find(|&j| !chars[j].is_whitespace());
        if next.is_some_and(|j| chars[j] == ']') {
            dropped[open] = true;
            dropped[close] = true;
        }
    }
    chars
        .iter()
        .zip(dropped)
        .filter(|(_, drop)| !drop)
        .map(|(c, _)| c)
        .collect()
}

fn matching_parenthesis(chars: &[char], quoted: &[bool], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for j in open..chars.len() {
        if quoted[j] {
            continue;
        }
        match chars[j] {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn a_bare_member_is_rooted() {
        assert_eq!(normalise("profileUrl"), "$.profileUrl");
        assert_eq!(normalise("name.givenName"), "$.name.givenName");
        assert_eq!(normalise("  title "), "$.title");
    }

    #[test]
    fn a_leading_bracket_is_rooted_without_a_dot() {
        assert_eq!(normalise("['displayName']"), "$['displayName']");
    }

    #[test]
    fn an_expression_already_rooted_is_kept() {
        assert_eq!(normalise("$.name.givenName"), "$.name.givenName");
        assert_eq!(normalise("$..value"), "$..value");
    }

    #[test]
    fn the_rfc_9535_filter_of_the_entra_table_is_kept() {
        assert_eq!(
            normalise("phoneNumbers[?@.type=='work'].value"),
            "$.phoneNumbers[?@.type=='work'].value"
        );
    }

    #[test]
    fn a_dot_before_a_bracket_goes() {
        assert_eq!(
            normalise(
                "['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].['department']"
            ),
            "$['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User']['department']"
        );
        assert_eq!(
            normalise(
                "['urn:ietf:params:scim:schemas:extension:azureOnPremData:2.0:User'].['onPremisesExtensionAttributes'].['extensionAttribute1']"
            ),
            "$['urn:ietf:params:scim:schemas:extension:azureOnPremData:2.0:User']['onPremisesExtensionAttributes']['extensionAttribute1']"
        );
    }

    #[test]
    fn a_bracket_then_a_dotted_name_is_kept() {
        assert_eq!(
            normalise("['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].department"),
            "$['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].department"
        );
    }

    #[test]
    fn a_parenthesised_filter_is_unwrapped() {
        assert_eq!(
            normalise("addresses[?(@.type=='work')].formatted"),
            "$.addresses[?@.type=='work'].formatted"
        );
    }

    #[test]
    fn the_b2c_identities_row_gets_every_fix_at_once() {
        assert_eq!(
            normalise(
                "['urn:ietf:params:scim:schemas:azureAdB2C:2.0:UserProfile'].['identities'][?(@.signInType=='userName')].['issuerAssignedId']"
            ),
            "$['urn:ietf:params:scim:schemas:azureAdB2C:2.0:UserProfile']['identities'][?@.signInType=='userName']['issuerAssignedId']"
        );
    }

    #[test]
    fn quoted_text_is_left_alone() {
        assert_eq!(normalise("['a.[b']"), "$['a.[b']");
        assert_eq!(normalise("x[?(@.t=='(.[)')].v"), "$.x[?@.t=='(.[)'].v");
        assert_eq!(normalise(r"x[?@.t=='it\'s'].v"), r"$.x[?@.t=='it\'s'].v");
    }

    #[test]
    fn parentheses_grouping_part_of_a_filter_stay() {
        assert_eq!(
            normalise("x[?(@.a==1) && (@.b==2)].v"),
            "$.x[?(@.a==1) && (@.b==2)].v"
        );
    }

    #[test]
    fn a_descendant_bracket_keeps_both_dots() {
        assert_eq!(normalise("$..['value']"), "$..['value']");
    }
}
