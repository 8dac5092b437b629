//! What PATCH must know about a resource type that the resource's JSON cannot say: which
//! attributes are multi-valued while still unassigned, which are read-only, which compare
//! case-exactly, which are booleans, and how a new attribute is spelled (RFC 7643 §2.2, §4, §8.7).

use crate::{discovery, schema};

/// The attribute characteristics of one resource type. Names are qualified the way PATCH
/// paths write them and matched ignoring case: `userName`, `name.givenName`, `emails.value`,
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
///
/// An attribute not described here is still patched: it is treated as multi-valued when the
/// resource or the value holds a list, and as read-write, case-insensitive and spelled as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeRules {
    core_schema: String,
    extensions: Vec<String>,
    attributes: Vec<Attribute>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Attribute {
    name: String,
    multi_valued: bool,
    read_only: bool,
    case_exact: bool,
    boolean: bool,
    absent_remove_ok: bool,
}

/// Sub-attributes of the "standard" multi-valued attributes (RFC 7643 §2.4).
const MULTI_VALUE_SUBS: &[&str] = &["value", "display", "type", "primary"];
const NAME_SUBS: &[&str] = &[
    "formatted",
    "familyName",
    "givenName",
    "middleName",
    "honorificPrefix",
    "honorificSuffix",
];
const ADDRESS_SUBS: &[&str] = &[
    "formatted",
    "streetAddress",
    "locality",
    "region",
    "postalCode",
    "country",
    "type",
    "primary",
];
const REFERENCE_SUBS: &[&str] = &["value", "display", "$ref", "type"];
const META_SUBS: &[&str] = &[
    "resourceType",
    "created",
    "lastModified",
    "location",
    "version",
];
const USER_SIMPLE: &[&str] = &[
    "userName",
    "displayName",
    "nickName",
    "profileUrl",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
];
const USER_MULTI_VALUED: &[&str] = &[
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "entitlements",
    "roles",
    "x509Certificates",
];
const ENTERPRISE_SIMPLE: &[&str] = &[
    "employeeNumber",
    "costCenter",
    "organization",
    "division",
    "department",
];

impl AttributeRules {
    /// No attributes described yet; see [`user`](Self::user) and [`group`](Self::group).
    pub fn new(core_schema: impl Into<String>) -> Self {
        AttributeRules {
            core_schema: core_schema.into(),
            extensions: Vec::new(),
            attributes: Vec::new(),
        }
    }

    /// The User of RFC 7643 §4.1 with the enterprise extension (§4.3), as [`crate::User`]
    /// models it, and the connector's additions that need a rule. Read-only: `id`, `meta`,
    /// `groups`, the mailbox's automatic replies, and `schemas` (derived from the extensions
    /// present). Case-exact: `id`, `externalId`, `password`, `$ref`s and certificate values.
    pub fn user() -> Self {
        // The connector's own extensions too, so a path into one works before the user has it.
        let mut rules = Self::common(schema::USER)
            .extension(schema::ENTERPRISE_USER)
            .extension(schema::AZURE_ON_PREM_DATA_USER)
            .extension(schema::B2C_USER_PROFILE)
            .multi_valued(&format!("{}:identities", schema::B2C_USER_PROFILE));
        rules = rules.attribute("name");
        for sub in NAME_SUBS {
            rules = rules.attribute(&format!("name.{sub}"));
        }
        for name in USER_SIMPLE {
            rules = rules.attribute(name);
        }
        rules = rules.boolean("active").case_exact("password");
        for name in discovery::AUTOMATIC_REPLY_ATTRIBUTES {
            rules = rules.read_only(name);
        }
        for name in USER_MULTI_VALUED {
            rules = rules.multi_valued_with(name, MULTI_VALUE_SUBS);
        }
        rules = rules
            .case_exact("x509Certificates.value")
            .multi_valued_with("addresses", ADDRESS_SUBS)
            .multi_valued_with("groups", REFERENCE_SUBS)
            .read_only("groups");
        let ext = schema::ENTERPRISE_USER;
        for name in ENTERPRISE_SIMPLE {
            rules = rules.attribute(&format!("{ext}:{name}"));
        }
        rules = rules.attribute(&format!("{ext}:manager"));
        for sub in ["value", "$ref", "displayName"] {
            rules = rules.attribute(&format!("{ext}:manager.{sub}"));
        }
        rules.case_exact(&format!("{ext}:manager.$ref"))
    }

    /// The Group of RFC 7643 §4.2. Removing a member that is not one is a no-op, because
    /// Microsoft Entra provisioning sends such removals (see [`tolerate_absent_remove`](Self::tolerate_absent_remove)).
    pub fn group() -> Self {
        let ext = |name: &str| format!("{}:{name}", schema::AZURE_AD_GROUP);
        Self::common(schema::GROUP)
            .attribute("displayName")
            .multi_valued_with("members", REFERENCE_SUBS)
            .tolerate_absent_remove("members")
            .extension(schema::AZURE_AD_GROUP)
            .boolean(&ext("securityEnabled"))
            .boolean(&ext("mailEnabled"))
            .multi_valued(&ext("groupTypes"))
            .attribute(&ext("mailNickname"))
            .attribute(&ext("description"))
            .multi_valued_with(&ext("owners"), REFERENCE_SUBS)
            .tolerate_absent_remove(&ext("owners"))
            .multi_valued_with(&ext("ownersToAdd"), &["value"])
            .multi_valued_with(&ext("ownersToRemove"), &["value"])
    }

    /// What every resource has (RFC 7643 §3.1).
    fn common(core_schema: &str) -> Self {
        let mut rules = Self::new(core_schema)
            .read_only("schemas")
            .read_only("id")
            .case_exact("id")
            .case_exact("externalId")
            .read_only("meta");
        for sub in META_SUBS {
            rules = rules.attribute(&format!("meta.{sub}"));
        }
        rules
    }

    fn multi_valued_with(mut self, name: &str, subs: &[&str]) -> Self {
        self = self.multi_valued(name);
        for sub in subs {
            let q = format!("{name}.{sub}");
            self = match *sub {
                "primary" => self.boolean(&q),
                "$ref" => self.case_exact(&q),
                _ => self.attribute(&q),
            };
        }
        self
    }

    /// Declares an extension schema, so `urn:...:attr` paths resolve into its object and a
    /// member keyed by its URN is merged as the extension.
    pub fn extension(mut self, urn: &str) -> Self {
        if self.extension_urn(urn).is_none() {
            self.extensions.push(urn.to_string());
        }
        self
    }

    /// Declares an attribute, fixing how it is spelled when a PATCH creates it.
    pub fn attribute(mut self, name: &str) -> Self {
        self.entry(name);
        self
    }

    /// Add appends to it, replace without a filter replaces the whole list.
    pub fn multi_valued(mut self, name: &str) -> Self {
        self.entry(name).multi_valued = true;
        self
    }

    /// A PATCH that would change it fails with 400 mutability.
    pub fn read_only(mut self, name: &str) -> Self {
        self.entry(name).read_only = true;
        self
    }

    /// Filters and duplicate checks compare it case-sensitively.
    pub fn case_exact(mut self, name: &str) -> Self {
        self.entry(name).case_exact = true;
        self
    }

    /// The strings "True"/"False" (any case) sent for it become booleans.
    pub fn boolean(mut self, name: &str) -> Self {
        self.entry(name).boolean = true;
        self
    }

    /// A filtered remove that selects no value is a no-op instead of 400 noTarget
    /// (RFC 7644 §3.5.2.2 asks for noTarget; Microsoft Entra removes non-members of groups).
    pub fn tolerate_absent_remove(mut self, name: &str) -> Self {
        self.entry(name).absent_remove_ok = true;
        self
    }

    fn entry(&mut self, name: &str) -> &mut Attribute {
        let i = match self
            .attributes
            .iter()
            .position(|a| a.name.eq_ignore_ascii_case(name))
        {
            Some(i) => i,
            None => {
                self.attributes.push(Attribute {
                    name: name.to_string(),
                    ..Attribute::default()
                });
                self.attributes.len() - 1
            }
        };
        &mut self.attributes[i]
    }

    fn get(&self, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    pub fn core_schema(&self) -> &str {
        &self.core_schema
    }

    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }

    /// The declared spelling of an extension URN, if `urn` is one (ignoring case).
    pub fn extension_urn(&self, urn: &str) -> Option<&str> {
        self.extensions
            .iter()
            .find(|e| schema::urn_eq(e, urn))
            .map(String::as_str)
    }

    /// The extension that declares the top-level attribute `name` when the core schema does
    /// not (and only one extension does). RFC 7644 §3.10 wants extension attributes qualified;
    /// clients of the B2C connector send `ownersToAdd` bare.
    pub fn extension_declaring(&self, name: &str) -> Option<&str> {
        if self.get(name).is_some() {
            return None;
        }
        let mut found = self
            .extensions
            .iter()
            .filter(|urn| self.get(&format!("{urn}:{name}")).is_some());
        let first = found.next()?;
        found.next().is_none().then_some(first.as_str())
    }

    pub fn is_multi_valued(&self, name: &str) -> bool {
        self.get(name).is_some_and(|a| a.multi_valued)
    }

    pub fn is_read_only(&self, name: &str) -> bool {
        self.get(name).is_some_and(|a| a.read_only)
    }

    /// [`is_case_exact`](Self::is_case_exact) for a filter's attribute path (`emails.value`).
    pub fn is_case_exact_at(&self, path: &crate::filter::AttrPath) -> bool {
        match &path.sub {
            Some(sub) => self.is_case_exact(&format!("{}.{sub}", path.name)),
            None => self.is_case_exact(&path.name),
        }
    }

    pub fn is_case_exact(&self, name: &str) -> bool {
        self.get(name).is_some_and(|a| a.case_exact)
    }

    pub fn is_boolean(&self, name: &str) -> bool {
        self.get(name).is_some_and(|a| a.boolean)
    }

    pub fn tolerates_absent_remove(&self, name: &str) -> bool {
        self.get(name).is_some_and(|a| a.absent_remove_ok)
    }

    /// The declared spelling of a qualified name (`NAME.GIVENNAME` -> `name.givenName`).
    pub fn canonical(&self, name: &str) -> Option<&str> {
        self.get(name).map(|a| a.name.as_str())
    }

    /// Whether `name` is declared with the sub-attribute `sub`, i.e. is complex.
    pub(super) fn has_sub(&self, name: &str, sub: &str) -> bool {
        self.get(&format!("{name}.{sub}")).is_some()
    }

    pub(super) fn read_only_names(&self) -> impl Iterator<Item = &str> {
        self.attributes
            .iter()
            .filter(|a| a.read_only)
            .map(|a| a.name.as_str())
    }
}
