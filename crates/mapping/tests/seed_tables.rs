//! The shipped maps are the specification's tables: each seed row is quoted here verbatim (copied
//! from the seed documents), and each built-in map must have exactly those rows, in order.

use mapping::{AttributeMap, Builtin};

/// The EntraID connector's "Attribute Mapping" table (EntraID attribute | EmpowerID Person
/// attribute), rows as the seed writes them.
const ENTRA_USER_TO_PERSON: &str = "\
profileUrl | AboutMe |
active | Active |
phoneNumbers[?@.type=='work'].value | BusinessPhone |
city | City |
companyName | Company |
employeeOrgData.costCenter | CostCenter |
country | Country |
usageLocation | CustomAttribute10 |
['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].['department'] | Department |
description | Description |
employeeOrgData.division | Division |
endDateTime | effectiveEndDate |
startDateTime | EffectiveStartDate |
emails[?@.type=='work'].value | |
externalId | EmailAlias |
['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].['employeeNumber'] | EmployeeID |
employeeType | EmployeeType |
['urn:ietf:params:scim:schemas:extension:azureOnPremData:2.0:User'].['onPremisesExtensionAttributes'].['extensionAttribute1'] | ExtensionAttribute1 |
['urn:ietf:params:scim:schemas:extension:azureOnPremData:2.0:User'].['onPremisesExtensionAttributes'].['extensionAttribute10'] | ExtensionAttribute10 |
['urn:ietf:params:scim:schemas:extension:azureOnPremData:2.0:User'].['onPremisesExtensionAttributes'].['extensionAttribute11'] | ExtensionAttribute11 |
['urn:ietf:params:scim:schemas:extension:azureOnPremData:2.0:User'].['onPremisesExtensionAttributes'].['extensionAttribute12'] | ExtensionAttribute12 |
['urn:ietf:params:scim:schemas:extension:azureOnPremData:2.0:User'].['onPremisesExtensionAttributes'].['extensionAttribute13'] | ExtensionAttribute13 |
['urn:ietf:params:scim:schemas:extension:azureOnPremData:2.0:User'].['onPremisesExtensionAttributes'].['extensionAttribute14'] | ExtensionAttribute14 |
['urn:ietf:params:scim:schemas:extension:azureOnPremData:2.0:User'].['onPremisesExtensionAttributes'].['extensionAttribute15'] | ExtensionAttribute15 |
['urn:ietf:params:scim:schemas:extension:azureOnPremData:2.0:User'].['onPremisesExtensionAttributes'].['extensionAttribute2'] | ExtensionAttribute2 |
['urn:ietf:params:scim:schemas:extension:azureOnPremData:2.0:User'].['onPremisesExtensionAttributes'].['extensionAttribute3'] | ExtensionAttribute3 |
['urn:ietf:params:scim:schemas:extension:azureOnPremData:2.0:User'].['onPremisesExtensionAttributes'].['extensionAttribute4'] | ExtensionAttribute4 |
['urn:ietf:params:scim:schemas:extension:azureOnPremData:2.0:User'].['onPremisesExtensionAttributes'].['extensionAttribute5'] | ExtensionAttribute5 |
['urn:ietf:params:scim:schemas:extension:azureOnPremData:2.0:User'].['onPremisesExtensionAttributes'].['extensionAttribute6'] | ExtensionAttribute6 |
['urn:ietf:params:scim:schemas:extension:azureOnPremData:2.0:User'].['onPremisesExtensionAttributes'].['extensionAttribute7'] | ExtensionAttribute7 |
['urn:ietf:params:scim:schemas:extension:azureOnPremData:2.0:User'].['onPremisesExtensionAttributes'].['extensionAttribute8'] | ExtensionAttribute8 |
['urn:ietf:params:scim:schemas:extension:azureOnPremData:2.0:User'].['onPremisesExtensionAttributes'].['extensionAttribute9'] | ExtensionAttribute9 |
phoneNumbers[?@.type=='fax'].value | Fax |
name.givenName | FirstName |
displayName | FriendlyName |
name.honorificSuffix | GenerationalSuffix |
phoneNumbers[?@.type=='home'].value | HomeTelephone |
name.familyName | LastName |
userName | Login |
manager | ManagerPersonID |
name.middleName | MiddleName |
phoneNumbers[?@.type=='mobile'].value | MobilePhone |
addresses[?@.type=='other'].formatted | Office |
externalAudience | OofAudience |
scheduledEndDateTime | OofEndDate |
externalReplyMessage | OofExternalMsg |
internalReplyMessage | OofInternalMsg |
scheduledStartDateTime | OofStartDate |
status | OofStatus |
photos[?@.type=='work'].value | PhotoURL |
addresses[?@.type=='work'].postalCode | PostalCode |
preferredLanguage | PreferredLanguage |
state | State |
addresses[?@.type=='work'].streetAddress | StreetAddress |
phoneNumbers[?@.type=='other'].value | Telephone |
title | Title |
";

/// The B2C document's "User Attributes" table: each seed row verbatim (source, target and
/// description run together, as the seed has them), then the source and target it starts with.
#[rustfmt::skip]
const B2C_USER_TO_ACCOUNT: &[(&str, &str, &str)] = &[
    ("['urn:ietf:params:scim:schemas:azureAdB2C:2.0:UserProfile'].['identities'][?(@.signInType=='userName')].['issuerAssignedId']UserNameThe user's username for sign-in.", "['urn:ietf:params:scim:schemas:azureAdB2C:2.0:UserProfile'].['identities'][?(@.signInType=='userName')].['issuerAssignedId']", "UserName"),
    ("['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].['manager'].['value']ManagerThe user's manager's ID.", "['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].['manager'].['value']", "Manager"),
    ("['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].departmentDepartmentThe user's department within the organization.", "['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].department", "Department"),
    ("['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].employeeNumberEmployeeIDThe user's employee identification number.", "['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].employeeNumber", "EmployeeID"),
    ("addresses[?(@.type=='work')].formattedOfficeLocationThe user's office location or address.", "addresses[?(@.type=='work')].formatted", "OfficeLocation"),
    ("addresses[?(@.type=='work')].postalCodeZipCodeThe postal code of the user's office location.", "addresses[?(@.type=='work')].postalCode", "ZipCode"),
    ("addresses[?(@.type=='work')].streetAddressStreetAddressThe street address of the user's office location.", "addresses[?(@.type=='work')].streetAddress", "StreetAddress"),
    ("cityCityThe user's city.", "city", "City"),
    ("companyNameCompanyThe user's company name.", "companyName", "Company"),
    ("countryCountryThe user's country.", "country", "Country"),
    ("displayNameDisplayNameThe user's display name.", "displayName", "DisplayName"),
    ("emails[?(@.type=='work')].valueEmailThe user's work email address.", "emails[?(@.type=='work')].value", "Email"),
    ("externalIdAliasAn external alias or identifier for the user.", "externalId", "Alias"),
    ("name.familyNameLastNameThe user's last name.", "name.familyName", "LastName"),
    ("name.givenNameFirstNameThe user's first name.", "name.givenName", "FirstName"),
    ("name.honorificSuffixGenerationalSuffixA generational suffix in the user's name.", "name.honorificSuffix", "GenerationalSuffix"),
    ("name.middleNameMiddleNameThe user's middle name.", "name.middleName", "MiddleName"),
    ("phoneNumbers[?(@.type=='fax')].valueFaxThe user's fax number.", "phoneNumbers[?(@.type=='fax')].value", "Fax"),
    ("phoneNumbers[?(@.type=='home')].valueHomePhoneThe user's home phone number.", "phoneNumbers[?(@.type=='home')].value", "HomePhone"),
    ("phoneNumbers[?(@.type=='mobile')].valueMobileNumberThe user's mobile phone number.", "phoneNumbers[?(@.type=='mobile')].value", "MobileNumber"),
    ("phoneNumbers[?(@.type=='other')].valueTelephoneAnother telephone number associated with the user.", "phoneNumbers[?(@.type=='other')].value", "Telephone"),
    ("phoneNumbers[?(@.type=='work')].valueBusinessPhoneThe user's business phone number.", "phoneNumbers[?(@.type=='work')].value", "BusinessPhone"),
    ("photos[?(@.type=='work')].valuePhotoURLThe URL to the user's work photo.", "photos[?(@.type=='work')].value", "PhotoURL"),
    ("preferredLanguagePreferredLanguageThe user's preferred language.", "preferredLanguage", "PreferredLanguage"),
    ("profileUrlAboutMeInformation about the user's profile.", "profileUrl", "AboutMe"),
    ("stateStateThe user's state or region.", "state", "State"),
    ("titleJobTitleThe user's job title.", "title", "JobTitle"),
    ("userNameLogonName", "userName", "LogonName"),
    ("userTypeEmployeeTypeThe type of employee (e.g., full-time, part-time).", "userType", "EmployeeType"),
];

/// The B2C document's "Group Attributes" table: each seed row verbatim (source, target and
/// description run together, as the seed has them), then the source and target it starts with.
#[rustfmt::skip]
const B2C_GROUP: &[(&str, &str, &str)] = &[
    ("descriptionDescriptionThe description or additional information about the group.", "description", "Description"),
    ("displayNameDisplayNameThe display name of the group.", "displayName", "DisplayName"),
    ("externalIDAliasAn external identifier or alias associated with the group.", "externalID", "Alias"),
    ("GroupTypegroupTypeThe type or category of the group.", "GroupType", "groupType"),
    ("membersMembersMembers of the group.", "members", "Members"),
    ("ownersOwnersOwners or administrators of the group.", "owners", "Owners"),
    ("ownersToAddownersToAddOwners to be added to the group.", "ownersToAdd", "ownersToAdd"),
    ("ownersToRemoveownersToRemoveOwners to be removed from the group.", "ownersToRemove", "ownersToRemove"),
];

/// The B2C document's "Role Attributes" table: each seed row verbatim (source, target and
/// description run together, as the seed has them), then the source and target it starts with.
#[rustfmt::skip]
const B2C_ROLE: &[(&str, &str, &str)] = &[
    ("descriptionDescriptionThe description or additional of the role.", "description", "Description"),
    ("displayNameFriendlyNameThe friendly or display name of the role.", "displayName", "FriendlyName"),
    ("externalIdAliasAn external identifier or alias associated with the role.", "externalId", "Alias"),
    ("NameNameThe name of the role.", "Name", "Name"),
    ("ParentIDParentPathThe parent identifier of the role entity within a hierarchical structure.", "ParentID", "ParentPath"),
];

/// The B2C document's "Location Attributes" table: each seed row verbatim (source, target and
/// description run together, as the seed has them), then the source and target it starts with.
#[rustfmt::skip]
const B2C_LOCATION: &[(&str, &str, &str)] = &[
    ("descriptionDescriptionA textual or descriptive information about the location, providing details about what it represents.", "description", "Description"),
    ("displayNameFriendlyNameIt typically refers to the name or label that is displayed for this location.", "displayName", "FriendlyName"),
    ("externalIdAliasAn identifier used to reference the location in an external system or context.", "externalId", "Alias"),
    ("NameNameThe name or identifier of the location.", "Name", "Name"),
    ("ParentIDParentPathIf this location is part of a hierarchical structure, the ParentID would typically reference the identifier of the parent location.", "ParentID", "ParentPath"),
];
/// (source as written, target, description) of each row of a built-in map.
fn rows(which: Builtin) -> Vec<(String, String, Option<String>)> {
    AttributeMap::builtin(which)
        .attributes()
        .iter()
        .map(|a| {
            let source = a.source().as_written().to_string();
            (
                source,
                a.target().to_string(),
                a.description().map(str::to_string),
            )
        })
        .collect()
}

/// The seed's one row without a target (`emails[?@.type=='work'].value | |`) fills no Person
/// attribute, so the map leaves it out; every other row is in the map as written, in order.
#[test]
fn entra_user_to_person_is_the_seed_table_less_its_row_without_a_target() {
    let mut seed_rows = Vec::new();
    let mut without_target = Vec::new();
    for line in ENTRA_USER_TO_PERSON.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 3, "{line:?} is not a row of two cells");
        if cells[1].is_empty() {
            without_target.push(cells[0]);
        } else {
            seed_rows.push((cells[0].to_string(), cells[1].to_string(), None));
        }
    }
    assert_eq!(without_target, ["emails[?@.type=='work'].value"]);
    assert_eq!(seed_rows.len(), 55);
    assert_eq!(rows(Builtin::EntraUserToPerson), seed_rows);
}

fn assert_b2c_table(which: Builtin, seed: &[(&str, &str, &str)]) {
    let mut expected = Vec::new();
    for (line, source, target) in seed {
        let description = line
            .strip_prefix(&format!("{source}{target}"))
            .unwrap_or_else(|| panic!("{line:?} does not start with {source:?} then {target:?}"));
        let description = (!description.is_empty()).then(|| description.to_string());
        expected.push((source.to_string(), target.to_string(), description));
    }
    assert_eq!(rows(which), expected, "{}", which.file_name());
}

#[test]
fn b2c_user_to_account_is_the_seed_table() {
    assert_b2c_table(Builtin::B2cUserToAccount, B2C_USER_TO_ACCOUNT);
}

#[test]
fn b2c_group_is_the_seed_table() {
    assert_b2c_table(Builtin::B2cGroup, B2C_GROUP);
}

#[test]
fn b2c_role_is_the_seed_table() {
    assert_b2c_table(Builtin::B2cRole, B2C_ROLE);
}

#[test]
fn b2c_location_is_the_seed_table() {
    assert_b2c_table(Builtin::B2cLocation, B2C_LOCATION);
}

#[test]
fn every_builtin_loads_and_has_distinct_targets() {
    for which in Builtin::ALL {
        let map = AttributeMap::parse(which.text(), which.file_name())
            .unwrap_or_else(|err| panic!("{err}"));
        let mut targets: Vec<String> = map
            .attributes()
            .iter()
            .map(|a| a.target().to_ascii_lowercase())
            .collect();
        let count = targets.len();
        targets.sort();
        targets.dedup();
        assert_eq!(targets.len(), count, "{}", which.file_name());
    }
}

/// Every seed expression can be written back: reverse covers the whole specification.
#[test]
fn every_builtin_expression_is_reversible() {
    for which in Builtin::ALL {
        for attribute in AttributeMap::builtin(which).attributes() {
            assert!(
                attribute.source().is_reversible(),
                "{} {}: {:?}",
                which.file_name(),
                attribute.target(),
                attribute.source().not_reversible_because()
            );
        }
    }
}
