//! The Graph user as the connector reads it: typed fields for every property it maps, plus `other`
//! for whatever else Graph sent, so a round trip through [`User`] loses nothing.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// Every property the connector reads, sent as `$select`: Graph returns only a default subset
/// without it. Properties Graph serves only on single-user GETs (aboutMe, mySite, ...) or that
/// need extra permissions (signInActivity, employeeLeaveDateTime) are left out on purpose: one
/// of those in `$select` fails the whole list request, or comes back null, depending on the
/// property. [`LIFECYCLE_PROPERTIES`] are added only when the caller says it may read them.
pub const USER_PROPERTIES: &[&str] = &[
    "id",
    "userPrincipalName",
    "displayName",
    "givenName",
    "surname",
    "mail",
    "mailNickname",
    "otherMails",
    "proxyAddresses",
    "imAddresses",
    "accountEnabled",
    "businessPhones",
    "mobilePhone",
    "faxNumber",
    "jobTitle",
    "department",
    "companyName",
    "employeeId",
    "employeeType",
    "employeeHireDate",
    "employeeOrgData",
    "officeLocation",
    "streetAddress",
    "city",
    "state",
    "postalCode",
    "country",
    "usageLocation",
    "preferredLanguage",
    "userType",
    "ageGroup",
    "creationType",
    "externalUserState",
    "identities",
    "passwordPolicies",
    "createdDateTime",
    "deletedDateTime",
    "lastPasswordChangeDateTime",
    "onPremisesExtensionAttributes",
    "onPremisesImmutableId",
    "onPremisesSamAccountName",
    "onPremisesUserPrincipalName",
    "onPremisesDistinguishedName",
    "onPremisesDomainName",
    "onPremisesSecurityIdentifier",
    "onPremisesSyncEnabled",
    "onPremisesLastSyncDateTime",
];

/// The properties only an app holding User-LifeCycleInfo.Read.All may read (writing them takes
/// User-LifeCycleInfo.ReadWrite.All); see `GraphClient::with_lifecycle_info`.
pub const LIFECYCLE_PROPERTIES: &[&str] = &["employeeLeaveDateTime"];

/// The `$expand` value that brings each user's manager along (id and name only).
pub const MANAGER_EXPAND: &str = "manager($select=id,displayName)";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct User {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail_nickname: Option<String>,
    #[serde(
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub other_mails: Vec<String>,
    #[serde(
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub proxy_addresses: Vec<String>,
    #[serde(
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub im_addresses: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_enabled: Option<bool>,
    #[serde(
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub business_phones: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fax_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_type: Option<String>,
    /// DateTimeOffset text as Graph sends it, e.g. `2024-01-15T00:00:00Z`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_hire_date: Option<String>,
    /// When the user left or will leave; only read with [`LIFECYCLE_PROPERTIES`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_leave_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_org_data: Option<EmployeeOrgData>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    /// `Member` or `Guest`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_user_state: Option<String>,
    /// Sign-in identities; in Azure AD B2C the local account's user name lives here.
    #[serde(
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub identities: Vec<ObjectIdentity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_policies: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_date_time: Option<String>,
    /// When the user went to deleted items; only deleted items carry it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_password_change_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_premises_extension_attributes: Option<OnPremisesExtensionAttributes>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_premises_immutable_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_premises_sam_account_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_premises_user_principal_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_premises_distinguished_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_premises_domain_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_premises_security_identifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_premises_sync_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_premises_last_sync_date_time: Option<String>,
    /// Present when the request expanded `manager` and the user has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manager: Option<DirectoryObjectRef>,
    /// Everything Graph sent that has no typed field (`@odata.type`, B2C extension attributes, ...).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Another directory object as an expansion names it (a manager, a member).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryObjectRef {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EmployeeOrgData {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub division: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_center: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ObjectIdentity {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_in_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_assigned_id: Option<String>,
}

/// Exchange's fifteen extension attributes, synced from on-premises AD or set in the cloud.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OnPremisesExtensionAttributes {
    pub extension_attribute1: Option<String>,
    pub extension_attribute2: Option<String>,
    pub extension_attribute3: Option<String>,
    pub extension_attribute4: Option<String>,
    pub extension_attribute5: Option<String>,
    pub extension_attribute6: Option<String>,
    pub extension_attribute7: Option<String>,
    pub extension_attribute8: Option<String>,
    pub extension_attribute9: Option<String>,
    pub extension_attribute10: Option<String>,
    pub extension_attribute11: Option<String>,
    pub extension_attribute12: Option<String>,
    pub extension_attribute13: Option<String>,
    pub extension_attribute14: Option<String>,
    pub extension_attribute15: Option<String>,
}

impl OnPremisesExtensionAttributes {
    /// Attribute `n` (1..=15), so callers can loop instead of naming fifteen fields.
    pub fn get(&self, n: u8) -> Option<&str> {
        let v = match n {
            1 => &self.extension_attribute1,
            2 => &self.extension_attribute2,
            3 => &self.extension_attribute3,
            4 => &self.extension_attribute4,
            5 => &self.extension_attribute5,
            6 => &self.extension_attribute6,
            7 => &self.extension_attribute7,
            8 => &self.extension_attribute8,
            9 => &self.extension_attribute9,
            10 => &self.extension_attribute10,
            11 => &self.extension_attribute11,
            12 => &self.extension_attribute12,
            13 => &self.extension_attribute13,
            14 => &self.extension_attribute14,
            15 => &self.extension_attribute15,
            _ => return None,
        };
        v.as_deref()
    }
}

/// Graph collections are documented non-nullable, but a `null` must not fail a whole page.
pub(crate) fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}
