//! The managed identity endpoints an Azure host offers its code: App Service's
//! (`GET /msi/token`, api-version 2019-08-01, header `X-IDENTITY-HEADER`) and an Azure VM's
//! Instance Metadata Service (`GET /metadata/identity/oauth2/token`, api-version 2018-02-01,
//! header `Metadata: true`). The identity is the emulator's one app: tokens are issued for
//! [`EmulatorConfig::client_id`], with or without `client_id` (a user-assigned identity's).

use http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::EmulatorConfig;
use crate::clock;
use crate::login::{TOKEN_LIFETIME, TokenStore};

/// Which host's endpoint answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    AppService,
    VirtualMachine,
}

/// The token JSON each host sends, or its error status and body.
pub fn token(
    host: Host,
    config: &EmulatorConfig,
    store: &TokenStore,
    query: &[(String, String)],
    headers: &HeaderMap,
) -> Result<Value, (StatusCode, Value)> {
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let refuse = |status: StatusCode, error: &str, description: String| {
        Err((
            status,
            json!({ "error": error, "error_description": description }),
        ))
    };
    let api_version = match host {
        Host::AppService => "2019-08-01",
        Host::VirtualMachine => "2018-02-01",
    };
    match host {
        Host::AppService
            if header("x-identity-header") != Some(config.identity_header.as_str()) =>
        {
            return refuse(
                StatusCode::UNAUTHORIZED,
                "invalid_request",
                "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.".into(),
            );
        }
        Host::VirtualMachine if header("metadata") != Some("true") => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Required metadata header not specified".into(),
            );
        }
        _ => {}
    }
    if param("api-version") != Some(api_version) {
        return refuse(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("Unsupported or missing api-version; this endpoint speaks {api_version}."),
        );
    }
    let Some(resource) = param("resource") else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Required audience parameter not specified".into(),
        );
    };
    if param("client_id").is_some_and(|id| !id.eq_ignore_ascii_case(&config.client_id)) {
        return refuse(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Identity not found".into(),
        );
    }
    let access_token = store.issue(config, resource.trim_end_matches('/'));
    let now = clock::unix_now();
    let lifetime = TOKEN_LIFETIME.as_secs();
    let expires_on = (now + lifetime).to_string();
    Ok(match host {
        // App Service answers Unix seconds as strings and no expires_in.
        Host::AppService => json!({
            "access_token": access_token,
            "expires_on": expires_on,
            "resource": resource,
            "token_type": "Bearer",
            "client_id": config.client_id,
        }),
        Host::VirtualMachine => json!({
            "access_token": access_token,
            "refresh_token": "",
            "expires_in": lifetime.to_string(),
            "expires_on": expires_on,
            "not_before": now.to_string(),
            "resource": resource,
            "token_type": "Bearer",
        }),
    })
}
