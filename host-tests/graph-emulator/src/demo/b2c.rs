//! The demo tenant as an Azure AD B2C directory: the same people (names, ids, titles, managers
//! as the Entra ID tenant of the same seed) as consumer local accounts. Their sign-in names
//! and custom attributes come from a PRNG stream of their own, so the Entra ID draws, and
//! with them every id, stay the same.

use serde_json::{Map, Value, json};

use crate::b2c::B2c;
use crate::prng::SplitMix64;
use crate::tenant::DOMAIN;

/// Where consumers' email addresses live (reserved `.example` names).
const CONSUMER_DOMAINS: &[&str] = &[
    "fabrikam.example",
    "litware.example",
    "northwind.example",
    "tailspin.example",
];

const TIERS: &[&str] = &["Bronze", "Silver", "Gold", "Platinum"];

/// The well-known users' custom attributes, documented in the crate root: (loyaltyNumber,
/// membershipTier); Lee Gu has none.
const WELL_KNOWN_ATTRIBUTES: &[Option<(&str, &str)>] = &[
    Some(("7000000001", "Platinum")),
    Some(("7000000002", "Gold")),
    Some(("7000000003", "Gold")),
    Some(("7000000004", "Silver")),
    None,
];

/// A stream independent of the Entra ID tenant's.
pub fn rng(seed: u64) -> SplitMix64 {
    SplitMix64::new(seed ^ 0x0B2C_C0A5_0E25_5EED)
}

/// Turns the demo user at `index` (its Entra ID properties) into a local account: the
/// userPrincipalName becomes `{id}@{domain}`, it signs in with its email address and, for
/// most, a user name (its mailNickname), and a share carry the custom attributes
/// loyaltyNumber and membershipTier.
pub fn local_account(
    props: &mut Map<String, Value>,
    index: usize,
    rng: &mut SplitMix64,
    b2c: &B2c,
) {
    let id = props["id"].as_str().unwrap_or_default().to_string();
    let nickname = props["mailNickname"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let upn = format!("{id}@{DOMAIN}");
    let well_known = WELL_KNOWN_ATTRIBUTES.get(index);
    let domain = match well_known {
        Some(_) => CONSUMER_DOMAINS[index % CONSUMER_DOMAINS.len()],
        None => *rng.pick(CONSUMER_DOMAINS),
    };
    let email = format!("{nickname}@{domain}");
    let has_user_name = well_known.is_some() || !rng.chance(20);
    let attributes = match well_known {
        Some(fixed) => fixed.map(|(n, t)| (n.to_string(), t.to_string())),
        None if rng.chance(40) => Some((
            format!("{}", 1_000_000_000 + rng.below(9_000_000_000)),
            rng.pick(TIERS).to_string(),
        )),
        None => None,
    };

    let mut identities =
        vec![json!({ "signInType": "emailAddress", "issuer": DOMAIN, "issuerAssignedId": email })];
    if has_user_name {
        identities.push(
            json!({ "signInType": "userName", "issuer": DOMAIN, "issuerAssignedId": nickname }),
        );
    }
    identities.push(
        json!({ "signInType": "userPrincipalName", "issuer": DOMAIN, "issuerAssignedId": upn }),
    );
    let mut set = |k: &str, v: Value| {
        props.insert(k.to_string(), v);
    };
    set("userPrincipalName", json!(upn));
    set("identities", Value::Array(identities));
    set("creationType", json!("LocalAccount"));
    set("passwordPolicies", json!("DisablePasswordExpiration"));
    set("mail", json!(email));
    set("otherMails", json!([email]));
    // No Exchange in a B2C tenant.
    set("proxyAddresses", json!([]));
    set("imAddresses", json!([]));
    if let Some((number, tier)) = attributes {
        set(&b2c.attribute("loyaltyNumber"), json!(number));
        set(&b2c.attribute("membershipTier"), json!(tier));
    }
}
