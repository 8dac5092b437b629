//! How a SCIM `userName` stands for Entra's `userPrincipalName`. By default they are the same
//! string. A tenant can name a default domain (the `upn_domain` setting): SCIM callers that know
//! users by a bare name (HR systems, test suites) then send `jdoe`, Graph sees
//! `jdoe@contoso.com`, and users in that domain read back as `jdoe`; users in other domains keep
//! their full UPN. Callers that send full UPNs (Entra-to-Entra provisioning) are served either way.
//!
//! In an Azure AD B2C tenant a local account's UPN is a generated `{objectId}@{tenant}`; what
//! people sign in with is an identity (`signInType` userName or emailAddress, issued by the
//! tenant). There the SCIM userName is that sign-in name, as the B2C attribute table reads it.

use crate::json::member_named;
use scim::User;
use scim::filter::{AttrPath, CompValue, CompareOp};
use scim::schema;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserNames {
    default_domain: Option<String>,
    /// In a B2C tenant: the tenant's domain, the issuer of local accounts' sign-in names.
    b2c_issuer: Option<String>,
    /// A B2C tenant's custom attributes: (SCIM name in the UserProfile extension, Graph's
    /// `extension_{appId}_{name}` property).
    custom_attributes: Vec<(String, String)>,
}

/// The identity members of the B2C UserProfile extension.
const SIGN_IN_TYPE: &str = "signInType";
const ISSUER: &str = "issuer";
const ISSUER_ASSIGNED_ID: &str = "issuerAssignedId";

impl UserNames {
    /// userName and userPrincipalName are the same string.
    pub fn full_upn() -> Self {
        UserNames::default()
    }

    /// Bare names are users of `domain` (leading '@' and surrounding blanks ignored); an empty
    /// domain means [`UserNames::full_upn`].
    pub fn with_default_domain(domain: &str) -> Self {
        let domain = domain.trim().trim_start_matches('@');
        UserNames { default_domain: (!domain.is_empty()).then(|| domain.to_ascii_lowercase()), ..UserNames::default() }
    }

    /// An Azure AD B2C tenant whose domain (e.g. `contosob2c.onmicrosoft.com`) issues local
    /// accounts' sign-in names: the userName is the `userName` identity's name, else the
    /// `emailAddress` one's.
    pub fn b2c(domain: &str) -> Self {
        let domain = domain.trim().trim_start_matches('@').to_ascii_lowercase();
        UserNames { b2c_issuer: Some(domain), ..UserNames::default() }
    }

    /// The same tenant with custom attributes (user flows' "user attributes"), stored by Graph
    /// as `extension_{appId}_{name}` of the b2c-extensions-app `extensions_app_id` (dashes or
    /// not) and read and written as members `name` of the B2C UserProfile extension. A name
    /// must be letters, digits and '_', as B2C allows.
    pub fn with_custom_attributes(mut self, extensions_app_id: &str, names: &[impl AsRef<str>]) -> Result<Self, String> {
        let app: String = extensions_app_id.chars().filter(|c| *c != '-').collect::<String>().to_ascii_lowercase();
        if app.len() != 32 || !app.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!("the b2c-extensions-app id {extensions_app_id:?} is not an application (client) id"));
        }
        for name in names.iter().map(AsRef::as_ref) {
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("custom attribute {name:?} is not a B2C attribute name (letters, digits and '_')"));
            }
            self.custom_attributes.push((name.to_string(), format!("extension_{app}_{name}")));
        }
        Ok(self)
    }

    /// The Graph `POST /users` body of a user from a SCIM caller ([`Self::to_graph`] first). A
    /// B2C local account never has to change its password at next sign-in (Graph wants false
    /// there; user flows force changes) and its password does not expire, as Graph's B2C
    /// guidance has it.
    pub fn create_body(&self, user: &User, generated_password: &str) -> Result<serde_json::Value, scim::ScimError> {
        let mut body = crate::user_create_body(user, generated_password)?;
        if self.b2c_issuer.is_some() {
            body["passwordProfile"]["forceChangePasswordNextSignIn"] = false.into();
            if body.get("passwordPolicies").is_none() {
                body["passwordPolicies"] = "DisablePasswordExpiration".into();
            }
        }
        Ok(body)
    }

    /// The Graph properties of the custom attributes, for `$select`.
    pub fn custom_properties(&self) -> Vec<String> {
        self.custom_attributes.iter().map(|(_, graph)| graph.clone()).collect()
    }

    /// The issuer of sign-in names, in a B2C tenant.
    pub fn b2c_issuer(&self) -> Option<&str> {
        self.b2c_issuer.as_deref()
    }

    /// The userPrincipalName a SCIM userName names.
    pub fn upn(&self, user_name: &str) -> String {
        match &self.default_domain {
            Some(domain) if !user_name.contains('@') && !user_name.trim().is_empty() => {
                format!("{}@{domain}", user_name.trim())
            }
            _ => user_name.to_string(),
        }
    }

    /// What Graph's `/users/{id | userPrincipalName}` takes for a caller's name of a user: an
    /// object id (a GUID) as it is, else the userPrincipalName the userName names.
    pub fn upn_or_id(&self, user: &str) -> String {
        let user = user.trim();
        match is_guid(user) {
            true => user.to_string(),
            false => self.upn(user),
        }
    }

    /// In a B2C tenant, how Graph finds the user a caller names by sign-in name rather than by
    /// object id: a filter on its identities (B2C UPNs are generated, so no path names them).
    pub fn sign_in_filter(&self, user: &str) -> Option<graph::Filter> {
        let issuer = self.b2c_issuer.as_ref()?;
        let user = user.trim();
        (!is_guid(user)).then(|| graph::Filter::SignInName { issuer: issuer.clone(), name: user.to_string() })
    }

    /// The SCIM userName of a userPrincipalName.
    pub fn user_name(&self, upn: &str) -> String {
        if let Some(domain) = &self.default_domain
            && let Some((local, upn_domain)) = upn.rsplit_once('@')
            && upn_domain.eq_ignore_ascii_case(domain)
        {
            return local.to_string();
        }
        upn.to_string()
    }

    /// A Graph user as SCIM callers see it: [`crate::user_to_scim`], then the userName rule and
    /// the custom attributes.
    pub fn scim_user(&self, user: &graph::User, location_base: &str) -> User {
        let mut scim = self.to_scim(crate::user_to_scim(user, location_base));
        let values: Vec<(&String, &serde_json::Value)> = self
            .custom_attributes
            .iter()
            .filter_map(|(name, graph)| Some((name, user.other.get(graph).filter(|v| !v.is_null())?)))
            .collect();
        if !values.is_empty() {
            let profile = profile_mut(&mut scim);
            for (name, value) in values {
                profile.insert(name.clone(), value.clone());
            }
            if !scim.schemas.iter().any(|s| schema::urn_eq(s, schema::B2C_USER_PROFILE)) {
                scim.schemas.push(schema::B2C_USER_PROFILE.to_string());
            }
        }
        scim
    }

    /// A user read from Graph, as SCIM callers see it.
    pub fn to_scim(&self, mut user: User) -> User {
        if let Some(issuer) = &self.b2c_issuer {
            let identities = identities(&user);
            let sign_in = ["userName", "emailAddress"].iter().find_map(|kind| {
                identities.iter().find(|i| text(i, SIGN_IN_TYPE).eq_ignore_ascii_case(kind) && text(i, ISSUER).eq_ignore_ascii_case(issuer))
            });
            if let Some(identity) = sign_in {
                user.user_name = Some(text(identity, ISSUER_ASSIGNED_ID).to_string());
            }
        } else if let Some(upn) = &user.user_name {
            user.user_name = Some(self.user_name(upn));
        }
        user
    }

    /// A user from a SCIM caller, with its userName as the userPrincipalName Graph knows. In a
    /// B2C tenant the userName is a sign-in name instead: it becomes (or renames) the user's
    /// `userName` identity (`emailAddress` when it holds an '@'), and the userPrincipalName is
    /// the one Graph gave the user, or none for a new one (Graph then makes it).
    pub fn to_graph(&self, mut user: User) -> User {
        let Some(issuer) = &self.b2c_issuer else {
            if let Some(name) = &user.user_name {
                user.user_name = Some(self.upn(name));
            }
            user.extensions.retain(|key, _| !key.starts_with("extension_"));
            return user;
        };
        let mut identities = identities(&user);
        if let Some(name) = user.user_name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            let kind = if name.contains('@') { "emailAddress" } else { "userName" };
            let ours = |i: &&mut serde_json::Value| text(i, SIGN_IN_TYPE).eq_ignore_ascii_case(kind) && text(i, ISSUER).eq_ignore_ascii_case(issuer);
            match identities.iter_mut().find(ours) {
                Some(identity) => identity[ISSUER_ASSIGNED_ID] = name.into(),
                None => identities.push(serde_json::json!({ SIGN_IN_TYPE: kind, ISSUER: issuer, ISSUER_ASSIGNED_ID: name })),
            }
        }
        user.user_name = identities
            .iter()
            .find(|i| text(i, SIGN_IN_TYPE).eq_ignore_ascii_case("userPrincipalName"))
            .map(|i| text(i, ISSUER_ASSIGNED_ID).to_string());
        let profile = profile_mut(&mut user);
        profile.insert("identities".into(), identities.into());
        // Custom attributes go to Graph under their extension property names (which only this
        // mapping writes: a caller's own `extension_*` members are dropped).
        let custom: Vec<(String, serde_json::Value)> = self
            .custom_attributes
            .iter()
            .filter_map(|(name, graph)| {
                let value = member_named(profile, name)?;
                Some((graph.clone(), value.clone()))
            })
            .collect();
        user.extensions.retain(|key, _| !key.starts_with("extension_"));
        user.extensions.extend(custom);
        user
    }

    /// Whether Graph answers `filter` on userName exactly as on the SCIM userName. With a
    /// default domain, only equality (completed with the domain) and prefixes without '@' do:
    /// `userName ew "son"` holds for the SCIM name `jdoe.son`, not for `jdoe.son@contoso.com`.
    pub fn graph_can_compare(&self, op: CompareOp, value: &CompValue) -> bool {
        if self.b2c_issuer.is_some() {
            return op == CompareOp::Eq && matches!(value, CompValue::Str(_));
        }
        match (&self.default_domain, op, value) {
            (None, ..) => true,
            (Some(_), CompareOp::Eq | CompareOp::Ne, _) => true,
            (Some(_), CompareOp::Sw, CompValue::Str(prefix)) => !prefix.contains('@'),
            (Some(_), ..) => false,
        }
    }
}

/// The B2C UserProfile extension object of `user`, made empty if it has none.
fn profile_mut(user: &mut User) -> &mut serde_json::Map<String, serde_json::Value> {
    let key = user
        .extensions
        .keys()
        .find(|urn| schema::urn_eq(urn, schema::B2C_USER_PROFILE))
        .cloned()
        .unwrap_or_else(|| schema::B2C_USER_PROFILE.to_string());
    let profile = user.extensions.entry(key).or_insert_with(|| serde_json::json!({}));
    if !profile.is_object() {
        *profile = serde_json::json!({});
    }
    profile.as_object_mut().expect("made an object above")
}

/// The B2C UserProfile extension's identities, as the caller or Graph gave them.
fn identities(user: &User) -> Vec<serde_json::Value> {
    user.extensions
        .iter()
        .find(|(urn, _)| schema::urn_eq(urn, schema::B2C_USER_PROFILE))
        .and_then(|(_, profile)| profile.as_object())
        .and_then(|profile| member_named(profile, "identities"))
        .and_then(|identities| identities.as_array())
        .cloned()
        .unwrap_or_default()
}

/// A string member of an identity, or "".
fn text<'a>(identity: &'a serde_json::Value, member: &str) -> &'a str {
    identity.get(member).and_then(serde_json::Value::as_str).unwrap_or_default()
}

pub(crate) fn is_user_name(path: &AttrPath) -> bool {
    path.sub.is_none()
        && path.name.eq_ignore_ascii_case("userName")
        && path.schema.as_deref().is_none_or(|urn| schema::urn_eq(urn, schema::USER))
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex digits: the form of every Graph object id.
fn is_guid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_default_domain_names_pass_through() {
        let names = UserNames::full_upn();
        assert_eq!(names.upn("jdoe"), "jdoe");
        assert_eq!(names.user_name("jdoe@contoso.com"), "jdoe@contoso.com");
        assert_eq!(UserNames::with_default_domain("  "), names);
    }

    #[test]
    fn bare_names_belong_to_the_default_domain_and_read_back_bare() {
        let names = UserNames::with_default_domain("@Contoso.com");
        assert_eq!(names.upn("jdoe"), "jdoe@contoso.com");
        assert_eq!(names.upn("jdoe@fabrikam.com"), "jdoe@fabrikam.com");
        assert_eq!(names.user_name("jdoe@CONTOSO.com"), "jdoe");
        assert_eq!(names.user_name("jdoe@fabrikam.com"), "jdoe@fabrikam.com");
        assert_eq!(names.upn(""), "", "an empty name stays empty, so it is still refused as missing");
    }

    #[test]
    fn object_ids_are_not_user_names() {
        let names = UserNames::with_default_domain("contoso.com");
        let id = "4d3c2b1a-0f9e-8d7c-6b5a-493827160512";
        assert_eq!(names.upn_or_id(id), id);
        assert_eq!(names.upn_or_id(&format!(" {id} ")), id);
        assert_eq!(names.upn_or_id("jdoe"), "jdoe@contoso.com");
        assert_eq!(names.upn_or_id("4d3c2b1a-0f9e-8d7c-6b5a-49382716051z"), "4d3c2b1a-0f9e-8d7c-6b5a-49382716051z@contoso.com");
    }

    #[test]
    fn graph_answers_equality_and_bare_prefixes_only() {
        let names = UserNames::with_default_domain("contoso.com");
        let text = |s: &str| CompValue::Str(s.into());
        assert!(names.graph_can_compare(CompareOp::Eq, &text("jdoe")));
        assert!(names.graph_can_compare(CompareOp::Sw, &text("jd")));
        assert!(!names.graph_can_compare(CompareOp::Sw, &text("jdoe@")));
        assert!(!names.graph_can_compare(CompareOp::Ew, &text("doe")));
        assert!(UserNames::full_upn().graph_can_compare(CompareOp::Ew, &text("doe")));
    }

    fn b2c_user(user_name: Option<&str>, identities: serde_json::Value) -> User {
        let mut user = User { user_name: user_name.map(str::to_string), ..User::default() };
        user.extensions.insert(schema::B2C_USER_PROFILE.into(), serde_json::json!({ "identities": identities }));
        user
    }

    #[test]
    fn in_b2c_the_user_name_is_the_sign_in_name_and_the_upn_stays_graphs() {
        let names = UserNames::b2c("ContosoB2C.onmicrosoft.com");
        let issuer = "contosob2c.onmicrosoft.com";
        let read = b2c_user(
            Some("0c1d@contosob2c.onmicrosoft.com"),
            serde_json::json!([
                { "signInType": "emailAddress", "issuer": issuer, "issuerAssignedId": "jdoe@example.com" },
                { "signInType": "userName", "issuer": issuer, "issuerAssignedId": "jdoe" },
                { "signInType": "userPrincipalName", "issuer": issuer, "issuerAssignedId": "0c1d@contosob2c.onmicrosoft.com" }
            ]),
        );
        let scim = names.to_scim(read);
        assert_eq!(scim.user_name.as_deref(), Some("jdoe"), "the userName identity before the email one");

        // Renamed by a caller: the userName identity changes, the UPN does not.
        let renamed = names.to_graph(User { user_name: Some("john.doe".into()), ..scim });
        assert_eq!(renamed.user_name.as_deref(), Some("0c1d@contosob2c.onmicrosoft.com"));
        let renamed_identities = identities(&renamed);
        assert_eq!(renamed_identities.len(), 3);
        assert!(renamed_identities.iter().any(|i| text(i, SIGN_IN_TYPE) == "userName" && text(i, ISSUER_ASSIGNED_ID) == "john.doe"));

        // A new user: a sign-in identity from the userName, and no UPN (Graph makes one).
        let new = names.to_graph(b2c_user(Some("ann@example.com"), serde_json::json!([])));
        assert_eq!(new.user_name, None);
        assert_eq!(
            identities(&new),
            [serde_json::json!({ "signInType": "emailAddress", "issuer": issuer, "issuerAssignedId": "ann@example.com" })]
        );
        let body = names.create_body(&new, "Generated-Passw0rd!").unwrap();
        assert_eq!(body["passwordProfile"]["forceChangePasswordNextSignIn"], false, "B2C forces changes with user flows");
        assert_eq!(body["passwordPolicies"], "DisablePasswordExpiration");
        assert_eq!(body.get("userPrincipalName"), None, "Graph names a B2C local account itself");
        assert_eq!(body.get("mailNickname"), None);
        assert_eq!(body["displayName"], "ann@example.com");
        assert_eq!(body["identities"][0]["issuerAssignedId"], "ann@example.com");
        // Without a userName or identities there is nothing to sign in with.
        let nameless = names.to_graph(b2c_user(None, serde_json::json!([])));
        assert_eq!(crate::user_create_body(&nameless, "x").unwrap_err().detail, "userName is required");
        // Only equality on sign-in names reaches Graph.
        assert!(names.graph_can_compare(CompareOp::Eq, &CompValue::Str("jdoe".into())));
        assert!(!names.graph_can_compare(CompareOp::Sw, &CompValue::Str("jd".into())));
    }

    #[test]
    fn b2c_custom_attributes_are_members_of_the_user_profile_extension() {
        let app = "b2c0e7f1-a2c3-4d5e-9f6a-7b8c9d0e1f2a";
        let names = UserNames::b2c("contosob2c.onmicrosoft.com").with_custom_attributes(app, &["loyaltyNumber", "membershipTier"]).unwrap();
        let loyalty = "extension_b2c0e7f1a2c34d5e9f6a7b8c9d0e1f2a_loyaltyNumber";
        assert_eq!(names.custom_properties()[0], loyalty);

        let mut graph_user = graph::User { id: Some("0c1d".into()), user_principal_name: Some("0c1d@contosob2c.onmicrosoft.com".into()), ..graph::User::default() };
        graph_user.other.insert(loyalty.into(), "7000000001".into());
        let scim = names.scim_user(&graph_user, "https://c.example/scim/v2");
        assert_eq!(scim.extensions[schema::B2C_USER_PROFILE]["loyaltyNumber"], "7000000001");
        assert!(scim.schemas.iter().any(|s| s == schema::B2C_USER_PROFILE));

        // Written back under the Graph name; a caller's own extension_* member is dropped.
        let mut changed = scim.clone();
        changed.extensions.get_mut(schema::B2C_USER_PROFILE).unwrap()["membershipTier"] = "Gold".into();
        changed.extensions.get_mut(schema::B2C_USER_PROFILE).unwrap().as_object_mut().unwrap().remove("loyaltyNumber");
        changed.extensions.insert("extension_ffffffffffffffffffffffffffffffff_x".into(), "sneaky".into());
        let update = crate::user_update_body(&names.to_graph(scim), &names.to_graph(changed)).unwrap();
        assert_eq!(update["extension_b2c0e7f1a2c34d5e9f6a7b8c9d0e1f2a_membershipTier"], "Gold");
        assert_eq!(update[loyalty], serde_json::Value::Null, "a removed attribute is cleared");
        assert!(update.get("extension_ffffffffffffffffffffffffffffffff_x").is_none());

        assert!(UserNames::b2c("x").with_custom_attributes("not-an-app", &["a"]).is_err());
        assert!(UserNames::b2c("x").with_custom_attributes(app, &["bad name"]).is_err());
    }
}
