//! SCIM filter on Groups -> Graph $filter: every supported form, and every refusal with its reason.

use scim::error::ScimType;
use scim_graph::group_filter;

/// Parses SCIM filter text and translates it; returns the OData text and whether it is advanced.
fn odata(scim_filter: &str) -> (String, bool) {
    let parsed = scim::filter::parse(scim_filter).unwrap_or_else(|e| panic!("{scim_filter}: {e}"));
    let graph = group_filter(&parsed).unwrap_or_else(|e| panic!("{scim_filter}: {e}"));
    (graph.to_odata(), graph.needs_advanced_query())
}

fn refusal(scim_filter: &str) -> String {
    let parsed = scim::filter::parse(scim_filter).unwrap();
    let err = group_filter(&parsed).expect_err(scim_filter);
    assert_eq!(
        (err.status, err.scim_type),
        (400, Some(ScimType::InvalidFilter)),
        "{scim_filter}: {err}"
    );
    err.detail
}

#[test]
fn each_mapped_attribute_translates() {
    let cases = [
        (
            r#"displayName eq "HR Taskforce""#,
            "displayName eq 'HR Taskforce'",
        ),
        (r#"externalId eq "hr-team""#, "mailNickname eq 'hr-team'"),
        (
            r#"id eq "02bd9fd6-8f93-4758-87c3-1fb73740a315""#,
            "id eq '02bd9fd6-8f93-4758-87c3-1fb73740a315'",
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "X""#,
            "displayName eq 'X'",
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:azureAdGroup:2.0:Group:mailNickname eq "x""#,
            "mailNickname eq 'x'",
        ),
        (
            "urn:ietf:params:scim:schemas:extension:azureAdGroup:2.0:Group:securityEnabled eq true",
            "securityEnabled eq true",
        ),
        ("mailEnabled eq false", "mailEnabled eq false"),
        (r#"DISPLAYNAME sw "HR""#, "startswith(displayName,'HR')"),
    ];
    for (scim, graph) in cases {
        assert_eq!(odata(scim), (graph.to_string(), false), "{scim}");
    }
}

#[test]
fn ne_ew_pr_and_not_are_advanced_queries() {
    assert_eq!(
        odata(r#"displayName ne "Sales""#),
        ("displayName ne 'Sales'".into(), true)
    );
    assert_eq!(
        odata(r#"displayName ew "-team""#),
        ("endswith(displayName,'-team')".into(), true)
    );
    assert_eq!(
        odata("externalId pr"),
        ("mailNickname ne null".into(), true)
    );
    assert_eq!(
        odata(r#"not (displayName eq "O'Brien's")"#),
        ("not(displayName eq 'O''Brien''s')".into(), true)
    );
    assert_eq!(
        odata(r#"(displayName sw "A" or displayName sw "B") and securityEnabled eq true"#),
        (
            "(startswith(displayName,'A') or startswith(displayName,'B')) and securityEnabled eq true"
                .into(),
            false
        )
    );
}

#[test]
fn id_is_only_looked_up_by_eq() {
    for filter in [r#"id ne "x""#, r#"id sw "02bd""#, "id pr", "id eq null"] {
        let detail = refusal(filter);
        assert!(
            detail.contains("only be compared with eq"),
            "{filter}: {detail}"
        );
    }
}

#[test]
fn members_and_unmapped_attributes_are_refused_with_the_reason() {
    for filter in [
        r#"members[value eq "87d349ed-44d7-43e1-9a83-5f2406dee5bd"]"#,
        r#"members.value eq "87d349ed-44d7-43e1-9a83-5f2406dee5bd""#,
        r#"members eq "x""#,
    ] {
        assert!(
            refusal(filter).contains("cannot filter groups by their members"),
            "{filter}"
        );
    }
    assert_eq!(
        refusal(r#"displayName co "Task""#),
        "Microsoft Graph cannot filter on substrings (co) of displayName; use eq, sw or ew"
    );
    assert!(refusal(r#"displayName gt "M""#).contains("(gt)"));
    assert!(refusal(r#"meta.created gt "2020-01-01T00:00:00Z""#).contains("meta.created"));
    assert!(
        refusal(
            r#"urn:ietf:params:scim:schemas:extension:azureAdGroup:2.0:Group:description eq "x""#
        )
        .contains("description")
    );
    assert!(refusal(r#"userName eq "a@b.com""#).contains("cannot filter groups by userName"));
    assert!(
        refusal(r#"urn:ietf:params:scim:schemas:core:2.0:User:displayName eq "x""#)
            .contains("urn:ietf:params:scim:schemas:core:2.0:User is not one")
    );
    assert!(refusal(r#"displayName[value eq "x"]"#).contains("no sub-attributes"));
    // An unmapped attribute inside and/or/not fails the whole filter, never widens it.
    assert!(refusal(r#"displayName eq "A" or members[value eq "u1"]"#).contains("members"));
    assert!(refusal(r#"not (description eq "x")"#).contains("description"));
}

#[test]
fn wrongly_typed_values_are_refused() {
    assert!(refusal(r#"securityEnabled eq "true""#).contains("true or false"));
    assert!(refusal("displayName eq 42").contains("quoted"));
    assert_eq!(
        refusal("mailEnabled sw true"),
        "mailEnabled is a boolean; filter it with eq, ne or pr"
    );
}
