//! The demo tenant: a deterministic, realistic Contoso directory generated from a seed.
//! The first users are fixed, well-known people tests can name; the rest vary with the seed
//! but are identical for the same seed and size on every run. Groups come after the users
//! ([`add_groups`]).

mod b2c;
mod groups;

pub use groups::add_groups;

use serde_json::{Map, Value, json};

use crate::b2c::B2c;
use crate::clock;
use crate::prng::SplitMix64;
use crate::tenant::{DOMAIN, Tenant};

/// A fixed user at the head of every demo tenant.
pub struct WellKnown {
    pub given: &'static str,
    pub surname: &'static str,
    pub title: &'static str,
    pub department: &'static str,
    pub enabled: bool,
    /// Index of the manager among the well-known users.
    pub manager: Option<usize>,
    /// Whether later users may report to this one.
    pub manages: bool,
}

/// Documented in the crate root; tests rely on them.
#[rustfmt::skip]
pub const WELL_KNOWN: &[WellKnown] = &[
    WellKnown { given: "Adele", surname: "Vance", title: "Chief Executive Officer", department: "Executive Management", enabled: true, manager: None, manages: true },
    WellKnown { given: "Alex", surname: "Wilber", title: "Vice President of Sales", department: "Sales", enabled: true, manager: Some(0), manages: true },
    WellKnown { given: "Diego", surname: "Siciliani", title: "Chief Technology Officer", department: "Engineering", enabled: true, manager: Some(0), manages: true },
    WellKnown { given: "Megan", surname: "Bowen", title: "Marketing Manager", department: "Marketing", enabled: true, manager: Some(0), manages: true },
    WellKnown { given: "Lee", surname: "Gu", title: "Software Engineer", department: "Engineering", enabled: false, manager: Some(2), manages: false },
];

#[rustfmt::skip]
const GIVEN_NAMES: &[&str] = &[
    "Aaron", "Abigail", "Ahmed", "Aiko", "Alejandro", "Amara", "Ana", "Andrei", "Anika", "Arjun", "Beatriz", "Ben",
    "Camila", "Carlos", "Chen", "Chloe", "Daniel", "Deepa", "Dmitri", "Elena", "Emeka", "Emma", "Fatima", "Felix",
    "Grace", "Hana", "Hiroshi", "Ines", "Isaac", "Jamal", "Jin", "Johanna", "Jonas", "Kai", "Karin", "Laura",
    "Leila", "Liam", "Lucia", "Malik", "Maria", "Mateo", "Mei", "Miriam", "Nadia", "Nestor", "Noah", "Olga",
    "Omar", "Patti", "Pradeep", "Priya", "Rafael", "Rosa", "Sakura", "Samuel", "Sofia", "Tariq", "Tomas", "Yara",
    "Zoe", "Zoltan",
];

#[rustfmt::skip]
const SURNAMES: &[&str] = &[
    "Abbott", "Adeyemi", "Alvarez", "Andersson", "Bauer", "Bianchi", "Brown", "Chandra", "Costa", "Dubois",
    "Eriksen", "Fernandez", "Fischer", "Garcia", "Gupta", "Haddad", "Hansen", "Holloway", "Ivanova", "Jensen",
    "Kim", "Kowalski", "Larsen", "Lopez", "Lorenz", "Mbeki", "Mueller", "Nakamura", "Nguyen", "Novak", "Okafor",
    "Olsen", "Patel", "Petrov", "Quinn", "Rossi", "Santos", "Schmidt", "Sherman", "Silva", "Singh", "Tanaka",
    "Torres", "Varga", "Wagner", "Wang", "Wilke", "Yamamoto", "Zhang", "Zimmermann",
];

struct Department {
    name: &'static str,
    division: &'static str,
    titles: &'static [&'static str],
    manager_title: &'static str,
}

#[rustfmt::skip]
const DEPARTMENTS: &[Department] = &[
    Department { name: "Sales", division: "Commercial", titles: &["Account Executive", "Sales Representative", "Inside Sales Associate"], manager_title: "Sales Manager" },
    Department { name: "Marketing", division: "Commercial", titles: &["Marketing Specialist", "Content Strategist", "Brand Designer"], manager_title: "Marketing Manager" },
    Department { name: "Engineering", division: "Product", titles: &["Software Engineer", "Senior Software Engineer", "QA Engineer", "DevOps Engineer"], manager_title: "Engineering Manager" },
    Department { name: "Product Management", division: "Product", titles: &["Product Manager", "Product Owner"], manager_title: "Director of Product" },
    Department { name: "Finance", division: "Corporate", titles: &["Financial Analyst", "Accountant", "Payroll Specialist"], manager_title: "Finance Manager" },
    Department { name: "Human Resources", division: "Corporate", titles: &["HR Generalist", "Recruiter", "Benefits Specialist"], manager_title: "HR Manager" },
    Department { name: "Legal", division: "Corporate", titles: &["Corporate Counsel", "Paralegal"], manager_title: "General Counsel" },
    Department { name: "Operations", division: "Operations", titles: &["Operations Analyst", "Logistics Coordinator", "Facilities Coordinator"], manager_title: "Operations Manager" },
    Department { name: "Customer Support", division: "Operations", titles: &["Support Engineer", "Customer Success Manager"], manager_title: "Support Manager" },
    Department { name: "IT", division: "Operations", titles: &["Systems Administrator", "Identity Engineer", "Service Desk Analyst"], manager_title: "IT Manager" },
];

struct Office {
    location: &'static str,
    street: &'static str,
    city: &'static str,
    state: &'static str,
    postal: &'static str,
    country: &'static str,
    usage: &'static str,
    language: &'static str,
    /// Phone numbers are this prefix plus four digits.
    phone: &'static str,
}

#[rustfmt::skip]
const OFFICES: &[Office] = &[
    Office { location: "18/2111", street: "9256 Towne Center Dr., Suite 400", city: "San Diego", state: "CA", postal: "92121", country: "United States", usage: "US", language: "en-US", phone: "+1 858 555" },
    Office { location: "131/1104", street: "One Microsoft Way", city: "Redmond", state: "WA", postal: "98052", country: "United States", usage: "US", language: "en-US", phone: "+1 425 555" },
    Office { location: "20/1101", street: "1 Memorial Drive", city: "Cambridge", state: "MA", postal: "02142", country: "United States", usage: "US", language: "en-US", phone: "+1 617 555" },
    Office { location: "LON-3.12", street: "2 Kingdom Street", city: "London", state: "England", postal: "W2 6BD", country: "United Kingdom", usage: "GB", language: "en-GB", phone: "+44 20 7946" },
    Office { location: "MUC-5.08", street: "Walter-Gropius-Strasse 5", city: "Munich", state: "Bavaria", postal: "80807", country: "Germany", usage: "DE", language: "de-DE", phone: "+49 89 3176" },
    Office { location: "PAR-2.04", street: "37 Quai du President Roosevelt", city: "Issy-les-Moulineaux", state: "Ile-de-France", postal: "92130", country: "France", usage: "FR", language: "fr-FR", phone: "+33 1 5775" },
    Office { location: "TYO-9.21", street: "2-16-3 Konan", city: "Tokyo", state: "Tokyo", postal: "108-0075", country: "Japan", usage: "JP", language: "ja-JP", phone: "+81 3 4332" },
    Office { location: "SYD-4.30", street: "1 Denison Street", city: "North Sydney", state: "NSW", postal: "2060", country: "Australia", usage: "AU", language: "en-AU", phone: "+61 2 8281" },
];

/// Mostly employees, like a real directory.
const EMPLOYEE_TYPES: &[&str] = &[
    "Employee",
    "Employee",
    "Employee",
    "Employee",
    "Contractor",
    "Consultant",
    "Vendor",
];

/// 2016-01-01T00:00:00Z: demo accounts were created after this.
const EPOCH_2016: u64 = 1_451_606_400;

/// Builds a tenant of `size` users. Users after the well-known ones report to an earlier
/// user (so managers form a forest with no cycles); about 3% have no manager and about 5%
/// are disabled. With `b2c`, a B2C tenant of the same people as local accounts.
pub fn tenant(size: usize, seed: u64, b2c: Option<&B2c>) -> Tenant {
    let mut rng = SplitMix64::new(seed);
    let mut b2c_rng = b2c::rng(seed);
    let mut tenant = Tenant::new(seed);
    tenant.set_b2c(b2c.cloned());
    let mut seqs: Vec<u64> = Vec::with_capacity(size);
    // Index of users who manage others, so reporting lines look like an org chart rather
    // than everyone reporting to the CEO.
    let mut managers: Vec<usize> = Vec::new();
    for index in 0..size {
        let (props, manager) = match WELL_KNOWN.get(index) {
            Some(k) => {
                if k.manages {
                    managers.push(index);
                }
                let division = DEPARTMENTS
                    .iter()
                    .find(|d| d.name == k.department)
                    .map_or("Executive", |d| d.division);
                let user = person(
                    &mut rng,
                    index,
                    k.given,
                    k.surname,
                    "",
                    k.title,
                    k.department,
                    division,
                    k.enabled,
                );
                (user, k.manager.filter(|m| *m < index))
            }
            None => {
                let given = *rng.pick(GIVEN_NAMES);
                let surname = *rng.pick(SURNAMES);
                let &Department {
                    name: department,
                    division,
                    titles,
                    manager_title,
                } = rng.pick(DEPARTMENTS);
                let is_manager = rng.chance(12);
                let title = if is_manager {
                    manager_title
                } else {
                    *rng.pick(titles)
                };
                let enabled = !rng.chance(5);
                let manager = if rng.chance(3) || managers.is_empty() {
                    None
                } else {
                    // Prefer recent managers: deeper, bushier trees than uniform picks give.
                    let window = managers.len().min(25) as u64;
                    Some(managers[managers.len() - 1 - rng.below(window) as usize])
                };
                if is_manager {
                    managers.push(index);
                }
                let suffix = index.to_string();
                let user = person(
                    &mut rng, index, given, surname, &suffix, title, department, division, enabled,
                );
                (user, manager)
            }
        };
        let mut props = props;
        if let Some(b2c) = b2c {
            b2c::local_account(&mut props, index, &mut b2c_rng, b2c);
        }
        let seq = tenant.insert(props, manager.map(|m| seqs[m]));
        seqs.push(seq);
    }
    tenant
}

#[allow(clippy::too_many_arguments)]
fn person(
    rng: &mut SplitMix64,
    index: usize,
    given: &str,
    surname: &str,
    suffix: &str,
    title: &str,
    department: &str,
    division: &str,
    enabled: bool,
) -> Map<String, Value> {
    let nickname = format!("{}.{}{suffix}", ascii_lower(given), ascii_lower(surname));
    let upn = format!("{nickname}@{DOMAIN}");
    let &Office {
        location,
        street,
        city,
        state,
        postal,
        country,
        usage,
        language,
        phone,
    } = rng.pick(OFFICES);
    let created = EPOCH_2016 + rng.below(9 * 365 * 86_400);
    let hired = created - created % 86_400 - rng.below(60) * 86_400;
    let id = rng.guid();
    let employee_type = *rng.pick(EMPLOYEE_TYPES);
    let cost_center = format!("CC-{}", 1000 + rng.below(90) * 10);
    let mut extension = Map::new();
    for n in 1..=15 {
        let value = match n {
            1 => json!(cost_center),
            2 => json!(usage),
            3 => json!(format!("EMP{:06}", index)),
            _ if rng.chance(30) => json!(format!("value-{n}-{}", rng.below(1000))),
            _ => Value::Null,
        };
        extension.insert(format!("extensionAttribute{n}"), value);
    }
    let other_mails = if rng.chance(30) {
        json!([format!(
            "{}.{}{suffix}@fabrikam.example",
            ascii_lower(given),
            ascii_lower(surname)
        )])
    } else {
        json!([])
    };
    let mail = format!(
        "{}.{}{suffix}@{DOMAIN}",
        capitalised(given),
        capitalised(surname)
    );
    // Who has left or will leave, from values already drawn (a draw of its own would change
    // every later value of the seed): disabled accounts a month after their creation, other
    // workers than employees when their two-year contract ends.
    let left = match (enabled, employee_type) {
        (false, _) => Some(created - created % 86_400 + 30 * 86_400),
        (true, "Employee") => None,
        (true, _) => Some(hired + 2 * 365 * 86_400),
    };
    let mut user = Map::new();
    let mut set = |k: &str, v: Value| {
        user.insert(k.to_string(), v);
    };
    set("id", json!(id));
    set("accountEnabled", json!(enabled));
    set(
        "businessPhones",
        json!([format!("{phone} {:04}", rng.below(10_000))]),
    );
    set("city", json!(city));
    set("companyName", json!("Contoso Ltd"));
    set("country", json!(country));
    set("createdDateTime", json!(clock::iso8601(created)));
    set("department", json!(department));
    set("displayName", json!(format!("{given} {surname}")));
    set("employeeHireDate", json!(clock::iso8601(hired)));
    set("employeeId", json!(format!("{:06}", 100_000 + index)));
    if let Some(left) = left {
        set("employeeLeaveDateTime", json!(clock::iso8601(left + 17 * 3600)));
    }
    set(
        "employeeOrgData",
        json!({ "division": division, "costCenter": cost_center }),
    );
    set("employeeType", json!(employee_type));
    set(
        "faxNumber",
        if rng.chance(20) {
            json!(format!("{phone} {:04}", rng.below(10_000)))
        } else {
            Value::Null
        },
    );
    set("givenName", json!(given));
    set(
        "identities",
        json!([{ "signInType": "userPrincipalName", "issuer": DOMAIN, "issuerAssignedId": upn }]),
    );
    set("imAddresses", json!([format!("sip:{}", upn)]));
    set("jobTitle", json!(title));
    set("mail", json!(mail));
    set("mailNickname", json!(nickname));
    set(
        "mobilePhone",
        json!(format!("{phone} {:04}", rng.below(10_000))),
    );
    set("officeLocation", json!(location));
    set("onPremisesExtensionAttributes", Value::Object(extension));
    set("otherMails", other_mails);
    set("postalCode", json!(postal));
    set("preferredLanguage", json!(language));
    set("proxyAddresses", json!([format!("SMTP:{mail}")]));
    set("state", json!(state));
    set("streetAddress", json!(street));
    set("surname", json!(surname));
    set("usageLocation", json!(usage));
    set("userPrincipalName", json!(upn));
    set("userType", json!("Member"));
    user
}

fn ascii_lower(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn capitalised(name: &str) -> String {
    let lower = ascii_lower(name);
    let mut chars = lower.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn same_seed_and_size_give_the_same_tenant_and_other_seeds_differ() {
        let a: Vec<_> = tenant(300, 7, None)
            .iter()
            .map(|u| (u.props.clone(), u.manager))
            .collect();
        let b: Vec<_> = tenant(300, 7, None)
            .iter()
            .map(|u| (u.props.clone(), u.manager))
            .collect();
        assert_eq!(a, b);
        let c: Vec<_> = tenant(300, 8, None).iter().map(|u| u.props.clone()).collect();
        assert_ne!(a.iter().map(|x| x.0.clone()).collect::<Vec<_>>(), c);
    }

    #[test]
    fn well_known_users_head_the_tenant() {
        let t = tenant(50, 123, None);
        let adele = t
            .find("adele.vance@contoso.onmicrosoft.com")
            .expect("Adele exists for any seed");
        assert_eq!(adele.props["displayName"], "Adele Vance");
        assert_eq!(adele.seq, 1);
        assert!(t.manager_of(adele).is_none());
        let lee = t.find("lee.gu@contoso.onmicrosoft.com").unwrap();
        assert_eq!(lee.props["accountEnabled"], false);
        assert_eq!(
            t.manager_of(lee).unwrap().upn(),
            "diego.siciliani@contoso.onmicrosoft.com"
        );
        assert_eq!(tenant(2, 1, None).len(), 2);
        assert_eq!(tenant(0, 1, None).len(), 0);
    }

    #[test]
    fn users_are_unique_fully_populated_and_managers_form_a_forest() {
        let t = tenant(1000, 1, None);
        let mut upns = HashSet::new();
        let mut ids = HashSet::new();
        let (mut disabled, mut without_manager) = (0, 0);
        for user in t.iter() {
            assert!(upns.insert(user.upn().to_string()), "{}", user.upn());
            assert!(ids.insert(user.id().to_string()));
            assert!(user.upn().ends_with("@contoso.onmicrosoft.com"));
            for p in [
                "displayName",
                "givenName",
                "surname",
                "mail",
                "mailNickname",
                "jobTitle",
                "department",
                "employeeId",
                "employeeType",
                "officeLocation",
                "streetAddress",
                "city",
                "state",
                "postalCode",
                "country",
                "usageLocation",
                "preferredLanguage",
                "createdDateTime",
                "employeeHireDate",
                "mobilePhone",
            ] {
                assert!(
                    user.props[p].as_str().is_some_and(|s| !s.is_empty()),
                    "{p} on {}",
                    user.upn()
                );
            }
            assert_eq!(user.props["companyName"], "Contoso Ltd");
            assert_eq!(
                user.props["onPremisesExtensionAttributes"]
                    .as_object()
                    .unwrap()
                    .len(),
                15
            );
            disabled += usize::from(user.props["accountEnabled"] == false);
            let leaves = user.props.get("employeeLeaveDateTime").and_then(Value::as_str);
            let employee = user.props["employeeType"] == "Employee";
            match (user.props["accountEnabled"] == true, employee, leaves) {
                (false, _, Some(left)) | (true, false, Some(left)) => {
                    assert!(left > user.props["employeeHireDate"].as_str().unwrap(), "{}", user.upn());
                    assert!(left.ends_with("T17:00:00Z"), "{left}");
                }
                (true, true, None) => {}
                other => panic!("{}: {other:?}", user.upn()),
            }
            match user.manager {
                None => without_manager += 1,
                // Managers always come earlier, so following them terminates.
                Some(m) => assert!(m < user.seq),
            }
        }
        assert!((20..=90).contains(&disabled), "{disabled} disabled");
        assert!(
            (2..=60).contains(&without_manager),
            "{without_manager} without manager"
        );
    }
}
