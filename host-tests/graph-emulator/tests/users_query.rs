//! Listing users over real HTTP: paging, `$top`, `$select`, `$filter`, advanced queries,
//! `$count`, `$orderby`, and the deterministic demo tenant.

mod common;

use std::collections::HashSet;

use common::{Graph, enc, filter_url, upns};
use serde_json::Value;

const DEFAULT_SET: [&str; 11] = [
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

#[tokio::test]
async fn default_page_is_100_with_a_next_link_and_the_default_property_set() {
    let graph = Graph::start(250).await;
    let answer = graph.get("/v1.0/users").await;
    assert_eq!(answer.status, 200);
    let body = answer.json();
    let base = graph.emulator.base_url();
    assert_eq!(
        body["@odata.context"],
        format!("{base}/v1.0/$metadata#users")
    );
    let value = body["value"].as_array().unwrap();
    assert_eq!(value.len(), 100);
    let next = body["@odata.nextLink"].as_str().unwrap();
    assert!(next.starts_with(&format!("{base}/v1.0/users?")), "{next}");
    assert!(next.contains("$skiptoken="), "{next}");

    let first = value[0].as_object().unwrap();
    let keys: Vec<&str> = first.keys().map(String::as_str).collect();
    let mut expected = DEFAULT_SET.to_vec();
    expected.sort();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "only Graph's default set");
    assert_eq!(
        first["userPrincipalName"],
        "adele.vance@contoso.onmicrosoft.com"
    );
    assert_eq!(first["displayName"], "Adele Vance");
}

#[tokio::test]
async fn following_next_links_visits_every_user_exactly_once() {
    let graph = Graph::start(250).await;
    for start in [
        "/v1.0/users",
        "/v1.0/users?$top=7&$select=id,userPrincipalName",
    ] {
        let mut url = start.to_string();
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let answer = graph.get(&url).await;
            assert_eq!(
                answer.status,
                200,
                "{url}: {}",
                String::from_utf8_lossy(&answer.body)
            );
            let body = answer.json();
            seen.extend(
                body["value"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|u| u["id"].as_str().unwrap().to_string()),
            );
            pages += 1;
            match body["@odata.nextLink"].as_str() {
                Some(next) => {
                    if start.contains("$select") {
                        assert!(
                            next.contains("$select=id,userPrincipalName")
                                && next.contains("$top=7"),
                            "{next}"
                        );
                    }
                    url = next.to_string();
                }
                None => break,
            }
        }
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(seen.len(), 250, "{start}");
        assert_eq!(unique.len(), 250, "{start}: no user repeated");
        let all: HashSet<String> = graph
            .emulator
            .users()
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(unique.into_iter().cloned().collect::<HashSet<_>>(), all);
        assert_eq!(pages, if start.contains("top=7") { 36 } else { 3 });
    }
}

#[tokio::test]
async fn paging_stays_consistent_when_users_change_between_pages() {
    let graph = Graph::start(30).await;
    let first = graph.get("/v1.0/users?$top=10").await.json();
    let next = first["@odata.nextLink"].as_str().unwrap().to_string();
    // Delete a user on the next page and create one: the walk must not skip or repeat.
    let victim = graph.emulator.users()[15]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        graph
            .call(
                http::Method::DELETE,
                &format!("/v1.0/users/{victim}"),
                &[],
                None
            )
            .await
            .status,
        204
    );
    let mut ids: Vec<String> = first["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().into())
        .collect();
    let mut url = Some(next);
    while let Some(u) = url {
        let body = graph.get(&u).await.json();
        ids.extend(
            body["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["id"].as_str().unwrap().to_string()),
        );
        url = body["@odata.nextLink"].as_str().map(str::to_string);
    }
    assert_eq!(ids.len(), 29);
    assert!(!ids.contains(&victim));
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 29);
}

#[tokio::test]
async fn top_is_bounded_to_1_through_999() {
    let graph = Graph::start(20).await;
    let answer = graph.get("/v1.0/users?$top=5").await;
    assert_eq!(upns(&answer).len(), 5);
    assert!(answer.json()["@odata.nextLink"].is_string());
    let answer = graph.get("/v1.0/users?$top=999").await;
    assert_eq!(upns(&answer).len(), 20);
    assert!(
        answer.json().get("@odata.nextLink").is_none(),
        "no nextLink on the last page"
    );

    for bad in ["1000", "0", "-3"] {
        let answer = graph.get(&format!("/v1.0/users?$top={bad}")).await;
        assert_eq!(answer.status, 400, "$top={bad}");
        assert_eq!(answer.code(), "Request_UnsupportedQuery");
        assert!(
            answer.message().contains("Must be between 1 and 999"),
            "{}",
            answer.message()
        );
    }
    let answer = graph.get("/v1.0/users?$top=lots").await;
    assert_eq!((answer.status, answer.code().as_str()), (400, "BadRequest"));
}

#[tokio::test]
async fn select_picks_properties_and_writes_unset_ones_as_null() {
    let graph = Graph::start(5).await;
    let answer = graph.get("/v1.0/users?$select=id,displayName,employeeId,onPremisesExtensionAttributes,passwordProfile").await;
    assert_eq!(answer.status, 200);
    let body = answer.json();
    assert!(body["@odata.context"].as_str().unwrap().ends_with(
        "#users(id,displayName,employeeId,onPremisesExtensionAttributes,passwordProfile)"
    ));
    let adele = body["value"][0].as_object().unwrap();
    assert_eq!(adele.len(), 5);
    assert_eq!(adele["employeeId"], "100000");
    assert_eq!(
        adele["passwordProfile"],
        Value::Null,
        "passwords are never returned"
    );
    assert_eq!(
        adele["onPremisesExtensionAttributes"]
            .as_object()
            .unwrap()
            .len(),
        15
    );

    let answer = graph.get("/v1.0/users?$select=id,shoeSize").await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.message().contains("'shoeSize'"),
        "{}",
        answer.message()
    );

    let one = graph
        .get("/v1.0/users/adele.vance@contoso.onmicrosoft.com?$select=accountEnabled,city")
        .await
        .json();
    assert_eq!(one["accountEnabled"], true);
    assert!(one["city"].is_string());
    assert!(one.get("displayName").is_none());
}

async fn filtered(graph: &Graph, filter: &str) -> Vec<String> {
    let answer = graph.get(&filter_url(filter)).await;
    assert_eq!(
        answer.status,
        200,
        "{filter}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    upns(&answer)
}

#[tokio::test]
async fn default_filters_eq_startswith_in_and_or_not_parentheses() {
    let graph = Graph::start(120).await;
    let users = graph.emulator.users();
    let adele = "adele.vance@contoso.onmicrosoft.com";
    let lee = "lee.gu@contoso.onmicrosoft.com";

    assert_eq!(
        filtered(
            &graph,
            "userPrincipalName eq 'ADELE.VANCE@contoso.onmicrosoft.com'"
        )
        .await,
        vec![adele]
    );
    assert_eq!(
        filtered(&graph, "mail eq 'adele.vance@contoso.onmicrosoft.com'").await,
        vec![adele]
    );
    assert_eq!(
        filtered(&graph, "displayName eq 'adele vance'").await,
        vec![adele]
    );
    assert_eq!(
        filtered(
            &graph,
            &format!("id eq '{}'", users[4]["id"].as_str().unwrap())
        )
        .await,
        vec![lee]
    );
    assert_eq!(filtered(&graph, "employeeId eq '100004'").await, vec![lee]);
    assert_eq!(
        filtered(&graph, "mailNickname eq 'lee.gu'").await,
        vec![lee]
    );
    assert_eq!(
        filtered(&graph, "givenName eq 'Lee' and surname eq 'Gu'").await,
        vec![lee]
    );

    let disabled: Vec<String> = users
        .iter()
        .filter(|u| u["accountEnabled"] == false)
        .map(|u| u["userPrincipalName"].as_str().unwrap().to_string())
        .collect();
    assert!(disabled.contains(&lee.to_string()));
    assert_eq!(filtered(&graph, "accountEnabled eq false").await, disabled);

    let starts: Vec<String> = users
        .iter()
        .map(|u| u["userPrincipalName"].as_str().unwrap().to_string())
        .filter(|u| u.starts_with("a"))
        .collect();
    assert!(starts.len() > 1);
    assert_eq!(
        filtered(&graph, "startswith(userPrincipalName,'A')").await,
        starts
    );

    let engineering: Vec<String> = users
        .iter()
        .filter(|u| u["department"] == "Engineering" && u["jobTitle"] == "Software Engineer")
        .map(|u| u["userPrincipalName"].as_str().unwrap().to_string())
        .collect();
    assert!(!engineering.is_empty());
    assert_eq!(
        filtered(
            &graph,
            "department eq 'engineering' and jobTitle eq 'Software Engineer'"
        )
        .await,
        engineering
    );

    let either = filtered(
        &graph,
        "(givenName eq 'Adele' or givenName eq 'Lee') and (surname eq 'Vance' or surname eq 'Gu')",
    )
    .await;
    assert_eq!(either, vec![adele, lee]);
    assert_eq!(filtered(&graph, "userPrincipalName in ('lee.gu@contoso.onmicrosoft.com', 'adele.vance@contoso.onmicrosoft.com')").await, vec![adele, lee]);
    assert_eq!(
        filtered(&graph, "displayName eq 'O''Brien'").await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn advanced_queries_need_consistency_level_and_count() {
    let graph = Graph::start(60).await;
    let users = graph.emulator.users();
    for filter in [
        "displayName ne 'Adele Vance'",
        "endswith(mail,'@contoso.onmicrosoft.com')",
        "not(startswith(displayName,'A'))",
    ] {
        let url = filter_url(filter);
        let answer = graph.get(&url).await;
        assert_eq!(answer.status, 400, "{filter}");
        assert_eq!(answer.code(), "Request_UnsupportedQuery", "{filter}");

        // The header alone is not enough: $count=true is required too.
        let answer = graph.get_eventual(&url).await;
        assert_eq!(answer.status, 400, "{filter} with header only");

        // $count=true without the header is refused outright.
        let answer = graph.get(&format!("{url}&$count=true")).await;
        assert_eq!(answer.status, 400, "{filter} with $count only");
        assert_eq!(answer.message(), "$count is not currently supported.");

        let answer = graph
            .get_eventual(&format!("{url}&$count=true&$top=999"))
            .await;
        assert_eq!(
            answer.status,
            200,
            "{filter}: {}",
            String::from_utf8_lossy(&answer.body)
        );
        let body = answer.json();
        let expected = users
            .iter()
            .filter(|u| match filter {
                f if f.contains(" ne ") => u["displayName"] != "Adele Vance",
                f if f.starts_with("endswith") => u["mail"]
                    .as_str()
                    .unwrap()
                    .ends_with("@contoso.onmicrosoft.com"),
                _ => !u["displayName"].as_str().unwrap().starts_with('A'),
            })
            .count();
        assert!(expected > 0);
        assert_eq!(
            body["value"].as_array().unwrap().len(),
            expected,
            "{filter}"
        );
        assert_eq!(body["@odata.count"], expected, "{filter}");
    }
}

#[tokio::test]
async fn count_reports_the_total_across_pages() {
    let graph = Graph::start(150).await;
    let answer = graph.get_eventual("/v1.0/users?$count=true&$top=10").await;
    assert_eq!(answer.status, 200);
    let body = answer.json();
    assert_eq!(body["@odata.count"], 150);
    assert_eq!(body["value"].as_array().unwrap().len(), 10);
    assert!(
        body["@odata.nextLink"]
            .as_str()
            .unwrap()
            .contains("$count=true")
    );

    let answer = graph
        .get_eventual(&format!(
            "{}&$count=true",
            filter_url("accountEnabled eq false")
        ))
        .await;
    let disabled = graph
        .emulator
        .users()
        .iter()
        .filter(|u| u["accountEnabled"] == false)
        .count();
    assert_eq!(answer.json()["@odata.count"], disabled);

    let answer = graph.get_eventual("/v1.0/users/$count").await;
    assert_eq!(
        (
            answer.status,
            String::from_utf8_lossy(&answer.body).to_string()
        ),
        (200, "150".to_string())
    );
    assert_eq!(graph.get("/v1.0/users/$count").await.status, 400);
    assert!(
        graph
            .get("/v1.0/users")
            .await
            .json()
            .get("@odata.count")
            .is_none()
    );
}

#[tokio::test]
async fn bad_filters_are_400_naming_the_problem() {
    let graph = Graph::start(5).await;
    let answer = graph.get(&filter_url("shoeSize eq '42'")).await;
    assert_eq!((answer.status, answer.code().as_str()), (400, "BadRequest"));
    assert!(answer.message().contains("shoeSize"));

    let answer = graph
        .get(&filter_url("businessPhones/any(p:p eq '1')"))
        .await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (400, "Request_UnsupportedQuery")
    );
    assert!(answer.message().contains("businessPhones"));

    for broken in [
        "displayName eq 'open",
        "displayName eq",
        "(displayName eq 'a'",
        "accountEnabled eq 'yes'",
        "displayName ~ 'a'",
    ] {
        let answer = graph.get(&filter_url(broken)).await;
        assert_eq!(answer.status, 400, "{broken}");
        assert_eq!(answer.code(), "BadRequest", "{broken}");
        assert!(
            answer.message().starts_with("Invalid filter clause"),
            "{broken}: {}",
            answer.message()
        );
    }
}

#[tokio::test]
async fn orderby_display_name_pages_in_order() {
    let graph = Graph::start(40).await;
    let mut url = "/v1.0/users?$orderby=displayName&$top=15&$select=displayName,id".to_string();
    let mut names = Vec::new();
    loop {
        let body = graph.get(&url).await.json();
        names.extend(
            body["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["displayName"].as_str().unwrap().to_lowercase()),
        );
        match body["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    assert_eq!(names.len(), 40);
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");

    let answer = graph
        .get(&format!(
            "/v1.0/users?$orderby=displayName&$filter={}",
            enc("accountEnabled eq true")
        ))
        .await;
    assert_eq!(
        answer.status, 400,
        "sorting a filtered list is an advanced query"
    );
}

#[tokio::test]
async fn a_skiptoken_is_bound_to_its_query() {
    let graph = Graph::start(30).await;
    let next = graph.get("/v1.0/users?$top=5").await.json()["@odata.nextLink"]
        .as_str()
        .unwrap()
        .to_string();
    let token = next.split("$skiptoken=").nth(1).unwrap();
    let other = format!(
        "{}&$skiptoken={token}",
        filter_url("accountEnabled eq true")
    );
    assert_eq!(graph.get(&other).await.status, 400);
    assert_eq!(
        graph.get("/v1.0/users?$skiptoken=garbage").await.status,
        400
    );
}

#[tokio::test]
async fn same_seed_and_size_give_identical_tenants() {
    let a = Graph::start(200).await;
    let b = Graph::start(200).await;
    assert_eq!(a.emulator.users(), b.emulator.users());
    assert_eq!(a.emulator.user_count(), 200);
    let url =
        "/v1.0/users?$top=999&$select=id,userPrincipalName,manager&$expand=manager($select=id)";
    let (from_a, from_b) = (a.get(url).await.json(), b.get(url).await.json());
    assert_eq!(from_a["value"].as_array().unwrap().len(), 200);
    assert_eq!(from_a["value"], from_b["value"]);

    let c = Graph::start_with(graph_emulator::EmulatorConfig {
        users: 200,
        seed: 2,
        ..Default::default()
    })
    .await;
    assert_ne!(a.emulator.users(), c.emulator.users());
    assert_eq!(
        c.emulator.users()[0]["userPrincipalName"],
        "adele.vance@contoso.onmicrosoft.com"
    );
}
