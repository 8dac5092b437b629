//! Creating, reading, updating and deleting users, and the manager relationship, over real
//! HTTP.

mod common;

use common::Graph;
use http::Method;
use serde_json::{Value, json};

fn new_user(upn: &str) -> String {
    json!({
        "accountEnabled": true,
        "displayName": "Nina Test",
        "mailNickname": "nina.test",
        "userPrincipalName": upn,
        "givenName": "Nina",
        "department": "QA",
        "onPremisesExtensionAttributes": { "extensionAttribute5": "five" },
        "passwordProfile": { "forceChangePasswordNextSignIn": true, "password": "xWwvJ]6NMw+bWH-d" }
    })
    .to_string()
}

#[tokio::test]
async fn create_get_patch_delete_round_trip() {
    let graph = Graph::start(3).await;
    let answer = graph
        .call(
            Method::POST,
            "/v1.0/users",
            &[],
            Some(&new_user("nina@contoso.onmicrosoft.com")),
        )
        .await;
    assert_eq!(
        answer.status,
        201,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let created = answer.json();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 36);
    assert_eq!(created["userPrincipalName"], "nina@contoso.onmicrosoft.com");
    assert!(
        created["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/v1.0/$metadata#users/$entity")
    );
    assert!(answer.header("location").unwrap().contains(&id));
    assert!(
        !String::from_utf8_lossy(&answer.body).contains("xWwvJ"),
        "password never returned"
    );
    assert_eq!(graph.emulator.user_count(), 4);

    let by_upn = graph.get("/v1.0/users/NINA@contoso.onmicrosoft.com?$select=id,department,onPremisesExtensionAttributes,userType").await;
    assert_eq!(by_upn.status, 200);
    let body = by_upn.json();
    assert_eq!(body["id"], id.as_str());
    assert_eq!(body["department"], "QA");
    assert_eq!(body["userType"], "Member");
    assert_eq!(
        body["onPremisesExtensionAttributes"]["extensionAttribute5"],
        "five"
    );

    let patch = json!({ "jobTitle": "Lead Tester", "accountEnabled": false, "onPremisesExtensionAttributes": { "extensionAttribute6": "six" } });
    let answer = graph
        .call(
            Method::PATCH,
            &format!("/v1.0/users/{id}"),
            &[],
            Some(&patch.to_string()),
        )
        .await;
    assert_eq!(answer.status, 204);
    assert!(answer.body.is_empty());
    let body = graph
        .get(&format!(
            "/v1.0/users/{id}?$select=jobTitle,accountEnabled,onPremisesExtensionAttributes"
        ))
        .await
        .json();
    assert_eq!(body["jobTitle"], "Lead Tester");
    assert_eq!(body["accountEnabled"], false);
    assert_eq!(
        body["onPremisesExtensionAttributes"]["extensionAttribute5"], "five",
        "complex properties merge"
    );
    assert_eq!(
        body["onPremisesExtensionAttributes"]["extensionAttribute6"],
        "six"
    );

    let stored = graph
        .emulator
        .users()
        .into_iter()
        .find(|u| u["id"] == id.as_str())
        .unwrap();
    assert_eq!(stored["jobTitle"], "Lead Tester");
    assert!(stored.get("passwordProfile").is_none());

    assert_eq!(
        graph
            .call(Method::DELETE, &format!("/v1.0/users/{id}"), &[], None)
            .await
            .status,
        204
    );
    let gone = graph.get(&format!("/v1.0/users/{id}")).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.code(), "Request_ResourceNotFound");
    assert_eq!(
        gone.message(),
        format!(
            "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
        )
    );
    assert_eq!(
        graph
            .call(Method::DELETE, &format!("/v1.0/users/{id}"), &[], None)
            .await
            .status,
        404
    );
    assert_eq!(
        graph
            .call(Method::PATCH, &format!("/v1.0/users/{id}"), &[], Some("{}"))
            .await
            .status,
        404
    );
    assert_eq!(graph.emulator.user_count(), 3);
}

#[tokio::test]
async fn duplicate_user_principal_name_is_rejected_case_insensitively() {
    let graph = Graph::start(3).await;
    let answer = graph
        .call(
            Method::POST,
            "/v1.0/users",
            &[],
            Some(&new_user("ADELE.VANCE@contoso.onmicrosoft.com")),
        )
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.code(), "Request_BadRequest");
    assert_eq!(
        answer.message(),
        "Another object with the same value for property userPrincipalName already exists."
    );
    assert_eq!(
        answer.json()["error"]["details"][0]["code"],
        "ObjectConflict"
    );
    assert_eq!(graph.emulator.user_count(), 3);

    // Renaming onto an existing UPN is refused the same way.
    let alex = graph.emulator.users()[1]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let rename = json!({ "userPrincipalName": "adele.vance@CONTOSO.onmicrosoft.com" }).to_string();
    let answer = graph
        .call(
            Method::PATCH,
            &format!("/v1.0/users/{alex}"),
            &[],
            Some(&rename),
        )
        .await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (400, "Request_BadRequest")
    );
}

#[tokio::test]
async fn missing_or_invalid_properties_are_400_naming_them() {
    let graph = Graph::start(1).await;
    for missing in [
        "accountEnabled",
        "displayName",
        "mailNickname",
        "userPrincipalName",
        "passwordProfile",
    ] {
        let mut body: Value = serde_json::from_str(&new_user("x@contoso.onmicrosoft.com")).unwrap();
        body.as_object_mut().unwrap().remove(missing);
        let answer = graph
            .call(Method::POST, "/v1.0/users", &[], Some(&body.to_string()))
            .await;
        assert_eq!(answer.status, 400, "{missing}");
        assert_eq!(answer.code(), "Request_BadRequest", "{missing}");
        assert!(
            answer.message().contains(missing),
            "{missing}: {}",
            answer.message()
        );
    }
    let answer = graph
        .call(Method::POST, "/v1.0/users", &[], Some("{not json"))
        .await;
    assert_eq!(answer.status, 400);
    let weak = new_user("x@contoso.onmicrosoft.com").replace("xWwvJ]6NMw+bWH-d", "abc");
    let answer = graph
        .call(Method::POST, "/v1.0/users", &[], Some(&weak))
        .await;
    assert!(
        answer.message().contains("password complexity"),
        "{}",
        answer.message()
    );
    assert_eq!(graph.emulator.user_count(), 1);
}

#[tokio::test]
async fn manager_reference_and_expand() {
    let graph = Graph::start(6).await;
    let users = graph.emulator.users();
    let id = |i: usize| users[i]["id"].as_str().unwrap().to_string();
    let (adele, megan, lee) = (id(0), id(3), id(4));

    // Adele heads the tenant: no manager.
    let answer = graph.get(&format!("/v1.0/users/{adele}/manager")).await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (404, "Request_ResourceNotFound")
    );

    let answer = graph
        .get("/v1.0/users/lee.gu@contoso.onmicrosoft.com/manager")
        .await;
    assert_eq!(answer.status, 200);
    let manager = answer.json();
    assert_eq!(manager["@odata.type"], "#microsoft.graph.user");
    assert_eq!(
        manager["userPrincipalName"],
        "diego.siciliani@contoso.onmicrosoft.com"
    );

    let reference =
        json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/users/{megan}") })
            .to_string();
    let answer = graph
        .call(
            Method::PUT,
            &format!("/v1.0/users/{lee}/manager/$ref"),
            &[],
            Some(&reference),
        )
        .await;
    assert_eq!(
        answer.status,
        204,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(graph.emulator.manager_of(&lee), Some(megan.clone()));

    let body = graph
        .get(&format!(
            "/v1.0/users/{lee}?$expand=manager($select=id,displayName)"
        ))
        .await
        .json();
    assert_eq!(
        body["manager"],
        json!({ "@odata.type": "#microsoft.graph.user", "id": megan, "displayName": "Megan Bowen" })
    );
    assert_eq!(
        body["displayName"], "Lee Gu",
        "the user's own default properties stay"
    );

    let list = graph
        .get("/v1.0/users?$select=id&$expand=manager")
        .await
        .json();
    let value = list["value"].as_array().unwrap();
    assert!(
        value[0].get("manager").is_none(),
        "no manager key when there is none"
    );
    assert_eq!(value[4]["manager"]["id"], megan.as_str());
    assert_eq!(
        value[4]["manager"]["jobTitle"], "Marketing Manager",
        "expanded without $select: full manager"
    );

    // Any host is accepted in the reference; unknown managers are 404.
    let other_host =
        json!({ "@odata.id": format!("http://localhost:1/v1.0/directoryObjects/{adele}") })
            .to_string();
    assert_eq!(
        graph
            .call(
                Method::PUT,
                &format!("/v1.0/users/{lee}/manager/$ref"),
                &[],
                Some(&other_host)
            )
            .await
            .status,
        204
    );
    assert_eq!(graph.emulator.manager_of(&lee), Some(adele.clone()));
    let nobody = json!({ "@odata.id": "https://graph.microsoft.com/v1.0/users/00000000-0000-4000-8000-000000000000" }).to_string();
    assert_eq!(
        graph
            .call(
                Method::PUT,
                &format!("/v1.0/users/{lee}/manager/$ref"),
                &[],
                Some(&nobody)
            )
            .await
            .status,
        404
    );

    assert_eq!(
        graph
            .call(
                Method::DELETE,
                &format!("/v1.0/users/{lee}/manager/$ref"),
                &[],
                None
            )
            .await
            .status,
        204
    );
    assert_eq!(graph.emulator.manager_of(&lee), None);
    assert_eq!(
        graph
            .get(&format!("/v1.0/users/{lee}/manager"))
            .await
            .status,
        404
    );
    let body = graph
        .get(&format!("/v1.0/users/{lee}?$expand=manager"))
        .await
        .json();
    assert!(body.get("manager").is_none());
}

#[tokio::test]
async fn unknown_segments_and_methods_get_graph_errors() {
    let graph = Graph::start(2).await;
    let answer = graph.get("/v1.0/widgets").await;
    assert_eq!((answer.status, answer.code().as_str()), (400, "BadRequest"));
    assert!(answer.message().contains("'widgets'"));
    let answer = graph
        .get("/v1.0/users/adele.vance@contoso.onmicrosoft.com/gadgets")
        .await;
    assert_eq!(answer.status, 400);
    assert!(answer.message().contains("'gadgets'"));
    let answer = graph.call(Method::DELETE, "/v1.0/users", &[], None).await;
    assert_eq!(answer.status, 405);
    let answer = graph
        .call(
            Method::POST,
            "/v1.0/users/adele.vance@contoso.onmicrosoft.com",
            &[],
            Some("{}"),
        )
        .await;
    assert_eq!(answer.status, 405);
    let answer = graph.get("/v2.0/users").await;
    assert_eq!(answer.status, 400);
    assert!(answer.message().contains("Invalid version"));
}
