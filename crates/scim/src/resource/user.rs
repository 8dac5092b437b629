//! The User resource (RFC 7643 §4.1) with the enterprise extension (§4.3) typed, and any other
//! extension (B2C's UserProfile, custom ones) kept as raw JSON under its URN.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::body::{self, Shape};
use super::common::{
    Address, EnterpriseUser, MemberRef, Meta, MultiValue, Name, lenient_bool, null_as_empty,
};
use crate::error::ScimError;
use crate::schema;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub schemas: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub active: Option<bool>,
    /// Write-only (RFC 7643 §4.1.1: `returned` is "never"): read from requests, never written out.
    #[serde(default, skip_serializing)]
    pub password: Option<String>,
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub emails: Vec<MultiValue>,
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub phone_numbers: Vec<MultiValue>,
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ims: Vec<MultiValue>,
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub photos: Vec<MultiValue>,
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub addresses: Vec<Address>,
    /// Read-only: the groups the user belongs to.
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub groups: Vec<MemberRef>,
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub entitlements: Vec<MultiValue>,
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub roles: Vec<MultiValue>,
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub x509_certificates: Vec<MultiValue>,
    #[serde(
        rename = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub enterprise: Option<EnterpriseUser>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Every other top-level member, kept as sent: extension objects under their URN, and
    /// attributes this type does not model.
    #[serde(flatten)]
    pub extensions: Map<String, Value>,
}

impl User {
    /// A user with `schemas` set to the core URN.
    pub fn new(user_name: impl Into<String>) -> Self {
        User {
            schemas: vec![schema::USER.to_string()],
            user_name: Some(user_name.into()),
            ..User::default()
        }
    }

    /// Parses a create/replace request body.
    ///
    /// - malformed JSON: 400 `invalidSyntax`, with line and column;
    /// - `schemas` present but not an array of strings, or without the core User URN: 400
    ///   `invalidSyntax`;
    /// - an attribute of the wrong type: 400 `invalidValue` naming it (`emails[0].primary`);
    /// - missing or blank `userName`: 400 `invalidValue` "userName is required".
    ///
    /// Attribute names are matched ignoring case (RFC 7643 §2.1): `UserName` is `userName`.
    pub fn from_request_body(body: &[u8]) -> Result<User, ScimError> {
        let user: User = body::parse(body, USER_SHAPE, schema::USER, "User")?;
        if user
            .user_name
            .as_deref()
            .is_none_or(|n| n.trim().is_empty())
        {
            return Err(ScimError::invalid_value("userName is required"));
        }
        Ok(user)
    }

    /// Sets `schemas` from the parts present: the core URN, the enterprise URN when
    /// `enterprise` is set, and the URN of each extension object in `extensions`.
    pub fn fill_schemas(&mut self) {
        let mut schemas = vec![schema::USER.to_string()];
        if self.enterprise.is_some() {
            schemas.push(schema::ENTERPRISE_USER.to_string());
        }
        schemas.extend(body::extension_urns(&self.extensions));
        self.schemas = schemas;
    }

    pub fn to_json(&self) -> Value {
        // Serialising this type cannot fail: every map key is a string.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// [`Self::to_json`] that moves the extension members into the result instead of copying
    /// them (an inventory converts every user of a tenant).
    pub fn into_json(mut self) -> Value {
        let extensions = std::mem::take(&mut self.extensions);
        let mut json = self.to_json();
        if let Value::Object(members) = &mut json {
            members.extend(extensions);
        }
        json
    }
}

const NAME_SHAPE: Shape = Shape::complex::<Name>(&[
    ("formatted", Shape::Leaf),
    ("familyName", Shape::Leaf),
    ("givenName", Shape::Leaf),
    ("middleName", Shape::Leaf),
    ("honorificPrefix", Shape::Leaf),
    ("honorificSuffix", Shape::Leaf),
]);

pub(super) const MULTI_VALUE_SHAPE: Shape = Shape::complex::<MultiValue>(&[
    ("value", Shape::Leaf),
    ("display", Shape::Leaf),
    ("type", Shape::Leaf),
    ("primary", Shape::Leaf),
]);

const ADDRESS_SHAPE: Shape = Shape::complex::<Address>(&[
    ("formatted", Shape::Leaf),
    ("streetAddress", Shape::Leaf),
    ("locality", Shape::Leaf),
    ("region", Shape::Leaf),
    ("postalCode", Shape::Leaf),
    ("country", Shape::Leaf),
    ("type", Shape::Leaf),
    ("primary", Shape::Leaf),
]);

const MANAGER_SHAPE: Shape = Shape::complex::<super::common::Manager>(&[
    ("value", Shape::Leaf),
    ("$ref", Shape::Leaf),
    ("displayName", Shape::Leaf),
]);

const ENTERPRISE_SHAPE: Shape = Shape::complex::<EnterpriseUser>(&[
    ("employeeNumber", Shape::Leaf),
    ("costCenter", Shape::Leaf),
    ("organization", Shape::Leaf),
    ("division", Shape::Leaf),
    ("department", Shape::Leaf),
    ("manager", MANAGER_SHAPE),
]);

pub(super) const META_SHAPE: Shape = Shape::complex::<Meta>(&[
    ("resourceType", Shape::Leaf),
    ("created", Shape::Leaf),
    ("lastModified", Shape::Leaf),
    ("location", Shape::Leaf),
    ("version", Shape::Leaf),
]);

pub(super) const MEMBER_REF_SHAPE: Shape = Shape::complex::<MemberRef>(&[
    ("value", Shape::Leaf),
    ("display", Shape::Leaf),
    ("$ref", Shape::Leaf),
    ("type", Shape::Leaf),
]);

/// Every member `User` serialises under, with the shape of its value. A test checks this
/// against the serde names, so the two cannot drift apart.
pub(super) const USER_SHAPE: Shape = Shape::complex::<User>(&[
    ("schemas", Shape::Leaf),
    ("id", Shape::Leaf),
    ("externalId", Shape::Leaf),
    ("userName", Shape::Leaf),
    ("name", NAME_SHAPE),
    ("displayName", Shape::Leaf),
    ("nickName", Shape::Leaf),
    ("profileUrl", Shape::Leaf),
    ("title", Shape::Leaf),
    ("userType", Shape::Leaf),
    ("preferredLanguage", Shape::Leaf),
    ("locale", Shape::Leaf),
    ("timezone", Shape::Leaf),
    ("active", Shape::Leaf),
    ("password", Shape::Leaf),
    ("emails", MULTI_VALUE_SHAPE),
    ("phoneNumbers", MULTI_VALUE_SHAPE),
    ("ims", MULTI_VALUE_SHAPE),
    ("photos", MULTI_VALUE_SHAPE),
    ("addresses", ADDRESS_SHAPE),
    ("groups", MEMBER_REF_SHAPE),
    ("entitlements", MULTI_VALUE_SHAPE),
    ("roles", MULTI_VALUE_SHAPE),
    ("x509Certificates", MULTI_VALUE_SHAPE),
    (schema::ENTERPRISE_USER, ENTERPRISE_SHAPE),
    ("meta", META_SHAPE),
]);
