//! The B2C table's "Password reset | POST /v1.0/users/EIDExtension/PasswordResetRequest", and
//! enabling and disabling accounts (seed 000: "enabling, disabling and resetting passwords").

mod common;

use common::Connector;
use serde_json::{Value, json};

const PATH: &str = "/v1.0/users/EIDExtension/PasswordResetRequest";

fn user_id(connector: &Connector, upn: &str) -> String {
    let users = connector.emulator.users();
    let user = users.iter().find(|u| u["userPrincipalName"] == json!(upn)).unwrap_or_else(|| panic!("no user {upn}"));
    user["id"].as_str().unwrap().to_string()
}

fn profile(connector: &Connector, user: &str) -> Value {
    connector.emulator.password_profile(user).expect("a password was set")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_given_password_is_set_and_never_echoed() {
    let connector = Connector::start().await;
    let id = user_id(&connector, "alex.wilber@contoso.onmicrosoft.com");
    let reply = connector.post_json(PATH, &json!({"id": id, "password": "Tr1cky-Horse-42", "forceChangePasswordNextSignIn": false})).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(!reply.text().contains("Tr1cky-Horse-42"), "the password is not echoed: {}", reply.text());
    let answer = reply.json();
    assert_eq!(answer["id"], json!(id));
    assert_eq!(answer["userName"], "alex.wilber@contoso.onmicrosoft.com");
    assert_eq!(answer["passwordGenerated"], false);
    assert_eq!(answer["forceChangePasswordNextSignIn"], false);
    assert_eq!(
        profile(&connector, &id),
        json!({"password": "Tr1cky-Horse-42", "forceChangePasswordNextSignIn": false, "forceChangePasswordNextSignInWithMfa": false})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_password_a_strong_one_is_generated_and_returned_once() {
    let connector = Connector::start().await;
    let upn = "megan.bowen@contoso.onmicrosoft.com";
    let mut seen = Vec::new();
    for _ in 0..2 {
        // By userName this time; force-change defaults to true, as in the Entra admin center.
        let reply = connector.post_json(PATH, &json!({"userName": upn})).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        assert_eq!(reply.header("cache-control"), Some("no-store"));
        let answer = reply.json();
        assert_eq!(answer["passwordGenerated"], true);
        assert_eq!(answer["forceChangePasswordNextSignIn"], true);
        let password = answer["password"].as_str().unwrap().to_string();
        assert!(password.chars().count() >= 16, "{password}");
        for class in [char::is_ascii_uppercase, char::is_ascii_lowercase, char::is_ascii_digit] {
            assert!(password.chars().any(|c| class(&c)), "{password}");
        }
        assert!(password.chars().any(|c| !c.is_ascii_alphanumeric()), "{password}");
        let stored = profile(&connector, upn);
        assert_eq!(stored["password"], json!(password), "what was answered is what was set");
        assert_eq!(stored["forceChangePasswordNextSignIn"], true);
        seen.push(password);
    }
    assert_ne!(seen[0], seen[1], "each reset draws a new password");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_and_unknown_users_get_clear_errors() {
    let connector = Connector::start().await;
    let id = user_id(&connector, "lee.gu@contoso.onmicrosoft.com");

    let error = connector.post_json(PATH, &json!({"password": "Tr1cky-Horse-42"})).await.assert_scim_error(400, Some("invalidValue"));
    assert!(error["detail"].as_str().unwrap().contains("id is required"), "{error}");

    let weak = connector.post_json(PATH, &json!({"id": id, "password": "password"})).await;
    let error = weak.assert_scim_error(400, Some("invalidValue"));
    assert!(error["detail"].as_str().unwrap().contains("complexity"), "Graph's reason reaches the caller: {error}");
    assert!(connector.emulator.password_profile(&id).is_none(), "nothing was set");

    connector.post_raw(PATH, b"{not json").await.assert_scim_error(400, Some("invalidSyntax"));

    let unknown = connector.post_json(PATH, &json!({"id": "00000000-0000-0000-0000-00000000abcd"})).await;
    unknown.assert_scim_error(404, None);
    let unknown = connector.post_json(PATH, &json!({"userName": "nobody@contoso.onmicrosoft.com"})).await;
    unknown.assert_scim_error(404, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn accounts_are_disabled_and_enabled_through_active() {
    let connector = Connector::start().await;
    let id = user_id(&connector, "diego.siciliani@contoso.onmicrosoft.com");
    let enabled = |connector: &Connector| {
        connector.emulator.users().iter().find(|u| u["id"] == json!(id)).unwrap()["accountEnabled"].clone()
    };
    assert_eq!(enabled(&connector), true);

    // The B2C table's Update User is a PUT of the whole user.
    let mut user = connector.get(&format!("/v1.0/users/{id}")).await.json();
    user["active"] = json!(false);
    let reply = connector.send_json("PUT", &format!("/v1.0/users/{id}"), &user).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["active"], false);
    assert_eq!(enabled(&connector), false);

    let reply = connector
        .send_json("PATCH", &format!("/scim/v2/Users/{id}"), &json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": "True"}]
        }))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["active"], true);
    assert_eq!(enabled(&connector), true);
}
