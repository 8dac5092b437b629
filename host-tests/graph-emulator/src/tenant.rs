//! The directory: users (as Graph JSON property maps), their managers, and the rules Graph
//! applies when they change (required properties, unique userPrincipalName, typed values).
//! Users are kept in creation order, which is also the stable order paging walks.
//! Groups, their members and owners live in [`groups`], on the same [`Tenant`]; deleted
//! users and groups wait in [`deleted`] items; every change made through the API is written
//! to the [`audit`] log and numbered for delta queries in [`changes`].

mod audit;
mod changes;
mod deleted;
mod groups;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value, json};

use crate::b2c::{self, B2c};
use crate::clock;
use crate::error::GraphError;
use crate::odata::{Filter, PageCursor, Query};
use crate::prng::{self, SplitMix64};
use crate::schema::{self, Kind, Property};

pub use changes::{Collection, DeltaEntry, DeltaWalk, LinkCursor, LinkEntry};
pub use groups::{Group, Link, Object, ObjectPage, ObjectRef, security_identifier};

use audit::{Activity, AuditLog, Before, Target};
use deleted::Deleted;

/// The tenant's initial domain, where demo users live.
pub const DOMAIN: &str = "contoso.onmicrosoft.com";

#[derive(Debug, Clone)]
pub struct User {
    /// Creation sequence number: the paging order and the skip token's position.
    pub seq: u64,
    /// Graph properties by canonical name; never contains the password.
    pub props: Map<String, Value>,
    pub manager: Option<u64>,
    /// The `passwordProfile` last set through the API: write-only in Graph, kept so tests can
    /// see what a password reset set.
    pub password_profile: Option<Value>,
    /// The id of the manager this user lost without getting another one, so a delta round
    /// can report the removal (`manager@delta` with `@removed`).
    pub former_manager: Option<String>,
}

impl User {
    pub fn id(&self) -> &str {
        self.props.get("id").and_then(Value::as_str).unwrap_or("")
    }

    pub fn upn(&self) -> &str {
        self.props
            .get("userPrincipalName")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

/// What a list query walks: users and groups alike, in creation order.
pub trait Listed {
    /// Creation sequence number: the paging order and the skip token's position.
    fn seq(&self) -> u64;
    fn props(&self) -> &Map<String, Value>;
}

impl Listed for User {
    fn seq(&self) -> u64 {
        self.seq
    }

    fn props(&self) -> &Map<String, Value> {
        &self.props
    }
}

/// One page of a list query.
#[derive(Debug)]
pub struct Page<'a, T> {
    pub items: Vec<&'a T>,
    pub next: Option<PageCursor>,
    /// Total matches (all pages), when `$count=true`.
    pub count: Option<usize>,
}

#[derive(Debug)]
pub struct Tenant {
    users: BTreeMap<u64, User>,
    by_id: HashMap<String, u64>,
    by_upn: HashMap<String, u64>,
    next_seq: u64,
    /// Ids of users created through the API come from here, so a replayed test run
    /// produces the same ids.
    rng: SplitMix64,
    groups: BTreeMap<u64, Group>,
    groups_by_id: HashMap<String, u64>,
    next_group_seq: u64,
    /// Orders every member and owner link ever made: the order `/members` pages in.
    next_link: u64,
    /// Ids of groups created through the API: a stream of their own, so creating groups
    /// never shifts the ids of users created later (or the other way round).
    group_rng: SplitMix64,
    /// Deleted items, by creation sequence, and the ids that name them.
    deleted_users: BTreeMap<u64, Deleted<User>>,
    deleted_groups: BTreeMap<u64, Deleted<Group>>,
    deleted_ids: HashMap<String, ObjectRef>,
    audit: AuditLog,
    changes: changes::Changes,
    /// Set for an Azure AD B2C tenant, whose users sign in with `identities`.
    b2c: Option<B2c>,
    /// Live users by identity (issuer and issuerAssignedId, see [`b2c::identity_key`]): a
    /// B2C tenant refuses an identity someone else already signs in with.
    by_identity: HashMap<String, u64>,
}

impl Tenant {
    pub fn new(seed: u64) -> Self {
        Tenant {
            users: BTreeMap::new(),
            by_id: HashMap::new(),
            by_upn: HashMap::new(),
            next_seq: 1,
            rng: SplitMix64::new(seed ^ 0x05EE_D0FA_110B_1EC7),
            groups: BTreeMap::new(),
            groups_by_id: HashMap::new(),
            next_group_seq: 1,
            next_link: 1,
            group_rng: SplitMix64::new(seed ^ 0x6A0B_5EED_0F60_0B5E),
            deleted_users: BTreeMap::new(),
            deleted_groups: BTreeMap::new(),
            deleted_ids: HashMap::new(),
            audit: AuditLog::new(seed),
            changes: changes::Changes::default(),
            b2c: None,
            by_identity: HashMap::new(),
        }
    }

    /// Makes this an Azure AD B2C tenant (or an Entra ID one, None).
    pub fn set_b2c(&mut self, b2c: Option<B2c>) {
        self.b2c = b2c;
    }

    pub fn len(&self) -> usize {
        self.users.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &User> {
        self.users.values()
    }

    pub fn get(&self, seq: u64) -> Option<&User> {
        self.users.get(&seq)
    }

    /// Looks a user up the way `/users/{id | userPrincipalName}` does, ignoring case.
    pub fn find(&self, key: &str) -> Option<&User> {
        self.find_seq(key).and_then(|seq| self.users.get(&seq))
    }

    fn find_seq(&self, key: &str) -> Option<u64> {
        let lower = key.to_lowercase();
        self.by_id
            .get(&lower)
            .or_else(|| self.by_upn.get(&lower))
            .copied()
    }

    fn require(&self, key: &str) -> Result<u64, GraphError> {
        self.find_seq(key).ok_or_else(|| GraphError::not_found(key))
    }

    pub fn manager_of(&self, user: &User) -> Option<&User> {
        user.manager.and_then(|seq| self.users.get(&seq))
    }

    /// Adds a fully formed user (demo data); the caller guarantees unique id and UPN.
    pub fn insert(&mut self, props: Map<String, Value>, manager: Option<u64>) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        let user = User {
            seq,
            props,
            manager,
            password_profile: None,
            former_manager: None,
        };
        self.by_id.insert(user.id().to_lowercase(), seq);
        self.by_upn.insert(user.upn().to_lowercase(), seq);
        self.users.insert(seq, user);
        self.index_identities(seq);
        seq
    }

    fn identity_keys(props: &Map<String, Value>) -> Vec<String> {
        match props.get("identities") {
            Some(Value::Array(items)) => items.iter().filter_map(b2c::identity_key).collect(),
            _ => Vec::new(),
        }
    }

    fn index_identities(&mut self, seq: u64) {
        for key in Self::identity_keys(&self.users[&seq].props) {
            self.by_identity.insert(key, seq);
        }
    }

    fn unindex_identities(&mut self, seq: u64) {
        for key in Self::identity_keys(&self.users[&seq].props) {
            if self.by_identity.get(&key) == Some(&seq) {
                self.by_identity.remove(&key);
            }
        }
    }

    /// In a B2C tenant, refuses identities another live user than `seq` signs in with.
    fn check_identities_free(
        &self,
        identities: &[Value],
        seq: Option<u64>,
    ) -> Result<(), GraphError> {
        if self.b2c.is_none() {
            return Ok(());
        }
        for key in identities.iter().filter_map(b2c::identity_key) {
            if let Some(other) = self.by_identity.get(&key)
                && Some(*other) != seq
            {
                return Err(b2c::duplicate_identity(self.users[other].id()));
            }
        }
        Ok(())
    }

    /// `POST /users`: validates like Graph, fills what Graph fills, returns the new user.
    pub fn create(&mut self, body: &Value) -> Result<&User, GraphError> {
        let body = body
            .as_object()
            .ok_or_else(|| GraphError::bad_request("The request body must be a JSON object."))?;
        let mut props = validate_body(body, self.b2c.as_ref())?;
        // A B2C tenant's consumers need only a name (and a password to sign in locally); Graph
        // makes up the userPrincipalName, and the emulator the mailNickname.
        let b2c_identities = match &self.b2c {
            Some(_) => Some(match props.get("identities") {
                Some(value) if !value.is_null() => b2c::check_identities(value, DOMAIN)?,
                _ => Vec::new(),
            }),
            None => None,
        };
        let required: &[&str] = match &b2c_identities {
            None => &[
                "accountEnabled",
                "displayName",
                "mailNickname",
                "passwordProfile",
                "userPrincipalName",
            ],
            // Only federated identities: the password lives with the identity provider.
            Some(ids) if !ids.is_empty() && !ids.iter().any(b2c::is_local_identity) => {
                &["displayName"]
            }
            Some(_) => &["displayName", "passwordProfile"],
        };
        for required in required {
            let present = match props.get(*required) {
                None | Some(Value::Null) => false,
                Some(Value::String(s)) => !s.trim().is_empty(),
                Some(_) => true,
            };
            if !present {
                return Err(GraphError::property_required(required));
            }
        }
        let strong = strong_passwords(self.b2c.is_some(), &props);
        check_password(
            body.get("passwordProfile"),
            required.contains(&"passwordProfile"),
            strong,
        )?;
        // The password is write-only: checked, kept apart from the properties, never returned.
        let password_profile = props.remove("passwordProfile");
        // In B2C, a userPrincipalName identity sets the property when the body has none.
        let upn_identity = body
            .get("identities")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|i| b2c::is_upn_identity(i))
            .and_then(|i| i["issuerAssignedId"].as_str())
            .filter(|_| b2c_identities.is_some());
        let given_upn = props
            .get("userPrincipalName")
            .and_then(Value::as_str)
            .or(upn_identity)
            .map(str::to_string);
        if let Some(upn) = &given_upn
            && !valid_upn(upn)
        {
            return Err(invalid_upn());
        }
        if let Some(upn) = &given_upn
            && let Some(existing) = self.by_upn.get(&upn.to_lowercase())
        {
            return Err(duplicate_upn(self.users[existing].id()));
        }
        if let Some(identities) = &b2c_identities {
            self.check_identities_free(identities, None)?;
        }
        let id = loop {
            let id = self.rng.guid();
            if !self.by_id.contains_key(&id) && !self.deleted_ids.contains_key(&id) {
                break id;
            }
        };
        let mut user = Map::new();
        user.insert("id".into(), Value::String(id.clone()));
        user.insert(
            "createdDateTime".into(),
            Value::String(clock::iso8601(clock::unix_now())),
        );
        user.insert("businessPhones".into(), json!([]));
        user.insert("otherMails".into(), json!([]));
        user.insert("proxyAddresses".into(), json!([]));
        user.insert("imAddresses".into(), json!([]));
        user.insert("userType".into(), json!("Member"));
        user.insert("creationType".into(), Value::Null);
        let upn = given_upn.unwrap_or_else(|| format!("{id}@{DOMAIN}"));
        let issuer = upn.rsplit_once('@').map(|(_, d)| d).unwrap_or(DOMAIN);
        let upn_identity =
            json!({ "signInType": "userPrincipalName", "issuer": issuer, "issuerAssignedId": upn });
        match b2c_identities {
            None => {
                user.insert("identities".into(), json!([upn_identity]));
            }
            Some(mut identities) => {
                if identities.iter().any(b2c::is_local_identity) {
                    user.insert("creationType".into(), json!("LocalAccount"));
                }
                user.insert("accountEnabled".into(), json!(true));
                user.insert("mailNickname".into(), json!(id));
                identities.push(upn_identity);
                props.insert("identities".into(), Value::Array(identities));
                props.insert("userPrincipalName".into(), json!(upn));
            }
        }
        let before = Before::of(&Map::new(), props.keys());
        user.extend(props);
        let seq = self.insert(user, None);
        let user = self.users.get_mut(&seq).expect("just inserted");
        user.password_profile = password_profile;
        let target = Target::user(user).changed(&before, &user.props);
        self.log(Activity::AddUser, vec![target]);
        self.track_user(seq);
        Ok(&self.users[&seq])
    }

    /// `PATCH /users/{id}`: replaces the given properties; complex ones are merged member by
    /// member, as Graph does for onPremisesExtensionAttributes.
    pub fn update(&mut self, key: &str, body: &Value) -> Result<(), GraphError> {
        let seq = self.require(key)?;
        let body = body
            .as_object()
            .ok_or_else(|| GraphError::bad_request("The request body must be a JSON object."))?;
        let mut props = validate_body(body, self.b2c.as_ref())?;
        for must_stay in [
            "accountEnabled",
            "displayName",
            "mailNickname",
            "userPrincipalName",
        ] {
            match props.get(must_stay) {
                Some(Value::Null) => return Err(GraphError::invalid_value(must_stay)),
                Some(Value::String(s)) if s.trim().is_empty() => {
                    return Err(GraphError::invalid_value(must_stay));
                }
                _ => {}
            }
        }
        let password_profile = match body.contains_key("passwordProfile") {
            true => {
                let mut policies = self.users[&seq].props.clone();
                policies.extend(props.clone());
                let strong = strong_passwords(self.b2c.is_some(), &policies);
                check_password(body.get("passwordProfile"), false, strong)?;
                props.remove("passwordProfile")
            }
            false => None,
        };
        if self.b2c.is_some() {
            self.b2c_identities_update(seq, &mut props)?;
        }
        let new_upn = props
            .get("userPrincipalName")
            .and_then(Value::as_str)
            .map(str::to_lowercase);
        if let Some(upn) = &new_upn
            && let Some(other) = self.by_upn.get(upn)
            && *other != seq
        {
            return Err(duplicate_upn(self.users[other].id()));
        }
        self.unindex_identities(seq);
        let user = self.users.get_mut(&seq).expect("indexed user exists");
        if password_profile.is_some() {
            user.password_profile = password_profile;
        }
        let old_upn = user.upn().to_lowercase();
        let before = Before::of(&user.props, props.keys());
        for (name, value) in props {
            match (user.props.get_mut(&name), value) {
                (Some(Value::Object(existing)), Value::Object(changes)) => existing.extend(changes),
                (_, value) => {
                    user.props.insert(name, value);
                }
            }
        }
        if let Some(upn) = new_upn {
            self.by_upn.remove(&old_upn);
            self.by_upn.insert(upn, seq);
        }
        self.index_identities(seq);
        let user = &self.users[&seq];
        let target = Target::user(user).changed(&before, &user.props);
        self.log(Activity::UpdateUser, vec![target]);
        self.track_user(seq);
        Ok(())
    }

    /// A B2C PATCH's identities: the collection replaces the user's whole one after the same
    /// checks as a create; a userPrincipalName identity sets the userPrincipalName, and the
    /// tenant keeps that identity in step with the property whatever the body says (Graph
    /// documents the first; that it keeps the identity when a body leaves it out is the
    /// emulator's reading).
    fn b2c_identities_update(
        &self,
        seq: u64,
        props: &mut Map<String, Value>,
    ) -> Result<(), GraphError> {
        let user = &self.users[&seq];
        let mut identities = match props.get("identities").cloned() {
            None => None,
            Some(Value::Null) => return Err(GraphError::invalid_value("identities")),
            Some(value) => {
                let given_upn = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|i| b2c::is_upn_identity(i));
                if let Some(upn) = given_upn.and_then(|i| i["issuerAssignedId"].as_str())
                    && !props.contains_key("userPrincipalName")
                {
                    if !valid_upn(upn) {
                        return Err(invalid_upn());
                    }
                    props.insert("userPrincipalName".into(), json!(upn));
                }
                let checked = b2c::check_identities(&value, DOMAIN)?;
                let had_local = match user.props.get("identities") {
                    Some(Value::Array(items)) => items.iter().any(b2c::is_local_identity),
                    _ => false,
                };
                if !had_local && checked.iter().any(b2c::is_local_identity) {
                    // Graph documents the rule; its message is not documented.
                    return Err(GraphError::bad_request(
                        "Adding a local account identity to a user that has none is not allowed.",
                    ));
                }
                self.check_identities_free(&checked, Some(seq))?;
                Some(checked)
            }
        };
        let upn = match props.get("userPrincipalName").and_then(Value::as_str) {
            Some(upn) => upn.to_string(),
            None if identities.is_none() => return Ok(()),
            None => user.upn().to_string(),
        };
        let mut identities =
            identities
                .take()
                .unwrap_or_else(|| match user.props.get("identities") {
                    Some(Value::Array(items)) => items
                        .iter()
                        .filter(|i| !b2c::is_upn_identity(i))
                        .cloned()
                        .collect(),
                    _ => Vec::new(),
                });
        let issuer = upn
            .rsplit_once('@')
            .map(|(_, d)| d)
            .unwrap_or(DOMAIN)
            .to_string();
        identities.push(
            json!({ "signInType": "userPrincipalName", "issuer": issuer, "issuerAssignedId": upn }),
        );
        props.insert("identities".into(), Value::Array(identities));
        Ok(())
    }

    /// `DELETE /users/{id}`: the user moves to deleted items, its reports are left without a
    /// manager, and it leaves every group it was a member or owner of.
    pub fn delete(&mut self, key: &str) -> Result<(), GraphError> {
        let seq = self.require(key)?;
        self.soft_delete_user(seq);
        Ok(())
    }

    /// `PUT /users/{id}/manager/$ref`.
    pub fn set_manager(&mut self, key: &str, manager_key: &str) -> Result<(), GraphError> {
        let seq = self.require(key)?;
        let manager = self.require(manager_key)?;
        if manager == seq {
            return Err(GraphError::bad_request(
                "A user cannot be assigned as their own manager.",
            ));
        }
        let user = self.users.get_mut(&seq).expect("indexed user exists");
        user.manager = Some(manager);
        user.former_manager = None;
        let targets = vec![
            Target::user(&self.users[&seq]),
            Target::user(&self.users[&manager]),
        ];
        self.log(Activity::SetUserManager, targets);
        self.track_user(seq);
        Ok(())
    }

    /// `DELETE /users/{id}/manager/$ref`.
    pub fn remove_manager(&mut self, key: &str) -> Result<(), GraphError> {
        let seq = self.require(key)?;
        let user = self.users.get_mut(&seq).expect("indexed user exists");
        let Some(manager) = user.manager.take() else {
            return Err(GraphError::not_found("manager"));
        };
        let old_id = self.users.get(&manager).map(|m| m.id().to_string());
        self.users
            .get_mut(&seq)
            .expect("indexed user exists")
            .former_manager = old_id.clone();
        // Entra ID has no activity of its own for this: the user is updated.
        let old = json!(old_id);
        let target = Target::user(&self.users[&seq]).changes([("manager", &old, &Value::Null)]);
        self.log(Activity::UpdateUser, vec![target]);
        self.track_user(seq);
        Ok(())
    }

    /// One page of `GET /users` in the query's order (creation order, or `$orderby` with
    /// creation order breaking ties), starting after `cursor`.
    pub fn page(&self, query: &Query, cursor: Option<&PageCursor>) -> Page<'_, User> {
        page_of(&self.users, Some(&self.by_id), query, cursor)
    }
}

/// One page of a list query over `items` (keyed by creation sequence) in the query's order:
/// creation order, or `$orderby` with creation order breaking ties; starting after `cursor`.
/// A filter that only names ids is looked up in `by_id` (lower-case id -> sequence), when given.
fn page_of<'a, T: Listed>(
    items: &'a BTreeMap<u64, T>,
    by_id: Option<&HashMap<String, u64>>,
    query: &Query,
    cursor: Option<&PageCursor>,
) -> Page<'a, T> {
    let matches = |item: &&T| {
        query
            .filter
            .as_ref()
            .is_none_or(|f| f.matches(item.props()))
    };
    let count = query.count.then(|| items.values().filter(matches).count());
    let top = query.top;

    let named = by_id.zip(query.filter.as_ref().and_then(Filter::named_ids));
    let Some(order) = &query.orderby else {
        let start = cursor.map_or(0, |c| c.last_seq.saturating_add(1));
        let candidates: Box<dyn Iterator<Item = &T>> = match named {
            Some((by_id, ids)) => {
                let seqs: BTreeSet<u64> = ids.iter().filter_map(|id| by_id.get(&id.to_lowercase()).copied()).collect();
                Box::new(seqs.into_iter().filter(move |seq| *seq >= start).filter_map(|seq| items.get(&seq)))
            }
            None => Box::new(items.range(start..).map(|(_, item)| item)),
        };
        let mut found = candidates.filter(matches);
        let page: Vec<&T> = found.by_ref().take(top).collect();
        let more = found.next().is_some();
        let next = match (more, page.last()) {
            (true, Some(last)) => Some(PageCursor {
                fingerprint: query.fingerprint,
                last_seq: last.seq(),
                last_key: None,
            }),
            _ => None,
        };
        return Page {
            items: page,
            next,
            count,
        };
    };

    // Sorted listing: materialise (key, seq) for every match; tenants here are small
    // enough that this beats maintaining per-property indexes.
    let sort_key = |item: &T| match item.props().get(order.property) {
        Some(Value::String(s)) => s.to_lowercase(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    };
    let mut keyed: Vec<(String, &T)> = items
        .values()
        .filter(matches)
        .map(|item| (sort_key(item), item))
        .collect();
    let ordering = |a: (&str, u64), b: (&str, u64)| {
        let by_key = if order.descending {
            b.0.cmp(a.0)
        } else {
            a.0.cmp(b.0)
        };
        by_key.then(a.1.cmp(&b.1))
    };
    keyed.sort_by(|a, b| ordering((&a.0, a.1.seq()), (&b.0, b.1.seq())));
    let start = match cursor {
        Some(c) => {
            let key = c.last_key.as_deref().unwrap_or("");
            keyed.partition_point(|(k, item)| {
                ordering((k, item.seq()), (key, c.last_seq)) != std::cmp::Ordering::Greater
            })
        }
        None => 0,
    };
    let end = (start + top).min(keyed.len());
    let page: Vec<&T> = keyed[start..end].iter().map(|(_, item)| *item).collect();
    let next = (end < keyed.len()).then(|| {
        let (key, last) = &keyed[end - 1];
        PageCursor {
            fingerprint: query.fingerprint,
            last_seq: last.seq(),
            last_key: Some(key.clone()),
        }
    });
    Page {
        items: page,
        next,
        count,
    }
}

fn duplicate_upn(conflicting_id: &str) -> GraphError {
    let message =
        "Another object with the same value for property userPrincipalName already exists.";
    GraphError::bad_request(message).with_details(json!([
        { "code": "ObjectConflict", "message": message, "target": "userPrincipalName" },
        { "code": "ConflictingObjects", "message": message, "target": conflicting_id },
    ]))
}

/// Checks a create or update body against the schema; returns it keyed by canonical names.
/// Read-only properties (id, createdDateTime, ...) are dropped, as Graph ignores them.
fn validate_body(
    body: &Map<String, Value>,
    b2c: Option<&B2c>,
) -> Result<Map<String, Value>, GraphError> {
    let mut out = Map::new();
    for (key, value) in body {
        if key.starts_with("@odata.") || key.contains("@odata.") {
            continue;
        }
        if schema::is_extension(key) {
            if matches!(value, Value::Object(_) | Value::Array(_)) {
                return Err(GraphError::invalid_value(key));
            }
            // A B2C tenant's custom attributes belong to its b2c-extensions-app.
            let name = match b2c {
                Some(b2c) => b2c
                    .own_extension(key)
                    .ok_or_else(|| b2c::unknown_extension(key))?,
                None => key.clone(),
            };
            out.insert(name, value.clone());
            continue;
        }
        let Some(property) = schema::property(key) else {
            return Err(GraphError::odata(format!(
                "Property '{key}' does not exist on type 'microsoft.graph.user'. Make sure to only use property names that are defined by the type or mark the type as open type."
            )));
        };
        if property.read_only {
            continue;
        }
        if property.name == "identities" && b2c.is_some() && !value.is_array() && !value.is_null() {
            return Err(b2c::identities_schema_mismatch());
        }
        let valid = match (property.kind, value) {
            (_, Value::Null) => property.name != "accountEnabled",
            (Kind::Complex, Value::Object(members)) => members.keys().all(|m| {
                schema::sub_property(property.name, m).is_some() || m.starts_with("@odata.")
            }),
            (Kind::Other, v) => match property.name {
                "passwordProfile" => v.is_object(),
                _ => v.is_array() || v.is_object(),
            },
            (_, v) => valid_kind(property, v),
        };
        if !valid {
            return Err(GraphError::invalid_value(property.name));
        }
        if property.name == "userPrincipalName"
            && let Some(upn) = value.as_str()
            && !valid_upn(upn)
        {
            return Err(invalid_upn());
        }
        let value = match (property.kind, value) {
            // Members are stored under their canonical names so filters find them.
            (Kind::Complex, Value::Object(members)) => Value::Object(
                members
                    .iter()
                    .filter_map(|(m, v)| {
                        schema::sub_property(property.name, m).map(|c| (c.to_string(), v.clone()))
                    })
                    .collect(),
            ),
            (_, v) => v.clone(),
        };
        out.insert(property.name.to_string(), value);
    }
    Ok(out)
}

/// Whether a non-null value has the property's JSON shape.
fn valid_kind(property: &Property, value: &Value) -> bool {
    match (property.kind, value) {
        (Kind::String, v) => v.is_string(),
        (Kind::Bool, v) => v.is_boolean(),
        (Kind::DateTime, Value::String(s)) => s.len() >= 10 && s.as_bytes()[4] == b'-',
        (Kind::StringCollection, Value::Array(items)) => items.iter().all(Value::is_string),
        (Kind::Complex, v) => v.is_object(),
        (Kind::ComplexCollection, v) => v.is_array(),
        (Kind::Other, v) => v.is_array() || v.is_object(),
        _ => false,
    }
}

fn invalid_upn() -> GraphError {
    GraphError::bad_request("Property userPrincipalName is invalid.")
        .with_details(json!([{ "code": "InvalidValue", "target": "userPrincipalName" }]))
}

fn valid_upn(upn: &str) -> bool {
    match upn.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && !upn.chars().any(|c| c.is_whitespace() || c.is_control())
                && !local.starts_with('.')
                && !local.ends_with('.')
        }
        None => false,
    }
}

/// Whether the strong password policy applies: always in Entra ID; in B2C unless the user's
/// passwordPolicies include `DisableStrongPassword` (used when migrating users).
fn strong_passwords(b2c: bool, props: &Map<String, Value>) -> bool {
    !b2c || !props
        .get("passwordPolicies")
        .and_then(Value::as_str)
        .is_some_and(|p| {
            p.split(',')
                .any(|p| p.trim().eq_ignore_ascii_case("DisableStrongPassword"))
        })
}

/// Entra ID's default policy: at least 8 characters from at least three of upper case,
/// lower case, digits and symbols (unless `strong` is false: then any non-empty password).
fn check_password(profile: Option<&Value>, required: bool, strong: bool) -> Result<(), GraphError> {
    let password = profile
        .and_then(|p| p.get("password"))
        .and_then(Value::as_str);
    let Some(password) = password else {
        return if required {
            Err(GraphError::property_required("passwordProfile"))
        } else {
            Ok(())
        };
    };
    let classes = [
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    let weak = password.chars().count() < 8 || classes.iter().filter(|c| **c).count() < 3;
    if password.is_empty() || (strong && weak) {
        return Err(GraphError::bad_request(
            "The specified password does not comply with password complexity requirements. Please provide a different password.",
        ));
    }
    Ok(())
}

/// The id Graph accepts for a `$ref`: the last path segment of the `@odata.id` URL, skipping a
/// trailing type cast such as `/Microsoft.DirectoryServices.User`.
pub fn id_from_reference(url: &str) -> Option<&str> {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let mut segments = path
        .trim_end_matches('/')
        .rsplit('/')
        .filter(|s| !s.is_empty());
    let last = segments.next()?;
    let id = if last.to_ascii_lowercase().starts_with("microsoft.") {
        segments.next()?
    } else {
        last
    };
    (prng::looks_like_guid(id) || id.contains('@')).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::odata::{self, parse_user_query};

    fn new_user(upn: &str) -> Value {
        json!({
            "accountEnabled": true,
            "displayName": "Test User",
            "mailNickname": "test",
            "userPrincipalName": upn,
            "passwordProfile": { "password": "Str0ng!Passw0rd", "forceChangePasswordNextSignIn": false }
        })
    }

    #[test]
    fn create_fills_graph_defaults_and_never_keeps_the_password() {
        let mut t = Tenant::new(1);
        let user = t.create(&new_user("t1@contoso.onmicrosoft.com")).unwrap();
        assert!(prng::looks_like_guid(user.id()));
        assert_eq!(user.props["userType"], "Member");
        assert!(!user.props.contains_key("passwordProfile"));
        assert!(
            !serde_json::to_string(&user.props)
                .unwrap()
                .contains("Str0ng")
        );
        assert!(t.find("T1@CONTOSO.onmicrosoft.com").is_some());
    }

    #[test]
    fn create_rejects_missing_properties_duplicates_and_weak_passwords() {
        let mut t = Tenant::new(1);
        t.create(&new_user("dup@contoso.onmicrosoft.com")).unwrap();
        let err = t
            .create(&new_user("DUP@contoso.onmicrosoft.com"))
            .unwrap_err();
        assert_eq!(
            err.message,
            "Another object with the same value for property userPrincipalName already exists."
        );

        for missing in [
            "accountEnabled",
            "displayName",
            "mailNickname",
            "userPrincipalName",
            "passwordProfile",
        ] {
            let mut body = new_user("m@contoso.onmicrosoft.com");
            body.as_object_mut().unwrap().remove(missing);
            let err = t.create(&body).unwrap_err();
            assert_eq!(err.code, "Request_BadRequest");
            assert!(err.message.contains(missing), "{missing}: {}", err.message);
        }
        let mut body = new_user("w@contoso.onmicrosoft.com");
        body["passwordProfile"]["password"] = json!("password");
        assert!(t.create(&body).unwrap_err().message.contains("complexity"));
        body["passwordProfile"] = json!({});
        assert!(
            t.create(&body)
                .unwrap_err()
                .message
                .contains("passwordProfile")
        );

        let mut body = new_user("not-an-upn");
        assert!(
            t.create(&body)
                .unwrap_err()
                .message
                .contains("userPrincipalName is invalid")
        );
        body["userPrincipalName"] = json!("ok@contoso.onmicrosoft.com");
        body["shoeSize"] = json!(42);
        assert!(
            t.create(&body)
                .unwrap_err()
                .message
                .contains("'shoeSize' does not exist")
        );
        body.as_object_mut().unwrap().remove("shoeSize");
        body["accountEnabled"] = json!("yes");
        assert!(
            t.create(&body)
                .unwrap_err()
                .message
                .contains("accountEnabled")
        );
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn update_merges_complex_properties_and_reindexes_upn() {
        let mut t = Tenant::new(1);
        let id = t
            .create(&new_user("a@contoso.onmicrosoft.com"))
            .unwrap()
            .id()
            .to_string();
        t.create(&new_user("b@contoso.onmicrosoft.com")).unwrap();
        t.update(
            &id,
            &json!({"onPremisesExtensionAttributes": {"extensionAttribute1": "one"}}),
        )
        .unwrap();
        t.update(&id, &json!({"onPremisesExtensionAttributes": {"EXTENSIONATTRIBUTE2": "two"}, "jobTitle": "Boss"}))
            .unwrap();
        let user = t.find(&id).unwrap();
        assert_eq!(
            user.props["onPremisesExtensionAttributes"],
            json!({"extensionAttribute1": "one", "extensionAttribute2": "two"})
        );
        assert_eq!(user.props["jobTitle"], "Boss");

        assert!(
            t.update(
                &id,
                &json!({"userPrincipalName": "B@contoso.onmicrosoft.com"})
            )
            .is_err()
        );
        t.update(
            &id,
            &json!({"userPrincipalName": "c@contoso.onmicrosoft.com"}),
        )
        .unwrap();
        assert!(t.find("a@contoso.onmicrosoft.com").is_none());
        assert_eq!(t.find("c@contoso.onmicrosoft.com").unwrap().id(), id);
        assert!(t.update(&id, &json!({"displayName": null})).is_err());
        assert_eq!(
            t.update("nobody@x.com", &json!({})).unwrap_err().code,
            "Request_ResourceNotFound"
        );
    }

    #[test]
    fn deleting_a_manager_orphans_reports() {
        let mut t = Tenant::new(1);
        let boss = t
            .create(&new_user("boss@contoso.onmicrosoft.com"))
            .unwrap()
            .id()
            .to_string();
        let report = t
            .create(&new_user("report@contoso.onmicrosoft.com"))
            .unwrap()
            .id()
            .to_string();
        assert!(t.set_manager(&report, &report).is_err());
        assert_eq!(
            t.set_manager(&report, "00000000-0000-4000-8000-000000000000")
                .unwrap_err()
                .status,
            404
        );
        t.set_manager(&report, &boss).unwrap();
        assert_eq!(t.manager_of(t.find(&report).unwrap()).unwrap().id(), boss);
        t.delete(&boss).unwrap();
        assert!(t.manager_of(t.find(&report).unwrap()).is_none());
        assert!(t.remove_manager(&report).is_err());
    }

    #[test]
    fn paging_with_and_without_orderby_visits_each_match_once() {
        let mut t = Tenant::new(1);
        for i in 0..23 {
            let mut body = new_user(&format!("u{i}@contoso.onmicrosoft.com"));
            body["displayName"] = json!(["Zed", "amy", "Bob"][i % 3]);
            t.create(&body).unwrap();
        }
        for options in [
            "$top=5",
            "$top=5&$orderby=displayName",
            "$top=4&$orderby=displayName desc",
            "$top=999",
        ] {
            let q = parse_user_query(&crate::codec::parse_pairs(options), true).unwrap();
            let mut cursor = None;
            let mut seen = Vec::new();
            loop {
                let page = t.page(&q, cursor.as_ref());
                seen.extend(page.items.iter().map(|u| {
                    (
                        u.props["displayName"].as_str().unwrap().to_lowercase(),
                        u.seq,
                    )
                }));
                match page.next {
                    Some(next) => {
                        let token = odata::encode_skiptoken(&next);
                        cursor = Some(odata::decode_skiptoken(&token).unwrap());
                    }
                    None => break,
                }
            }
            assert_eq!(seen.len(), 23, "{options}");
            let mut seqs: Vec<u64> = seen.iter().map(|s| s.1).collect();
            seqs.sort();
            seqs.dedup();
            assert_eq!(seqs.len(), 23, "{options}: no repeats");
            if options.contains("desc") {
                assert!(seen.windows(2).all(|w| w[0].0 >= w[1].0), "{options}");
            } else if options.contains("orderby") {
                assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{options}");
            }
        }
    }

    #[test]
    fn reference_ids_are_taken_from_the_url() {
        let id = "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0";
        assert_eq!(
            id_from_reference(&format!("https://graph.microsoft.com/v1.0/users/{id}")),
            Some(id)
        );
        assert_eq!(
            id_from_reference(&format!("http://127.0.0.1:9/v1.0/directoryObjects/{id}/")),
            Some(id)
        );
        assert_eq!(
            id_from_reference(&format!(
                "https://graph.microsoft.com/v2/t/directoryObjects/{id}/Microsoft.DirectoryServices.User"
            )),
            Some(id)
        );
        assert_eq!(
            id_from_reference("https://graph.microsoft.com/v1.0/users/a@b.com"),
            Some("a@b.com")
        );
        assert_eq!(id_from_reference("nonsense"), None);
        assert_eq!(id_from_reference(""), None);
    }
}
