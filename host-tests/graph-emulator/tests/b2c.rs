//! The emulator as an Azure AD B2C tenant, over real HTTP: local-account demo users, Graph's
//! refusal of advanced and delta queries, sign-in identities (filtering, creating, replacing),
//! custom attributes of the b2c-extensions-app, B2C's resource-unit cost of a new user, and
//! deleted items and the audit log in that mode.

mod common;

use common::{Graph, enc, filter_url};
use graph_emulator::{B2c, DEMO_B2C_EXTENSIONS_APP_ID, EmulatorConfig, Faults};
use http::Method;
use serde_json::{Value, json};

const DOMAIN: &str = "contoso.onmicrosoft.com";

fn b2c_config(users: usize) -> EmulatorConfig {
    EmulatorConfig {
        users,
        groups: 5,
        b2c: Some(B2c::default()),
        ..Default::default()
    }
}

async fn b2c(users: usize) -> Graph {
    Graph::start_with(b2c_config(users)).await
}

fn attribute(name: &str) -> String {
    format!("extension_{DEMO_B2C_EXTENSIONS_APP_ID}_{name}")
}

fn identity(sign_in_type: &str, issuer: &str, id: &str) -> Value {
    json!({ "signInType": sign_in_type, "issuer": issuer, "issuerAssignedId": id })
}

fn consumer(display_name: &str, identities: Value) -> Value {
    json!({
        "displayName": display_name,
        "identities": identities,
        "passwordProfile": { "password": "Str0ng!Passw0rd", "forceChangePasswordNextSignIn": false },
        "passwordPolicies": "DisablePasswordExpiration",
    })
}

async fn post_user(graph: &Graph, body: &Value) -> common::Answer {
    graph
        .call(Method::POST, "/v1.0/users", &[], Some(&body.to_string()))
        .await
}

async fn patch_user(graph: &Graph, id: &str, body: &Value) -> common::Answer {
    graph
        .call(
            Method::PATCH,
            &format!("/v1.0/users/{id}"),
            &[],
            Some(&body.to_string()),
        )
        .await
}

fn ok(answer: &common::Answer, status: u16) {
    assert_eq!(
        answer.status,
        status,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
}

fn ids(answer: &common::Answer) -> Vec<String> {
    answer.json()["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect()
}

fn identities_filter(assigned: &str, issuer: &str) -> String {
    filter_url(&format!(
        "identities/any(c:c/issuerAssignedId eq '{assigned}' and c/issuer eq '{issuer}')"
    ))
}

#[tokio::test]
async fn the_demo_tenant_is_the_same_people_as_local_accounts() {
    let graph = b2c(60).await;
    let entra = Graph::start_with(EmulatorConfig {
        users: 60,
        groups: 5,
        ..Default::default()
    })
    .await;
    let users = graph.emulator.users();
    let people = entra.emulator.users();
    let (mut with_user_name, mut email_only, mut with_attributes) = (0, 0, 0);
    for (user, person) in users.iter().zip(&people) {
        assert_eq!(user["id"], person["id"], "same seed, same ids");
        assert_eq!(user["displayName"], person["displayName"]);
        let id = user["id"].as_str().unwrap();
        let upn = format!("{id}@{DOMAIN}");
        assert_eq!(user["userPrincipalName"], upn.as_str());
        assert_eq!(user["creationType"], "LocalAccount");
        assert_eq!(user["passwordPolicies"], "DisablePasswordExpiration");
        let identities = user["identities"].as_array().unwrap();
        let email = &identities[0];
        assert_eq!(email["signInType"], "emailAddress");
        assert_eq!(email["issuer"], DOMAIN);
        assert!(email["issuerAssignedId"].as_str().unwrap().contains('@'));
        assert_eq!(
            identities.last().unwrap(),
            &identity("userPrincipalName", DOMAIN, &upn)
        );
        match identities.len() {
            3 => {
                assert_eq!(identities[1]["signInType"], "userName");
                with_user_name += 1;
            }
            2 => email_only += 1,
            n => panic!("{n} identities on {upn}"),
        }
        let loyalty = user.get(attribute("loyaltyNumber"));
        assert_eq!(
            loyalty.is_some(),
            user.get(attribute("membershipTier")).is_some()
        );
        with_attributes += usize::from(loyalty.is_some());
    }
    assert!(
        with_user_name > email_only && email_only > 0,
        "{with_user_name} / {email_only}"
    );
    assert!((10..=45).contains(&with_attributes), "{with_attributes}");

    // Adele is still Adele, signing in as adele.vance.
    let adele = &users[0];
    assert_eq!(adele["displayName"], "Adele Vance");
    assert_eq!(adele["jobTitle"], "Chief Executive Officer");
    assert_eq!(
        adele["identities"][1],
        identity("userName", DOMAIN, "adele.vance")
    );
    assert_eq!(adele[attribute("membershipTier")], "Platinum");
    let again = Graph::start_with(b2c_config(60)).await;
    assert_eq!(again.emulator.users(), users, "same seed, same tenant");
    assert_eq!(graph.emulator.group_count(), 5);
}

#[tokio::test]
async fn advanced_queries_are_refused_and_plain_ones_work() {
    let graph = b2c(40).await;
    let group = graph.emulator.groups()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (url, eventual) in [
        ("/v1.0/users".to_string(), true),
        ("/v1.0/users?$count=true".to_string(), false),
        (
            "/v1.0/users?$search=%22displayName:adele%22".to_string(),
            false,
        ),
        ("/v1.0/users/$count".to_string(), false),
        ("/v1.0/groups/$count".to_string(), false),
        (format!("/v1.0/groups/{group}/members/$count"), false),
        (format!("/v1.0/groups/{group}?$select=id"), true),
    ] {
        let answer = match eventual {
            true => graph.get_eventual(&url).await,
            false => graph.get(&url).await,
        };
        ok(&answer, 400);
        assert_eq!(answer.code(), "Request_UnsupportedQuery", "{url}");
        assert!(
            answer.message().contains("Azure AD B2C"),
            "{url}: {}",
            answer.message()
        );
    }
    // Filters that would need advanced query parameters get Graph's usual refusal.
    for filter in [
        "displayName ne 'Adele Vance'",
        "endswith(mail,'.example')",
        "not(accountEnabled eq true)",
        "createdDateTime ge 2020-01-01T00:00:00Z",
    ] {
        let answer = graph.get(&filter_url(filter)).await;
        ok(&answer, 400);
        assert_eq!(answer.code(), "Request_UnsupportedQuery", "{filter}");
    }
    let answer = graph
        .get(&format!(
            "{}&$orderby=displayName",
            filter_url("accountEnabled eq true")
        ))
        .await;
    ok(&answer, 400);

    // The same requests an Entra ID tenant takes.
    let entra = Graph::start(40).await;
    ok(
        &entra.get_eventual("/v1.0/users?$count=true&$top=1").await,
        200,
    );
    ok(&entra.get_eventual("/v1.0/users/$count").await, 200);

    // Plain queries: eq, startswith, any on a string collection, $select, $orderby, $top and
    // skip-token paging.
    let adele = graph
        .get(&format!(
            "{}&$select=id,displayName",
            filter_url("displayName eq 'adele vance'")
        ))
        .await;
    ok(&adele, 200);
    assert_eq!(adele.json()["value"][0]["displayName"], "Adele Vance");
    let a = graph.get(&filter_url("startswith(displayName,'A')")).await;
    ok(&a, 200);
    assert!(!ids(&a).is_empty());
    let mail = graph.emulator.users()[1]["mail"]
        .as_str()
        .unwrap()
        .to_string();
    let by_mail = graph
        .get(&filter_url(&format!("otherMails/any(m:m eq '{mail}')")))
        .await;
    ok(&by_mail, 200);
    assert_eq!(ids(&by_mail).len(), 1);
    let sorted = graph
        .get("/v1.0/users?$orderby=displayName&$select=displayName&$top=999")
        .await;
    ok(&sorted, 200);
    let names: Vec<String> = sorted.json()["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["displayName"].as_str().unwrap().to_lowercase())
        .collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]));
    let mut seen = Vec::new();
    let mut url = "/v1.0/users?$top=7&$select=id".to_string();
    loop {
        let page = graph.get(&url).await;
        ok(&page, 200);
        seen.extend(ids(&page));
        match page.json()["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 40);
}

#[tokio::test]
async fn delta_queries_are_refused_as_in_b2c_tenants() {
    let graph = b2c(5).await;
    for url in [
        "/v1.0/users/delta",
        "/v1.0/groups/delta",
        "/v1.0/users/microsoft.graph.delta()",
    ] {
        let answer = graph.get(url).await;
        ok(&answer, 400);
        assert_eq!(answer.code(), "Request_UnsupportedQuery");
        assert_eq!(
            answer.message(),
            "Change enumeration is not supported for requested tenant."
        );
    }
    // In a batch too.
    let batch = json!({ "requests": [
        { "id": "1", "method": "GET", "url": "/users/delta" },
        { "id": "2", "method": "GET", "url": "/users?$select=id&$top=1" },
    ]});
    let answer = graph
        .call(Method::POST, "/v1.0/$batch", &[], Some(&batch.to_string()))
        .await;
    ok(&answer, 200);
    let responses = answer.json()["responses"].as_array().unwrap().clone();
    let status = |id: &str| responses.iter().find(|r| r["id"] == id).unwrap()["status"].clone();
    assert_eq!(status("1"), 400);
    assert_eq!(status("2"), 200);
    ok(&Graph::start(5).await.get("/v1.0/users/delta").await, 200);
}

#[tokio::test]
async fn users_are_found_by_sign_in_identity_as_graph_filters_them() {
    let graph = b2c(30).await;
    let adele = graph.emulator.users()[0].clone();
    let email = adele["identities"][0]["issuerAssignedId"]
        .as_str()
        .unwrap()
        .to_string();
    let adele_id = adele["id"].as_str().unwrap().to_string();

    let found = graph.get(&identities_filter(&email, DOMAIN)).await;
    ok(&found, 200);
    assert_eq!(ids(&found), vec![adele_id.clone()]);
    let shouted = graph
        .get(&identities_filter(
            &email.to_uppercase(),
            &DOMAIN.to_uppercase(),
        ))
        .await;
    assert_eq!(ids(&shouted), vec![adele_id.clone()], "case-insensitive");
    let by_name = graph.get(&identities_filter("adele.vance", DOMAIN)).await;
    assert_eq!(ids(&by_name), vec![adele_id.clone()]);
    // Graph ignores the issuer for emailAddress and userName identities.
    let other_issuer = graph
        .get(&identities_filter("adele.vance", "fabrikam.com"))
        .await;
    assert_eq!(ids(&other_issuer), vec![adele_id.clone()]);
    // ... and never matches userPrincipalName identities.
    let upn = adele["userPrincipalName"].as_str().unwrap();
    let by_upn = graph.get(&identities_filter(upn, DOMAIN)).await;
    ok(&by_upn, 200);
    assert!(ids(&by_upn).is_empty());
    assert!(
        ids(&graph
            .get(&identities_filter("nobody@nowhere.example", DOMAIN))
            .await)
        .is_empty()
    );

    for half in [
        format!("identities/any(c:c/issuerAssignedId eq '{email}')"),
        format!("identities/any(c:c/issuer eq '{DOMAIN}')"),
        format!("identities/any(c:c/issuerAssignedId eq '{email}' or c/issuer eq '{DOMAIN}')"),
        format!("identities/any(c:c/signInType eq 'emailAddress' and c/issuer eq '{DOMAIN}')"),
    ] {
        let answer = graph.get(&filter_url(&half)).await;
        ok(&answer, 400);
        assert_eq!(answer.code(), "Request_UnsupportedQuery", "{half}");
    }
    let starts = graph
        .get(&filter_url(&format!(
            "identities/any(c:startswith(c/issuerAssignedId,'adele') and c/issuer eq '{DOMAIN}')"
        )))
        .await;
    ok(&starts, 400);
    assert_eq!(starts.code(), "Request_BadRequest");

    // The issuer alone works for the social issuers Graph lists.
    let social = consumer(
        "Fiona Social",
        json!([identity("federated", "facebook.com", "5eecb0cd")]),
    );
    let created = post_user(&graph, &social).await;
    ok(&created, 201);
    let facebook = graph
        .get(&filter_url("identities/any(c:c/issuer eq 'facebook.com')"))
        .await;
    ok(&facebook, 200);
    assert_eq!(
        ids(&facebook),
        vec![created.json()["id"].as_str().unwrap().to_string()]
    );
    let wrong_issuer = graph
        .get(&identities_filter("5eecb0cd", "google.com"))
        .await;
    assert!(
        ids(&wrong_issuer).is_empty(),
        "federated identities need their issuer"
    );
}

#[tokio::test]
async fn creating_a_consumer_needs_only_a_name_an_identity_and_a_password() {
    let graph = b2c(5).await;
    let body = consumer(
        "Nina Consumer",
        json!([
            identity("emailAddress", DOMAIN, "nina@fabrikam.example"),
            identity("userName", DOMAIN, "nina_c"),
        ]),
    );
    let answer = post_user(&graph, &body).await;
    ok(&answer, 201);
    let id = answer.json()["id"].as_str().unwrap().to_string();
    let upn = format!("{id}@{DOMAIN}");
    assert_eq!(answer.json()["userPrincipalName"], upn.as_str());
    let user = graph
        .get(&format!(
            "/v1.0/users/{id}?$select=identities,creationType,accountEnabled,mailNickname,passwordPolicies"
        ))
        .await
        .json();
    assert_eq!(user["creationType"], "LocalAccount");
    assert_eq!(user["accountEnabled"], true);
    assert!(user["mailNickname"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(
        user["identities"],
        json!([
            identity("emailAddress", DOMAIN, "nina@fabrikam.example"),
            identity("userName", DOMAIN, "nina_c"),
            identity("userPrincipalName", DOMAIN, &upn),
        ])
    );
    assert!(graph.emulator.password_profile(&id).is_some());

    // A local account needs a password; a social one does not.
    let mut no_password = consumer(
        "No Password",
        json!([identity("userName", DOMAIN, "nopass")]),
    );
    no_password
        .as_object_mut()
        .unwrap()
        .remove("passwordProfile");
    let answer = post_user(&graph, &no_password).await;
    ok(&answer, 400);
    assert!(
        answer.message().contains("passwordProfile"),
        "{}",
        answer.message()
    );
    no_password["identities"] = json!([identity("federated", "google.com", "1188")]);
    let social = post_user(&graph, &no_password).await;
    ok(&social, 201);
    assert_eq!(
        social.json()["id"]
            .as_str()
            .map(|i| format!("{i}@{DOMAIN}"))
            .as_deref(),
        social.json()["userPrincipalName"].as_str()
    );

    // Weak passwords pass only under DisableStrongPassword.
    let mut weak = consumer("Weak", json!([identity("userName", DOMAIN, "weak")]));
    weak["passwordProfile"]["password"] = json!("password");
    ok(&post_user(&graph, &weak).await, 400);
    weak["passwordPolicies"] = json!("DisablePasswordExpiration, DisableStrongPassword");
    ok(&post_user(&graph, &weak).await, 201);
    // The Entra ID rules still hold in an Entra ID tenant.
    let entra = Graph::start(2).await;
    let answer = post_user(&entra, &consumer("Entra", json!([]))).await;
    ok(&answer, 400);
    assert!(answer.message().contains("accountEnabled"));
}

#[tokio::test]
async fn identities_are_validated_and_unique() {
    let graph = b2c(5).await;
    let adele_email = graph.emulator.users()[0]["identities"][0]["issuerAssignedId"]
        .as_str()
        .unwrap()
        .to_string();
    let cases = [
        (
            json!([{ "signInType": "emailAddress", "issuer": DOMAIN }]),
            "Request_BadRequest",
            "identities",
        ),
        (
            json!([identity(
                "emailAddress",
                "fabrikam.com",
                "x@fabrikam.example"
            )]),
            "Request_BadRequest",
            "Issuer should match tenants domainName for non federated identity.",
        ),
        (
            json!([identity("emailAddress", DOMAIN, "not-an-email")]),
            "Request_BadRequest",
            "issuerAssignedId",
        ),
        (
            json!([identity("userName", DOMAIN, "has space")]),
            "Request_BadRequest",
            "issuerAssignedId",
        ),
        (
            json!({ "signInType": "userName" }),
            "BadRequest",
            "does not match schema",
        ),
        (
            json!([identity(
                "emailAddress",
                DOMAIN,
                &adele_email.to_uppercase()
            )]),
            "Request_BadRequest",
            "Another object with the same value for property identities already exists.",
        ),
    ];
    for (identities, code, text) in cases {
        let answer = post_user(&graph, &consumer("Bad", identities.clone())).await;
        ok(&answer, 400);
        assert_eq!(answer.code(), code, "{identities}");
        assert!(
            answer.message().contains(text),
            "{identities}: {}",
            answer.message()
        );
    }
    let duplicate = post_user(
        &graph,
        &consumer(
            "Dup",
            json!([identity("emailAddress", DOMAIN, &adele_email)]),
        ),
    )
    .await;
    assert_eq!(
        duplicate.json()["error"]["details"][0]["target"],
        "identities"
    );
    assert_eq!(graph.emulator.user_count(), 5, "nothing was created");
}

#[tokio::test]
async fn patching_identities_replaces_the_whole_collection() {
    let graph = b2c(5).await;
    let adele_email = graph.emulator.users()[0]["identities"][0]["issuerAssignedId"]
        .as_str()
        .unwrap()
        .to_string();
    let created = post_user(
        &graph,
        &consumer(
            "Pat Patch",
            json!([
                identity("emailAddress", DOMAIN, "pat@litware.example"),
                identity("userName", DOMAIN, "pat"),
            ]),
        ),
    )
    .await;
    ok(&created, 201);
    let id = created.json()["id"].as_str().unwrap().to_string();
    let upn = format!("{id}@{DOMAIN}");

    ok(
        &patch_user(
            &graph,
            &id,
            &json!({ "identities": [identity("userName", DOMAIN, "patrick")] }),
        )
        .await,
        204,
    );
    let user = graph
        .get(&format!("/v1.0/users/{id}?$select=identities"))
        .await
        .json();
    assert_eq!(
        user["identities"],
        json!([
            identity("userName", DOMAIN, "patrick"),
            identity("userPrincipalName", DOMAIN, &upn)
        ])
    );
    // The email it gave up is free for someone else; the user name it took is not.
    ok(
        &post_user(
            &graph,
            &consumer(
                "Next",
                json!([identity("emailAddress", DOMAIN, "pat@litware.example")]),
            ),
        )
        .await,
        201,
    );
    let taken = post_user(
        &graph,
        &consumer("Taken", json!([identity("userName", DOMAIN, "PATRICK")])),
    )
    .await;
    ok(&taken, 400);
    assert_eq!(
        taken.message(),
        "Another object with the same value for property identities already exists."
    );

    let stolen = patch_user(
        &graph,
        &id,
        &json!({ "identities": [identity("emailAddress", DOMAIN, &adele_email)] }),
    )
    .await;
    ok(&stolen, 400);
    assert!(stolen.message().contains("already exists"));
    let wrong = patch_user(
        &graph,
        &id,
        &json!({ "identities": [identity("userName", "other.com", "pat")] }),
    )
    .await;
    ok(&wrong, 400);
    assert!(wrong.message().contains("Issuer should match"));
    // Unchanged by the refused PATCHes; re-sending its own identity is no conflict.
    ok(
        &patch_user(
            &graph,
            &id,
            &json!({ "identities": [identity("userName", DOMAIN, "Patrick")] }),
        )
        .await,
        204,
    );

    // A new userPrincipalName moves its identity along.
    let new_upn = format!("pat.new@{DOMAIN}");
    ok(
        &patch_user(&graph, &id, &json!({ "userPrincipalName": new_upn })).await,
        204,
    );
    let user = graph
        .get(&format!("/v1.0/users/{new_upn}?$select=identities"))
        .await
        .json();
    assert_eq!(
        user["identities"][1],
        identity("userPrincipalName", DOMAIN, &new_upn)
    );

    // A social-only user cannot gain a local identity.
    let social = post_user(&graph, &json!({ "displayName": "Soc", "identities": [identity("federated", "facebook.com", "77")] })).await;
    ok(&social, 201);
    let social_id = social.json()["id"].as_str().unwrap().to_string();
    let answer = patch_user(&graph, &social_id, &json!({ "identities": [identity("federated", "facebook.com", "77"), identity("userName", DOMAIN, "soc")] })).await;
    ok(&answer, 400);
}

#[tokio::test]
async fn custom_attributes_belong_to_the_extensions_app_and_show_only_when_selected() {
    let graph = b2c(10).await;
    let loyalty = attribute("loyaltyNumber");
    let tier = attribute("membershipTier");
    let mut body = consumer(
        "Cara Custom",
        json!([identity("emailAddress", DOMAIN, "cara@tailspin.example")]),
    );
    body[&loyalty] = json!("212342");
    body[&tier] = json!("Gold");
    let answer = post_user(&graph, &body).await;
    ok(&answer, 201);
    let id = answer.json()["id"].as_str().unwrap().to_string();
    assert!(answer.json().get(&loyalty).is_none());

    let plain = graph.get(&format!("/v1.0/users/{id}")).await.json();
    assert!(plain.get(&loyalty).is_none(), "not without $select");
    let selected = graph
        .get(&format!("/v1.0/users/{id}?$select=id,{loyalty},{tier}"))
        .await
        .json();
    assert_eq!(selected[&loyalty], "212342");
    assert_eq!(selected[&tier], "Gold");
    let listed = graph
        .get(&format!("/v1.0/users?$select=id,{tier}&$top=999"))
        .await
        .json();
    assert!(
        listed["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u.as_object().unwrap().contains_key(&tier))
    );

    let found = graph
        .get(&filter_url(&format!("{loyalty} eq '212342'")))
        .await;
    ok(&found, 200);
    assert_eq!(ids(&found), vec![id.clone()]);
    ok(
        &patch_user(&graph, &id, &json!({ &tier: "Platinum" })).await,
        204,
    );
    let platinum = graph
        .get(&filter_url(&format!("{tier} eq 'platinum'")))
        .await;
    assert!(ids(&platinum).contains(&id));
    assert!(
        ids(&platinum).contains(
            &graph.emulator.users()[0]["id"]
                .as_str()
                .unwrap()
                .to_string()
        ),
        "Adele is Platinum"
    );

    // Another app's extension is not a property of this tenant.
    let foreign = "extension_0123456789abcdef0123456789abcdef_shoeSize";
    let mut body = consumer(
        "Fred Foreign",
        json!([identity("userName", DOMAIN, "fred")]),
    );
    body[foreign] = json!("42");
    let answer = post_user(&graph, &body).await;
    ok(&answer, 400);
    assert_eq!(
        answer.message(),
        format!(
            "Property '{foreign}' does not exist as a declared property or extension property."
        )
    );
    ok(
        &patch_user(&graph, &id, &json!({ foreign: "42" })).await,
        400,
    );
    ok(
        &graph
            .get(&format!("/v1.0/users/{id}?$select={foreign}"))
            .await,
        400,
    );
    ok(
        &graph.get(&filter_url(&format!("{foreign} eq '42'"))).await,
        400,
    );
    // An Entra ID tenant keeps storing whatever extension it is given.
    let entra = Graph::start(1).await;
    let adele = entra.emulator.users()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(
        &patch_user(&entra, &adele, &json!({ foreign: "42" })).await,
        204,
    );
}

#[tokio::test]
async fn creating_a_user_costs_four_more_resource_units_in_b2c() {
    // A create costs 1 unit in Entra ID and 5 in B2C: a quota of 10 takes ten or two.
    let quota = Faults {
        resource_unit_quota: 10,
        ..Faults::default()
    };
    let mut statuses = Vec::new();
    for config in [common::config(3), b2c_config(3)] {
        let graph = Graph::start_with(EmulatorConfig {
            faults: quota.clone(),
            ..config
        })
        .await;
        let mut created = 0;
        for n in 0..3 {
            let mut body = consumer(
                "Cost",
                json!([identity("userName", DOMAIN, &format!("cost{n}"))]),
            );
            body["accountEnabled"] = json!(true);
            body["mailNickname"] = json!(format!("cost{n}"));
            body["userPrincipalName"] = json!(format!("cost{n}@{DOMAIN}"));
            let answer = post_user(&graph, &body).await;
            if answer.status == 201 {
                created += 1;
            } else {
                assert_eq!(
                    answer.status,
                    429,
                    "{}",
                    String::from_utf8_lossy(&answer.body)
                );
            }
        }
        statuses.push(created);
    }
    assert_eq!(statuses, vec![3, 2]);
}

#[tokio::test]
async fn deleted_items_and_the_audit_log_keep_working() {
    let graph = b2c(5).await;
    let created = post_user(
        &graph,
        &consumer(
            "Dee Leted",
            json!([identity("emailAddress", DOMAIN, "dee@northwind.example")]),
        ),
    )
    .await;
    ok(&created, 201);
    let id = created.json()["id"].as_str().unwrap().to_string();
    ok(
        &graph
            .call(Method::DELETE, &format!("/v1.0/users/{id}"), &[], None)
            .await,
        204,
    );
    let deleted = graph
        .get("/v1.0/directory/deletedItems/microsoft.graph.user?$select=id,identities")
        .await;
    ok(&deleted, 200);
    assert_eq!(ids(&deleted), vec![id.clone()]);
    assert_eq!(
        deleted.json()["value"][0]["identities"][0]["issuerAssignedId"],
        "dee@northwind.example"
    );
    // A deleted user's identity is free; restoring it while someone else holds it is not.
    let taker = post_user(
        &graph,
        &consumer(
            "Dee Two",
            json!([identity("emailAddress", DOMAIN, "dee@northwind.example")]),
        ),
    )
    .await;
    ok(&taker, 201);
    let restore = graph
        .call(
            Method::POST,
            &format!("/v1.0/directory/deletedItems/{id}/restore"),
            &[],
            None,
        )
        .await;
    ok(&restore, 400);
    assert!(
        restore.message().contains("identities"),
        "{}",
        restore.message()
    );
    let taker_id = taker.json()["id"].as_str().unwrap().to_string();
    ok(
        &graph
            .call(
                Method::DELETE,
                &format!("/v1.0/users/{taker_id}"),
                &[],
                None,
            )
            .await,
        204,
    );
    ok(
        &graph
            .call(
                Method::POST,
                &format!("/v1.0/directory/deletedItems/{id}/restore"),
                &[],
                None,
            )
            .await,
        200,
    );
    assert_eq!(
        ids(&graph
            .get(&identities_filter("dee@northwind.example", DOMAIN))
            .await),
        vec![id.clone()]
    );

    let audits = graph
        .get(&format!(
            "/v1.0/auditLogs/directoryAudits?$filter={}",
            enc(&format!("targetResources/any(t: t/id eq '{id}')"))
        ))
        .await;
    ok(&audits, 200);
    let activities: Vec<String> = audits.json()["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["activityDisplayName"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(activities, vec!["Restore user", "Delete user", "Add user"]);
}
