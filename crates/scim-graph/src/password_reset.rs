//! The B2C connector's "Password reset | POST /v1.0/users/EIDExtension/PasswordResetRequest":
//! the request it takes and the Graph update it becomes. The password never appears in a
//! `Debug` output or an error detail.

use std::fmt;

use scim::error::ScimError;
use serde_json::{Map, Value, json};

use crate::json::member_named;

/// Entra ID accepts passwords of at most 256 characters.
const MAX_PASSWORD_CHARS: usize = 256;

/// The names a caller may give the user by; exactly one is expected.
const USER_KEYS: &[&str] = &["id", "userId", "userName", "userPrincipalName"];

/// What a caller asks: whose password, the new one (or `None` to have one generated), and
/// whether the user must change it at the next sign-in (by default yes, as an administrator's
/// reset in the Entra admin center does).
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordReset {
    /// An object id, or a userName / userPrincipalName.
    pub user: String,
    pub password: Option<String>,
    pub force_change_next_sign_in: bool,
    /// Graph's `forceChangePasswordNextSignInWithMfa`: sign in with MFA before changing it.
    pub force_change_with_mfa: bool,
}

impl PasswordReset {
    /// Parses the JSON body, with member names compared ignoring case:
    /// `{"id": "...", "password": "...", "forceChangePasswordNextSignIn": true}`.
    pub fn from_body(body: &[u8]) -> Result<PasswordReset, ScimError> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| ScimError::invalid_syntax(format!("the body is not JSON: {e}")))?;
        let Value::Object(members) = value else {
            return Err(ScimError::invalid_syntax("the body must be a JSON object"));
        };
        let given: Vec<(&str, &Value)> = USER_KEYS.iter().filter_map(|key| member_named(&members, key).map(|v| (*key, v))).collect();
        let user = match given.as_slice() {
            [(_, Value::String(user))] if !user.trim().is_empty() => user.trim().to_string(),
            [] => return Err(ScimError::invalid_value("id is required: the user's object id or userName")),
            [(key, _)] => return Err(ScimError::invalid_value(format!("{key} must be a non-empty string"))),
            _ => {
                return Err(ScimError::invalid_value(format!(
                    "name the user once, by one of {}",
                    USER_KEYS.join(", ")
                )));
            }
        };
        let password = match member_named(&members, "password") {
            None | Some(Value::Null) => None,
            Some(Value::String(p)) if p.is_empty() => {
                return Err(ScimError::invalid_value("password is empty; leave it out to have one generated"));
            }
            Some(Value::String(p)) if p.chars().count() > MAX_PASSWORD_CHARS => {
                return Err(ScimError::invalid_value(format!(
                    "password is longer than the {MAX_PASSWORD_CHARS} characters Entra ID accepts"
                )));
            }
            Some(Value::String(p)) => Some(p.clone()),
            Some(_) => return Err(ScimError::invalid_value("password must be a string")),
        };
        Ok(PasswordReset {
            user,
            password,
            force_change_next_sign_in: flag(&members, "forceChangePasswordNextSignIn", true)?,
            force_change_with_mfa: flag(&members, "forceChangePasswordNextSignInWithMfa", false)?,
        })
    }

    /// The same in an Azure AD B2C tenant, where Graph wants `forceChangePasswordNextSignIn`
    /// false (a user flow or custom policy forces a change there): it defaults to false, and
    /// `true` is 400 invalidValue saying so.
    pub fn from_body_in_b2c(body: &[u8]) -> Result<PasswordReset, ScimError> {
        let value: Value = serde_json::from_slice(body).unwrap_or_default();
        let said = value.as_object().and_then(|members| member_named(members, "forceChangePasswordNextSignIn")).cloned();
        let mut reset = PasswordReset::from_body(body)?;
        if said.is_some_and(|v| v == Value::Bool(true)) {
            return Err(ScimError::invalid_value(
                "forceChangePasswordNextSignIn must be false in an Azure AD B2C tenant: force a password change with a user flow or custom policy",
            ));
        }
        reset.force_change_next_sign_in = false;
        Ok(reset)
    }

    /// The Graph `PATCH /users/{id}` body setting `password`.
    pub fn graph_update(&self, password: &str) -> Value {
        json!({
            "passwordProfile": {
                "password": password,
                "forceChangePasswordNextSignIn": self.force_change_next_sign_in,
                "forceChangePasswordNextSignInWithMfa": self.force_change_with_mfa,
            }
        })
    }
}

impl fmt::Debug for PasswordReset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordReset")
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("force_change_next_sign_in", &self.force_change_next_sign_in)
            .field("force_change_with_mfa", &self.force_change_with_mfa)
            .finish()
    }
}

/// A boolean, or "true"/"false" as string-typed callers send; `default` when absent.
fn flag(members: &Map<String, Value>, name: &str, default: bool) -> Result<bool, ScimError> {
    match member_named(members, name) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("true") => Ok(true),
        Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err(ScimError::invalid_value(format!("{name} must be a boolean"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim::error::ScimType;

    fn parse(body: Value) -> Result<PasswordReset, ScimError> {
        PasswordReset::from_body(body.to_string().as_bytes())
    }

    #[test]
    fn defaults_force_a_change_and_generate_the_password() {
        let reset = parse(json!({"id": "u1"})).unwrap();
        assert_eq!(reset, PasswordReset { user: "u1".into(), password: None, force_change_next_sign_in: true, force_change_with_mfa: false });
        let reset = parse(json!({"USERNAME": " adele@contoso.com ", "Password": "S3cret!pass", "forceChangePasswordNextSignIn": "False"})).unwrap();
        assert_eq!(reset.user, "adele@contoso.com");
        assert_eq!(reset.password.as_deref(), Some("S3cret!pass"));
        assert!(!reset.force_change_next_sign_in);
        assert_eq!(
            reset.graph_update("S3cret!pass"),
            json!({"passwordProfile": {"password": "S3cret!pass", "forceChangePasswordNextSignIn": false, "forceChangePasswordNextSignInWithMfa": false}})
        );
    }

    #[test]
    fn bad_requests_name_the_problem_and_never_the_password() {
        let long = "x".repeat(257);
        for (body, says) in [
            (json!({}), "id is required"),
            (json!({"id": ""}), "id must be a non-empty string"),
            (json!({"id": 5}), "id must be"),
            (json!({"id": "a", "userName": "b"}), "name the user once"),
            (json!({"id": "a", "password": ""}), "password is empty"),
            (json!({"id": "a", "password": 12345678}), "password must be a string"),
            (json!({"id": "a", "password": long}), "longer than the 256"),
            (json!({"id": "a", "forceChangePasswordNextSignIn": "maybe"}), "must be a boolean"),
        ] {
            let error = parse(body.clone()).unwrap_err();
            assert_eq!((error.status, error.scim_type), (400, Some(ScimType::InvalidValue)), "{body}");
            assert!(error.detail.contains(says), "{body}: {}", error.detail);
            assert!(!error.detail.contains("xxxxxxxx"), "{}", error.detail);
        }
        let error = PasswordReset::from_body(b"[1]").unwrap_err();
        assert_eq!(error.scim_type, Some(ScimType::InvalidSyntax));
    }

    #[test]
    fn debug_output_redacts_the_password() {
        let reset = parse(json!({"id": "u1", "password": "Hunter2-Hunter2"})).unwrap();
        let shown = format!("{reset:?}");
        assert!(!shown.contains("Hunter2") && shown.contains("<redacted>"), "{shown}");
    }

    #[test]
    fn in_b2c_a_reset_never_forces_a_change_at_next_sign_in() {
        let reset = PasswordReset::from_body_in_b2c(br#"{"id": "u1"}"#).unwrap();
        assert!(!reset.force_change_next_sign_in);
        assert_eq!(reset.graph_update("x")["passwordProfile"]["forceChangePasswordNextSignIn"], false);
        let refused = PasswordReset::from_body_in_b2c(br#"{"id": "u1", "ForceChangePasswordNextSignIn": true}"#).unwrap_err();
        assert_eq!(refused.scim_type, Some(ScimType::InvalidValue));
        assert!(PasswordReset::from_body_in_b2c(br#"{"id": "u1", "forceChangePasswordNextSignIn": false}"#).is_ok());
    }
}
