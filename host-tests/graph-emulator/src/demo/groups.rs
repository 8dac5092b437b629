//! The demo tenant's groups: a fixed, well-known head (a company-wide Microsoft 365 group,
//! leadership, one security group per department, a nested group, a Teams-style project
//! group) followed by seeded project teams, mostly small, a few hundreds or thousands
//! strong. Drawn after the users from a PRNG stream of their own, so adding groups never
//! changes a user.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::{DEPARTMENTS, EPOCH_2016, WELL_KNOWN};
use crate::clock;
use crate::prng::{self, SplitMix64};
use crate::tenant::{DOMAIN, ObjectRef, Tenant, security_identifier};

/// Salt for the groups' PRNG stream (the users' stream is the bare seed).
const GROUP_STREAM: u64 = 0x6209_5EED_0000_0001;
/// Salt for the streams that grow large project teams, one stream per team.
const LARGE_TEAM_STREAM: u64 = 0x1A26_E7EA_0000_0001;
/// Every 25th project team is a programme of 100 to 999 people, and every 250th an
/// initiative of 1,000 to 5,000, so a large tenant has realistic mid-sized and
/// thousands-strong groups besides its small teams and department-wide ones.
const PROGRAMME_EVERY: usize = 25;
const INITIATIVE_EVERY: usize = 250;

/// Well-known user indexes (see [`WELL_KNOWN`]).
const ADELE: usize = 0;
const ALEX: usize = 1;
const DIEGO: usize = 2;
const MEGAN: usize = 3;

#[rustfmt::skip]
const PROJECT_CODENAMES: &[&str] = &[
    "Falcon", "Aurora", "Nimbus", "Atlas", "Orion", "Zephyr", "Helios", "Polaris", "Quasar", "Titan",
    "Borealis", "Cascade", "Meridian", "Sequoia", "Vanguard", "Lumen", "Kestrel", "Odyssey", "Summit", "Tundra",
];

/// Who a group's members are, before users and groups have sequence numbers.
enum Member {
    User(usize),
    /// An earlier group of the plan, by index.
    Group(usize),
}

struct Plan {
    display_name: String,
    nickname: String,
    description: String,
    /// A Microsoft 365 group with this visibility; `None` for a security group.
    unified: Option<&'static str>,
    /// Provisioned as a team (`resourceProvisioningOptions: ["Team"]`).
    team: bool,
    members: Vec<Member>,
    owners: Vec<usize>,
}

/// What the plan needs to know about a user.
struct Person {
    seq: u64,
    department: String,
    leads: bool,
}

/// Adds `count` groups to a tenant that already holds its demo users.
pub fn add_groups(tenant: &mut Tenant, count: usize, seed: u64) {
    let mut rng = SplitMix64::new(seed ^ GROUP_STREAM);
    let people: Vec<Person> = tenant
        .iter()
        .map(|u| {
            let text = |k: &str| {
                u.props
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            Person {
                seq: u.seq,
                department: text("department"),
                leads: leads(&text("jobTitle")),
            }
        })
        .collect();
    let plans = plan(&people, count, &mut rng, seed);
    let mut seqs: Vec<u64> = Vec::with_capacity(plans.len());
    for plan in plans {
        let members = plan
            .members
            .iter()
            .map(|m| match m {
                Member::User(i) => ObjectRef::User(people[*i].seq),
                Member::Group(g) => ObjectRef::Group(seqs[*g]),
            })
            .collect();
        let owners = plan
            .owners
            .iter()
            .map(|i| ObjectRef::User(people[*i].seq))
            .collect();
        let props = properties(&plan, &mut rng);
        seqs.push(tenant.insert_group(props, members, owners));
    }
}

/// Titles whose holders lead others: department managers and the well-known executives.
fn leads(title: &str) -> bool {
    DEPARTMENTS.iter().any(|d| d.manager_title == title)
        || WELL_KNOWN.iter().any(|k| k.manages && k.title == title)
}

fn plan(people: &[Person], count: usize, rng: &mut SplitMix64, seed: u64) -> Vec<Plan> {
    let exists = |i: usize| i < people.len();
    let only_existing = |ids: &[usize]| -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for i in ids.iter().copied().filter(|i| exists(*i)) {
            if !out.contains(&i) {
                out.push(i);
            }
        }
        out
    };
    let in_department = |name: &str| -> Vec<usize> {
        (0..people.len())
            .filter(|i| people[*i].department == name)
            .collect()
    };

    let mut plans = vec![
        Plan {
            display_name: "All Company".into(),
            nickname: "allcompany".into(),
            description: "This is the default group for everyone in the network".into(),
            unified: Some("Public"),
            team: false,
            members: (0..people.len()).map(Member::User).collect(),
            owners: only_existing(&[ADELE]),
        },
        Plan {
            display_name: "Leadership".into(),
            nickname: "leadership".into(),
            description: "Executives and managers".into(),
            unified: None,
            team: false,
            members: (0..people.len())
                .filter(|i| people[*i].leads)
                .map(Member::User)
                .collect(),
            owners: only_existing(&[ADELE]),
        },
    ];
    let mut department_group = Vec::new();
    for department in DEPARTMENTS {
        let members = in_department(department.name);
        let head = match department.name {
            "Sales" => Some(ALEX).filter(|i| exists(*i)),
            "Engineering" => Some(DIEGO).filter(|i| exists(*i)),
            "Marketing" => Some(MEGAN).filter(|i| exists(*i)),
            _ => None,
        }
        .or_else(|| members.iter().copied().find(|i| people[*i].leads))
        .or_else(|| members.first().copied());
        department_group.push((department.name, plans.len()));
        plans.push(Plan {
            display_name: department.name.into(),
            nickname: nickname(department.name),
            description: format!("Everyone in {}", department.name),
            unified: None,
            team: false,
            members: members.into_iter().map(Member::User).collect(),
            owners: only_existing(&[head.unwrap_or(ADELE), ADELE]),
        });
    }
    let group_of = |name: &str| {
        department_group
            .iter()
            .find(|(d, _)| *d == name)
            .map(|(_, g)| *g)
            .expect("every department has a group")
    };
    // The nested group: security groups inside a security group, plus its owner directly.
    let mut nested = vec![
        Member::Group(group_of("Engineering")),
        Member::Group(group_of("Product Management")),
    ];
    nested.extend(only_existing(&[DIEGO]).into_iter().map(Member::User));
    plans.push(Plan {
        display_name: "Product and Engineering".into(),
        nickname: "productandengineering".into(),
        description: "Engineering and Product Management, nested".into(),
        unified: None,
        team: false,
        members: nested,
        owners: only_existing(&[DIEGO]),
    });
    let builders: Vec<usize> = (0..people.len())
        .filter(|i| {
            matches!(
                people[*i].department.as_str(),
                "Engineering" | "Marketing" | "Product Management"
            )
        })
        .collect();
    let mut mark8: Vec<usize> = only_existing(&[MEGAN, DIEGO]);
    for pick in sample(rng, builders.len(), 10) {
        if !mark8.contains(&builders[pick]) {
            mark8.push(builders[pick]);
        }
    }
    plans.push(Plan {
        display_name: "Mark 8 Project Team".into(),
        nickname: "mark8project".into(),
        description: "Welcome to the team that we've assembled to launch our product.".into(),
        unified: Some("Private"),
        team: true,
        members: mark8.into_iter().map(Member::User).collect(),
        owners: only_existing(&[MEGAN, DIEGO]),
    });

    // Seeded project teams fill the rest.
    let mut n = 0;
    while plans.len() < count {
        let codename = PROJECT_CODENAMES[n % PROJECT_CODENAMES.len()];
        let round = n / PROJECT_CODENAMES.len();
        let name = match round {
            0 => format!("Project {codename}"),
            _ => format!("Project {codename} {}", round + 1),
        };
        let size = 4 + rng.below(21) as usize;
        let mut members = sample(rng, people.len(), size);
        let owners = members[..members.len().min(1 + rng.below(2) as usize)].to_vec();
        // Growth draws from a stream of its own: the main stream, and so every other
        // group, stays what it was before large teams existed.
        let large = match n + 1 {
            k if k % INITIATIVE_EVERY == 0 => Some((1_000, 4_001)),
            k if k % PROGRAMME_EVERY == 0 => Some((100, 900)),
            _ => None,
        };
        if let Some((least, spread)) = large {
            let mut side = SplitMix64::new(prng::mix(seed ^ LARGE_TEAM_STREAM ^ n as u64));
            let target = (least + side.below(spread) as usize).min(people.len());
            grow(&mut side, &mut members, people.len(), target);
        }
        plans.push(Plan {
            nickname: nickname(&name),
            description: format!("Working group for {name}"),
            display_name: name,
            unified: None,
            team: false,
            members: members.into_iter().map(Member::User).collect(),
            owners,
        });
        n += 1;
    }
    plans.truncate(count);
    plans
}

/// `k` distinct indexes below `n` (all of them when `k >= n`), ascending.
fn sample(rng: &mut SplitMix64, n: usize, k: usize) -> Vec<usize> {
    let mut picked = Vec::with_capacity(k.min(n));
    grow(rng, &mut picked, n, k);
    picked
}

/// Adds distinct indexes below `n` to `picked` until it holds `k` (or all `n`), then sorts
/// it. A set answers "already picked?", so thousands-strong samples stay linear.
fn grow(rng: &mut SplitMix64, picked: &mut Vec<usize>, n: usize, k: usize) {
    if k >= n {
        *picked = (0..n).collect();
        return;
    }
    let mut seen: HashSet<usize> = picked.iter().copied().collect();
    while picked.len() < k {
        let i = rng.below(n as u64) as usize;
        if seen.insert(i) {
            picked.push(i);
        }
    }
    picked.sort_unstable();
}

/// `Product Management` -> `productmanagement`: letters and digits only, as aliases allow.
fn nickname(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn properties(plan: &Plan, rng: &mut SplitMix64) -> Map<String, Value> {
    let id = rng.guid();
    let created = clock::iso8601(EPOCH_2016 + rng.below(8 * 365 * 86_400));
    let mail = plan.unified.map(|_| format!("{}@{DOMAIN}", plan.nickname));
    let team = if plan.team {
        json!(["Team"])
    } else {
        json!([])
    };
    let mut group = Map::new();
    let mut set = |k: &str, v: Value| {
        group.insert(k.to_string(), v);
    };
    set("id", json!(id));
    set("createdDateTime", json!(created));
    set("creationOptions", team.clone());
    set("description", json!(plan.description));
    set("displayName", json!(plan.display_name));
    set(
        "groupTypes",
        if plan.unified.is_some() {
            json!(["Unified"])
        } else {
            json!([])
        },
    );
    set("mail", json!(mail));
    set("mailEnabled", json!(plan.unified.is_some()));
    set("mailNickname", json!(plan.nickname));
    set(
        "proxyAddresses",
        json!(mail.iter().map(|m| format!("SMTP:{m}")).collect::<Vec<_>>()),
    );
    set("renewedDateTime", json!(created));
    set("resourceBehaviorOptions", json!([]));
    set("resourceProvisioningOptions", team);
    set("securityEnabled", json!(plan.unified.is_none()));
    set("securityIdentifier", json!(security_identifier(&id)));
    set("visibility", json!(plan.unified));
    set("onPremisesProvisioningErrors", json!([]));
    set("serviceProvisioningErrors", json!([]));
    set("assignedLicenses", json!([]));
    group
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::tenant;
    use crate::tenant::{Link, Object};
    use std::collections::HashSet;

    fn with_groups(users: usize, groups: usize, seed: u64) -> Tenant {
        let mut t = tenant(users, seed, None);
        add_groups(&mut t, groups, seed);
        t
    }

    /// Every group's properties, member ids and owner ids.
    fn snapshot(t: &Tenant) -> Vec<Value> {
        t.iter_groups()
            .map(|g| {
                let ids = |link| -> Vec<&str> { t.linked(g, link).map(|o| o.id()).collect() };
                json!([g.props, ids(Link::Members), ids(Link::Owners)])
            })
            .collect()
    }

    #[test]
    fn same_seed_same_groups_and_users_are_untouched() {
        let a = with_groups(300, 20, 7);
        assert_eq!(snapshot(&a), snapshot(&with_groups(300, 20, 7)));
        assert_ne!(snapshot(&a), snapshot(&with_groups(300, 20, 8)));
        let plain: Vec<_> = tenant(300, 7, None).iter().map(|u| u.props.clone()).collect();
        let grouped: Vec<_> = a.iter().map(|u| u.props.clone()).collect();
        assert_eq!(plain, grouped, "groups are drawn from their own stream");
    }

    #[test]
    fn well_known_groups_have_their_documented_shape() {
        let t = with_groups(100, 20, 1);
        assert_eq!(t.group_count(), 20);
        let names: Vec<&str> = t
            .iter_groups()
            .map(|g| g.props["displayName"].as_str().unwrap())
            .collect();
        assert_eq!(
            &names[..14],
            &[
                "All Company",
                "Leadership",
                "Sales",
                "Marketing",
                "Engineering",
                "Product Management",
                "Finance",
                "Human Resources",
                "Legal",
                "Operations",
                "Customer Support",
                "IT",
                "Product and Engineering",
                "Mark 8 Project Team"
            ]
        );
        assert!(names[14..].iter().all(|n| n.starts_with("Project ")));
        let by_name = |n: &str| {
            t.iter_groups()
                .find(|g| g.props["displayName"] == n)
                .unwrap()
        };

        let all = by_name("All Company");
        assert!(all.is_unified());
        assert_eq!(all.members.len(), 100);
        assert_eq!(all.props["mail"], "allcompany@contoso.onmicrosoft.com");

        let engineering = by_name("Engineering");
        for member in t.linked(engineering, Link::Members) {
            let Object::User(u) = member else {
                panic!("users only")
            };
            assert_eq!(u.props["department"], "Engineering");
        }
        let owners: Vec<&str> = t
            .linked(engineering, Link::Owners)
            .map(|o| o.id())
            .collect();
        let diego = t
            .find("diego.siciliani@contoso.onmicrosoft.com")
            .unwrap()
            .id();
        let adele = t.find("adele.vance@contoso.onmicrosoft.com").unwrap().id();
        assert_eq!(owners, vec![diego, adele]);

        let nested = by_name("Product and Engineering");
        let kinds: Vec<bool> = t
            .linked(nested, Link::Members)
            .map(|o| matches!(o, Object::Group(_)))
            .collect();
        assert_eq!(kinds, vec![true, true, false]);

        let mark8 = by_name("Mark 8 Project Team");
        assert_eq!(mark8.props["visibility"], "Private");
        assert_eq!(mark8.props["resourceProvisioningOptions"], json!(["Team"]));

        let mut ids = HashSet::new();
        for g in t.iter_groups() {
            assert!(ids.insert(g.id().to_string()));
            let owners = g.owners.len();
            assert!(
                (1..=2).contains(&owners),
                "{}: {owners} owners",
                g.props["displayName"]
            );
            assert!(
                g.props["securityIdentifier"]
                    .as_str()
                    .unwrap()
                    .starts_with("S-1-12-1-")
            );
        }
    }

    #[test]
    fn most_project_teams_are_small_and_a_few_are_large() {
        let t = with_groups(6_000, 300, 1);
        let sizes: Vec<usize> = t.iter_groups().skip(14).map(|g| g.members.len()).collect();
        let small = sizes.iter().filter(|s| (4..=24).contains(*s)).count();
        let programmes = sizes.iter().filter(|s| (100..1_000).contains(*s)).count();
        let initiatives = sizes.iter().filter(|s| **s >= 1_000).count();
        assert_eq!((programmes, initiatives), (10, 1), "{sizes:?}");
        assert_eq!(small, sizes.len() - 11);
        // Small teams have the people they had before large teams existed: same draws.
        // (Group ids are drawn after every plan, so they depend on the count; people do not.)
        let members = |t: &Tenant| -> Vec<Vec<String>> {
            t.iter_groups()
                .take(38)
                .map(|g| {
                    t.linked(g, Link::Members)
                        .filter(|o| matches!(o, Object::User(_)))
                        .map(|o| o.id().to_string())
                        .collect()
                })
                .collect()
        };
        assert_eq!(members(&t), members(&with_groups(6_000, 38, 1)));
        for g in t.iter_groups() {
            let mut ids: Vec<&str> = t.linked(g, Link::Members).map(|o| o.id()).collect();
            let all = ids.len();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), all, "members are distinct");
        }
    }

    #[test]
    fn tiny_tenants_and_counts_are_handled() {
        let t = with_groups(0, 20, 1);
        assert_eq!(t.group_count(), 20);
        assert!(t.iter_groups().all(|g| g.owners.is_empty()));
        assert_eq!(with_groups(3, 5, 1).group_count(), 5);
        assert_eq!(with_groups(3, 0, 1).group_count(), 0);
        let many = with_groups(50, 60, 1);
        let nicknames: HashSet<&str> = many
            .iter_groups()
            .map(|g| g.props["mailNickname"].as_str().unwrap())
            .collect();
        assert_eq!(nicknames.len(), 60);
    }
}
