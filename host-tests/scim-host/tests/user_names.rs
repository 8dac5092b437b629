//! The `upn_domain` setting: SCIM callers that know users by bare names (HR systems, test
//! suites) send `jdoe`; Entra stores `jdoe@<domain>`; users of that domain read back bare and
//! users of other domains keep their full userPrincipalName. Without it, names pass unchanged.

mod common;

use common::{Connector, encode};
use graph_emulator::EmulatorConfig;
use scim_host::Limits;
use serde_json::json;

const DOMAIN: &str = "contoso.onmicrosoft.com";

async fn with_default_domain() -> Connector {
    Connector::start_configured(EmulatorConfig::default(), Limits::default(), &[("upn_domain", DOMAIN)]).await
}

fn graph_upn(connector: &Connector, id: &str) -> String {
    let users = connector.emulator.users();
    let user = users.iter().find(|u| u["id"] == json!(id)).expect("the user is in the tenant");
    user["userPrincipalName"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn bare_names_are_users_of_the_default_domain_through_every_operation() {
    let connector = with_default_domain().await;
    let created = connector
        .post_json("/scim/v2/Users", &json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "jdoe", "displayName": "J Doe" }))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let created = created.json();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["userName"], "jdoe");
    assert_eq!(graph_upn(&connector, &id), format!("jdoe@{DOMAIN}"));

    let read = connector.get(&format!("/scim/v2/Users/{id}")).await.json();
    assert_eq!(read["userName"], "jdoe");
    for filter in [r#"userName eq "jdoe""#, r#"userName eq "jdoe@contoso.onmicrosoft.com""#, r#"userName ew "doe" and displayName eq "J Doe""#] {
        let list = connector.get(&format!("/scim/v2/Users?filter={}", encode(filter))).await.json();
        assert_eq!(list["totalResults"], json!(1), "{filter}: {list}");
        assert_eq!(list["Resources"][0]["id"], json!(id), "{filter}");
    }

    let patch = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{ "op": "replace", "path": "userName", "value": "jane.doe" }] });
    let patched = connector.send_json("PATCH", &format!("/scim/v2/Users/{id}"), &patch).await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    assert_eq!(patched.json()["userName"], "jane.doe");
    assert_eq!(graph_upn(&connector, &id), format!("jane.doe@{DOMAIN}"));

    let mut replacement = read.clone();
    replacement["userName"] = json!("jane@fabrikam.example");
    let replaced = connector.send_json("PUT", &format!("/scim/v2/Users/{id}"), &replacement).await;
    assert_eq!(replaced.status, 200, "{}", replaced.text());
    assert_eq!(replaced.json()["userName"], "jane@fabrikam.example", "other domains keep the full name");
    assert_eq!(graph_upn(&connector, &id), "jane@fabrikam.example");

    // The demo tenant's own users read back bare.
    let adele = connector.get(&format!("/scim/v2/Users?filter={}", encode(r#"userName eq "adele.vance""#))).await.json();
    assert_eq!(adele["Resources"][0]["userName"], "adele.vance");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_setting_user_names_are_full_user_principal_names() {
    let connector = Connector::start().await;
    let refused = connector.post_json("/scim/v2/Users", &json!({ "userName": "jdoe" })).await.assert_scim_error(400, Some("invalidValue"));
    assert!(refused["detail"].as_str().unwrap().contains("name@domain"), "{refused}");
    let adele = connector.get(&format!("/scim/v2/Users?filter={}", encode(r#"userName eq "adele.vance@contoso.onmicrosoft.com""#))).await.json();
    assert_eq!(adele["Resources"][0]["userName"], "adele.vance@contoso.onmicrosoft.com");
}
