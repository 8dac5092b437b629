//! A user's mailbox settings over real HTTP: the demo users' automatic replies, users without a
//! mailbox, and the lifecycle dates the demo users carry.

mod common;

use common::Graph;
use http::Method;
use serde_json::{Value, json};

const ADELE: &str = "adele.vance@contoso.onmicrosoft.com";

#[tokio::test]
async fn the_well_known_users_have_scheduled_always_on_and_no_automatic_replies() {
    let graph = Graph::start(5).await;
    let adele = graph.get(&format!("/v1.0/users/{ADELE}/mailboxSettings")).await;
    assert_eq!(adele.status, 200, "{}", String::from_utf8_lossy(&adele.body));
    let id = graph.emulator.users()[0]["id"].as_str().unwrap().to_string();
    let settings = adele.json();
    assert_eq!(
        settings["@odata.context"],
        format!("{}/v1.0/$metadata#users('{id}')/mailboxSettings", graph.emulator.base_url())
    );
    let replies = &settings["automaticRepliesSetting"];
    assert_eq!(replies["status"], "scheduled");
    assert_eq!(replies["externalAudience"], "contactsOnly");
    assert_eq!(
        replies["scheduledStartDateTime"],
        json!({"dateTime": "2026-07-02T07:00:00.0000000", "timeZone": "UTC"})
    );
    assert_eq!(
        replies["scheduledEndDateTime"],
        json!({"dateTime": "2026-07-16T07:00:00.0000000", "timeZone": "UTC"})
    );
    assert!(replies["internalReplyMessage"].as_str().unwrap().contains("Adele is out of the office until 2026-07-16"));
    assert!(replies["externalReplyMessage"].as_str().unwrap().contains("away until 2026-07-16"));
    assert_eq!((&settings["timeZone"], &settings["language"]), (&json!("UTC"), &json!({"locale": "en-US"})));
    // By id as by userPrincipalName, and the same on every read.
    assert_eq!(graph.get(&format!("/v1.0/users/{id}/mailboxSettings")).await.json(), settings);

    let megan = graph.get("/v1.0/users/megan.bowen@contoso.onmicrosoft.com/mailboxSettings").await.json();
    assert_eq!(megan["automaticRepliesSetting"]["status"], "alwaysEnabled");
    assert_eq!(megan["automaticRepliesSetting"]["externalAudience"], "all");
    let alex = graph.get("/v1.0/users/alex.wilber@contoso.onmicrosoft.com/mailboxSettings").await.json();
    let off = &alex["automaticRepliesSetting"];
    assert_eq!((&off["status"], &off["internalReplyMessage"], &off["externalReplyMessage"]), (&json!("disabled"), &json!(""), &json!("")));
    assert!(off["scheduledStartDateTime"]["dateTime"].is_string(), "Graph keeps a schedule: {off}");
}

#[tokio::test]
async fn the_automatic_replies_setting_alone() {
    let graph = Graph::start(1).await;
    let answer = graph.get(&format!("/v1.0/users/{ADELE}/mailboxSettings/automaticRepliesSetting")).await;
    assert_eq!(answer.status, 200);
    let replies = answer.json();
    assert!(replies["@odata.context"].as_str().unwrap().ends_with("/mailboxSettings/automaticRepliesSetting"));
    assert_eq!(replies["status"], "scheduled");
    assert!(replies.get("timeZone").is_none(), "{replies}");
}

#[tokio::test]
async fn users_without_a_mailbox_unknown_users_and_other_requests_are_refused_as_graph_does() {
    let graph = Graph::start(2).await;
    let created = graph
        .call(
            Method::POST,
            "/v1.0/users",
            &[],
            Some(&json!({
                "accountEnabled": true, "displayName": "No Licence", "mailNickname": "nolicence",
                "userPrincipalName": "nolicence@contoso.onmicrosoft.com",
                "passwordProfile": {"password": "xWwvJ]6NMw+bWH-d"}
            }).to_string()),
        )
        .await;
    assert_eq!(created.status, 201, "{}", String::from_utf8_lossy(&created.body));
    let unlicensed = graph.get("/v1.0/users/nolicence@contoso.onmicrosoft.com/mailboxSettings").await;
    assert_eq!((unlicensed.status, unlicensed.code().as_str()), (404, "MailboxNotEnabledForRESTAPI"));

    let unknown = graph.get("/v1.0/users/nobody@contoso.onmicrosoft.com/mailboxSettings").await;
    assert_eq!((unknown.status, unknown.code().as_str()), (404, "Request_ResourceNotFound"));
    let patch = graph
        .call(Method::PATCH, &format!("/v1.0/users/{ADELE}/mailboxSettings"), &[], Some("{}"))
        .await;
    assert_eq!(patch.status, 405);
    let segment = graph.get(&format!("/v1.0/users/{ADELE}/mailboxSettings/nope")).await;
    assert_eq!((segment.status, segment.message()), (400, "Resource not found for the segment 'nope'.".to_string()));
    let guest = graph
        .call(Method::PATCH, &format!("/v1.0/users/{ADELE}"), &[], Some(r#"{"userType": "Guest"}"#))
        .await;
    assert_eq!(guest.status, 204);
    assert_eq!(graph.get(&format!("/v1.0/users/{ADELE}/mailboxSettings")).await.code(), "MailboxNotEnabledForRESTAPI");
    assert!(graph.emulator.request_count() >= 7);
}

#[tokio::test]
async fn demo_users_carry_their_leave_dates_for_a_select_to_return() {
    let graph = Graph::start(200).await;
    let answer = graph
        .get("/v1.0/users?$select=userPrincipalName,accountEnabled,employeeType,employeeLeaveDateTime&$top=999")
        .await;
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
    let users = answer.json()["value"].as_array().unwrap().clone();
    let leaving: Vec<&Value> = users.iter().filter(|u| u["employeeLeaveDateTime"].is_string()).collect();
    let lee = users.iter().find(|u| u["userPrincipalName"] == "lee.gu@contoso.onmicrosoft.com").unwrap();
    assert!(lee["employeeLeaveDateTime"].as_str().unwrap().ends_with("T17:00:00Z"), "{lee}");
    assert!(leaving.iter().all(|u| u["accountEnabled"] == false || u["employeeType"] != "Employee"));
    assert!((10..150).contains(&leaving.len()), "{} leaving", leaving.len());
    // An advanced query filters on it, as Graph allows.
    let before = graph
        .get_eventual("/v1.0/users?$count=true&$filter=employeeLeaveDateTime%20le%202100-01-01T00:00:00Z&$select=id&$top=999")
        .await;
    assert_eq!(before.status, 200, "{}", String::from_utf8_lossy(&before.body));
    assert_eq!(before.json()["value"].as_array().unwrap().len(), leaving.len());
}
