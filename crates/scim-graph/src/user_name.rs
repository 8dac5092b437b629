//! How a SCIM `userName` stands for Entra's `userPrincipalName`. By default they are the same
//! string. A tenant can name a default domain (the `upn_domain` setting): SCIM callers that know
//! users by a bare name (HR systems, test suites) then send `jdoe`, Graph sees
//! `jdoe@contoso.com`, and users in that domain read back as `jdoe`; users in other domains keep
//! their full UPN. Callers that send full UPNs (Entra-to-Entra provisioning) are served either way.

use scim::User;
use scim::filter::{AttrPath, CompValue, CompareOp};
use scim::schema;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserNames {
    default_domain: Option<String>,
}

impl UserNames {
    /// userName and userPrincipalName are the same string.
    pub fn full_upn() -> Self {
        UserNames::default()
    }

    /// Bare names are users of `domain` (leading '@' and surrounding blanks ignored); an empty
    /// domain means [`UserNames::full_upn`].
    pub fn with_default_domain(domain: &str) -> Self {
        let domain = domain.trim().trim_start_matches('@');
        UserNames { default_domain: (!domain.is_empty()).then(|| domain.to_ascii_lowercase()) }
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

    /// A Graph user as SCIM callers see it: [`crate::user_to_scim`], then the userName rule.
    pub fn scim_user(&self, user: &graph::User, location_base: &str) -> User {
        self.to_scim(crate::user_to_scim(user, location_base))
    }

    /// A user read from Graph, as SCIM callers see it.
    pub fn to_scim(&self, mut user: User) -> User {
        if let Some(upn) = &user.user_name {
            user.user_name = Some(self.user_name(upn));
        }
        user
    }

    /// A user from a SCIM caller, with its userName as the userPrincipalName Graph knows.
    pub fn to_graph(&self, mut user: User) -> User {
        if let Some(name) = &user.user_name {
            user.user_name = Some(self.upn(name));
        }
        user
    }

    /// Whether Graph answers `filter` on userName exactly as on the SCIM userName. With a
    /// default domain, only equality (completed with the domain) and prefixes without '@' do:
    /// `userName ew "son"` holds for the SCIM name `jdoe.son`, not for `jdoe.son@contoso.com`.
    pub fn graph_can_compare(&self, op: CompareOp, value: &CompValue) -> bool {
        match (&self.default_domain, op, value) {
            (None, ..) => true,
            (Some(_), CompareOp::Eq | CompareOp::Ne, _) => true,
            (Some(_), CompareOp::Sw, CompValue::Str(prefix)) => !prefix.contains('@'),
            (Some(_), ..) => false,
        }
    }
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
}
