//! The discovery documents (RFC 7644 §4): `/ServiceProviderConfig` (RFC 7643 §5),
//! `/ResourceTypes` (§6) and `/Schemas` (§7). The schemas are compact tables below, so a test
//! can hold them against what `User` and `Group` actually serialise; a compliance suite checks
//! returned attributes against `/Schemas`, so a missing or mistyped entry is a failure there.

use serde_json::{Map, Value, json};

use crate::schema;

pub use crate::schema::{AZURE_AD_GROUP, AZURE_ON_PREM_DATA_USER, B2C_USER_PROFILE};

/// The limits announced when `bulk` is on; a bulk endpoint must enforce these same numbers.
pub const BULK_MAX_OPERATIONS: u64 = 1000;
pub const BULK_MAX_PAYLOAD_SIZE: u64 = 1_048_576;

/// The mailbox's automatic replies, which the connector adds to a User at the top level:
/// read-only (Exchange keeps them) and returned only on request (reading them costs a Graph
/// request a user).
pub const AUTOMATIC_REPLY_ATTRIBUTES: &[&str] = &[
    "status",
    "externalAudience",
    "scheduledStartDateTime",
    "scheduledEndDateTime",
    "internalReplyMessage",
    "externalReplyMessage",
];

/// Cursor and index paging (RFC 9865 §4): a page holds 100 resources unless the caller names a
/// `count`, and at most Graph's largest page.
pub const DEFAULT_PAGE_SIZE: u64 = 100;
pub const MAX_PAGE_SIZE: u64 = 999;

/// What the service provider supports, as `/ServiceProviderConfig` announces it. Filtering is
/// always supported (every list endpoint takes `filter`); `filter_max_results` is its cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Features {
    pub patch: bool,
    pub bulk: bool,
    pub filter_max_results: u64,
    pub change_password: bool,
    pub sort: bool,
    pub etag: bool,
    /// The service's human-readable help page; `documentationUri` is left out when `None`.
    pub documentation_uri: Option<String>,
}

impl Default for Features {
    fn default() -> Self {
        Features {
            patch: true,
            bulk: false,
            filter_max_results: 999,
            change_password: false,
            sort: true,
            etag: true,
            documentation_uri: None,
        }
    }
}

/// The `/ServiceProviderConfig` document (RFC 7643 §5). `location_base` is the SCIM base URL the
/// caller sees, e.g. `https://connector.example/scim/v2`.
pub fn service_provider_config(features: &Features, location_base: &str) -> Value {
    let base = trim_base(location_base);
    // maxOperations and maxPayloadSize are REQUIRED even when bulk is unsupported: 0 then.
    let (max_operations, max_payload_size) = if features.bulk {
        (BULK_MAX_OPERATIONS, BULK_MAX_PAYLOAD_SIZE)
    } else {
        (0, 0)
    };
    let mut doc = json!({
        "schemas": [schema::SERVICE_PROVIDER_CONFIG],
        "patch": {"supported": features.patch},
        "bulk": {
            "supported": features.bulk,
            "maxOperations": max_operations,
            "maxPayloadSize": max_payload_size,
        },
        "filter": {"supported": true, "maxResults": features.filter_max_results},
        "changePassword": {"supported": features.change_password},
        "sort": {"supported": features.sort},
        "etag": {"supported": features.etag},
        // No cursorTimeout: cursors are Graph's skiptokens, valid as long as Graph keeps them.
        "pagination": {
            "cursor": true,
            "index": true,
            "defaultPaginationMethod": "index",
            "defaultPageSize": DEFAULT_PAGE_SIZE,
            "maxPageSize": MAX_PAGE_SIZE,
        },
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication with a bearer token in the Authorization header (RFC 6750)",
            "specUri": "https://www.rfc-editor.org/info/rfc6750",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{base}/ServiceProviderConfig"),
        },
    });
    if let Some(uri) = &features.documentation_uri {
        doc["documentationUri"] = Value::from(uri.as_str());
    }
    doc
}

/// Every `/ResourceTypes` entry (RFC 7643 §6): User and Group.
pub fn resource_types(location_base: &str) -> Vec<Value> {
    let base = trim_base(location_base);
    RESOURCE_TYPES.iter().map(|t| t.to_json(base)).collect()
}

/// `/ResourceTypes/{id}`; `id` ("User", "Group") is matched ignoring ASCII case.
pub fn resource_type(id: &str, location_base: &str) -> Option<Value> {
    let base = trim_base(location_base);
    RESOURCE_TYPES
        .iter()
        .find(|t| t.id.eq_ignore_ascii_case(id))
        .map(|t| t.to_json(base))
}

/// Every `/Schemas` entry (RFC 7643 §7): the full definition of every schema URN a resource
/// of ours can carry.
pub fn schemas(location_base: &str) -> Vec<Value> {
    let base = trim_base(location_base);
    SCHEMAS.iter().map(|s| s.to_json(base)).collect()
}

/// `/Schemas/{id}`, `id` being the schema URN, matched ignoring ASCII case (RFC 7643 §2.1).
pub fn schema(id: &str, location_base: &str) -> Option<Value> {
    let base = trim_base(location_base);
    SCHEMAS
        .iter()
        .find(|s| schema::urn_eq(s.id, id))
        .map(|s| s.to_json(base))
}

/// `schema` (a document of [`schemas`] or [`schema`]) with a B2C tenant's custom attributes
/// added to the UserProfile extension, as read-write strings. Other schemas are returned as
/// they are.
pub fn with_custom_attributes(mut schema: Value, names: &[impl AsRef<str>]) -> Value {
    if !schema["id"].as_str().is_some_and(|id| schema::urn_eq(id, B2C_USER_PROFILE)) {
        return schema;
    }
    if let Some(attributes) = schema["attributes"].as_array_mut() {
        attributes.extend(names.iter().map(|name| {
            json!({
                "name": name.as_ref(),
                "type": "string",
                "multiValued": false,
                "description": "A custom attribute of the Azure AD B2C tenant (a b2c-extensions-app extension property in Microsoft Graph).",
                "required": false,
                "caseExact": false,
                "mutability": "readWrite",
                "returned": "default",
                "uniqueness": "none",
            })
        }));
    }
    schema
}

fn trim_base(location_base: &str) -> &str {
    location_base.trim_end_matches('/')
}

/// The schema URNs of a resource type ("User", "Group"), its core schema first, then its
/// extensions; empty for an unknown type. For `projection`, which must tell an extension's
/// member from a core attribute.
pub(crate) fn schema_urns(resource_type_id: &str) -> Vec<&'static str> {
    RESOURCE_TYPES
        .iter()
        .find(|t| t.id.eq_ignore_ascii_case(resource_type_id))
        .map(|t| {
            std::iter::once(t.schema)
                .chain(t.extensions.iter().map(|(urn, _)| *urn))
                .collect()
        })
        .unwrap_or_default()
}

/// Every attribute of a resource type whose `returned` characteristic (RFC 7643 §7) is
/// `returned` ("never", "default", ...), as (schema URN, dotted path inside that schema),
/// sub-attributes included. `projection` reads `returned` here rather than keeping its own table.
pub(crate) fn attributes_returned(
    resource_type_id: &str,
    returned: &str,
) -> Vec<(&'static str, String)> {
    fn walk(
        urn: &'static str,
        attrs: &[Attr],
        prefix: &str,
        returned: &str,
        out: &mut Vec<(&'static str, String)>,
    ) {
        for a in attrs {
            let path = format!("{prefix}{}", a.name);
            if a.returned.as_str() == returned {
                out.push((urn, path.clone()));
            }
            walk(urn, a.sub_attributes, &format!("{path}."), returned, out);
        }
    }
    let mut out = Vec::new();
    for urn in schema_urns(resource_type_id) {
        if let Some(def) = SCHEMAS.iter().find(|s| s.id == urn) {
            walk(urn, def.attributes, "", returned, &mut out);
        }
    }
    out
}

/// The extension of a resource type that declares the top-level attribute `name` when its core
/// schema does not (and only one extension does). RFC 7644 §3.10 wants extension attributes
/// qualified by their URN; clients of the B2C connector send `owners` or `ownersToAdd` bare.
pub(crate) fn extension_declaring(resource_type_id: &str, name: &str) -> Option<&'static str> {
    let declares = |urn: &str| {
        SCHEMAS
            .iter()
            .find(|s| s.id == urn)
            .is_some_and(|def| def.attributes.iter().any(|a| a.name.eq_ignore_ascii_case(name)))
    };
    let urns = schema_urns(resource_type_id);
    let (core, extensions) = urns.split_first()?;
    if declares(core) {
        return None;
    }
    let mut found = extensions.iter().filter(|urn| declares(urn));
    let first = found.next()?;
    found.next().is_none().then_some(*first)
}

struct ResourceTypeDef {
    id: &'static str,
    endpoint: &'static str,
    description: &'static str,
    schema: &'static str,
    /// (schema URN, required)
    extensions: &'static [(&'static str, bool)],
}

impl ResourceTypeDef {
    fn to_json(&self, base: &str) -> Value {
        let extensions: Vec<Value> = self
            .extensions
            .iter()
            .map(|(urn, required)| json!({"schema": urn, "required": required}))
            .collect();
        json!({
            "schemas": [schema::RESOURCE_TYPE],
            "id": self.id,
            "name": self.id,
            "endpoint": self.endpoint,
            "description": self.description,
            "schema": self.schema,
            "schemaExtensions": extensions,
            "meta": {
                "resourceType": "ResourceType",
                "location": format!("{base}/ResourceTypes/{}", self.id),
            },
        })
    }
}

const RESOURCE_TYPES: &[ResourceTypeDef] = &[
    ResourceTypeDef {
        id: "User",
        endpoint: "/Users",
        description: "User Account",
        schema: schema::USER,
        extensions: &[
            (schema::ENTERPRISE_USER, false),
            (AZURE_ON_PREM_DATA_USER, false),
            (B2C_USER_PROFILE, false),
        ],
    },
    ResourceTypeDef {
        id: "Group",
        endpoint: "/Groups",
        description: "Group",
        schema: schema::GROUP,
        extensions: &[(AZURE_AD_GROUP, false)],
    },
];

struct SchemaDef {
    id: &'static str,
    name: &'static str,
    description: &'static str,
    attributes: &'static [Attr],
}

impl SchemaDef {
    fn to_json(&self, base: &str) -> Value {
        json!({
            "schemas": [schema::SCHEMA],
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "attributes": self.attributes.iter().copied().map(Attr::to_json).collect::<Vec<_>>(),
            "meta": {
                "resourceType": "Schema",
                "location": format!("{base}/Schemas/{}", self.id),
            },
        })
    }
}

// ---- The attribute DSL: one constructor per type with the RFC 7643 §2.2 defaults (optional,
// single-valued, case-insensitive, readWrite, returned by default, no uniqueness), then
// modifiers for whatever differs.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Type {
    String,
    Boolean,
    DateTime,
    Reference,
    Complex,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Returned {
    Default,
    Never,
    Request,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Uniqueness {
    None,
    Server,
}

#[derive(Clone, Copy, Debug)]
struct Attr {
    name: &'static str,
    ty: Type,
    description: &'static str,
    multi_valued: bool,
    required: bool,
    case_exact: bool,
    mutability: Mutability,
    returned: Returned,
    uniqueness: Uniqueness,
    canonical_values: &'static [&'static str],
    reference_types: &'static [&'static str],
    sub_attributes: &'static [Attr],
}

const fn attr(name: &'static str, ty: Type, description: &'static str) -> Attr {
    Attr {
        name,
        ty,
        description,
        multi_valued: false,
        required: false,
        case_exact: false,
        mutability: Mutability::ReadWrite,
        returned: Returned::Default,
        uniqueness: Uniqueness::None,
        canonical_values: &[],
        reference_types: &[],
        sub_attributes: &[],
    }
}

const fn string(name: &'static str, description: &'static str) -> Attr {
    attr(name, Type::String, description)
}

const fn boolean(name: &'static str, description: &'static str) -> Attr {
    attr(name, Type::Boolean, description)
}

const fn date_time(name: &'static str, description: &'static str) -> Attr {
    attr(name, Type::DateTime, description)
}

const fn reference(
    name: &'static str,
    reference_types: &'static [&'static str],
    description: &'static str,
) -> Attr {
    let mut a = attr(name, Type::Reference, description);
    a.reference_types = reference_types;
    a
}

const fn complex(
    name: &'static str,
    sub_attributes: &'static [Attr],
    description: &'static str,
) -> Attr {
    let mut a = attr(name, Type::Complex, description);
    a.sub_attributes = sub_attributes;
    a
}

impl Attr {
    const fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }

    const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    const fn read_only(mut self) -> Self {
        self.mutability = Mutability::ReadOnly;
        self
    }

    const fn immutable(mut self) -> Self {
        self.mutability = Mutability::Immutable;
        self
    }

    const fn write_only(mut self) -> Self {
        self.mutability = Mutability::WriteOnly;
        self
    }

    const fn never_returned(mut self) -> Self {
        self.returned = Returned::Never;
        self
    }

    /// Returned only when `attributes` names it (RFC 7643 §7): for what costs a Graph request.
    const fn on_request(mut self) -> Self {
        self.returned = Returned::Request;
        self
    }

    const fn unique(mut self) -> Self {
        self.uniqueness = Uniqueness::Server;
        self
    }

    const fn canonical(mut self, values: &'static [&'static str]) -> Self {
        self.canonical_values = values;
        self
    }

    /// Every characteristic is written out, defaults included: strict clients deserialise
    /// attribute definitions into types whose fields they expect to find.
    fn to_json(self) -> Value {
        let mut a = Map::new();
        a.insert("name".into(), self.name.into());
        a.insert("type".into(), self.ty.as_str().into());
        a.insert("multiValued".into(), self.multi_valued.into());
        a.insert("description".into(), self.description.into());
        a.insert("required".into(), self.required.into());
        a.insert("caseExact".into(), self.case_exact.into());
        a.insert("mutability".into(), self.mutability.as_str().into());
        a.insert("returned".into(), self.returned.as_str().into());
        a.insert("uniqueness".into(), self.uniqueness.as_str().into());
        if !self.canonical_values.is_empty() {
            a.insert("canonicalValues".into(), self.canonical_values.into());
        }
        if self.ty == Type::Reference {
            a.insert("referenceTypes".into(), self.reference_types.into());
        }
        if self.ty == Type::Complex {
            let subs = self
                .sub_attributes
                .iter()
                .copied()
                .map(Attr::to_json)
                .collect();
            a.insert("subAttributes".into(), Value::Array(subs));
        }
        Value::Object(a)
    }
}

impl Type {
    fn as_str(self) -> &'static str {
        match self {
            Type::String => "string",
            Type::Boolean => "boolean",
            Type::DateTime => "dateTime",
            Type::Reference => "reference",
            Type::Complex => "complex",
        }
    }
}

impl Mutability {
    fn as_str(self) -> &'static str {
        match self {
            Mutability::ReadOnly => "readOnly",
            Mutability::ReadWrite => "readWrite",
            Mutability::Immutable => "immutable",
            Mutability::WriteOnly => "writeOnly",
        }
    }
}

impl Returned {
    fn as_str(self) -> &'static str {
        match self {
            Returned::Default => "default",
            Returned::Never => "never",
            Returned::Request => "request",
        }
    }
}

impl Uniqueness {
    fn as_str(self) -> &'static str {
        match self {
            Uniqueness::None => "none",
            Uniqueness::Server => "server",
        }
    }
}

/// The sub-attributes of our multi-valued attributes (RFC 7643 §2.4), around their own `value`
/// and `type` vocabulary. No `display`: Graph keeps none. No `primary` either: Graph keeps one
/// property per type (`mail`, `mobilePhone`, ...), not a flag, so the type is what a value is.
const fn typed_value(value: Attr, types: &'static [&'static str]) -> [Attr; 2] {
    [
        value,
        string("type", "A label indicating the attribute's function.").canonical(types),
    ]
}

// ---- The schemas. The core ones follow RFC 7643 §8.7.1, trimmed to the attributes
// `resource::User` and `resource::Group` carry (the common `id`, `externalId` and `meta` are
// defined by §3.1 and, as in the RFC's own listing, not repeated here).

const SCHEMAS: &[SchemaDef] = &[
    SchemaDef {
        id: schema::USER,
        name: "User",
        description: "User Account",
        attributes: USER_ATTRIBUTES,
    },
    SchemaDef {
        id: schema::ENTERPRISE_USER,
        name: "EnterpriseUser",
        description: "Enterprise User",
        attributes: ENTERPRISE_USER_ATTRIBUTES,
    },
    SchemaDef {
        id: AZURE_ON_PREM_DATA_USER,
        name: "AzureOnPremDataUser",
        description: "Microsoft Entra ID on-premises data of a User",
        attributes: AZURE_ON_PREM_DATA_ATTRIBUTES,
    },
    SchemaDef {
        id: B2C_USER_PROFILE,
        name: "UserProfile",
        description: "Azure AD B2C sign-in identities of a User",
        attributes: B2C_USER_PROFILE_ATTRIBUTES,
    },
    SchemaDef {
        id: schema::GROUP,
        name: "Group",
        description: "Group",
        attributes: GROUP_ATTRIBUTES,
    },
    SchemaDef {
        id: AZURE_AD_GROUP,
        name: "AzureAdGroup",
        description: "Microsoft Entra ID properties of a Group",
        attributes: AZURE_AD_GROUP_ATTRIBUTES,
    },
];

/// Graph's `mail` is the work address; `otherMails`, the others.
const EMAIL_TYPES: &[&str] = &["work", "other"];

const USER_ATTRIBUTES: &[Attr] = &[
    string(
        "userName",
        "Unique identifier for the User, used by the user to sign in; the userPrincipalName in Microsoft Entra ID.",
    )
    .required()
    .unique(),
    complex(
        "name",
        &[
            string("familyName", "The family name, or last name in most Western languages (Graph: surname)."),
            string("givenName", "The given name, or first name in most Western languages (Graph: givenName)."),
        ],
        "The components of the user's real name. Graph keeps no formatted name: displayName is the one shown.",
    ),
    string("displayName", "The name of the User, suitable for display to end-users."),
    string("title", "The user's title, such as 'Vice President'."),
    string(
        "userType",
        "The relationship between the organization and the user; Microsoft Entra ID knows 'Member' and 'Guest'.",
    )
    .canonical(&["Member", "Guest"]),
    string("preferredLanguage", "The User's preferred written or spoken language."),
    boolean("active", "The User's administrative status."),
    string("password", "The User's cleartext password, to set an initial or new one.")
        .write_only()
        .never_returned(),
    complex(
        "emails",
        &typed_value(string("value", "Email address for the user."), EMAIL_TYPES),
        "Email addresses for the user.",
    )
    .multi(),
    complex(
        "phoneNumbers",
        &typed_value(
            string("value", "Phone number of the User."),
            // Graph's businessPhones (its first), mobilePhone and faxNumber.
            &["work", "mobile", "fax"],
        ),
        "Phone numbers for the User.",
    )
    .multi(),
    complex(
        "addresses",
        &[
            string(
                "formatted",
                "The full mailing address, formatted for display; for the 'other' address, the user's office (Graph: officeLocation).",
            ),
            string("streetAddress", "The full street address component."),
            string("locality", "The city or locality component."),
            string("region", "The state or region component."),
            string("postalCode", "The zip code or postal code component."),
            string("country", "The country name component."),
            string("type", "'work': the user's work address; 'other': the office location.").canonical(&["work", "other"]),
        ],
        "Physical mailing addresses for this User.",
    )
    .multi(),
    complex(
        "groups",
        &[
            string("value", "The identifier of the User's group.").read_only(),
            reference(
                "$ref",
                &["User", "Group"],
                "The URI of the corresponding Group resource.",
            )
            .read_only(),
            string("display", "A human-readable name of the group.").read_only(),
            string("type", "Whether the membership is direct or indirect.")
                .canonical(&["direct", "indirect"])
                .read_only(),
        ],
        "The groups the user belongs to, directly or through nested groups.",
    )
    .multi()
    .read_only(),
    // The connector's additions: Graph user properties with no home in SCIM's core or
    // enterprise schemas. The SCIM-Graph bridge emits them at the top level, where the
    // warehouse's attribute maps read them, under their Graph names unless the seeds' tables
    // read another (startDateTime, endDateTime, manager), and reads them back on writes.
    string("city", "The city of the user's work address (Graph: city)."),
    string("state", "The state or province of the user's work address (Graph: state)."),
    string("country", "The country or region of the user's work address (Graph: country)."),
    string("companyName", "The name of the company the user works for (Graph: companyName)."),
    string(
        "employeeType",
        "The kind of worker, e.g. 'Employee', 'Contractor' (Graph: employeeType).",
    ),
    string(
        "usageLocation",
        "Two-letter ISO 3166 country code where the user's licensed services are used (Graph: usageLocation); one of the canonical values.",
    )
    .canonical(crate::country::COUNTRY_CODES),
    date_time(
        "startDateTime",
        "When the user was hired or will start work (Graph: employeeHireDate).",
    ),
    date_time(
        "endDateTime",
        "When the user left or will leave the organization (Graph: employeeLeaveDateTime). Returned only when asked for: Graph serves it only to an app holding User-LifeCycleInfo.Read.All, and writing it takes User-LifeCycleInfo.ReadWrite.All.",
    )
    .on_request(),
    // Read-only: a second writable spelling would leave a replacement that drops one of the
    // two ambiguous. A PATCH naming a bare `manager` still reaches the enterprise one (see
    // `patch::AttributeRules::extension_declaring`), which this mirrors.
    string(
        "manager",
        "The id of the user's manager, as the Entra attribute table reads it: a mirror of the enterprise extension's manager.value, which is the one to write.",
    )
    .read_only(),
    complex(
        "employeeOrgData",
        &[
            string("division", "The division the user belongs to."),
            string("costCenter", "The cost center the user is associated with."),
        ],
        "The organization data of the user (Graph: employeeOrgData).",
    ),
    // The mailbox's automatic replies (Graph: mailboxSettings.automaticRepliesSetting), flat
    // at the top level where the Entra attribute table reads them. Exchange Online keeps them,
    // not the directory: reading them costs a Graph request a user (MailboxSettings.Read), so
    // they are returned only when asked for, and users without a mailbox have none.
    string("status", "Whether the mailbox sends automatic replies. Returned only when asked for: reading it takes MailboxSettings.Read.")
        .canonical(&["disabled", "alwaysEnabled", "scheduled"])
        .read_only()
        .on_request(),
    string(
        "externalAudience",
        "Who outside the organization receives the external automatic reply. Returned only when asked for: reading it takes MailboxSettings.Read.",
    )
    .canonical(&["none", "contactsOnly", "all"])
    .read_only()
    .on_request(),
    date_time(
        "scheduledStartDateTime",
        "When scheduled automatic replies begin; without an offset when the mailbox keeps the time in a zone other than UTC. Returned only when asked for: reading it takes MailboxSettings.Read.",
    )
    .read_only()
    .on_request(),
    date_time(
        "scheduledEndDateTime",
        "When scheduled automatic replies end; without an offset when the mailbox keeps the time in a zone other than UTC. Returned only when asked for: reading it takes MailboxSettings.Read.",
    )
    .read_only()
    .on_request(),
    string(
        "internalReplyMessage",
        "The automatic reply sent inside the organization (HTML as the mailbox keeps it). Returned only when asked for: reading it takes MailboxSettings.Read.",
    )
    .read_only()
    .on_request(),
    string(
        "externalReplyMessage",
        "The automatic reply sent to the external audience (HTML as the mailbox keeps it). Returned only when asked for: reading it takes MailboxSettings.Read.",
    )
    .read_only()
    .on_request(),
];

const ENTERPRISE_USER_ATTRIBUTES: &[Attr] = &[
    string(
        "employeeNumber",
        "Numeric or alphanumeric identifier assigned to a person by the organization.",
    ),
    string("costCenter", "Identifies the name of a cost center."),
    string("organization", "Identifies the name of an organization."),
    string("division", "Identifies the name of a division."),
    string("department", "Identifies the name of a department."),
    complex(
        "manager",
        &[
            string(
                "value",
                "The id of the SCIM resource representing the User's manager.",
            ),
            reference(
                "$ref",
                &["User"],
                "The URI of the SCIM resource representing the User's manager.",
            ),
            string("displayName", "The displayName of the User's manager.").read_only(),
        ],
        "The User's manager.",
    ),
];

const AZURE_ON_PREM_DATA_ATTRIBUTES: &[Attr] = &[complex(
    "onPremisesExtensionAttributes",
    &[
        string("extensionAttribute1", "Extension attribute 1."),
        string("extensionAttribute2", "Extension attribute 2."),
        string("extensionAttribute3", "Extension attribute 3."),
        string("extensionAttribute4", "Extension attribute 4."),
        string("extensionAttribute5", "Extension attribute 5."),
        string("extensionAttribute6", "Extension attribute 6."),
        string("extensionAttribute7", "Extension attribute 7."),
        string("extensionAttribute8", "Extension attribute 8."),
        string("extensionAttribute9", "Extension attribute 9."),
        string("extensionAttribute10", "Extension attribute 10."),
        string("extensionAttribute11", "Extension attribute 11."),
        string("extensionAttribute12", "Extension attribute 12."),
        string("extensionAttribute13", "Extension attribute 13."),
        string("extensionAttribute14", "Extension attribute 14."),
        string("extensionAttribute15", "Extension attribute 15."),
    ],
    "The fifteen Exchange extension attributes, synced from on-premises Active Directory or set in the cloud (Graph: onPremisesExtensionAttributes).",
)];

const B2C_USER_PROFILE_ATTRIBUTES: &[Attr] = &[complex(
    "identities",
    &[
        string("signInType", "How the user signs in with this identity.").canonical(&[
            "emailAddress",
            "userName",
            "federated",
            "userPrincipalName",
        ]),
        string(
            "issuer",
            "The issuer of the identity: the tenant's domain for local accounts, else e.g. 'facebook.com'.",
        ),
        string(
            "issuerAssignedId",
            "The identifier the issuer assigned to the user; the sign-in name of a local account. Unique per issuer.",
        ),
    ],
    "The identities the user can sign in with (Graph: identities).",
)
.multi()];

const GROUP_ATTRIBUTES: &[Attr] = &[
    // The RFC's listing says optional, but its §4.2 text says REQUIRED and we refuse a Group
    // without one (Graph requires it too): the schema tells clients what we enforce.
    string("displayName", "A human-readable name for the Group.").required(),
    complex(
        "members",
        &[
            string("value", "Identifier of the member of this Group.").immutable(),
            reference(
                "$ref",
                &["User", "Group"],
                "The URI of the corresponding member resource of this Group.",
            )
            .immutable(),
            // Read-only: what a caller sends is ignored; the name is the member's own, as the
            // directory has it.
            string("display", "A human-readable name of the member, as the directory has it.").read_only(),
            string("type", "The type of the member.")
                .canonical(&["User", "Group"])
                .immutable(),
        ],
        "A list of members of the Group.",
    )
    .multi(),
];

const AZURE_AD_GROUP_ATTRIBUTES: &[Attr] = &[
    boolean("securityEnabled", "Whether the group is a security group."),
    boolean("mailEnabled", "Whether the group is mail-enabled."),
    string(
        "groupTypes",
        "The group's type and membership: 'Unified' for a Microsoft 365 group, 'DynamicMembership' for rule-based membership.",
    )
    .canonical(&["Unified", "DynamicMembership"])
    .multi(),
    string("mailNickname", "The mail alias of the group."),
    string("description", "A description of the group."),
    complex(
        "owners",
        &[
            string("value", "Identifier of the owner: a user or a service principal.").immutable(),
            reference("$ref", &["User"], "The URI of the owner's resource, when it is a User.").immutable(),
            string("display", "A human-readable name of the owner, as the directory has it.").read_only(),
            string("type", "The type of the owner: User, or Graph's type name for others (servicePrincipal).")
                .canonical(&["User", "servicePrincipal"])
                .immutable(),
        ],
        "The group's owners. Returned only when asked for (attributes=owners): reading them costs a Graph request.",
    )
    .multi()
    .on_request(),
    complex(
        "ownersToAdd",
        &[
            string("value", "Identifier of a user or service principal to make an owner.").write_only(),
            reference("$ref", &["User"], "The URI of the User to make an owner; its last segment is the id when value is absent.")
                .write_only(),
        ],
        "Owners to add, as the B2C connector's PATCH sends them; write-only.",
    )
    .multi()
    .write_only()
    .never_returned(),
    complex(
        "ownersToRemove",
        &[
            string("value", "Identifier of an owner to remove.").write_only(),
            reference("$ref", &["User"], "The URI of the User to remove as owner; its last segment is the id when value is absent.")
                .write_only(),
        ],
        "Owners to remove, as the B2C connector's PATCH sends them; write-only.",
    )
    .multi()
    .write_only()
    .never_returned(),
];

#[cfg(test)]
mod tests;
