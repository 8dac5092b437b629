//! The user, group and directory audit resources as Graph v1.0 describes them: which
//! properties exist, their types, which are in the default `$select` set, and how each may be
//! filtered or sorted. One table per resource, read by the OData parser, the tenant and the
//! JSON writer alike.

/// The EDM type of a property, as far as filtering and validation care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Bool,
    /// `Edm.DateTimeOffset`: compared as ISO 8601 text, written unquoted in `$filter`.
    DateTime,
    StringCollection,
    /// A complex type (an object); only the sub-properties listed in [`SUB_PROPERTIES`] filter.
    Complex,
    /// A collection of complex values: filtered with `any(t: t/member ...)` on the members
    /// its resource lists as sub-properties.
    ComplexCollection,
    /// Collections of complex types and other shapes the emulator stores but never filters.
    Other,
}

impl Kind {
    pub fn edm_name(self) -> &'static str {
        match self {
            Kind::String => "Edm.String",
            Kind::Bool => "Edm.Boolean",
            Kind::DateTime => "Edm.DateTimeOffset",
            Kind::StringCollection => "Collection(Edm.String)",
            Kind::ComplexCollection => "Collection(Complex)",
            Kind::Complex | Kind::Other => "Complex",
        }
    }
}

/// How a property takes part in `$filter` (and, by the same index, `$orderby`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// Not at all: Graph answers `Request_UnsupportedQuery`.
    None,
    /// `eq`, `in`, `startswith` (and `any` for collections) without advanced query parameters.
    Default,
    /// Only with `ConsistencyLevel: eventual` and `$count=true`.
    Advanced,
}

#[derive(Debug)]
pub struct Property {
    pub name: &'static str,
    pub kind: Kind,
    pub filter: Support,
    pub orderby: Support,
    /// Graph sets these itself; a request body may not.
    pub read_only: bool,
}

const fn p(name: &'static str, kind: Kind, filter: Support, orderby: Support) -> Property {
    Property {
        name,
        kind,
        filter,
        orderby,
        read_only: false,
    }
}

const fn ro(name: &'static str, kind: Kind, filter: Support, orderby: Support) -> Property {
    Property {
        name,
        kind,
        filter,
        orderby,
        read_only: true,
    }
}

use Kind::*;
use Support::{Advanced as Adv, Default as Def, None as No};

/// One entity type: its property table and the OData facts that go with it.
#[derive(Debug)]
pub struct Resource {
    /// The type's name in `microsoft.graph.{name}` and in `@odata.type`.
    pub name: &'static str,
    /// The name Graph's directory errors use ("... of resource 'User'").
    pub label: &'static str,
    pub properties: &'static [Property],
    /// What reads return without `$select`, in Graph's order.
    pub default_select: &'static [&'static str],
    pub sub_properties: &'static [(&'static str, &'static [&'static str])],
    /// Navigation properties: accepted in `$select` (and not written, as Graph does).
    pub navigation: &'static [&'static str],
    /// The navigation properties `$expand` can follow.
    pub expandable: &'static [&'static str],
    /// Types derived from this one: a `directoryObject` collection holds users and groups,
    /// so its `$select` may name the properties of either.
    pub derived: &'static [&'static Resource],
    /// `$top` when absent, and the largest `$top` Graph accepts.
    pub default_page: usize,
    pub max_page: usize,
    /// Directory objects have Graph's advanced queries (`ConsistencyLevel: eventual` with
    /// `$count`); other collections do not, so ranges on their dates are plain filters and
    /// whatever would need the advanced mode is refused outright.
    pub advanced_queries: bool,
}

impl Resource {
    /// Property names in OData URLs are matched case-insensitively by Graph.
    pub fn property(&self, name: &str) -> Option<&'static Property> {
        self.properties
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .or_else(|| self.derived.iter().find_map(|d| d.property(name)))
    }

    pub fn sub_property(&self, parent: &str, child: &str) -> Option<&'static str> {
        self.sub_properties
            .iter()
            .find(|(p, _)| *p == parent)
            .and_then(|(_, children)| {
                children
                    .iter()
                    .find(|c| c.eq_ignore_ascii_case(child))
                    .copied()
            })
    }

    pub fn navigation(&self, name: &str) -> Option<&'static str> {
        self.navigation
            .iter()
            .find(|n| n.eq_ignore_ascii_case(name))
            .copied()
            .or_else(|| self.derived.iter().find_map(|d| d.navigation(name)))
    }

    /// Whether `name` (canonical) is a property of this very type, not of a derived one.
    pub fn owns(&self, name: &str) -> bool {
        is_extension(name) || self.properties.iter().any(|p| p.name == name)
    }

    /// `#microsoft.graph.user`, as written in `@odata.type`.
    pub fn odata_type(&self) -> std::string::String {
        format!("#microsoft.graph.{}", self.name)
    }
}

/// Graph's page size for directory objects when `$top` is absent, and its ceiling.
pub const DIRECTORY_PAGE: usize = 100;
pub const MAX_DIRECTORY_PAGE: usize = 999;

/// Every user property the emulator knows, in the order full objects are written.
/// Filter support follows the user resource page's "Supports $filter" notes for v1.0,
/// simplified to the two levels the emulator distinguishes.
pub const USER_PROPERTIES: &[Property] = &[
    ro("id", String, Def, Adv),
    p("accountEnabled", Bool, Def, Adv),
    p("ageGroup", String, Def, No),
    p("businessPhones", StringCollection, No, No),
    p("city", String, Def, Adv),
    p("companyName", String, Def, Adv),
    p("country", String, Def, Adv),
    ro("createdDateTime", DateTime, Adv, Adv),
    p("creationType", String, Def, No),
    // Filters and sorts deleted items, as an advanced query.
    ro("deletedDateTime", DateTime, Adv, Adv),
    p("department", String, Def, Adv),
    p("displayName", String, Def, Def),
    p("employeeHireDate", DateTime, Adv, No),
    p("employeeId", String, Def, No),
    p("employeeLeaveDateTime", DateTime, Adv, No),
    p("employeeOrgData", Complex, Adv, No),
    p("employeeType", String, Def, No),
    ro("externalUserState", String, Def, No),
    ro("externalUserStateChangeDateTime", DateTime, Def, No),
    p("faxNumber", String, Def, No),
    p("givenName", String, Def, Adv),
    // Filtered only through `identities/any(...)` on issuer and issuerAssignedId, by Graph's
    // objectIdentity rules (see odata).
    p("identities", ComplexCollection, Def, No),
    p("imAddresses", StringCollection, Def, No),
    p("jobTitle", String, Def, Adv),
    ro("lastPasswordChangeDateTime", DateTime, No, No),
    p("mail", String, Def, Adv),
    p("mailNickname", String, Def, Adv),
    p("mobilePhone", String, Adv, No),
    p("officeLocation", String, Def, Adv),
    p("onPremisesDistinguishedName", String, No, No),
    p("onPremisesDomainName", String, No, No),
    p("onPremisesExtensionAttributes", Complex, Adv, No),
    p("onPremisesImmutableId", String, Def, No),
    ro("onPremisesLastSyncDateTime", DateTime, Def, No),
    p("onPremisesSamAccountName", String, Def, No),
    p("onPremisesSecurityIdentifier", String, Def, No),
    p("onPremisesSyncEnabled", Bool, Def, No),
    p("onPremisesUserPrincipalName", String, Def, No),
    p("otherMails", StringCollection, Def, No),
    p("passwordPolicies", String, Def, No),
    // Write-only in practice: Graph always reads it back as null.
    p("passwordProfile", Other, No, No),
    p("postalCode", String, Def, Adv),
    p("preferredDataLocation", String, No, No),
    p("preferredLanguage", String, Def, No),
    p("proxyAddresses", StringCollection, Def, No),
    ro("securityIdentifier", String, Def, No),
    p("showInAddressList", Bool, Def, No),
    p("state", String, Def, Adv),
    p("streetAddress", String, Adv, No),
    p("surname", String, Def, Adv),
    p("usageLocation", String, Def, Adv),
    p("userPrincipalName", String, Def, Def),
    p("userType", String, Def, No),
];

/// What `GET /users` returns without `$select`, in Graph's order.
pub const DEFAULT_SELECT: &[&str] = &[
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

/// Filterable members of complex properties (`parent/child` in `$filter`), all advanced,
/// and the members of `identities` (objectIdentity).
pub const SUB_PROPERTIES: &[(&str, &[&str])] = &[
    ("identities", &["signInType", "issuer", "issuerAssignedId"]),
    ("employeeOrgData", &["division", "costCenter"]),
    (
        "onPremisesExtensionAttributes",
        &[
            "extensionAttribute1",
            "extensionAttribute2",
            "extensionAttribute3",
            "extensionAttribute4",
            "extensionAttribute5",
            "extensionAttribute6",
            "extensionAttribute7",
            "extensionAttribute8",
            "extensionAttribute9",
            "extensionAttribute10",
            "extensionAttribute11",
            "extensionAttribute12",
            "extensionAttribute13",
            "extensionAttribute14",
            "extensionAttribute15",
        ],
    ),
];

/// Navigation properties: accepted in `$select` (and silently not written, as Graph does)
/// but only `manager` can be expanded.
pub const NAVIGATION_PROPERTIES: &[&str] = &["manager", "directReports", "memberOf"];

pub static USER: Resource = Resource {
    name: "user",
    label: "User",
    properties: USER_PROPERTIES,
    default_select: DEFAULT_SELECT,
    sub_properties: SUB_PROPERTIES,
    navigation: NAVIGATION_PROPERTIES,
    expandable: &["manager"],
    derived: &[],
    default_page: DIRECTORY_PAGE,
    max_page: MAX_DIRECTORY_PAGE,
    advanced_queries: true,
};

/// Every group property the emulator knows, in the order Graph writes them. Filter support
/// follows the group resource page and the advanced-query tables for v1.0; `displayName`
/// sorts by default, `deletedDateTime` (deleted items) as an advanced query.
pub const GROUP_PROPERTIES: &[Property] = &[
    ro("id", String, Def, No),
    ro("deletedDateTime", DateTime, No, Adv),
    p("classification", String, Def, No),
    ro("createdDateTime", DateTime, Adv, No),
    ro("creationOptions", StringCollection, No, No),
    p("description", String, Def, No),
    p("displayName", String, Def, Def),
    ro("expirationDateTime", DateTime, Adv, No),
    p("groupTypes", StringCollection, Def, No),
    p("isAssignableToRole", Bool, Def, No),
    ro("mail", String, Def, No),
    p("mailEnabled", Bool, Def, No),
    p("mailNickname", String, Def, No),
    p("membershipRule", String, Def, No),
    p("membershipRuleProcessingState", String, Def, No),
    ro("onPremisesDomainName", String, No, No),
    ro("onPremisesLastSyncDateTime", DateTime, Def, No),
    ro("onPremisesNetBiosName", String, No, No),
    ro("onPremisesSamAccountName", String, Def, No),
    ro("onPremisesSecurityIdentifier", String, Def, No),
    ro("onPremisesSyncEnabled", Bool, Def, No),
    p("preferredDataLocation", String, No, No),
    p("preferredLanguage", String, Def, No),
    ro("proxyAddresses", StringCollection, Def, No),
    ro("renewedDateTime", DateTime, Adv, No),
    p("resourceBehaviorOptions", StringCollection, No, No),
    p("resourceProvisioningOptions", StringCollection, No, No),
    p("securityEnabled", Bool, Def, No),
    ro("securityIdentifier", String, No, No),
    p("theme", String, No, No),
    p("visibility", String, No, No),
    ro("onPremisesProvisioningErrors", Other, No, No),
    ro("serviceProvisioningErrors", Other, No, No),
    // Returned only on `$select`.
    ro("assignedLicenses", Other, No, No),
];

/// What `GET /groups` returns without `$select`, in Graph's order: every property above
/// except the `$select`-only ones.
pub const GROUP_DEFAULT_SELECT: &[&str] = &[
    "id",
    "deletedDateTime",
    "classification",
    "createdDateTime",
    "creationOptions",
    "description",
    "displayName",
    "expirationDateTime",
    "groupTypes",
    "isAssignableToRole",
    "mail",
    "mailEnabled",
    "mailNickname",
    "membershipRule",
    "membershipRuleProcessingState",
    "onPremisesDomainName",
    "onPremisesLastSyncDateTime",
    "onPremisesNetBiosName",
    "onPremisesSamAccountName",
    "onPremisesSecurityIdentifier",
    "onPremisesSyncEnabled",
    "preferredDataLocation",
    "preferredLanguage",
    "proxyAddresses",
    "renewedDateTime",
    "resourceBehaviorOptions",
    "resourceProvisioningOptions",
    "securityEnabled",
    "securityIdentifier",
    "theme",
    "visibility",
    "onPremisesProvisioningErrors",
    "serviceProvisioningErrors",
];

pub static GROUP: Resource = Resource {
    name: "group",
    label: "Group",
    properties: GROUP_PROPERTIES,
    default_select: GROUP_DEFAULT_SELECT,
    sub_properties: &[],
    navigation: &[
        "members",
        "owners",
        "memberOf",
        "transitiveMembers",
        "transitiveMemberOf",
    ],
    expandable: &["members", "owners"],
    derived: &[],
    default_page: DIRECTORY_PAGE,
    max_page: MAX_DIRECTORY_PAGE,
    advanced_queries: true,
};

/// The members of a group, the groups of a user: collections of users and groups.
pub static DIRECTORY_OBJECT: Resource = Resource {
    name: "directoryObject",
    label: "DirectoryObject",
    properties: &[],
    default_select: &[],
    sub_properties: &[],
    navigation: &[],
    expandable: &[],
    derived: &[&USER, &GROUP],
    default_page: DIRECTORY_PAGE,
    max_page: MAX_DIRECTORY_PAGE,
    advanced_queries: true,
};

/// A `directoryAudit` entry (auditLogs/directoryAudits). Filters follow the resource page:
/// `activityDateTime` takes `eq`, `ge`, `le` (and the emulator also `gt`, `lt`) and sorts;
/// names and ids take `eq`, `activityDisplayName` also `startswith`; targets filter through
/// `targetResources/any(t: t/id eq '...')`.
pub static DIRECTORY_AUDIT: Resource = Resource {
    name: "directoryAudit",
    label: "DirectoryAudit",
    properties: &[
        ro("id", String, Def, No),
        ro("category", String, Def, No),
        ro("correlationId", String, Def, No),
        ro("result", String, Def, No),
        ro("resultReason", String, No, No),
        ro("activityDisplayName", String, Def, No),
        ro("activityDateTime", DateTime, Def, Def),
        ro("loggedByService", String, Def, No),
        ro("operationType", String, Def, No),
        ro("initiatedBy", Other, No, No),
        ro("targetResources", ComplexCollection, Def, No),
        ro("additionalDetails", Other, No, No),
    ],
    default_select: &[
        "id",
        "category",
        "correlationId",
        "result",
        "resultReason",
        "activityDisplayName",
        "activityDateTime",
        "loggedByService",
        "operationType",
        "initiatedBy",
        "targetResources",
        "additionalDetails",
    ],
    sub_properties: &[(
        "targetResources",
        &["id", "displayName", "type", "userPrincipalName"],
    )],
    navigation: &[],
    expandable: &[],
    derived: &[],
    // Audit logs page by a thousand, and no further.
    default_page: 1000,
    max_page: 1000,
    advanced_queries: false,
};

/// A user property by name (any case).
pub fn property(name: &str) -> Option<&'static Property> {
    USER.property(name)
}

pub fn sub_property(parent: &str, child: &str) -> Option<&'static str> {
    USER.sub_property(parent, child)
}

/// Directory (schema) extension properties, `extension_{appIdWithoutDashes}_{name}`, which
/// Azure AD B2C custom attributes use; stored and returned as given.
pub fn is_extension(name: &str) -> bool {
    name.len() > "extension_".len()
        && name.as_bytes()[..10].eq_ignore_ascii_case(b"extension_")
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_select_names_known_properties_and_lookups_ignore_case() {
        for name in DEFAULT_SELECT {
            assert!(property(name).is_some(), "{name}");
        }
        assert_eq!(
            property("USERPRINCIPALNAME").map(|p| p.name),
            Some("userPrincipalName")
        );
        assert!(property("nope").is_none());
        assert_eq!(
            sub_property("onPremisesExtensionAttributes", "EXTENSIONATTRIBUTE15"),
            Some("extensionAttribute15")
        );
        for (parent, _) in SUB_PROPERTIES {
            let kind = property(parent).map(|p| p.kind);
            assert!(
                matches!(kind, Some(Kind::Complex | Kind::ComplexCollection)),
                "{parent}"
            );
        }
    }

    #[test]
    fn group_defaults_are_group_properties_and_directory_objects_span_both_types() {
        for name in GROUP_DEFAULT_SELECT {
            assert!(GROUP.owns(name), "{name}");
        }
        assert!(!GROUP_DEFAULT_SELECT.contains(&"assignedLicenses"));
        assert_eq!(
            GROUP.property("GROUPTYPES").map(|p| p.kind),
            Some(Kind::StringCollection)
        );
        assert!(GROUP.property("userPrincipalName").is_none());
        assert_eq!(
            DIRECTORY_OBJECT
                .property("userPrincipalName")
                .map(|p| p.name),
            Some("userPrincipalName")
        );
        assert_eq!(
            DIRECTORY_OBJECT.property("securityenabled").map(|p| p.name),
            Some("securityEnabled")
        );
        assert!(USER.owns("userPrincipalName") && !GROUP.owns("userPrincipalName"));
        assert_eq!(GROUP.odata_type(), "#microsoft.graph.group");
    }
}
