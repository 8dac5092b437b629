use super::*;

fn p(s: &str) -> Filter {
    parse(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
}

fn err(s: &str) -> ScimError {
    match parse(s) {
        Ok(f) => panic!("{s:?} should fail, parsed as {f:?}"),
        Err(e) => e,
    }
}

fn attr(name: &str) -> AttrPath {
    AttrPath::new(name)
}

fn s(v: &str) -> CompValue {
    CompValue::Str(v.to_string())
}

fn eq(name: &str, v: &str) -> Filter {
    Filter::compare(attr(name), CompareOp::Eq, s(v))
}

#[test]
fn every_comparison_operator() {
    for op in CompareOp::ALL {
        let f = p(&format!("title {} \"x\"", op.as_str()));
        assert_eq!(f, Filter::compare(attr("title"), op, s("x")));
    }
}

#[test]
fn operators_and_logical_words_are_case_insensitive() {
    assert_eq!(p(r#"userName EQ "bjensen""#), eq("userName", "bjensen"));
    assert_eq!(p(r#"userName Eq "bjensen""#), eq("userName", "bjensen"));
    assert_eq!(
        p(r#"a eq "1" AND b eq "2" Or NOT (c pr)"#),
        Filter::or(
            Filter::and(eq("a", "1"), eq("b", "2")),
            Filter::not(Filter::Present(attr("c")))
        )
    );
    assert_eq!(p("title PR"), Filter::Present(attr("title")));
}

#[test]
fn present() {
    assert_eq!(p("title pr"), Filter::Present(attr("title")));
    assert_eq!(
        p("name.givenName pr"),
        Filter::Present(AttrPath::with_sub("name", "givenName"))
    );
}

#[test]
fn and_binds_tighter_than_or() {
    let expected = Filter::or(eq("a", "1"), Filter::and(eq("b", "2"), eq("c", "3")));
    assert_eq!(p(r#"a eq "1" or b eq "2" and c eq "3""#), expected);
    let expected = Filter::or(Filter::and(eq("a", "1"), eq("b", "2")), eq("c", "3"));
    assert_eq!(p(r#"a eq "1" and b eq "2" or c eq "3""#), expected);
}

#[test]
fn same_operators_associate_to_the_left() {
    assert_eq!(
        p(r#"a eq "1" or b eq "2" or c eq "3""#),
        Filter::or(Filter::or(eq("a", "1"), eq("b", "2")), eq("c", "3"))
    );
    assert_eq!(
        p(r#"a eq "1" and b eq "2" and c eq "3""#),
        Filter::and(Filter::and(eq("a", "1"), eq("b", "2")), eq("c", "3"))
    );
}

#[test]
fn parentheses_override_precedence() {
    assert_eq!(
        p(r#"(a eq "1" or b eq "2") and c eq "3""#),
        Filter::and(Filter::or(eq("a", "1"), eq("b", "2")), eq("c", "3"))
    );
    assert_eq!(
        p(r#"a eq "1" and (b eq "2" or c eq "3")"#),
        Filter::and(eq("a", "1"), Filter::or(eq("b", "2"), eq("c", "3")))
    );
    assert_eq!(p(r#"((( a eq "1" )))"#), eq("a", "1"));
}

#[test]
fn not_binds_tighter_than_and() {
    assert_eq!(
        p(r#"not (a eq "1") and b eq "2""#),
        Filter::and(Filter::not(eq("a", "1")), eq("b", "2"))
    );
    // With and without the space the errata argue about.
    assert_eq!(p(r#"not(a eq "1")"#), Filter::not(eq("a", "1")));
    assert_eq!(
        p(r#"not (not (a pr))"#),
        Filter::not(Filter::not(Filter::Present(attr("a"))))
    );
}

#[test]
fn rfc_examples_parse() {
    // RFC 7644 §3.4.2.2's example filters.
    let examples = [
        r#"userName Eq "john""#,
        r#"name.familyName co "O'Malley""#,
        r#"userName sw "J""#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
        r#"title pr"#,
        r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
        r#"title pr and userType eq "Employee""#,
        r#"title pr or userType eq "Intern""#,
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
        r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
        r#"userType eq "Employee" and (emails.type eq "work")"#,
        r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
        r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
    ];
    for e in examples {
        let f = p(e);
        assert_eq!(p(&f.to_string()), f, "{e}");
    }
}

#[test]
fn urn_prefixed_paths_split_at_the_last_colon() {
    let f = p(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
    );
    let Filter::Compare { path, .. } = f else {
        panic!()
    };
    assert_eq!(
        path.schema.as_deref(),
        Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
    );
    assert_eq!(path.name, "employeeNumber");
    assert_eq!(path.sub, None);

    let f = p(r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x""#);
    let Filter::Compare { path, .. } = f else {
        panic!()
    };
    assert_eq!(path.name, "manager");
    assert_eq!(path.sub.as_deref(), Some("value"));
    assert_eq!(
        path.to_string(),
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
    );
}

#[test]
fn value_path() {
    let f = p(r#"emails[type eq "work" and value co "@contoso.com"]"#);
    assert_eq!(
        f,
        Filter::ValuePath {
            path: attr("emails"),
            filter: Box::new(Filter::and(
                eq("type", "work"),
                Filter::compare(attr("value"), CompareOp::Co, s("@contoso.com"))
            )),
        }
    );
    // Parentheses and not inside a value filter (RFC 7644 errata 7322).
    let f = p(r#"emails[type eq "work" or not (type eq "home" and value ew "@example.com")]"#);
    assert!(matches!(f, Filter::ValuePath { .. }));
    assert_eq!(p(&f.to_string()), f);
}

#[test]
fn value_path_combines_with_other_terms() {
    let f = p(r#"userType eq "Employee" and emails[type eq "work"] or title pr"#);
    assert_eq!(
        f,
        Filter::or(
            Filter::and(
                eq("userType", "Employee"),
                Filter::ValuePath {
                    path: attr("emails"),
                    filter: Box::new(eq("type", "work"))
                }
            ),
            Filter::Present(attr("title"))
        )
    );
}

#[test]
fn nested_value_paths_and_patch_forms_are_refused() {
    let e = err(r#"emails[type eq "work" and addresses[type eq "x"]]"#);
    assert!(e.detail.contains("nested"), "{}", e.detail);
    let e = err(r#"emails[type eq "work"].value eq "x""#);
    assert!(e.detail.contains("PATCH"), "{}", e.detail);
}

#[test]
fn comparison_values() {
    let cases: &[(&str, CompValue)] = &[
        (r#"a eq "x""#, s("x")),
        (r#"a eq """#, s("")),
        ("a eq 42", CompValue::Num(42.into())),
        ("a eq -7", CompValue::Num((-7).into())),
        ("a eq 1.5", CompValue::Num(Number::from_f64(1.5).unwrap())),
        (
            "a eq 2e3",
            CompValue::Num(Number::from_f64(2000.0).unwrap()),
        ),
        ("a eq true", CompValue::Bool(true)),
        ("a eq False", CompValue::Bool(false)),
        ("a eq null", CompValue::Null),
        ("a eq NULL", CompValue::Null),
    ];
    for (text, value) in cases {
        let Filter::Compare { value: got, .. } = p(text) else {
            panic!("{text}")
        };
        assert_eq!(&got, value, "{text}");
    }
}

#[test]
fn string_escapes_follow_json() {
    let cases: &[(&str, &str)] = &[
        (r#"a eq "say \"hi\"""#, "say \"hi\""),
        (r#"a eq "back\\slash""#, "back\\slash"),
        (r#"a eq "tab\tnew\nline""#, "tab\tnew\nline"),
        (r#"a eq "\u00e9t\u00E9""#, "été"),
        (r#"a eq "\ud83d\ude00""#, "😀"),
        (r#"a eq "sl\/ash""#, "sl/ash"),
        (r#"a eq "Jürgen)] or x""#, "Jürgen)] or x"),
    ];
    for (text, expected) in cases {
        let Filter::Compare { value, .. } = p(text) else {
            panic!("{text}")
        };
        assert_eq!(value, s(expected), "{text}");
    }
}

#[test]
fn unquoted_timestamps_are_accepted_as_strings() {
    // The B2C table's Deleted/NewOrUpdated endpoints send timestamps bare.
    let f = p(
        "AuditLogStartTime eq 2024-01-01T00:00:00Z and AuditLogEndTime eq 2024-02-01T00:00:00.5Z",
    );
    assert_eq!(
        f,
        Filter::and(
            eq("AuditLogStartTime", "2024-01-01T00:00:00Z"),
            eq("AuditLogEndTime", "2024-02-01T00:00:00.5Z")
        )
    );
    assert_eq!(p(&f.to_string()), f);
}

#[test]
fn dollar_ref_is_an_attribute_name() {
    let f = p(r#"members[$ref eq "https://x/Users/1"]"#);
    let Filter::ValuePath { filter, .. } = f else {
        panic!()
    };
    let Filter::Compare { path, .. } = *filter else {
        panic!()
    };
    assert_eq!(path.name, "$ref");
}

#[test]
fn whitespace_is_flexible() {
    assert_eq!(p("  userName   eq\t\"x\"  "), eq("userName", "x"));
    assert_eq!(
        p(r#"(a eq "1")and(b eq "2")"#),
        Filter::and(eq("a", "1"), eq("b", "2"))
    );
}

#[test]
fn words_that_start_like_keywords_are_attributes() {
    assert_eq!(p("order pr"), Filter::Present(attr("order")));
    assert_eq!(p("notes pr"), Filter::Present(attr("notes")));
    assert_eq!(
        p("android pr or orange pr"),
        Filter::or(
            Filter::Present(attr("android")),
            Filter::Present(attr("orange"))
        )
    );
}

fn assert_error(input: &str, fragment: &str, column: usize) {
    let e = err(input);
    assert_eq!(e.status, 400, "{input}");
    assert_eq!(e.scim_type, Some(crate::ScimType::InvalidFilter), "{input}");
    assert!(
        e.detail.contains(fragment),
        "{input:?}: {:?} lacks {fragment:?}",
        e.detail
    );
    let at = format!("at character {column} ");
    assert!(
        e.detail.contains(&at),
        "{input:?}: {:?} lacks {at:?}",
        e.detail
    );
}

#[test]
fn errors_name_the_problem_and_position() {
    assert_error("", "empty", 1);
    assert_error("   ", "empty", 1);
    assert_error("userName", "expected an operator", 9);
    assert_error("userName xx \"a\"", "unknown operator \"xx\"", 10);
    assert_error("userName eq", "expected a value", 12);
    assert_error("userName eq bjensen", "double quotes", 13);
    assert_error("userName eq \"bjensen", "unterminated string", 13);
    assert_error(r#"userName eq "bad\q""#, "invalid string", 13);
    assert_error("userName eq 12abc", "not a valid number", 13);
    assert_error(r#"(userName eq "a""#, "unclosed '('", 17);
    assert_error(r#"userName eq "a")"#, "unbalanced ')'", 16);
    assert_error(r#"emails[type eq "a""#, "unclosed '['", 19);
    assert_error(r#"userName eq "a" userName"#, "expected 'and', 'or'", 17);
    assert_error(r#"userName eq "a" and"#, "expected an attribute", 20);
    assert_error(r#"not userName pr"#, "'not' must be followed", 1);
    assert_error(r#"1abc pr"#, "not an attribute name", 1);
    assert_error(r#"name.given.family pr"#, "more than one '.'", 1);
    assert_error(r#":name pr"#, "empty schema", 1);
    assert_error(r#"name. pr"#, "empty", 1);
    assert_error(r#"a eq "1" or ) "#, "expected an attribute name", 13);
    assert_error(r#"é eq "1""#, "expected an attribute name", 1);
}

#[test]
fn error_positions_count_characters_not_bytes() {
    let e = err(r#"a eq "é" b"#);
    assert!(e.detail.contains("at character 10 "), "{}", e.detail);
}

#[test]
fn nesting_is_bounded() {
    let deep = "(".repeat(200) + "a pr" + &")".repeat(200);
    assert!(err(&deep).detail.contains("nesting"));
    let ok = "(".repeat(60) + "a pr" + &")".repeat(60);
    assert_eq!(p(&ok), Filter::Present(attr("a")));
    let many = vec!["a pr"; 1001].join(" or ");
    assert!(err(&many).detail.contains("more than 1000"));
    let fine = vec!["a pr"; 500].join(" or ");
    assert!(parse(&fine).is_ok());
}

#[test]
fn display_is_canonical() {
    let cases = [
        (r#"userName EQ "x""#, r#"userName eq "x""#),
        (
            r#"a eq "1" OR b eq "2" and c eq "3""#,
            r#"a eq "1" or b eq "2" and c eq "3""#,
        ),
        (
            r#"(a eq "1" or b eq "2") and c eq "3""#,
            r#"(a eq "1" or b eq "2") and c eq "3""#,
        ),
        (
            r#"a eq "1" or (b eq "2" or c eq "3")"#,
            r#"a eq "1" or (b eq "2" or c eq "3")"#,
        ),
        (
            r#"((a eq "1") or b eq "2") or c eq "3""#,
            r#"a eq "1" or b eq "2" or c eq "3""#,
        ),
        (r#"not(a pr)"#, r#"not (a pr)"#),
        (r#"emails[ type eq "work" ]"#, r#"emails[type eq "work"]"#),
        (r#"a eq "q\"uote""#, r#"a eq "q\"uote""#),
        ("a eq 2.50", "a eq 2.5"),
        ("a eq TRUE", "a eq true"),
    ];
    for (input, canonical) in cases {
        assert_eq!(p(input).to_string(), canonical, "{input}");
    }
}

#[test]
fn display_round_trips_hand_built_trees() {
    let trees = [
        Filter::and(eq("a", "1"), Filter::and(eq("b", "2"), eq("c", "3"))),
        Filter::or(eq("a", "1"), Filter::or(eq("b", "2"), eq("c", "3"))),
        Filter::and(
            Filter::or(eq("a", "1"), eq("b", "2")),
            Filter::or(eq("c", "3"), eq("d", "4")),
        ),
        Filter::not(Filter::and(
            eq("a", "line\nbreak"),
            Filter::Present(AttrPath::with_sub("name", "givenName")),
        )),
        Filter::ValuePath {
            path: AttrPath {
                schema: Some(crate::schema::USER.into()),
                name: "emails".into(),
                sub: None,
            },
            filter: Box::new(Filter::or(eq("type", "work"), Filter::not(eq("value", "")))),
        },
        Filter::compare(
            attr("n"),
            CompareOp::Le,
            CompValue::Num(Number::from_f64(-0.25).unwrap()),
        ),
    ];
    for t in trees {
        assert_eq!(p(&t.to_string()), t, "{t}");
    }
}

#[test]
fn attr_path_helpers() {
    let path =
        AttrPath::parse("urn:ietf:params:scim:schemas:core:2.0:User:name.givenName").unwrap();
    assert_eq!(path.schema.as_deref(), Some(crate::schema::USER));
    assert_eq!(path.dotted(), "name.givenName");
    assert!(path.matches("NAME.givenname"));
    assert!(!path.matches("name"));
    assert!(!path.matches("name.familyName"));
    assert!(AttrPath::new("userName").matches("username"));
    let e = AttrPath::parse("bad path").unwrap_err();
    assert_eq!(e.scim_type, Some(crate::ScimType::InvalidPath));
}

/// A small deterministic generator: no dev-dependency, same inputs on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() as usize % items.len()]
    }
}

/// A random valid tree: value paths only at the top level, as the grammar allows.
fn random_filter(rng: &mut Lcg, depth: u32, in_value_path: bool) -> Filter {
    let names = ["userName", "name", "emails", "x-y_1", "$ref", "title"];
    let subs = [None, Some("givenName"), Some("value")];
    let path = |rng: &mut Lcg| AttrPath {
        schema: if rng.next().is_multiple_of(5) {
            Some(crate::schema::ENTERPRISE_USER.to_string())
        } else {
            None
        },
        name: rng.pick(&names).to_string(),
        sub: subs[rng.next() as usize % subs.len()].map(str::to_string),
    };
    let choice = if depth == 0 {
        3 + rng.next() % 2
    } else {
        rng.next() % 6
    };
    match choice {
        0 => Filter::and(
            random_filter(rng, depth - 1, in_value_path),
            random_filter(rng, depth - 1, in_value_path),
        ),
        1 => Filter::or(
            random_filter(rng, depth - 1, in_value_path),
            random_filter(rng, depth - 1, in_value_path),
        ),
        2 => Filter::not(random_filter(rng, depth - 1, in_value_path)),
        3 => Filter::Present(path(rng)),
        5 if !in_value_path => Filter::ValuePath {
            path: path(rng),
            filter: Box::new(random_filter(rng, depth - 1, true)),
        },
        _ => {
            let op = CompareOp::ALL[rng.next() as usize % CompareOp::ALL.len()];
            let value = match rng.next() % 5 {
                0 => CompValue::Str(
                    rng.pick(&["", "a b", "q\"uote", "back\\slash", "é😀", "tab\t", ")]("])
                        .to_string(),
                ),
                1 => CompValue::Num((rng.next() as i64 - (1 << 30)).into()),
                2 => CompValue::Num(Number::from_f64(rng.next() as f64 / 8.0).unwrap()),
                3 => CompValue::Bool(rng.next().is_multiple_of(2)),
                _ => CompValue::Null,
            };
            Filter::Compare {
                path: path(rng),
                op,
                value,
            }
        }
    }
}

#[test]
fn random_trees_round_trip_through_display() {
    let mut rng = Lcg(7);
    for _ in 0..3000 {
        let depth = (rng.next() % 6) as u32;
        let tree = random_filter(&mut rng, depth, false);
        let text = tree.to_string();
        assert_eq!(parse(&text).as_ref(), Ok(&tree), "{text}");
    }
}

#[test]
fn never_panics_on_garbled_input() {
    let pieces = [
        "userName",
        " eq ",
        " EQ ",
        "\"x\"",
        "\"",
        "\\",
        "\\u",
        "\\ud800",
        " and ",
        " or ",
        "not",
        " (",
        ")",
        "[",
        "]",
        ".",
        ":",
        "urn:",
        " pr",
        " ",
        "42",
        "-",
        "1e999",
        "true",
        "null",
        "é",
        "😀",
        "\u{0}",
        "\t",
        "$ref",
        "emails[type eq \"w\"]",
        "2024-01-01T00:00:00Z",
        "\"\\\"\"",
        "((",
        "))",
        "not (",
        "co",
        "[[",
        "\\\"",
    ];
    let mut rng = Lcg(0x5eed);
    let mut parsed = 0;
    for round in 0..30_000 {
        // Start from a valid filter and damage it, or build from pieces outright.
        let mut input = if round % 2 == 0 {
            let depth = (rng.next() % 4) as u32;
            random_filter(&mut rng, depth, false).to_string()
        } else {
            String::new()
        };
        for _ in 0..(rng.next() % 4) {
            let chars: Vec<char> = input.chars().collect();
            let at = if chars.is_empty() {
                0
            } else {
                rng.next() as usize % chars.len()
            };
            let mut edited: String = chars[..at].iter().collect();
            if rng.next().is_multiple_of(2) {
                edited.push_str(rng.pick(&pieces)); // insert
                edited.extend(&chars[at..]);
            } else {
                edited.extend(chars.iter().skip(at + 1)); // delete one char
            }
            input = edited;
        }
        if let Ok(f) = parse(&input) {
            parsed += 1;
            // Whatever parses must print to something that parses to the same tree.
            assert_eq!(parse(&f.to_string()).as_ref(), Ok(&f), "{input:?} -> {f}");
        }
    }
    assert!(
        parsed > 1000,
        "the generator should also produce valid filters ({parsed})"
    );

    // Raw random bytes, made into (lossy) UTF-8.
    for _ in 0..20_000 {
        let len = rng.next() % 40;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let _ = parse(&String::from_utf8_lossy(&bytes));
    }
}
