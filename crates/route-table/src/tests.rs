use super::*;

/// The gateway's shape in miniature: both route styles, a literal that shadows a parameter.
fn table() -> RouteTable<&'static str> {
    let mut t = RouteTable::new();
    t.add("GET", "/scim/v2/Users", "users-query").unwrap();
    t.add("POST", "/scim/v2/Users", "users-create").unwrap();
    t.add("GET", "/scim/v2/Users/{id}", "users-get").unwrap();
    t.add("PUT", "/scim/v2/Users/{id}", "users-replace")
        .unwrap();
    t.add("DELETE", "/scim/v2/Users/{id}", "users-delete")
        .unwrap();
    t.add("POST", "/scim/v2/Users/.search", "users-search")
        .unwrap();
    t.add("GET", "/v1.0/users/{id}/{x}", "users-two-params")
        .unwrap();
    t.add("GET", "/v1.0/users/EIDExtension/Paged", "users-paged")
        .unwrap();
    t.add(
        "GET",
        "/v1.0/groups/EIDExtension/MemberQuery/{id}",
        "groups-members-query",
    )
    .unwrap();
    t
}

fn found<'a>(l: Lookup<'a, &'static str>) -> (&'static str, &'a str, Params) {
    match l {
        Lookup::Found {
            target,
            template,
            params,
        } => (*target, template, params),
        other => panic!("expected Found, got {other:?}"),
    }
}

#[test]
fn literal_route_is_found_with_its_template_and_no_params() {
    let t = table();
    let (target, template, params) = found(t.lookup("GET", "/scim/v2/Users"));
    assert_eq!(target, "users-query");
    assert_eq!(template, "/scim/v2/Users");
    assert!(params.is_empty());
}

#[test]
fn parameter_is_captured_by_name() {
    let t = table();
    let (target, _, params) = found(t.lookup("GET", "/scim/v2/Users/2819c223"));
    assert_eq!(target, "users-get");
    assert_eq!(params.get("id"), Some("2819c223"));
    assert_eq!(params.get("ID"), None, "parameter names are exact");
    assert_eq!(params.iter().collect::<Vec<_>>(), vec![("id", "2819c223")]);
}

#[test]
fn literals_match_ignoring_ascii_case() {
    let t = table();
    assert_eq!(found(t.lookup("GET", "/SCIM/V2/users")).0, "users-query");
    assert_eq!(
        found(t.lookup("GET", "/v1.0/Users/eidextension/PAGED")).0,
        "users-paged"
    );
}

#[test]
fn parameter_values_keep_their_case() {
    let t = table();
    let (_, _, params) = found(t.lookup("GET", "/scim/v2/Users/AbC"));
    assert_eq!(params.get("id"), Some("AbC"));
}

#[test]
fn parameters_are_percent_decoded() {
    let t = table();
    let (_, _, params) = found(t.lookup("GET", "/scim/v2/Users/john%40contoso.com"));
    assert_eq!(params.get("id"), Some("john@contoso.com"));
    // An encoded slash stays inside the one segment.
    let (_, _, params) = found(t.lookup("GET", "/scim/v2/Users/a%2Fb"));
    assert_eq!(params.get("id"), Some("a/b"));
    // Multi-byte UTF-8.
    let (_, _, params) = found(t.lookup("GET", "/scim/v2/Users/J%C3%BCrgen"));
    assert_eq!(params.get("id"), Some("Jürgen"));
}

#[test]
fn invalid_percent_encoding_does_not_match() {
    let t = table();
    for path in [
        "/scim/v2/Users/bad%zz",
        "/scim/v2/Users/bad%4",
        "/scim/v2/Users/bad%",
        "/scim/v2/Users/%FF%FE", // not UTF-8
    ] {
        assert_eq!(t.lookup("GET", path), Lookup::NotFound, "{path}");
    }
}

#[test]
fn trailing_slash_is_tolerated() {
    let t = table();
    assert_eq!(found(t.lookup("GET", "/scim/v2/Users/")).0, "users-query");
    let (target, _, params) = found(t.lookup("GET", "/scim/v2/Users/abc/"));
    assert_eq!(target, "users-get");
    assert_eq!(params.get("id"), Some("abc"));
}

#[test]
fn empty_segments_never_fill_a_parameter() {
    let t = table();
    assert_eq!(t.lookup("GET", "/scim/v2/Users//"), Lookup::NotFound);
    assert_eq!(t.lookup("GET", "/v1.0/users//x"), Lookup::NotFound);
    assert_eq!(t.lookup("GET", "/scim//v2/Users"), Lookup::NotFound);
}

#[test]
fn path_without_leading_slash_or_unknown_is_not_found() {
    let t = table();
    assert_eq!(t.lookup("GET", "scim/v2/Users"), Lookup::NotFound);
    assert_eq!(t.lookup("GET", "/scim/v2/Groups"), Lookup::NotFound);
    assert_eq!(t.lookup("GET", "/scim/v2/Users/a/b/c"), Lookup::NotFound);
    assert_eq!(t.lookup("GET", ""), Lookup::NotFound);
}

#[test]
fn root_template_matches_empty_and_slash_paths() {
    let mut t = RouteTable::new();
    t.add("GET", "/", "root").unwrap();
    assert_eq!(found(t.lookup("GET", "/")).0, "root");
    assert_eq!(found(t.lookup("GET", "")).0, "root");
    assert_eq!(t.lookup("GET", "/x"), Lookup::NotFound);
}

#[test]
fn literal_beats_parameter_whatever_the_insertion_order() {
    // .search added after {id} in table(); check the reverse order too.
    let t = table();
    assert_eq!(
        found(t.lookup("POST", "/scim/v2/Users/.search")).0,
        "users-search"
    );

    let mut rev = RouteTable::new();
    rev.add("GET", "/v1.0/users/EIDExtension/Paged", "paged")
        .unwrap();
    rev.add("GET", "/v1.0/users/{id}/{x}", "two").unwrap();
    assert_eq!(
        found(rev.lookup("GET", "/v1.0/users/EIDExtension/Paged")).0,
        "paged"
    );
    assert_eq!(found(rev.lookup("GET", "/v1.0/users/abc/Paged")).0, "two");
    assert_eq!(
        found(table().lookup("GET", "/v1.0/users/EIDExtension/Paged")).0,
        "users-paged"
    );
}

#[test]
fn leftmost_difference_decides_specificity() {
    let mut t = RouteTable::new();
    t.add("GET", "/a/{x}/c", "param-then-literal").unwrap();
    t.add("GET", "/a/b/{y}", "literal-then-param").unwrap();
    let (target, _, params) = found(t.lookup("GET", "/a/b/c"));
    assert_eq!(target, "literal-then-param");
    assert_eq!(params.get("y"), Some("c"));
    assert_eq!(params.get("x"), None);
    assert_eq!(found(t.lookup("GET", "/a/z/c")).0, "param-then-literal");
}

#[test]
fn get_on_search_is_not_swallowed_by_the_id_route() {
    // GET /Users/.search matches the {id} template with GET, and the .search template without
    // GET. The literal template lacks the method, so the parameter route answers: the operation
    // then sees id ".search" and answers 404 itself. What must not happen is POST .search going
    // to users-get or a 405 hiding users-get.
    let t = table();
    let (target, _, params) = found(t.lookup("GET", "/scim/v2/Users/.search"));
    assert_eq!(target, "users-get");
    assert_eq!(params.get("id"), Some(".search"));
}

#[test]
fn wrong_method_lists_the_union_of_allowed_methods_sorted() {
    let t = table();
    assert_eq!(
        t.lookup("PATCH", "/scim/v2/Users/abc"),
        Lookup::MethodNotAllowed {
            allowed: vec!["DELETE".into(), "GET".into(), "PUT".into()]
        }
    );
    // .search matches both the literal (POST) and the {id} routes (DELETE, GET, PUT).
    assert_eq!(
        t.lookup("PATCH", "/scim/v2/Users/.search"),
        Lookup::MethodNotAllowed {
            allowed: vec!["DELETE".into(), "GET".into(), "POST".into(), "PUT".into()]
        }
    );
    assert_eq!(
        t.lookup("DELETE", "/scim/v2/Users"),
        Lookup::MethodNotAllowed {
            allowed: vec!["GET".into(), "POST".into()]
        }
    );
}

#[test]
fn allowed_methods_are_deduplicated() {
    let mut t = RouteTable::new();
    t.add("GET", "/x/{a}", 1).unwrap();
    t.add("GET", "/x/lit", 2).unwrap();
    assert_eq!(
        t.lookup("POST", "/x/lit"),
        Lookup::MethodNotAllowed {
            allowed: vec!["GET".into()]
        }
    );
}

#[test]
fn methods_are_case_sensitive() {
    let t = table();
    assert_eq!(
        t.lookup("get", "/scim/v2/Users"),
        Lookup::MethodNotAllowed {
            allowed: vec!["GET".into(), "POST".into()]
        }
    );
}

#[test]
fn invalid_templates_are_refused_with_a_reason() {
    let mut t: RouteTable<()> = RouteTable::new();
    let cases: &[(&str, RouteErrorKind)] = &[
        ("", RouteErrorKind::EmptyTemplate),
        ("scim/v2/Users", RouteErrorKind::MissingLeadingSlash),
        ("/scim//Users", RouteErrorKind::EmptySegment),
        (
            "/Users/{id",
            RouteErrorKind::BadBraces {
                segment: "{id".into(),
            },
        ),
        (
            "/Users/id}",
            RouteErrorKind::BadBraces {
                segment: "id}".into(),
            },
        ),
        (
            "/Users/x{id}",
            RouteErrorKind::BadBraces {
                segment: "x{id}".into(),
            },
        ),
        (
            "/Users/{{id}}",
            RouteErrorKind::BadBraces {
                segment: "{{id}}".into(),
            },
        ),
        ("/Users/{}", RouteErrorKind::EmptyParamName),
        (
            "/Users/{a b}",
            RouteErrorKind::InvalidParamName { name: "a b".into() },
        ),
        (
            "/Users/{id}/x/{id}",
            RouteErrorKind::DuplicateParamName { name: "id".into() },
        ),
    ];
    for (template, kind) in cases {
        let err = t.add("GET", template, ()).unwrap_err();
        assert_eq!(err.kind(), kind, "{template}");
        assert_eq!(err.template(), *template);
    }
    assert!(t.is_empty(), "no refused route may be added");
}

#[test]
fn invalid_methods_are_refused() {
    let mut t: RouteTable<()> = RouteTable::new();
    for method in ["", "GE T", "GET\n", "PO(ST"] {
        assert_eq!(
            t.add(method, "/x", ()).unwrap_err().kind(),
            &RouteErrorKind::InvalidMethod
        );
    }
}

#[test]
fn duplicate_routes_are_refused_even_with_other_param_names_or_case() {
    let mut t = table();
    for (method, template) in [
        ("GET", "/scim/v2/Users/{userId}"),
        ("GET", "/SCIM/v2/users"),
        ("POST", "/scim/v2/Users/.search/"),
    ] {
        let err = t.add(method, template, "dup").unwrap_err();
        assert!(
            matches!(err.kind(), RouteErrorKind::DuplicateRoute { .. }),
            "{template}"
        );
    }
    // Same shape, different method: fine.
    t.add("PATCH", "/scim/v2/Users/{userId}", "users-update")
        .unwrap();
    assert_eq!(
        found(t.lookup("PATCH", "/scim/v2/Users/9")).2.get("userId"),
        Some("9")
    );
}

#[test]
fn error_display_names_template_and_problem() {
    let mut t: RouteTable<()> = RouteTable::new();
    let err = t.add("GET", "/Users/{id", ()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("/Users/{id"), "{text}");
    assert!(text.contains("braces"), "{text}");
    let boxed: Box<dyn std::error::Error> = Box::new(err);
    assert!(boxed.to_string().contains("GET"));

    t.add("GET", "/Users/{id}", ()).unwrap();
    let text = t.add("GET", "/Users/{other}", ()).unwrap_err().to_string();
    assert!(
        text.contains("/Users/{other}") && text.contains("/Users/{id}"),
        "{text}"
    );
}

#[test]
fn routes_lists_everything_in_insertion_order() {
    let t = table();
    let all: Vec<_> = t.routes().collect();
    assert_eq!(all.len(), 9);
    assert_eq!(all[0], ("GET", "/scim/v2/Users", &"users-query"));
    assert_eq!(all[5], ("POST", "/scim/v2/Users/.search", &"users-search"));
    assert_eq!(t.len(), 9);
}

#[test]
fn multiple_parameters_are_captured_in_order() {
    let t = table();
    let (target, template, params) = found(t.lookup("GET", "/v1.0/users/u1/manager"));
    assert_eq!(target, "users-two-params");
    assert_eq!(template, "/v1.0/users/{id}/{x}");
    assert_eq!(
        params.iter().collect::<Vec<_>>(),
        vec![("id", "u1"), ("x", "manager")]
    );
}

#[test]
fn garbage_paths_never_panic() {
    let t = table();
    let pieces = [
        "/", "%", "%2", "%zz", "{", "}", "users", "Users", "é", "", ".search", "//", "%C3",
    ];
    let mut seed: u32 = 12345;
    for _ in 0..5000 {
        let mut path = String::new();
        for _ in 0..6 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            path.push_str(pieces[(seed >> 16) as usize % pieces.len()]);
        }
        let _ = t.lookup("GET", &path);
    }
}
