//! Azure AD B2C tenant mode: what Graph does differently when the directory is a B2C tenant.
//! Advanced and delta queries are refused, users are consumer accounts that sign in with
//! their `identities`, and custom attributes are directory extensions of the tenant's
//! b2c-extensions-app. The tenant's rules and the request router call in here; the demo
//! tenant's B2C look lives in `demo`.

use http::HeaderMap;
use serde_json::{Map, Value, json};

use crate::delta;
use crate::error::GraphError;
use crate::odata::{Filter, Operand, Query, Selection};
use crate::wire::eventual;

/// The appId (without dashes) of the demo tenant's b2c-extensions-app.
pub const DEMO_B2C_EXTENSIONS_APP_ID: &str = "b2c0e7f1a2c34d5e9f6a7b8c9d0e1f2a";

/// An Azure AD B2C tenant (see [`crate::EmulatorConfig::b2c`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct B2c {
    /// The b2c-extensions-app's appId without dashes: custom attributes are the user
    /// properties `extension_{extensions_app_id}_{name}`.
    pub extensions_app_id: String,
}

impl Default for B2c {
    fn default() -> Self {
        B2c {
            extensions_app_id: DEMO_B2C_EXTENSIONS_APP_ID.to_string(),
        }
    }
}

impl B2c {
    /// The property name of the custom attribute `name`.
    pub fn attribute(&self, name: &str) -> String {
        format!("extension_{}_{name}", self.app_id())
    }

    /// The stored name of an `extension_{appId}_{name}` property if it is one of this tenant's
    /// custom attributes (the appId in any case), else None.
    pub fn own_extension(&self, property: &str) -> Option<String> {
        let rest = property
            .get(..10)?
            .eq_ignore_ascii_case("extension_")
            .then(|| &property[10..])?;
        let (app, name) = rest.split_once('_')?;
        (app.eq_ignore_ascii_case(&self.app_id()) && !name.is_empty()).then(|| self.attribute(name))
    }

    fn app_id(&self) -> String {
        self.extensions_app_id.replace('-', "").to_ascii_lowercase()
    }

    /// Checks a parsed directory query's extension properties (in `$select` and `$filter`)
    /// and names them as stored; another app's extension is an unknown property.
    pub fn own_query_extensions(&self, query: &mut Query) -> Result<(), GraphError> {
        if let Selection::Properties(names) = &mut query.select {
            for name in names
                .iter_mut()
                .filter(|n| n.to_ascii_lowercase().starts_with("extension_"))
            {
                *name = self
                    .own_extension(name)
                    .ok_or_else(|| GraphError::unknown_property_on(name, "user"))?;
            }
        }
        if let Some(filter) = &mut query.filter {
            self.own_filter_extensions(filter)?;
        }
        Ok(())
    }

    fn own_filter_extensions(&self, filter: &mut Filter) -> Result<(), GraphError> {
        let operand = match filter {
            Filter::And(a, b) | Filter::Or(a, b) => {
                self.own_filter_extensions(a)?;
                return self.own_filter_extensions(b);
            }
            Filter::Not(a) | Filter::Any(_, a) => return self.own_filter_extensions(a),
            Filter::Compare(o, ..)
            | Filter::In(o, _)
            | Filter::StartsWith(o, _)
            | Filter::EndsWith(o, _) => o,
            Filter::Identity { .. } => return Ok(()),
        };
        if let Operand::Extension(name) = operand {
            *name = self
                .own_extension(name)
                .ok_or_else(|| GraphError::unknown_property_on(name, "user"))?;
        }
        Ok(())
    }
}

/// Refuses, before routing, what Graph refuses on directory objects in a B2C tenant:
/// advanced query parameters (`ConsistencyLevel: eventual`, `$count=true`, `/$count`,
/// `$search`) and delta queries. Graph's exact wording for the first is not documented (the
/// B2C docs only say these are unsupported); the delta answer is the one reported from B2C
/// tenants.
pub fn check_request(
    segments: &[String],
    pairs: &[(String, String)],
    headers: &HeaderMap,
) -> Result<(), GraphError> {
    let directory = match segments.first().map(String::as_str) {
        Some("users" | "groups") => true,
        Some(s) => s.eq_ignore_ascii_case("directory"),
        None => false,
    };
    if !directory {
        return Ok(());
    }
    if segments.len() == 2 && delta::is_delta(&segments[1]) && segments[0] != "directory" {
        return Err(GraphError::unsupported(
            "Change enumeration is not supported for requested tenant.",
        ));
    }
    if eventual(headers) {
        return Err(no_advanced_queries("The ConsistencyLevel header"));
    }
    if segments.iter().any(|s| s.eq_ignore_ascii_case("$count")) {
        return Err(no_advanced_queries("$count"));
    }
    for (key, value) in pairs {
        let option = key.strip_prefix('$').unwrap_or(key);
        if option.eq_ignore_ascii_case("search") {
            return Err(no_advanced_queries("$search"));
        }
        if option.eq_ignore_ascii_case("count") && value.trim().eq_ignore_ascii_case("true") {
            return Err(no_advanced_queries("$count"));
        }
    }
    Ok(())
}

/// Graph's code for refused queries; the message is the emulator's own.
fn no_advanced_queries(what: &str) -> GraphError {
    GraphError::unsupported(format!(
        "{what} is not supported: advanced query capabilities are not available in Azure AD B2C tenants."
    ))
}

/// A custom attribute of another app, or of none (Graph's wording in Azure AD Graph days;
/// Microsoft Graph's current text is not documented).
pub fn unknown_extension(property: &str) -> GraphError {
    GraphError::bad_request(format!(
        "Property '{property}' does not exist as a declared property or extension property."
    ))
}

/// Graph's answer when an identity's issuer and issuerAssignedId already sign someone else in.
pub fn duplicate_identity(conflicting_id: &str) -> GraphError {
    let message = "Another object with the same value for property identities already exists.";
    GraphError::bad_request(message).with_details(json!([
        { "code": "ObjectConflict", "message": message, "target": "identities" },
        { "code": "ConflictingObjects", "message": message, "target": conflicting_id },
    ]))
}

/// Graph's OData layer's answer to identities that are not a collection of objects (as users
/// report it).
pub fn identities_schema_mismatch() -> GraphError {
    GraphError::odata("Property identities in payload has a value that does not match schema.")
}

/// `userPrincipalName` identities mirror the property; they are never filtered and are
/// unique through the userPrincipalName itself.
pub fn is_upn_identity(identity: &Value) -> bool {
    identity["signInType"]
        .as_str()
        .is_some_and(|t| t.eq_ignore_ascii_case("userPrincipalName"))
}

/// A local account identity: signs in with a password kept in the tenant (anything but
/// `federated` and `userPrincipalName`).
pub fn is_local_identity(identity: &Value) -> bool {
    identity["signInType"].as_str().is_some_and(|t| {
        !t.eq_ignore_ascii_case("federated") && !t.eq_ignore_ascii_case("userPrincipalName")
    })
}

/// The key that makes an identity unique in the tenant: issuer and issuerAssignedId, ignoring
/// case. None for userPrincipalName identities.
pub fn identity_key(identity: &Value) -> Option<String> {
    if is_upn_identity(identity) {
        return None;
    }
    let issuer = identity["issuer"].as_str()?;
    let assigned = identity["issuerAssignedId"].as_str()?;
    Some(format!(
        "{}\u{0}{}",
        issuer.to_lowercase(),
        assigned.to_lowercase()
    ))
}

/// Checks an `identities` collection from a request body as Graph does in a B2C tenant
/// (objectIdentity: every member present, issuer the tenant's domain for local accounts,
/// an email address for `emailAddress*`, a user name for `userName`, no identity twice) and
/// returns its entries with canonical member names. `userPrincipalName` entries are dropped:
/// the tenant writes that one from the userPrincipalName.
pub fn check_identities(value: &Value, domain: &str) -> Result<Vec<Value>, GraphError> {
    let schema_mismatch = identities_schema_mismatch;

    let items = value.as_array().ok_or_else(schema_mismatch)?;
    let mut checked: Vec<Value> = Vec::with_capacity(items.len());
    for item in items {
        let members = item.as_object().ok_or_else(schema_mismatch)?;
        let mut identity = Map::new();
        for (key, value) in members {
            let name = ["signInType", "issuer", "issuerAssignedId"]
                .into_iter()
                .find(|n| n.eq_ignore_ascii_case(key));
            match (name, value) {
                (Some(name), Value::String(_) | Value::Null) => {
                    identity.insert(name.to_string(), value.clone());
                }
                (None, _) if key.starts_with("@odata.") => {}
                _ => return Err(schema_mismatch()),
            }
        }
        let text = |name: &str| {
            identity
                .get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
        };
        let (Some(sign_in_type), Some(issuer), Some(assigned)) =
            (text("signInType"), text("issuer"), text("issuerAssignedId"))
        else {
            // Graph's text for an incomplete identity is not documented.
            return Err(GraphError::invalid_value("identities"));
        };
        if sign_in_type.eq_ignore_ascii_case("userPrincipalName") {
            continue;
        }
        let local = !sign_in_type.eq_ignore_ascii_case("federated");
        if local && !issuer.eq_ignore_ascii_case(domain) {
            // Graph's own words, as B2C users report them.
            return Err(GraphError::bad_request(
                "Issuer should match tenants domainName for non federated identity.",
            ));
        }
        let email_type =
            sign_in_type.len() >= 12 && sign_in_type[..12].eq_ignore_ascii_case("emailAddress");
        let valid = if email_type {
            valid_email(assigned)
        } else if sign_in_type.eq_ignore_ascii_case("userName") {
            valid_user_name(assigned)
        } else {
            true
        };
        if !valid || assigned.chars().count() > 64 || issuer.chars().count() > 512 {
            // The objectIdentity rules are documented; Graph's message for breaking them is not.
            return Err(GraphError::bad_request(format!(
                "Invalid value specified for property 'issuerAssignedId' of identity with signInType '{sign_in_type}'."
            ))
            .with_details(json!([{ "code": "InvalidValue", "target": "identities" }])));
        }
        let key = identity_key(&Value::Object(identity.clone()));
        if checked.iter().any(|c| identity_key(c) == key) {
            return Err(GraphError::bad_request(
                "The identities collection contains the same identity more than once.",
            ));
        }
        checked.push(Value::Object(identity));
    }
    Ok(checked)
}

fn valid_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !text.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

/// Graph's objectIdentity page allows letters, digits, `-` and `_`, starting with a letter or
/// digit; the B2C user-management page allows any email local part. Dots are common in
/// migrated user names, so they pass too.
fn valid_user_name(text: &str) -> bool {
    text.chars().next().is_some_and(|c| c.is_alphanumeric())
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_extensions_match_the_app_in_any_case_and_nothing_else() {
        let b2c = B2c::default();
        let own = format!(
            "extension_{}_loyaltyNumber",
            DEMO_B2C_EXTENSIONS_APP_ID.to_uppercase()
        );
        assert_eq!(
            b2c.own_extension(&own).as_deref(),
            Some("extension_b2c0e7f1a2c34d5e9f6a7b8c9d0e1f2a_loyaltyNumber")
        );
        assert_eq!(
            b2c.own_extension("extension_0123456789abcdef0123456789abcdef_x"),
            None
        );
        assert_eq!(
            b2c.own_extension(&format!("extension_{DEMO_B2C_EXTENSIONS_APP_ID}_")),
            None
        );
        assert_eq!(b2c.own_extension("jobTitle"), None);
    }

    #[test]
    fn identities_are_checked_like_graph() {
        let d = "contoso.onmicrosoft.com";
        let ok = json!([
            { "signInType": "emailAddress", "issuer": d, "issuerAssignedId": "a@example.com" },
            { "signInType": "userName", "issuer": d, "issuerAssignedId": "a_b-c.d" },
            { "signInType": "federated", "issuer": "facebook.com", "issuerAssignedId": "5eecb0cd" },
            { "signInType": "userPrincipalName", "issuer": d, "issuerAssignedId": "x@contoso.onmicrosoft.com" },
        ]);
        assert_eq!(
            check_identities(&ok, d).unwrap().len(),
            3,
            "the UPN identity is the tenant's"
        );
        for bad in [
            json!({ "signInType": "emailAddress" }),
            json!([{ "signInType": "emailAddress", "issuer": d }]),
            json!([{ "signInType": "emailAddress", "issuer": "other.com", "issuerAssignedId": "a@example.com" }]),
            json!([{ "signInType": "emailAddress", "issuer": d, "issuerAssignedId": "not-an-email" }]),
            json!([{ "signInType": "userName", "issuer": d, "issuerAssignedId": "has space" }]),
            json!([{ "signInType": "userName", "issuer": d, "issuerAssignedId": "_leading" }]),
            json!([{ "signInType": "userName", "issuer": d, "issuerAssignedId": "a" },
                   { "signInType": "userName", "issuer": d, "issuerAssignedId": "A" }]),
        ] {
            assert!(check_identities(&bad, d).is_err(), "{bad}");
        }
    }
}
