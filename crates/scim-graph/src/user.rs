//! Graph user <-> SCIM User (core, enterprise, and the azureOnPremData and B2C UserProfile
//! extensions). Both directions live together so that every field read one way is written the
//! other; fields with no Graph home (nickName, photos, home phones, middle name, honorific
//! suffix, profileUrl, description: the Graph v1.0 user has none of them) are not invented.

use graph::User as GraphUser;
use scim::User;
use scim::error::ScimError;
use scim::resource::{Address, EnterpriseUser, Manager, Meta, MultiValue, Name, by_type};
use serde_json::{Map, Value, json};

use crate::json::member_named;

pub use scim::schema::{AZURE_ON_PREM_DATA_USER, B2C_USER_PROFILE};

/// Graph properties with no SCIM core or enterprise attribute that the warehouse maps still read
/// (City, Company, CostCenter, Division, EmployeeType, CustomAttribute10 <- usageLocation). They
/// travel as top-level attributes under their Graph names, which is where those maps look.
const GRAPH_NAMED_ATTRIBUTES: &[&str] = &[
    "city",
    "state",
    "country",
    "companyName",
    "employeeType",
    "usageLocation",
];

/// (SCIM name, Graph property) for the top-level attributes the Entra attribute table reads
/// under names of its own: EffectiveStartDate <- startDateTime, effectiveEndDate <- endDateTime.
/// employeeLeaveDateTime is only there when the client read it (`with_lifecycle_info`).
const RENAMED_ATTRIBUTES: &[(&str, &str)] = &[
    ("startDateTime", "employeeHireDate"),
    ("endDateTime", "employeeLeaveDateTime"),
];

/// Graph user -> SCIM User. `location_base` is the SCIM base URL the caller sees (e.g.
/// `https://connector.example/scim/v2`); `meta.location` and `manager.$ref` hang off it.
pub fn user_to_scim(user: &GraphUser, location_base: &str) -> User {
    let base = location_base.trim_end_matches('/');
    let mut out = User {
        id: user.id.clone(),
        external_id: user.mail_nickname.clone(),
        user_name: user.user_principal_name.clone(),
        name: scim_name(user),
        display_name: user.display_name.clone(),
        title: user.job_title.clone(),
        user_type: user.user_type.clone(),
        preferred_language: user.preferred_language.clone(),
        active: user.account_enabled,
        emails: scim_emails(user),
        phone_numbers: scim_phone_numbers(user),
        addresses: scim_addresses(user),
        enterprise: scim_enterprise(user, base),
        meta: Some(Meta {
            resource_type: Some("User".into()),
            created: user.created_date_time.clone(),
            location: user.id.as_ref().map(|id| format!("{base}/Users/{id}")),
            ..Meta::default()
        }),
        ..User::default()
    };
    out.extensions = scim_extensions(user);
    out.fill_schemas();
    out
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn join_present<'a>(parts: impl IntoIterator<Item = Option<&'a str>>, sep: &str) -> Option<String> {
    let parts: Vec<&str> = parts.into_iter().flatten().collect();
    (!parts.is_empty()).then(|| parts.join(sep))
}

/// Graph keeps the given name and surname; no formatted name (`displayName` is the name shown),
/// so `name.formatted` is not made up from the two.
fn scim_name(user: &GraphUser) -> Option<Name> {
    let (given, family) = (non_empty(&user.given_name), non_empty(&user.surname));
    (given.is_some() || family.is_some()).then(|| Name {
        given_name: given.map(str::to_string),
        family_name: family.map(str::to_string),
        ..Name::default()
    })
}

fn typed(value: &str, ty: &str) -> MultiValue {
    MultiValue {
        value: Some(value.to_string()),
        r#type: Some(ty.to_string()),
        ..MultiValue::default()
    }
}

fn scim_emails(user: &GraphUser) -> Vec<MultiValue> {
    let work = non_empty(&user.mail).map(|m| typed(m, "work"));
    let others = user
        .other_mails
        .iter()
        .filter(|m| !m.trim().is_empty())
        .map(|m| typed(m, "other"));
    work.into_iter().chain(others).collect()
}

fn scim_phone_numbers(user: &GraphUser) -> Vec<MultiValue> {
    // Graph keeps at most one business phone writable; the first is the one that counts.
    let work = user
        .business_phones
        .iter()
        .find(|p| !p.trim().is_empty())
        .map(|p| typed(p, "work"));
    let mobile = non_empty(&user.mobile_phone).map(|p| typed(p, "mobile"));
    let fax = non_empty(&user.fax_number).map(|p| typed(p, "fax"));
    [work, mobile, fax].into_iter().flatten().collect()
}

fn scim_addresses(user: &GraphUser) -> Vec<Address> {
    let (street, city, state, postal, country) = (
        non_empty(&user.street_address),
        non_empty(&user.city),
        non_empty(&user.state),
        non_empty(&user.postal_code),
        non_empty(&user.country),
    );
    let mut addresses = Vec::new();
    if [street, city, state, postal, country]
        .iter()
        .any(Option::is_some)
    {
        // One line, as a mailing label would read: "street, city, state postal, country".
        let region_line = join_present([state, postal], " ");
        addresses.push(Address {
            formatted: join_present([street, city, region_line.as_deref(), country], ", "),
            street_address: street.map(str::to_string),
            locality: city.map(str::to_string),
            region: state.map(str::to_string),
            postal_code: postal.map(str::to_string),
            country: country.map(str::to_string),
            r#type: Some("work".into()),
            ..Address::default()
        });
    }
    if let Some(office) = non_empty(&user.office_location) {
        addresses.push(Address {
            formatted: Some(office.to_string()),
            r#type: Some("other".into()),
            ..Address::default()
        });
    }
    addresses
}

fn scim_enterprise(user: &GraphUser, base: &str) -> Option<EnterpriseUser> {
    let org = user.employee_org_data.as_ref();
    let manager = user
        .manager
        .as_ref()
        .filter(|m| !m.id.is_empty())
        .map(|m| Manager {
            value: Some(m.id.clone()),
            r#ref: Some(format!("{base}/Users/{}", m.id)),
            display_name: m.display_name.clone(),
        });
    let enterprise = EnterpriseUser {
        employee_number: user.employee_id.clone(),
        cost_center: org.and_then(|o| o.cost_center.clone()),
        organization: user.company_name.clone(),
        division: org.and_then(|o| o.division.clone()),
        department: user.department.clone(),
        manager,
    };
    (enterprise != EnterpriseUser::default()).then_some(enterprise)
}

fn scim_extensions(user: &GraphUser) -> Map<String, Value> {
    let mut ext = Map::new();
    let named = GRAPH_NAMED_ATTRIBUTES.iter().map(|name| (*name, *name));
    let renamed = RENAMED_ATTRIBUTES.iter().copied();
    for (scim_name, graph_name) in named.chain(renamed) {
        if let Some(value) = string_property(user, graph_name) {
            ext.insert(scim_name.to_string(), Value::String(value.clone()));
        }
    }
    // The Entra table's ManagerPersonID reads a bare id at the top level: a read-only mirror
    // of the enterprise manager, so a write that leaves it out or sends it stale means nothing.
    if let Some(manager) = user.manager.as_ref().filter(|m| !m.id.is_empty()) {
        ext.insert("manager".into(), Value::String(manager.id.clone()));
    }
    if let Some(org) = &user.employee_org_data
        && (org.division.is_some() || org.cost_center.is_some())
    {
        ext.insert("employeeOrgData".into(), serde_json::to_value(org).unwrap_or(Value::Null));
    }
    if let Some(attrs) = &user.on_premises_extension_attributes {
        let attrs = serde_json::to_value(attrs).unwrap_or(Value::Null);
        ext.insert(
            AZURE_ON_PREM_DATA_USER.into(),
            json!({ "onPremisesExtensionAttributes": attrs }),
        );
    }
    if !user.identities.is_empty() {
        ext.insert(
            B2C_USER_PROFILE.into(),
            json!({ "identities": user.identities }),
        );
    }
    ext
}

/// A string property of `user` by its Graph name, for the names the two lists above give: read
/// from the typed field, as an inventory converts every user of a tenant this way.
fn string_property<'u>(user: &'u GraphUser, graph_name: &str) -> Option<&'u String> {
    match graph_name {
        "city" => user.city.as_ref(),
        "state" => user.state.as_ref(),
        "country" => user.country.as_ref(),
        "companyName" => user.company_name.as_ref(),
        "employeeType" => user.employee_type.as_ref(),
        "usageLocation" => user.usage_location.as_ref(),
        "employeeHireDate" => user.employee_hire_date.as_ref(),
        "employeeLeaveDateTime" => user.employee_leave_date_time.as_ref(),
        _ => None,
    }
}

/// The manager id to set after create, if the request names one. Only the enterprise manager
/// counts: the top-level `manager` is its read-only mirror.
pub fn manager_id(user: &User) -> Option<&str> {
    let manager = user.enterprise.as_ref()?.manager.as_ref()?;
    manager
        .value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// SCIM create request -> Graph `POST /users` body. The manager is not part of it: Graph sets it
/// through a separate reference ([`manager_id`]). `generated_password` is used when the request
/// has none; the user must then change it at first sign-in.
pub fn user_create_body(user: &User, generated_password: &str) -> Result<Value, ScimError> {
    let mut body = graph_fields(user)?;
    let supplied = user.password.as_deref().filter(|p| !p.is_empty());
    body.entry("accountEnabled").or_insert(Value::Bool(true));
    body.insert(
        "passwordProfile".into(),
        json!({
            "password": supplied.unwrap_or(generated_password),
            "forceChangePasswordNextSignIn": supplied.is_none(),
        }),
    );
    Ok(Value::Object(body))
}

/// Graph properties a user must always have: an update never clears them.
const REQUIRED_PROPERTIES: &[&str] = &["userPrincipalName", "displayName", "mailNickname", "accountEnabled"];

/// The Graph update (`PATCH /users/{id}` body) that turns the user `before` into `after`, both
/// as SCIM Users: only the Graph properties whose values differ, properties `after` no longer
/// has cleared, properties Graph requires left alone when `after` omits them. A password in
/// `after` is set without forcing a change at next sign-in (the caller chose it). The manager is
/// not a property: `update_user` sets it apart.
pub fn user_update_body(before: &User, after: &User) -> Result<Value, ScimError> {
    let old = graph_fields(before)?;
    let mut new = graph_fields(after)?;
    prefer_changed_mirrors(before, after, &mut new);
    let mut changes = Map::new();
    for (key, value) in &new {
        if old.get(key) != Some(value) {
            changes.insert(key.clone(), with_dropped_members(old.get(key), value));
        }
    }
    for (key, value) in &old {
        if !new.contains_key(key) && !REQUIRED_PROPERTIES.contains(&key.as_str()) {
            changes.insert(key.clone(), cleared(value));
        }
    }
    if let Some(password) = after.password.as_deref().filter(|p| !p.is_empty()) {
        changes.insert(
            "passwordProfile".into(),
            json!({ "password": password, "forceChangePasswordNextSignIn": false }),
        );
    }
    Ok(Value::Object(changes))
}

/// Graph properties that a SCIM User spells twice: once where SCIM puts it (the work address, the
/// enterprise extension) and once at the top level under its Graph name, where the attribute
/// tables read it. Both spellings show the same stored value, so a change to either is a change
/// to the property: (Graph property, member of `employeeOrgData` or `None`, the top-level
/// spelling, the SCIM one).
type Spelling = fn(&User) -> Option<String>;
const MIRRORS: &[(&str, Option<&str>, Spelling, Spelling)] = &[
    ("city", None, |u| top_level(u, "city"), |u| work_address(u).and_then(|a| owned(&a.locality))),
    ("state", None, |u| top_level(u, "state"), |u| work_address(u).and_then(|a| owned(&a.region))),
    ("country", None, |u| top_level(u, "country"), |u| work_address(u).and_then(|a| owned(&a.country))),
    ("companyName", None, |u| top_level(u, "companyName"), |u| {
        u.enterprise.as_ref().and_then(|e| owned(&e.organization))
    }),
    ("employeeOrgData", Some("division"), |u| org_data_member(u, "division"), |u| {
        u.enterprise.as_ref().and_then(|e| owned(&e.division))
    }),
    ("employeeOrgData", Some("costCenter"), |u| org_data_member(u, "costCenter"), |u| {
        u.enterprise.as_ref().and_then(|e| owned(&e.cost_center))
    }),
];

/// `graph_fields` lets the SCIM spelling of a mirrored property win over the top-level one. In an
/// update that changed only the top-level spelling (a PATCH of `city`, a PUT that sent a new
/// `companyName` and the old organization), the change is what the caller meant, so it decides.
fn prefer_changed_mirrors(before: &User, after: &User, new: &mut Map<String, Value>) {
    for (property, member, top, scim) in MIRRORS {
        let changed = top(before) != top(after) && scim(before) == scim(after);
        if !changed {
            continue;
        }
        let value = top(after).map(Value::String);
        match member {
            None => match value {
                Some(v) => {
                    new.insert(property.to_string(), v);
                }
                None => {
                    new.remove(*property);
                }
            },
            Some(member) => {
                let org = new.entry(property.to_string()).or_insert_with(|| Value::Object(Map::new()));
                if let Some(org) = org.as_object_mut() {
                    match value {
                        Some(v) => {
                            org.insert(member.to_string(), v);
                        }
                        None => {
                            org.remove(*member);
                        }
                    }
                    if org.is_empty() {
                        new.remove(*property);
                    }
                }
            }
        }
    }
}

fn owned(s: &Option<String>) -> Option<String> {
    non_empty(s).map(str::to_string)
}

fn top_level(user: &User, name: &str) -> Option<String> {
    extension(user, name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn org_data_member(user: &User, name: &str) -> Option<String> {
    extension(user, "employeeOrgData")
        .and_then(|o| member(o, name))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The address Graph's street, city, state, postal code and country are: the one typed "work",
/// else the first without a type.
fn work_address(user: &User) -> Option<&Address> {
    user.addresses
        .iter()
        .find(|a| a.r#type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("work")))
        .or_else(|| user.addresses.iter().find(|a| a.r#type.is_none()))
}

/// A complex value as Graph must receive it: Graph merges complex properties member by member,
/// so a member the old value had and the new one lacks is sent as null.
fn with_dropped_members(old: Option<&Value>, new: &Value) -> Value {
    match (old, new) {
        (Some(Value::Object(old)), Value::Object(new)) => {
            let mut merged = new.clone();
            for key in old.keys() {
                merged.entry(key.clone()).or_insert(Value::Null);
            }
            Value::Object(merged)
        }
        _ => new.clone(),
    }
}

/// How Graph is told a property is gone: collections become empty, complex values keep their
/// members with nulls (Graph merges complex properties member by member), the rest null.
fn cleared(value: &Value) -> Value {
    match value {
        Value::Array(_) => Value::Array(Vec::new()),
        Value::Object(members) => Value::Object(members.keys().map(|k| (k.clone(), Value::Null)).collect()),
        _ => Value::Null,
    }
}

/// Every Graph property a SCIM user maps to (no password, no defaults), checked as Graph would.
fn graph_fields(user: &User) -> Result<Map<String, Value>, ScimError> {
    let upn = user
        .user_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    // A B2C local account may come with sign-in identities and no userPrincipalName: Graph
    // then makes one (`{objectId}@{tenant}`), and the mailNickname with it.
    let sign_in_name = || {
        extension(user, B2C_USER_PROFILE)
            .and_then(|e| member(e, "identities"))
            .and_then(Value::as_array)
            .and_then(|identities| identities.iter().find_map(|i| i.get("issuerAssignedId")?.as_str()))
    };
    let upn = match (upn, sign_in_name()) {
        (Some(upn), _) => {
            check_user_principal_name(upn)?;
            Some(upn)
        }
        (None, Some(_)) => None,
        (None, None) => return Err(ScimError::invalid_value("userName is required")),
    };

    let mut body = Map::new();
    let mut put = |key: &str, value: Option<&str>| {
        if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
            body.insert(key.to_string(), Value::String(v.to_string()));
        }
    };
    let name = user.name.as_ref();
    let given = name.and_then(|n| non_empty(&n.given_name));
    let family = name.and_then(|n| non_empty(&n.family_name));
    let display_name = non_empty(&user.display_name)
        .map(str::to_string)
        .or_else(|| {
            name.and_then(|n| non_empty(&n.formatted))
                .map(str::to_string)
        })
        .or_else(|| join_present([given, family], " "))
        .or_else(|| upn.or_else(sign_in_name).map(str::to_string))
        .unwrap_or_default();
    let mail_nickname = match non_empty(&user.external_id) {
        Some(external_id) => {
            check_mail_nickname(external_id)?;
            Some(external_id.to_string())
        }
        None => upn.map(mail_nickname_from),
    };

    put("userPrincipalName", upn);
    put("displayName", Some(&display_name));
    put("mailNickname", mail_nickname.as_deref());
    put("givenName", given);
    put("surname", family);
    put("jobTitle", non_empty(&user.title));
    put("userType", user_type(user)?);
    put("preferredLanguage", preferred_language(user).as_deref());

    // Emails: the work one is `mail` (without one, the primary or first untyped email); every
    // other, `otherMails`, which reads back as type "other".
    let work_email = by_type(&user.emails, "work").or_else(|| {
        let mut untyped = user.emails.iter().filter(|e| e.r#type.is_none());
        untyped.clone().find(|e| e.primary == Some(true)).or_else(|| untyped.next())
    });
    put("mail", work_email.and_then(|e| non_empty(&e.value)));
    let other_mails: Vec<&str> = user
        .emails
        .iter()
        .filter(|e| !work_email.is_some_and(|w| std::ptr::eq(*e, w)))
        .filter_map(|e| non_empty(&e.value))
        .collect();

    // Phones: Graph has a business phone, a mobile and a fax; home/pager/other have no home.
    let phone = |ty: &str| by_type(&user.phone_numbers, ty).and_then(|p| non_empty(&p.value));
    let business_phone = phone("work");
    put("mobilePhone", phone("mobile"));
    put("faxNumber", phone("fax"));

    let work_address = work_address(user);
    let other_address = user.addresses.iter().find(|a| {
        a.r#type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("other"))
    });
    let graph_named = |name: &str| extension(user, name).and_then(Value::as_str);
    put(
        "streetAddress",
        work_address.and_then(|a| non_empty(&a.street_address)),
    );
    put(
        "city",
        work_address
            .and_then(|a| non_empty(&a.locality))
            .or_else(|| graph_named("city")),
    );
    put(
        "state",
        work_address
            .and_then(|a| non_empty(&a.region))
            .or_else(|| graph_named("state")),
    );
    put(
        "postalCode",
        work_address.and_then(|a| non_empty(&a.postal_code)),
    );
    put(
        "country",
        work_address
            .and_then(|a| non_empty(&a.country))
            .or_else(|| graph_named("country")),
    );
    put(
        "officeLocation",
        other_address.and_then(|a| non_empty(&a.formatted)),
    );

    let enterprise = user.enterprise.as_ref();
    put(
        "employeeId",
        enterprise.and_then(|e| non_empty(&e.employee_number)),
    );
    put(
        "department",
        enterprise.and_then(|e| non_empty(&e.department)),
    );
    put(
        "companyName",
        enterprise
            .and_then(|e| non_empty(&e.organization))
            .or_else(|| graph_named("companyName")),
    );
    put("employeeType", graph_named("employeeType"));
    put("usageLocation", graph_named("usageLocation"));
    for (scim_name, graph_name) in RENAMED_ATTRIBUTES {
        put(graph_name, graph_named(scim_name));
    }

    if let Some(phone) = business_phone {
        body.insert("businessPhones".into(), json!([phone]));
    }
    if !other_mails.is_empty() {
        body.insert("otherMails".into(), json!(other_mails));
    }
    let org_data = employee_org_data(user);
    if !org_data.is_empty() {
        body.insert("employeeOrgData".into(), Value::Object(org_data));
    }
    if let Some(attrs) = extension(user, AZURE_ON_PREM_DATA_USER)
        .and_then(|e| member(e, "onPremisesExtensionAttributes"))
    {
        body.insert("onPremisesExtensionAttributes".into(), attrs.clone());
    }
    if let Some(identities) =
        extension(user, B2C_USER_PROFILE).and_then(|e| member(e, "identities"))
    {
        body.insert("identities".into(), identities.clone());
    }

    if let Some(active) = user.active {
        body.insert("accountEnabled".into(), Value::Bool(active));
    }
    // Extension properties under their Graph names: `UserNames::to_graph` puts a B2C tenant's
    // custom attributes there.
    for (key, value) in user.extensions.iter().filter(|(key, value)| key.starts_with("extension_") && !value.is_null()) {
        body.insert(key.clone(), value.clone());
    }
    check_lengths(&body)?;
    Ok(body)
}

/// A top-level member of the request, named ignoring case (SCIM names and URNs are case-insensitive).
fn extension<'a>(user: &'a User, name: &str) -> Option<&'a Value> {
    member_named(&user.extensions, name)
}

fn member<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    member_named(object.as_object()?, name).filter(|v| !v.is_null())
}

fn employee_org_data(user: &User) -> Map<String, Value> {
    let enterprise = user.enterprise.as_ref();
    let from_root = |key: &str| {
        extension(user, "employeeOrgData")
            .and_then(|o| member(o, key))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let mut org = Map::new();
    let division = enterprise
        .and_then(|e| non_empty(&e.division))
        .map(str::to_string)
        .or_else(|| from_root("division"));
    if let Some(d) = division {
        org.insert("division".into(), d.into());
    }
    let cost_center = enterprise
        .and_then(|e| non_empty(&e.cost_center))
        .map(str::to_string)
        .or_else(|| from_root("costCenter"));
    if let Some(c) = cost_center {
        org.insert("costCenter".into(), c.into());
    }
    org
}

/// Graph knows only `Member` and `Guest`; anything else (e.g. "Employee") would be a 400 from Graph.
fn user_type(user: &User) -> Result<Option<&'static str>, ScimError> {
    match non_empty(&user.user_type) {
        None => Ok(None),
        Some(t) if t.eq_ignore_ascii_case("member") => Ok(Some("Member")),
        Some(t) if t.eq_ignore_ascii_case("guest") => Ok(Some("Guest")),
        Some(t) => Err(ScimError::invalid_value(format!(
            "userType {t:?} is not one Microsoft Graph accepts (Member or Guest)"
        ))),
    }
}

/// SCIM allows an Accept-Language list ("da, en-gb;q=0.8"); Graph takes one tag, so the most
/// preferred (the first) is kept.
fn preferred_language(user: &User) -> Option<String> {
    let first = non_empty(&user.preferred_language)?
        .split([',', ';'])
        .next()?
        .trim();
    (!first.is_empty()).then(|| first.to_string())
}

/// Characters Entra allows in the part of a userPrincipalName before the `@`.
fn is_upn_local_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '\'' | '.' | '-' | '_' | '!' | '#' | '^' | '~')
}

fn check_user_principal_name(upn: &str) -> Result<(), ScimError> {
    let invalid = |why: String| {
        Err(ScimError::invalid_value(format!(
            "userName {upn:?} is not a valid Microsoft Entra userPrincipalName: {why}"
        )))
    };
    let Some((local, domain)) = upn.split_once('@') else {
        return invalid("it needs the form name@domain".into());
    };
    if local.is_empty() || domain.is_empty() {
        return invalid("it needs the form name@domain".into());
    }
    if domain.contains('@') {
        return invalid("it has more than one '@'".into());
    }
    if let Some(c) = local.chars().find(|c| !is_upn_local_char(*c)) {
        return invalid(format!(
            "{c:?} is not allowed before the '@' (letters, digits and ' . - _ ! # ^ ~ are)"
        ));
    }
    if local.starts_with('.') || local.ends_with('.') {
        return invalid("the part before the '@' cannot start or end with '.'".into());
    }
    if local.chars().count() > 64 {
        return invalid("the part before the '@' is longer than 64 characters".into());
    }
    if let Some(c) = domain
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-')))
    {
        return invalid(format!("{c:?} is not allowed in the domain"));
    }
    Ok(())
}

/// Characters Graph refuses in mailNickname (besides non-ASCII and control characters).
const MAIL_NICKNAME_REFUSED: &[char] = &[
    '@', '(', ')', '\\', '[', ']', '"', ';', ':', '<', '>', ',', ' ',
];

fn check_mail_nickname(nickname: &str) -> Result<(), ScimError> {
    if let Some(c) = nickname
        .chars()
        .find(|c| !c.is_ascii() || c.is_ascii_control() || MAIL_NICKNAME_REFUSED.contains(c))
    {
        return Err(ScimError::invalid_value(format!(
            "externalId {nickname:?} cannot be a Microsoft Graph mailNickname: {c:?} is not allowed"
        )));
    }
    if nickname.chars().count() > 64 {
        return Err(ScimError::invalid_value(format!(
            "externalId {nickname:?} is longer than the 64 characters of a mailNickname"
        )));
    }
    Ok(())
}

/// A mailNickname from the UPN's local part: only ASCII letters, digits, '.', '-' and '_' (a set
/// every Exchange and directory-sync rule accepts), no leading, trailing or doubled dots, at most
/// 64 characters, and never empty.
fn mail_nickname_from(upn: &str) -> String {
    let local = upn.split('@').next().unwrap_or_default();
    let mut nickname = String::new();
    for c in local
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        if c == '.' && (nickname.is_empty() || nickname.ends_with('.')) {
            continue;
        }
        nickname.push(c);
    }
    nickname.truncate(64);
    let nickname = nickname.trim_end_matches('.');
    if nickname.is_empty() {
        "user".to_string()
    } else {
        nickname.to_string()
    }
}

/// Graph's documented maximum lengths for properties a SCIM caller can overrun.
const MAX_LENGTHS: &[(&str, usize)] = &[
    ("displayName", 256),
    ("givenName", 64),
    ("surname", 64),
    ("jobTitle", 128),
    ("department", 64),
    ("companyName", 64),
    ("employeeId", 16),
];

fn check_lengths(body: &Map<String, Value>) -> Result<(), ScimError> {
    for (property, max) in MAX_LENGTHS {
        if let Some(value) = body.get(*property).and_then(Value::as_str)
            && value.chars().count() > *max
        {
            return Err(ScimError::invalid_value(format!(
                "{property} is longer than the {max} characters Microsoft Graph accepts"
            )));
        }
    }
    if let Some(location) = body.get("usageLocation").and_then(Value::as_str)
        && !scim::country::is_country_code(location)
    {
        return Err(ScimError::invalid_value(format!(
            "usageLocation {location:?} must be a two-letter country code (ISO 3166-1 alpha-2, e.g. \"US\")"
        )));
    }
    Ok(())
}
