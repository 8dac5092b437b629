//! SCIM filter -> Graph $filter: every supported form, and every refusal with its reason.

use scim::error::ScimType;
use scim_graph::{UserNames, plan_user_filter, user_filter};

/// Parses SCIM filter text and translates it; returns the OData text and whether it is advanced.
fn odata(scim_filter: &str) -> (String, bool) {
    let parsed = scim::filter::parse(scim_filter).unwrap_or_else(|e| panic!("{scim_filter}: {e}"));
    let graph = user_filter(&parsed).unwrap_or_else(|e| panic!("{scim_filter}: {e}"));
    (graph.to_odata(), graph.needs_advanced_query())
}

fn refusal(scim_filter: &str) -> String {
    let parsed = scim::filter::parse(scim_filter).unwrap();
    let err = user_filter(&parsed).expect_err(scim_filter);
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
            r#"userName eq "bjensen@contoso.com""#,
            "userPrincipalName eq 'bjensen@contoso.com'",
        ),
        (r#"externalId eq "bjensen""#, "mailNickname eq 'bjensen'"),
        (
            r#"id eq "87d349ed-44d7-43e1-9a83-5f2406dee5bd""#,
            "id eq '87d349ed-44d7-43e1-9a83-5f2406dee5bd'",
        ),
        (
            r#"displayName eq "Barbara Jensen""#,
            "displayName eq 'Barbara Jensen'",
        ),
        (r#"name.givenName eq "Barbara""#, "givenName eq 'Barbara'"),
        (r#"name.familyName eq "Jensen""#, "surname eq 'Jensen'"),
        ("active eq true", "accountEnabled eq true"),
        (r#"emails eq "b@contoso.com""#, "mail eq 'b@contoso.com'"),
        (
            r#"emails.value eq "b@contoso.com""#,
            "mail eq 'b@contoso.com'",
        ),
        (r#"title eq "CEO""#, "jobTitle eq 'CEO'"),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "E1""#,
            "employeeId eq 'E1'",
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Retail""#,
            "department eq 'Retail'",
        ),
        (r#"employeeNumber eq "E1""#, "employeeId eq 'E1'"),
    ];
    for (scim, graph) in cases {
        assert_eq!(odata(scim), (graph.to_string(), false), "{scim}");
    }
}

#[test]
fn attribute_names_and_urns_are_case_insensitive() {
    assert_eq!(
        odata(r#"USERNAME eq "a@b.com""#).0,
        "userPrincipalName eq 'a@b.com'"
    );
    assert_eq!(
        odata(r#"Name.GivenName sw "Bar""#).0,
        "startswith(givenName,'Bar')"
    );
    assert_eq!(
        odata(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a@b.com""#).0,
        "userPrincipalName eq 'a@b.com'"
    );
    assert_eq!(
        odata(r#"URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:externalId eq "x""#).0,
        "mailNickname eq 'x'"
    );
}

#[test]
fn operators_translate_and_mark_advanced_queries() {
    assert_eq!(
        odata(r#"userName ne "a@b.com""#),
        ("userPrincipalName ne 'a@b.com'".into(), true)
    );
    assert_eq!(
        odata(r#"userName sw "adm""#),
        ("startswith(userPrincipalName,'adm')".into(), false)
    );
    assert_eq!(
        odata(r#"userName ew "@contoso.com""#),
        ("endswith(userPrincipalName,'@contoso.com')".into(), true)
    );
    assert_eq!(
        odata("active ne false"),
        ("accountEnabled ne false".into(), true)
    );
    assert_eq!(odata("title pr"), ("jobTitle ne null".into(), true));
    assert_eq!(
        odata("externalId eq null"),
        ("mailNickname eq null".into(), true)
    );
    assert_eq!(
        odata(r#"not (title eq "CEO")"#),
        ("not(jobTitle eq 'CEO')".into(), true)
    );
}

#[test]
fn logical_operators_keep_their_grouping() {
    assert_eq!(
        odata(r#"userName eq "a@b.com" and active eq true"#).0,
        "userPrincipalName eq 'a@b.com' and accountEnabled eq true"
    );
    assert_eq!(
        odata(r#"(title eq "A" or title eq "B") and displayName sw "X""#).0,
        "(jobTitle eq 'A' or jobTitle eq 'B') and startswith(displayName,'X')"
    );
    assert_eq!(
        odata(r#"title eq "A" or title eq "B""#),
        ("jobTitle eq 'A' or jobTitle eq 'B'".into(), false)
    );
}

#[test]
fn quotes_in_values_are_escaped_for_odata() {
    assert_eq!(
        odata(r#"name.familyName eq "O'Neil""#).0,
        "surname eq 'O''Neil'"
    );
}

#[test]
fn work_email_value_paths_translate() {
    assert_eq!(
        odata(r#"emails[type eq "work" and value eq "b@c.com"]"#).0,
        "mail eq 'b@c.com'"
    );
    assert_eq!(
        odata(r#"emails[value eq "b@c.com" and type eq "work"]"#).0,
        "mail eq 'b@c.com'"
    );
    assert_eq!(odata(r#"emails[value sw "b"]"#).0, "startswith(mail,'b')");
    assert_eq!(
        odata(r#"emails[type eq "work"]"#),
        ("mail ne null".into(), true)
    );
    assert_eq!(
        odata(r#"emails[type eq "work" and value pr]"#),
        ("mail ne null".into(), true)
    );
}

#[test]
fn unsupported_operators_are_refused_with_the_reason() {
    let detail = refusal(r#"userName co "jensen""#);
    assert_eq!(
        detail,
        "Microsoft Graph cannot filter on substrings (co) of userName; use eq, sw or ew"
    );
    for op in ["gt", "ge", "lt", "le"] {
        let detail = refusal(&format!(r#"displayName {op} "M""#));
        assert!(
            detail.contains(&format!("({op})")) && detail.contains("displayName"),
            "{detail}"
        );
    }
    assert!(refusal("active gt true").contains("(gt)"));
}

#[test]
fn unknown_attributes_are_refused_not_dropped() {
    assert!(refusal(r#"nickName eq "Babs""#).contains("nickName"));
    assert!(
        refusal(r#"meta.lastModified gt "2011-05-13T04:42:34Z""#).contains("meta.lastModified")
    );
    assert!(refusal(r#"name.middleName eq "J""#).contains("name.middleName"));
    // An unknown attribute inside and/or/not must fail the whole filter, never widen it.
    assert!(refusal(r#"userName eq "a@b.com" and nickName eq "x""#).contains("nickName"));
    assert!(refusal(r#"not (nickName eq "x")"#).contains("nickName"));
    // Enterprise names under the core URN, and unknown URNs.
    assert!(
        refusal(r#"urn:ietf:params:scim:schemas:core:2.0:User:employeeNumber eq "1""#)
            .contains("employeeNumber")
    );
    assert!(
        refusal(r#"urn:example:custom:1.0:User:userName eq "x""#)
            .contains("urn:example:custom:1.0:User")
    );
}

#[test]
fn wrongly_typed_values_are_refused() {
    assert!(refusal(r#"active eq "true""#).contains("true or false"));
    assert!(refusal("userName eq 42").contains("quoted"));
    assert_eq!(
        refusal("active sw true"),
        "active is a boolean; filter it with eq, ne or pr"
    );
    assert!(refusal(r#"userName sw null"#).contains("needs a string value"));
}

#[test]
fn other_value_paths_are_refused() {
    assert!(refusal(r#"emails[type eq "home" and value eq "x@y.com"]"#).contains("work email"));
    assert!(refusal(r#"emails[value co "x"]"#).contains("(co)"));
    assert!(refusal(r#"phoneNumbers[type eq "work"]"#).contains("phoneNumbers"));
    assert!(refusal(r#"addresses[type eq "work" and locality eq "Oslo"]"#).contains("addresses"));
}

#[test]
fn sort_attributes_map_through_the_filter_table() {
    use scim::query::SortOrder;
    let by = scim_graph::user_order_by("userName", None).unwrap();
    assert_eq!((by.property.as_str(), by.descending), ("userPrincipalName", false));
    let by = scim_graph::user_order_by("name.familyName", Some(SortOrder::Descending)).unwrap();
    assert_eq!((by.property.as_str(), by.descending), ("surname", true));
    let by = scim_graph::group_order_by("displayName", Some(SortOrder::Ascending)).unwrap();
    assert_eq!((by.property.as_str(), by.descending), ("displayName", false));
    let error = scim_graph::user_order_by("nickName", None).unwrap_err();
    assert_eq!((error.status, error.scim_type), (400, Some(scim::error::ScimType::InvalidValue)));
    assert!(error.detail.contains("cannot sort users by nickName"), "{}", error.detail);
    assert!(scim_graph::user_order_by("emails[", None).is_err());
}

fn plan(scim_filter: &str, names: &UserNames) -> (Option<String>, Option<String>) {
    let parsed = scim::filter::parse(scim_filter).unwrap();
    let plan = plan_user_filter(&parsed, names).unwrap_or_else(|e| panic!("{scim_filter}: {e}"));
    (plan.graph.map(|g| g.to_odata()), plan.residual.map(|r| r.filter.to_string()))
}

#[test]
fn terms_graph_cannot_answer_are_left_to_the_connector_and_the_rest_goes_to_graph() {
    let names = UserNames::full_upn();
    assert_eq!(
        plan(r#"displayName sw "A" and nickName eq "Babs""#, &names),
        (Some("startswith(displayName,'A')".into()), Some(r#"nickName eq "Babs""#.into()))
    );
    assert_eq!(
        plan(r#"title co "Engineer" and active eq true and addresses[locality eq "Oslo"]"#, &names),
        (Some("accountEnabled eq true".into()), Some(r#"title co "Engineer" and addresses[locality eq "Oslo"]"#.into()))
    );
    // An `or` that Graph cannot answer whole is checked whole.
    assert_eq!(
        plan(r#"displayName eq "A" or title co "Engineer""#, &names),
        (None, Some(r#"displayName eq "A" or title co "Engineer""#.into()))
    );
    assert_eq!(plan(r#"userName eq "a@b.c""#, &names), (Some("userPrincipalName eq 'a@b.c'".into()), None));
}

#[test]
fn a_filter_wrong_in_itself_is_an_error_even_beside_terms_graph_cannot_answer() {
    let parsed = scim::filter::parse(r#"nickName eq "x" or active eq "yes""#).unwrap();
    let error = plan_user_filter(&parsed, &UserNames::full_upn()).unwrap_err();
    assert_eq!(error.scim_type, Some(ScimType::InvalidFilter));
    assert!(error.detail.contains("active is a boolean"), "{}", error.detail);
}

#[test]
fn with_a_default_domain_user_name_equality_is_completed_and_suffixes_are_checked_by_the_connector() {
    let names = UserNames::with_default_domain("contoso.com");
    assert_eq!(
        plan(r#"userName eq "jdoe""#, &names),
        (Some("userPrincipalName eq 'jdoe@contoso.com'".into()), None)
    );
    assert_eq!(
        plan(r#"userName eq "jdoe@fabrikam.com""#, &names),
        (Some("userPrincipalName eq 'jdoe@fabrikam.com'".into()), None)
    );
    assert_eq!(plan(r#"userName ew "doe""#, &names), (None, Some(r#"userName ew "doe""#.into())));
}

#[test]
fn the_residual_compares_as_the_schema_says() {
    let parsed = scim::filter::parse(r#"nickName eq "BABS" and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter sw "4""#).unwrap();
    let plan = plan_user_filter(&parsed, &UserNames::full_upn()).unwrap();
    let residual = plan.residual.unwrap();
    let user = serde_json::json!({
        "nickName": "babs",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"costCenter": "4130"}
    });
    assert!(residual.matches(&user));
    let other = serde_json::json!({"nickName": "babs", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"costCenter": "5"}});
    assert!(!residual.matches(&other));
}

#[test]
fn the_connectors_additions_are_checked_by_the_connector_but_the_automatic_replies_are_refused() {
    let names = UserNames::full_upn();
    for term in [
        r#"startDateTime ge "2020-01-01T00:00:00Z""#,
        r#"endDateTime lt "2031-01-01T00:00:00Z""#,
        r#"manager eq "5bde3e51-d13b-4db1-9948-fe4b109d11a7""#,
        r#"city eq "Bellevue""#,
    ] {
        assert_eq!(
            plan(&format!(r#"displayName eq "A" and {term}"#), &names),
            (Some("displayName eq 'A'".into()), Some(term.to_string())),
            "{term}"
        );
    }
    for filter in [
        r#"status eq "scheduled""#,
        "externalReplyMessage pr",
        r#"displayName eq "A" and urn:ietf:params:scim:schemas:core:2.0:User:scheduledEndDateTime gt "2026-01-01T00:00:00Z""#,
        r#"not (STATUS eq "disabled") or displayName eq "A""#,
    ] {
        let parsed = scim::filter::parse(filter).unwrap();
        let error = plan_user_filter(&parsed, &names).unwrap_err();
        assert_eq!(error.scim_type, Some(ScimType::InvalidFilter), "{filter}");
        assert!(error.detail.contains("mailbox"), "{filter}: {}", error.detail);
    }
}

#[test]
fn in_a_b2c_tenant_user_names_are_sign_in_names_and_advanced_terms_are_the_connectors() {
    let names = UserNames::b2c("contosob2c.onmicrosoft.com");
    assert_eq!(
        plan(r#"userName eq "jdoe""#, &names),
        (Some("identities/any(c:c/issuerAssignedId eq 'jdoe' and c/issuer eq 'contosob2c.onmicrosoft.com')".into()), None)
    );
    // ne, endsWith and presence need advanced queries, which B2C tenants lack.
    assert_eq!(
        plan(r#"displayName sw "A" and title ne "CEO""#, &names),
        (Some("startswith(displayName,'A')".into()), Some(r#"title ne "CEO""#.into()))
    );
    assert_eq!(plan(r#"userName sw "jd""#, &names), (None, Some(r#"userName sw "jd""#.into())));
    assert_eq!(plan("title pr", &names), (None, Some("title pr".into())));
    // The same filters in an Entra ID tenant go to Graph whole.
    assert_eq!(plan(r#"title ne "CEO""#, &UserNames::full_upn()), (Some("jobTitle ne 'CEO'".into()), None));

    let groups = |filter: &str, advanced: bool| {
        let plan = scim_graph::plan_group_filter(&scim::filter::parse(filter).unwrap(), advanced).unwrap();
        (plan.graph.map(|g| g.to_odata()), plan.residual.map(|r| r.filter.to_string()))
    };
    assert_eq!(groups(r#"displayName ne "X""#, false), (None, Some(r#"displayName ne "X""#.into())));
    assert_eq!(groups(r#"displayName ne "X""#, true), (Some("displayName ne 'X'".into()), None));
}
