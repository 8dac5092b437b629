//! Password reset: the B2C connector's `POST /v1.0/users/EIDExtension/PasswordResetRequest`.
//! Sets the password a caller gives, or generates a strong one, with force-change at the next
//! sign-in by default. A generated password is answered once, with `Cache-Control: no-store`,
//! since the caller must hand it to the user; a given one is never echoed.

use guest::{Call, Connection, Operation, Reply};
use scim::error::ScimError;
use scim_graph::PasswordReset;
use serde_json::json;
use spin_sdk::http::{IntoResponse, Request};

pub const OPERATION: Operation = Operation {
    name: "users-password-reset",
    summary: "Set or generate a new password for a user, with force-change at next sign-in.",
    routes: &[("POST", "/v1.0/users/EIDExtension/PasswordResetRequest")],
    // Reads the user to name it in the answer; writes only its password profile.
    graph_permissions: &["User.Read.All", "User-PasswordProfile.ReadWrite.All"],
    graph_permissions_on_request: &[],
};

guest::export_operation!(OPERATION);

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    OPERATION.serve(request, reset_password).await
}

async fn reset_password(call: Call) -> Result<Reply, ScimError> {
    let connection = Connection::open().await?;
    let reset = match connection.user_names().b2c_issuer() {
        Some(_) => PasswordReset::from_body_in_b2c(&call.body)?,
        None => PasswordReset::from_body(&call.body)?,
    };
    let graph = connection.graph();
    let names = connection.user_names();
    let user = match names.sign_in_filter(&reset.user) {
        // A B2C local account is named by its sign-in name: its identities find it.
        Some(filter) => {
            let query = graph::UserQuery { filter: Some(filter), top: Some(1), ..graph::UserQuery::default() };
            let page = graph.list_users(&query).await.map_err(|e| scim_graph::scim_error(&e))?;
            page.value.into_iter().next().ok_or_else(|| ScimError::not_found(format!("no user signs in as {}", reset.user)))?
        }
        None => graph.get_user(&names.upn_or_id(&reset.user)).await.map_err(|e| scim_graph::scim_error(&e))?,
    };
    let id = user.id.clone().unwrap_or_default();
    let generated = reset.password.is_none().then(guest::generate_password);
    let password = reset.password.as_deref().or(generated.as_deref()).unwrap_or_default();
    graph.update_user(&id, &reset.graph_update(password)).await.map_err(|e| scim_graph::scim_error(&e))?;

    let mut answer = json!({
        "id": id,
        "userName": names.scim_user(&user, &call.location_base).user_name,
        "forceChangePasswordNextSignIn": reset.force_change_next_sign_in,
        "forceChangePasswordNextSignInWithMfa": reset.force_change_with_mfa,
        "passwordGenerated": generated.is_some(),
    });
    if let Some(generated) = generated {
        answer["password"] = json!(generated);
    }
    Ok(Reply::confidential(answer))
}
