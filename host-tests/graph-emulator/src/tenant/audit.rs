//! The directory audit log: one `directoryAudit` entry, shaped as Entra ID's Core Directory
//! service writes it, for every change made through the API (the demo data predates the log).
//! Entries are kept in the order they happened, and their times strictly increase, so a time
//! range never splits two changes that share an instant.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{Group, Link, Listed, Object, ObjectRef, Page, Tenant, User};
use crate::clock;
use crate::odata::{PageCursor, Query};
use crate::prng::SplitMix64;

const USER_MANAGEMENT: &str = "UserManagement";
const GROUP_MANAGEMENT: &str = "GroupManagement";

/// What was done, named as in Entra ID's audit activity reference (Core Directory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    AddUser,
    UpdateUser,
    DeleteUser,
    RestoreUser,
    HardDeleteUser,
    SetUserManager,
    AddGroup,
    UpdateGroup,
    DeleteGroup,
    RestoreGroup,
    HardDeleteGroup,
    AddMember,
    RemoveMember,
    AddOwner,
    RemoveOwner,
}

impl Activity {
    /// `(activityDisplayName, category, operationType)`.
    fn describe(self) -> (&'static str, &'static str, &'static str) {
        use Activity::*;
        match self {
            AddUser => ("Add user", USER_MANAGEMENT, "Add"),
            UpdateUser => ("Update user", USER_MANAGEMENT, "Update"),
            DeleteUser => ("Delete user", USER_MANAGEMENT, "Delete"),
            RestoreUser => ("Restore user", USER_MANAGEMENT, "Update"),
            HardDeleteUser => ("Hard Delete user", USER_MANAGEMENT, "Delete"),
            SetUserManager => ("Set user manager", USER_MANAGEMENT, "Update"),
            AddGroup => ("Add group", GROUP_MANAGEMENT, "Add"),
            UpdateGroup => ("Update group", GROUP_MANAGEMENT, "Update"),
            DeleteGroup => ("Delete group", GROUP_MANAGEMENT, "Delete"),
            RestoreGroup => ("Restore group", GROUP_MANAGEMENT, "Update"),
            HardDeleteGroup => ("Hard Delete group", GROUP_MANAGEMENT, "Delete"),
            AddMember => ("Add member to group", GROUP_MANAGEMENT, "Assign"),
            RemoveMember => ("Remove member from group", GROUP_MANAGEMENT, "Unassign"),
            AddOwner => ("Add owner to group", GROUP_MANAGEMENT, "Assign"),
            RemoveOwner => ("Remove owner from group", GROUP_MANAGEMENT, "Unassign"),
        }
    }
}

/// One `targetResources` item: the object a change touched and, for updates, what changed.
#[derive(Debug, Clone)]
pub struct Target {
    json: Map<String, Value>,
}

impl Target {
    pub fn user(user: &User) -> Self {
        Self::new(&user.props, "User", json!(user.upn()), Value::Null)
    }

    pub fn group(group: &Group) -> Self {
        let group_type = if group.is_unified() {
            "unifiedGroups"
        } else {
            "azureAD"
        };
        Self::new(&group.props, "Group", Value::Null, json!(group_type))
    }

    pub fn object(object: Object<'_>) -> Self {
        match object {
            Object::User(user) => Self::user(user),
            Object::Group(group) => Self::group(group),
        }
    }

    fn new(props: &Map<String, Value>, kind: &str, upn: Value, group_type: Value) -> Self {
        let json = json!({
            "id": props.get("id").cloned().unwrap_or(Value::Null),
            "displayName": props.get("displayName").cloned().unwrap_or(Value::Null),
            "type": kind,
            "userPrincipalName": upn,
            "groupType": group_type,
            "modifiedProperties": [],
        });
        Target {
            json: json.as_object().cloned().unwrap_or_default(),
        }
    }

    /// What a create or update changed: the properties in `before` whose values differ now.
    pub fn changed(self, before: &Before, now: &Map<String, Value>) -> Self {
        self.changes(before.0.iter().filter_map(|(name, old)| {
            let new = now.get(name).unwrap_or(&Value::Null);
            (old != new).then_some((name.as_str(), old, new))
        }))
    }

    /// Property changes, each `(name, old, new)` with absent values as `Value::Null`. Entra ID
    /// writes names in PascalCase and values as JSON text of a one-item list (`["Sales"]`, `[]`
    /// for none), then lists the names once more under "Included Updated Properties".
    pub fn changes<'a>(
        mut self,
        changes: impl IntoIterator<Item = (&'a str, &'a Value, &'a Value)>,
    ) -> Self {
        let mut items = Vec::new();
        let mut names = Vec::new();
        for (name, old, new) in changes {
            let name = pascal_case(name);
            items.push(json!({
                "displayName": name,
                "oldValue": listed(old),
                "newValue": listed(new),
            }));
            names.push(name);
        }
        if !names.is_empty() {
            items.push(json!({
                "displayName": "Included Updated Properties",
                "oldValue": null,
                "newValue": json!(names.join(", ")).to_string(),
            }));
        }
        self.json
            .insert("modifiedProperties".into(), Value::Array(items));
        self
    }

    /// The group a member or owner joined (`joined`) or left, as Entra ID notes it on the
    /// member: `Group.ObjectID` and `Group.DisplayName`, JSON text on the side that holds them.
    pub fn in_group(mut self, group: &Group, joined: bool) -> Self {
        let note = |name: &str, value: &Value| {
            let text = json!(value.to_string());
            let (old, new) = if joined {
                (Value::Null, text)
            } else {
                (text, Value::Null)
            };
            json!({ "displayName": name, "oldValue": old, "newValue": new })
        };
        let id = group.props.get("id").cloned().unwrap_or(Value::Null);
        let name = group
            .props
            .get("displayName")
            .cloned()
            .unwrap_or(Value::Null);
        self.json.insert(
            "modifiedProperties".into(),
            json!([
                note("Group.ObjectID", &id),
                note("Group.DisplayName", &name)
            ]),
        );
        self
    }
}

/// The values a create or update is about to set (nothing, for a new object), kept to list
/// what it changed afterwards.
#[derive(Debug)]
pub struct Before(Vec<(String, Value)>);

impl Before {
    pub fn of<'a>(props: &Map<String, Value>, names: impl IntoIterator<Item = &'a String>) -> Self {
        Before(
            names
                .into_iter()
                .map(|name| {
                    (
                        name.clone(),
                        props.get(name).cloned().unwrap_or(Value::Null),
                    )
                })
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn pascal_case(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) if !name.starts_with("extension_") => {
            first.to_uppercase().chain(chars).collect()
        }
        _ => name.to_string(),
    }
}

/// `["value"]` as text; `[]` for nothing; collections as themselves.
fn listed(value: &Value) -> Value {
    let text = match value {
        Value::Null => "[]".to_string(),
        Value::Array(_) => value.to_string(),
        other => json!([other]).to_string(),
    };
    Value::String(text)
}

/// One recorded change, as Graph JSON properties.
#[derive(Debug, Clone)]
pub struct Entry {
    seq: u64,
    pub props: Map<String, Value>,
}

impl Listed for Entry {
    fn seq(&self) -> u64 {
        self.seq
    }

    fn props(&self) -> &Map<String, Value> {
        &self.props
    }
}

#[derive(Debug)]
pub struct AuditLog {
    entries: BTreeMap<u64, Entry>,
    next_seq: u64,
    last_ticks: i64,
    /// Correlation ids: one per API operation, shared by the entries it writes.
    rng: SplitMix64,
    /// `initiatedBy`: the app whose token made the changes.
    initiator: Value,
}

impl AuditLog {
    pub fn new(seed: u64) -> Self {
        AuditLog {
            entries: BTreeMap::new(),
            next_seq: 1,
            last_ticks: 0,
            rng: SplitMix64::new(seed ^ 0xA0D1_7106_5EED_0001),
            initiator: json!({ "app": null, "user": null }),
        }
    }

    /// Changes from now on are this app's doing.
    pub fn initiated_by(&mut self, app_id: &str, service_principal_id: &str) {
        self.initiator = json!({
            "app": {
                "appId": app_id,
                "displayName": null,
                "servicePrincipalId": service_principal_id,
                "servicePrincipalName": null,
            },
            "user": null,
        });
    }

    /// A correlation id for the entries of one operation.
    pub fn correlation(&mut self) -> String {
        self.rng.guid()
    }

    pub fn record(&mut self, correlation: &str, activity: Activity, targets: Vec<Target>) {
        let (name, category, operation) = activity.describe();
        // Strictly increasing, even when the clock has not moved or has gone back.
        let ticks = clock::ticks_now().max(self.last_ticks + 1);
        self.last_ticks = ticks;
        let seq = self.next_seq;
        self.next_seq += 1;
        let props = json!({
            "id": format!("Directory_{correlation}_{seq}"),
            "category": category,
            "correlationId": correlation,
            "result": "success",
            "resultReason": "",
            "activityDisplayName": name,
            "activityDateTime": clock::iso8601_ticks(ticks),
            "loggedByService": "Core Directory",
            "operationType": operation,
            "initiatedBy": self.initiator,
            "targetResources": targets.into_iter().map(|t| Value::Object(t.json)).collect::<Vec<_>>(),
            "additionalDetails": [],
        });
        let props = props.as_object().cloned().unwrap_or_default();
        self.entries.insert(seq, Entry { seq, props });
    }

    /// One page of `GET /auditLogs/directoryAudits`: newest first unless `$orderby` asks for
    /// `activityDateTime asc`, starting after `cursor`. Recording order is time order, so
    /// either direction is a walk over the log, never a sort.
    pub fn page(&self, query: &Query, cursor: Option<&PageCursor>) -> Page<'_, Entry> {
        let matches = |entry: &&Entry| {
            query
                .filter
                .as_ref()
                .is_none_or(|f| f.matches(&entry.props))
        };
        let count = query
            .count
            .then(|| self.entries.values().filter(matches).count());
        let newest_first = query.orderby.as_ref().is_none_or(|o| o.descending);
        let walk: Box<dyn Iterator<Item = &Entry>> = match (newest_first, cursor) {
            (true, Some(c)) => Box::new(self.entries.range(..c.last_seq).rev().map(|(_, e)| e)),
            (true, None) => Box::new(self.entries.values().rev()),
            (false, c) => Box::new(
                self.entries
                    .range(c.map_or(0, |c| c.last_seq.saturating_add(1))..)
                    .map(|(_, e)| e),
            ),
        };
        let mut found = walk.filter(matches);
        let items: Vec<&Entry> = found.by_ref().take(query.top).collect();
        let next = match (found.next(), items.last()) {
            (Some(_), Some(last)) => Some(PageCursor {
                fingerprint: query.fingerprint,
                last_seq: last.seq,
                last_key: None,
            }),
            _ => None,
        };
        Page { items, next, count }
    }
}

/// The tenant's side: what its changes write, and reading the log back.
impl Tenant {
    /// Changes from now on are this app's doing; the demo data predates the log.
    pub fn audit_as(&mut self, app_id: &str, service_principal_id: &str) {
        self.audit.initiated_by(app_id, service_principal_id);
    }

    pub fn audit_page(&self, query: &Query, cursor: Option<&PageCursor>) -> Page<'_, Entry> {
        self.audit.page(query, cursor)
    }

    /// Records an operation that writes one entry.
    pub(super) fn log(&mut self, activity: Activity, targets: Vec<Target>) {
        let correlation = self.audit.correlation();
        self.audit.record(&correlation, activity, targets);
    }

    /// "Add member to group" and its kin: the member first, then the group, as Entra ID
    /// lists them.
    pub(super) fn log_link(
        &mut self,
        correlation: &str,
        group: u64,
        link: Link,
        object: ObjectRef,
        joined: bool,
    ) {
        let activity = match (link, joined) {
            (Link::Members, true) => Activity::AddMember,
            (Link::Members, false) => Activity::RemoveMember,
            (Link::Owners, true) => Activity::AddOwner,
            (Link::Owners, false) => Activity::RemoveOwner,
        };
        let (Some(group), Some(object)) = (self.groups.get(&group), self.object(object)) else {
            return;
        };
        let targets = vec![
            Target::object(object).in_group(group, joined),
            Target::group(group),
        ];
        self.audit.record(correlation, activity, targets);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::parse_pairs;
    use crate::odata::{self, parse_query};
    use crate::schema;

    fn query(options: &str) -> Query {
        parse_query(&schema::DIRECTORY_AUDIT, &parse_pairs(options), true).unwrap()
    }

    fn names(page: &Page<'_, Entry>) -> Vec<String> {
        page.items
            .iter()
            .map(|e| {
                e.props["targetResources"][0]["displayName"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    fn log_of(n: usize) -> AuditLog {
        let mut log = AuditLog::new(1);
        for i in 0..n {
            let props = json!({ "id": format!("u{i}"), "displayName": format!("n{i}") });
            let target = Target::new(props.as_object().unwrap(), "User", Value::Null, Value::Null);
            let correlation = log.correlation();
            log.record(&correlation, Activity::AddUser, vec![target]);
        }
        log
    }

    #[test]
    fn times_strictly_increase_and_entries_carry_graphs_shape() {
        let log = log_of(50);
        let times: Vec<i64> = log
            .entries
            .values()
            .map(|e| clock::parse_ticks(e.props["activityDateTime"].as_str().unwrap()).unwrap())
            .collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]));
        let entry = &log.entries[&1].props;
        assert_eq!(entry["activityDisplayName"], "Add user");
        assert_eq!(entry["category"], "UserManagement");
        assert_eq!(entry["operationType"], "Add");
        assert_eq!(entry["loggedByService"], "Core Directory");
        assert_eq!(entry["result"], "success");
        assert!(
            entry["id"]
                .as_str()
                .unwrap()
                .contains(entry["correlationId"].as_str().unwrap())
        );
    }

    #[test]
    fn pages_newest_first_or_oldest_first_without_repeats() {
        let log = log_of(7);
        for (options, expected) in [
            ("$top=3", ["n6", "n5", "n4", "n3", "n2", "n1", "n0"]),
            (
                "$top=3&$orderby=activityDateTime desc",
                ["n6", "n5", "n4", "n3", "n2", "n1", "n0"],
            ),
            (
                "$top=2&$orderby=activityDateTime",
                ["n0", "n1", "n2", "n3", "n4", "n5", "n6"],
            ),
        ] {
            let q = query(options);
            let (mut seen, mut cursor) = (Vec::new(), None);
            loop {
                let page = log.page(&q, cursor.as_ref());
                seen.extend(names(&page));
                match page.next {
                    Some(next) => {
                        cursor = odata::decode_skiptoken(&odata::encode_skiptoken(&next));
                    }
                    None => break,
                }
            }
            assert_eq!(seen, expected, "{options}");
        }
    }

    #[test]
    fn changes_are_listed_as_entra_id_writes_them() {
        let props = json!({ "id": "u1", "displayName": "Nina" });
        let target = Target::new(
            props.as_object().unwrap(),
            "User",
            json!("n@x.com"),
            Value::Null,
        )
        .changes([
            ("jobTitle", &json!("Tester"), &json!("Lead")),
            ("otherMails", &json!(["a@x.com"]), &Value::Null),
        ]);
        assert_eq!(
            Value::Object(target.json)["modifiedProperties"],
            json!([
                { "displayName": "JobTitle", "oldValue": "[\"Tester\"]", "newValue": "[\"Lead\"]" },
                { "displayName": "OtherMails", "oldValue": "[\"a@x.com\"]", "newValue": "[]" },
                { "displayName": "Included Updated Properties", "oldValue": null, "newValue": "\"JobTitle, OtherMails\"" },
            ])
        );
    }
}
