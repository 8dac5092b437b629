//! Schema and message URNs (RFC 7643 §8.7, RFC 7644 §3): the strings that appear in `schemas`
//! arrays and as extension keys. One place, so a typo cannot split a resource in two.

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// The connector's User extension for Graph's `onPremisesExtensionAttributes`
/// (Exchange extensionAttribute1..15).
pub const AZURE_ON_PREM_DATA_USER: &str = "urn:ietf:params:scim:schemas:extension:azureOnPremData:2.0:User";
/// The connector's User extension for Graph's `identities`: in Azure AD B2C, the local
/// account's sign-in names.
pub const B2C_USER_PROFILE: &str = "urn:ietf:params:scim:schemas:azureAdB2C:2.0:UserProfile";
/// The connector's Group extension for the Graph group properties SCIM's core Group has no room for.
pub const AZURE_AD_GROUP: &str = "urn:ietf:params:scim:schemas:extension:azureAdGroup:2.0:Group";

pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const SEARCH_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
pub const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
pub const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

pub const SERVICE_PROVIDER_CONFIG: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
pub const RESOURCE_TYPE: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
pub const SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// Schema URNs are compared ignoring ASCII case: SCIM attribute names, URN-qualified ones
/// included, are case-insensitive (RFC 7643 §2.1, RFC 7644 §3.10).
pub fn urn_eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}
