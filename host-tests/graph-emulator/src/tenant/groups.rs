//! Groups in the directory: their properties, direct members (users and nested security
//! groups) and owners (users), and the rules Graph applies when they change: required
//! properties, which objects may be members or owners, at most 20 links per request,
//! duplicate links, and the last owner staying.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::audit::{Activity, Before, Target};
use super::{DOMAIN, Listed, Page, Tenant, User, id_from_reference, page_of, valid_kind};
use crate::clock;
use crate::error::GraphError;
use crate::odata::{PageCursor, Query};
use crate::prng;
use crate::schema::{self, Resource};

/// Graph refuses more member and owner links than this in one create or update.
pub const MAX_LINKS_PER_REQUEST: usize = 20;
/// "Limited to 100 owners" (group resource page).
pub const MAX_OWNERS: usize = 100;

/// A directory object a group links to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectRef {
    /// A user, by creation sequence.
    User(u64),
    /// A group, by creation sequence.
    Group(u64),
}

/// The two relationships a group keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Link {
    Members,
    Owners,
}

impl Link {
    /// The navigation property's name, as in URLs and error messages.
    pub fn name(self) -> &'static str {
        match self {
            Link::Members => "members",
            Link::Owners => "owners",
        }
    }

    pub fn from_segment(segment: &str) -> Option<Link> {
        if segment.eq_ignore_ascii_case("members") {
            Some(Link::Members)
        } else if segment.eq_ignore_ascii_case("owners") {
            Some(Link::Owners)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone)]
pub struct Group {
    /// Creation sequence number: the paging order and the skip token's position.
    pub seq: u64,
    /// Graph properties by canonical name.
    pub props: Map<String, Value>,
    /// Direct members, keyed by when they were added: the order `/members` pages in.
    pub members: BTreeMap<u64, ObjectRef>,
    pub owners: BTreeMap<u64, ObjectRef>,
}

impl Group {
    pub fn id(&self) -> &str {
        self.props.get("id").and_then(Value::as_str).unwrap_or("")
    }

    /// A Microsoft 365 group: `groupTypes` holds `Unified`.
    pub fn is_unified(&self) -> bool {
        is_unified(self.props.get("groupTypes"))
    }

    pub fn links(&self, link: Link) -> &BTreeMap<u64, ObjectRef> {
        match link {
            Link::Members => &self.members,
            Link::Owners => &self.owners,
        }
    }

    pub(super) fn links_mut(&mut self, link: Link) -> &mut BTreeMap<u64, ObjectRef> {
        match link {
            Link::Members => &mut self.members,
            Link::Owners => &mut self.owners,
        }
    }
}

impl Listed for Group {
    fn seq(&self) -> u64 {
        self.seq
    }

    fn props(&self) -> &Map<String, Value> {
        &self.props
    }
}

/// A directory object found through a link: a user or a group.
#[derive(Debug, Clone, Copy)]
pub enum Object<'a> {
    User(&'a User),
    Group(&'a Group),
}

impl<'a> Object<'a> {
    pub fn id(&self) -> &'a str {
        match *self {
            Object::User(u) => u.id(),
            Object::Group(g) => g.id(),
        }
    }

    pub fn props(&self) -> &'a Map<String, Value> {
        match *self {
            Object::User(u) => &u.props,
            Object::Group(g) => &g.props,
        }
    }

    pub fn resource(&self) -> &'static Resource {
        match self {
            Object::User(_) => &schema::USER,
            Object::Group(_) => &schema::GROUP,
        }
    }

    pub fn reference(&self) -> ObjectRef {
        match *self {
            Object::User(u) => ObjectRef::User(u.seq),
            Object::Group(g) => ObjectRef::Group(g.seq),
        }
    }
}

/// One page of a relationship (`/groups/{id}/members`, `/users/{id}/memberOf`).
#[derive(Debug)]
pub struct ObjectPage<'a> {
    pub items: Vec<Object<'a>>,
    pub next: Option<PageCursor>,
    pub count: Option<usize>,
}

/// A create or update body, split into properties and `@odata.bind` references.
struct GroupBody {
    props: Map<String, Value>,
    members: Vec<String>,
    owners: Vec<String>,
}

impl Tenant {
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }

    /// Groups in creation order.
    pub fn iter_groups(&self) -> impl Iterator<Item = &Group> {
        self.groups.values()
    }

    pub fn group(&self, seq: u64) -> Option<&Group> {
        self.groups.get(&seq)
    }

    /// Looks a group up the way `/groups/{id}` does: by id, ignoring case.
    pub fn find_group(&self, id: &str) -> Option<&Group> {
        self.groups_by_id
            .get(&id.to_lowercase())
            .and_then(|seq| self.groups.get(seq))
    }

    /// Graph tells a malformed group id (400) from an unknown one (404).
    fn require_group(&self, id: &str) -> Result<u64, GraphError> {
        if !prng::looks_like_guid(id) {
            return Err(GraphError::invalid_reference(id));
        }
        self.groups_by_id
            .get(&id.to_lowercase())
            .copied()
            .ok_or_else(|| GraphError::not_found(id))
    }

    /// `/groups/{id}`: 400 for a malformed id, 404 for an unknown one.
    pub fn lookup_group(&self, id: &str) -> Result<&Group, GraphError> {
        Ok(&self.groups[&self.require_group(id)?])
    }

    pub fn object(&self, reference: ObjectRef) -> Option<Object<'_>> {
        match reference {
            ObjectRef::User(seq) => self.users.get(&seq).map(Object::User),
            ObjectRef::Group(seq) => self.groups.get(&seq).map(Object::Group),
        }
    }

    /// The objects a group links to, in the order they were added.
    pub fn linked<'a>(
        &'a self,
        group: &'a Group,
        link: Link,
    ) -> impl Iterator<Item = Object<'a>> + 'a {
        group
            .links(link)
            .values()
            .filter_map(|reference| self.object(*reference))
    }

    /// A user (by id or userPrincipalName) or a group (by id): what `/directoryObjects/{id}`
    /// names.
    fn find_object(&self, key: &str) -> Option<ObjectRef> {
        if let Some(seq) = self.find_seq(key) {
            return Some(ObjectRef::User(seq));
        }
        self.groups_by_id
            .get(&key.to_lowercase())
            .map(|seq| ObjectRef::Group(*seq))
    }

    /// The object an `@odata.id` or `@odata.bind` URL names, on any host.
    fn resolve_reference(&self, url: &str) -> Result<ObjectRef, GraphError> {
        let id = id_from_reference(url).ok_or_else(|| GraphError::invalid_reference(url))?;
        self.find_object(id)
            .ok_or_else(|| GraphError::not_found(id))
    }

    /// Adds a fully formed group (demo data); the caller guarantees a unique id and links
    /// that obey Graph's rules.
    pub fn insert_group(
        &mut self,
        props: Map<String, Value>,
        members: Vec<ObjectRef>,
        owners: Vec<ObjectRef>,
    ) -> u64 {
        let seq = self.next_group_seq;
        self.next_group_seq += 1;
        let mut group = Group {
            seq,
            props,
            members: BTreeMap::new(),
            owners: BTreeMap::new(),
        };
        for (link, objects) in [(Link::Members, members), (Link::Owners, owners)] {
            for object in objects {
                group.links_mut(link).insert(self.next_link, object);
                self.next_link += 1;
            }
        }
        self.groups_by_id.insert(group.id().to_lowercase(), seq);
        self.groups.insert(seq, group);
        seq
    }

    /// `POST /groups`: validates like Graph, fills what Graph fills, links the bound members
    /// and owners, returns the new group.
    pub fn create_group(&mut self, body: &Value) -> Result<&Group, GraphError> {
        let body = body
            .as_object()
            .ok_or_else(|| GraphError::bad_request("The request body must be a JSON object."))?;
        let GroupBody {
            mut props,
            members,
            owners,
        } = validate_group_body(body)?;
        for required in [
            "displayName",
            "mailEnabled",
            "mailNickname",
            "securityEnabled",
        ] {
            let present = match props.get(required) {
                None | Some(Value::Null) => false,
                Some(Value::String(s)) => !s.trim().is_empty(),
                Some(_) => true,
            };
            if !present {
                return Err(GraphError::property_required(required));
            }
        }
        let unified = is_unified(props.get("groupTypes"));
        if props.get("visibility").and_then(Value::as_str) == Some("HiddenMembership") && !unified {
            return Err(GraphError::invalid_value_on("visibility", "Group"));
        }
        self.check_group_properties(&props, unified, None)?;
        if members.len() + owners.len() > MAX_LINKS_PER_REQUEST {
            return Err(too_many_links());
        }
        let members = self.resolve_links(Link::Members, &members, None, unified)?;
        let owners = self.resolve_links(Link::Owners, &owners, None, unified)?;

        let id = loop {
            let id = self.group_rng.guid();
            if !self.groups_by_id.contains_key(&id)
                && !self.by_id.contains_key(&id)
                && !self.deleted_ids.contains_key(&id)
            {
                break id;
            }
        };
        let now = clock::iso8601(clock::unix_now());
        let nickname = props["mailNickname"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mail = unified.then(|| format!("{nickname}@{DOMAIN}"));
        let mut group = Map::new();
        let mut set = |k: &str, v: Value| {
            group.insert(k.to_string(), v);
        };
        set("id", json!(id));
        set("createdDateTime", json!(now));
        set("creationOptions", json!([]));
        set("groupTypes", json!([]));
        set("mail", json!(mail));
        set(
            "proxyAddresses",
            json!(mail.iter().map(|m| format!("SMTP:{m}")).collect::<Vec<_>>()),
        );
        set("renewedDateTime", json!(now));
        set("resourceBehaviorOptions", json!([]));
        set("resourceProvisioningOptions", json!([]));
        set("securityIdentifier", json!(security_identifier(&id)));
        // Microsoft 365 groups are public unless asked otherwise; security groups carry no
        // visibility at all until one is set.
        set(
            "visibility",
            if unified {
                json!("Public")
            } else {
                Value::Null
            },
        );
        set("onPremisesProvisioningErrors", json!([]));
        set("serviceProvisioningErrors", json!([]));
        set("assignedLicenses", json!([]));
        if props.get("visibility") == Some(&Value::Null) {
            props.remove("visibility");
        }
        let before = Before::of(&Map::new(), props.keys());
        group.extend(props);
        let seq = self.insert_group(group, members.clone(), owners.clone());

        let correlation = self.audit.correlation();
        let group = &self.groups[&seq];
        let target = Target::group(group).changed(&before, &group.props);
        self.audit
            .record(&correlation, Activity::AddGroup, vec![target]);
        self.log_links(&correlation, seq, &members, &owners);
        self.track_group(seq);
        self.track_links(seq, &members, &owners);
        Ok(&self.groups[&seq])
    }

    /// `PATCH /groups/{id}`: replaces the given properties and adds the members and owners
    /// bound with `@odata.bind`; nothing changes unless everything is valid.
    pub fn update_group(&mut self, id: &str, body: &Value) -> Result<(), GraphError> {
        let seq = self.require_group(id)?;
        let body = body
            .as_object()
            .ok_or_else(|| GraphError::bad_request("The request body must be a JSON object."))?;
        let GroupBody {
            props,
            members,
            owners,
        } = validate_group_body(body)?;
        for must_stay in [
            "displayName",
            "mailEnabled",
            "mailNickname",
            "securityEnabled",
        ] {
            match props.get(must_stay) {
                Some(Value::Null) => return Err(GraphError::invalid_value_on(must_stay, "Group")),
                Some(Value::String(s)) if s.trim().is_empty() => {
                    return Err(GraphError::invalid_value_on(must_stay, "Group"));
                }
                _ => {}
            }
        }
        let group = &self.groups[&seq];
        let unified = group.is_unified();
        if let Some(types) = props.get("groupTypes")
            && is_unified(Some(types)) != unified
        {
            return Err(GraphError::bad_request(
                "A group cannot be changed into or out of a Microsoft 365 group.",
            ));
        }
        let hidden = |v: Option<&Value>| v.and_then(Value::as_str) == Some("HiddenMembership");
        // Hidden membership is chosen when a Microsoft 365 group is created, never later.
        if props.contains_key("visibility")
            && (hidden(props.get("visibility")) || hidden(group.props.get("visibility")))
            && props.get("visibility") != group.props.get("visibility")
        {
            return Err(GraphError::invalid_value_on("visibility", "Group"));
        }
        self.check_group_properties(&props, unified, Some(seq))?;
        if members.len() + owners.len() > MAX_LINKS_PER_REQUEST {
            return Err(too_many_links());
        }
        let members = self.resolve_links(Link::Members, &members, Some(seq), unified)?;
        let owners = self.resolve_links(Link::Owners, &owners, Some(seq), unified)?;
        if group.owners.len() + owners.len() > MAX_OWNERS {
            return Err(too_many_owners());
        }

        let mut next_link = self.next_link;
        let group = self.groups.get_mut(&seq).expect("indexed group exists");
        let before = Before::of(&group.props, props.keys());
        group.props.extend(props);
        for (link, objects) in [(Link::Members, &members), (Link::Owners, &owners)] {
            for object in objects {
                group.links_mut(link).insert(next_link, *object);
                next_link += 1;
            }
        }
        self.next_link = next_link;

        let correlation = self.audit.correlation();
        if !before.is_empty() {
            let group = &self.groups[&seq];
            let target = Target::group(group).changed(&before, &group.props);
            self.audit
                .record(&correlation, Activity::UpdateGroup, vec![target]);
            self.track_group(seq);
        }
        self.log_links(&correlation, seq, &members, &owners);
        self.track_links(seq, &members, &owners);
        Ok(())
    }

    /// Numbers each member and owner bound in a create or update for delta queries.
    fn track_links(&mut self, seq: u64, members: &[ObjectRef], owners: &[ObjectRef]) {
        for (link, objects) in [(Link::Members, members), (Link::Owners, owners)] {
            for object in objects {
                let id = self.object(*object).map(|o| o.id().to_string());
                if let Some(id) = id {
                    self.track_link(seq, link, *object, &id, true);
                }
            }
        }
    }

    /// One entry per member and owner bound in a create or update.
    fn log_links(
        &mut self,
        correlation: &str,
        seq: u64,
        members: &[ObjectRef],
        owners: &[ObjectRef],
    ) {
        for (link, objects) in [(Link::Members, members), (Link::Owners, owners)] {
            for object in objects {
                self.log_link(correlation, seq, link, *object, true);
            }
        }
    }

    /// `DELETE /groups/{id}`: a Microsoft 365 group moves to deleted items; a security group
    /// is gone for good ("deleted permanently", as the delete-group page has it) and leaves
    /// every group it was nested in.
    pub fn delete_group(&mut self, id: &str) -> Result<(), GraphError> {
        let seq = self.require_group(id)?;
        if self.groups[&seq].is_unified() {
            self.soft_delete_group(seq);
            return Ok(());
        }
        let group = self.groups.remove(&seq).expect("indexed group exists");
        self.log(Activity::DeleteGroup, vec![Target::group(&group)]);
        self.groups_by_id.remove(&group.id().to_lowercase());
        self.unlink_everywhere(ObjectRef::Group(seq), group.id());
        self.track_purge(ObjectRef::Group(seq), group.id());
        Ok(())
    }

    /// Removes an object (named `id`) from the members and owners of every group, deleted
    /// ones included (it is being deleted); returns the cut links as `(group, relationship,
    /// position)`.
    pub(super) fn unlink_everywhere(
        &mut self,
        object: ObjectRef,
        id: &str,
    ) -> Vec<(u64, Link, u64)> {
        let mut cut = Vec::new();
        let deleted = self.deleted_groups.values_mut().map(|d| &mut d.object);
        for group in self.groups.values_mut().chain(deleted) {
            let seq = group.seq;
            for link in [Link::Members, Link::Owners] {
                group.links_mut(link).retain(|position, linked| {
                    let keep = *linked != object;
                    if !keep {
                        cut.push((seq, link, *position));
                    }
                    keep
                });
            }
        }
        for (group, link, _) in &cut {
            self.track_link(*group, *link, object, id, false);
        }
        cut
    }

    /// `POST /groups/{id}/members/$ref` and `.../owners/$ref`.
    pub fn add_link(
        &mut self,
        group_id: &str,
        link: Link,
        reference: &str,
    ) -> Result<(), GraphError> {
        let seq = self.require_group(group_id)?;
        let object = self.resolve_reference(reference)?;
        let group = &self.groups[&seq];
        if group.links(link).values().any(|linked| *linked == object) {
            return Err(already_linked(link));
        }
        self.check_link_target(link, Some(seq), group.is_unified(), object)?;
        if link == Link::Owners && group.owners.len() >= MAX_OWNERS {
            return Err(too_many_owners());
        }
        let position = self.next_link;
        self.next_link += 1;
        self.groups
            .get_mut(&seq)
            .expect("indexed group exists")
            .links_mut(link)
            .insert(position, object);
        let correlation = self.audit.correlation();
        self.log_link(&correlation, seq, link, object, true);
        let id = self
            .object(object)
            .map(|o| o.id().to_string())
            .unwrap_or_default();
        self.track_link(seq, link, object, &id, true);
        Ok(())
    }

    /// `DELETE /groups/{id}/members/{memberId}/$ref` and `.../owners/{ownerId}/$ref`.
    pub fn remove_link(
        &mut self,
        group_id: &str,
        link: Link,
        object_id: &str,
    ) -> Result<(), GraphError> {
        let seq = self.require_group(group_id)?;
        let object = self.find_object(object_id);
        let group = &self.groups[&seq];
        let (position, object) = object
            .and_then(|object| {
                group
                    .links(link)
                    .iter()
                    .find(|(_, linked)| **linked == object)
                    .map(|(position, _)| (*position, object))
            })
            .ok_or_else(|| GraphError::not_found(object_id))?;
        if link == Link::Owners && group.owners.len() == 1 {
            return Err(GraphError::bad_request(
                "The group must have at least one owner, hence this owner cannot be removed.",
            ));
        }
        self.groups
            .get_mut(&seq)
            .expect("indexed group exists")
            .links_mut(link)
            .remove(&position);
        let correlation = self.audit.correlation();
        self.log_link(&correlation, seq, link, object, false);
        let id = self
            .object(object)
            .map(|o| o.id().to_string())
            .unwrap_or_default();
        self.track_link(seq, link, object, &id, false);
        Ok(())
    }

    /// One page of `GET /groups`, like [`Tenant::page`] for users.
    pub fn group_page(&self, query: &Query, cursor: Option<&PageCursor>) -> Page<'_, Group> {
        page_of(&self.groups, Some(&self.groups_by_id), query, cursor)
    }

    /// One page of `GET /groups/{id}/members` (or owners), in the order links were made.
    pub fn link_page(
        &self,
        group_id: &str,
        link: Link,
        query: &Query,
        cursor: Option<&PageCursor>,
    ) -> Result<ObjectPage<'_>, GraphError> {
        let group = &self.groups[&self.require_group(group_id)?];
        let start = cursor.map_or(0, |c| c.last_seq.saturating_add(1));
        let found = group
            .links(link)
            .range(start..)
            .filter_map(|(position, object)| Some((*position, self.object(*object)?)));
        let count = query.count.then(|| group.links(link).len());
        Ok(page_objects(found, query, count))
    }

    /// `GET /groups/{id}/members/$count`.
    pub fn link_count(&self, group_id: &str, link: Link) -> Result<usize, GraphError> {
        Ok(self.groups[&self.require_group(group_id)?]
            .links(link)
            .len())
    }

    /// One page of `GET /users/{id}/memberOf`: the groups the user is a direct member of,
    /// in their creation order.
    pub fn member_of_page(
        &self,
        user: &str,
        query: &Query,
        cursor: Option<&PageCursor>,
    ) -> Result<ObjectPage<'_>, GraphError> {
        let member = ObjectRef::User(self.require(user)?);
        let has_member = |group: &&Group| group.members.values().any(|m| *m == member);
        let start = cursor.map_or(0, |c| c.last_seq.saturating_add(1));
        let found = self
            .groups
            .range(start..)
            .map(|(_, group)| group)
            .filter(has_member)
            .map(|group| (group.seq, Object::Group(group)));
        let count = query
            .count
            .then(|| self.groups.values().filter(has_member).count());
        Ok(page_objects(found, query, count))
    }

    /// Display name, nickname and mail rules shared by create and update. `this` is the
    /// group being updated, which may keep its own nickname.
    pub(super) fn check_group_properties(
        &self,
        props: &Map<String, Value>,
        unified: bool,
        this: Option<u64>,
    ) -> Result<(), GraphError> {
        if let Some(name) = props.get("displayName").and_then(Value::as_str)
            && name.chars().count() > 256
        {
            return Err(GraphError::invalid_value_on("displayName", "Group"));
        }
        if let Some(nickname) = props.get("mailNickname").and_then(Value::as_str) {
            if !valid_mail_nickname(nickname) {
                return Err(GraphError::invalid_value_on("mailNickname", "Group"));
            }
            // Only Microsoft 365 groups need a unique alias: they own a mailbox.
            let taken = self.groups.values().find(|g| {
                unified
                    && Some(g.seq) != this
                    && g.is_unified()
                    && g.props
                        .get("mailNickname")
                        .and_then(Value::as_str)
                        .is_some_and(|n| n.eq_ignore_ascii_case(nickname))
            });
            if let Some(other) = taken {
                return Err(conflict("mailNickname", other.id()));
            }
        }
        if props.get("mailEnabled") == Some(&Value::Bool(true)) && !unified {
            return Err(GraphError::bad_request(
                "The service does not currently support writes of mail-enabled groups. Please ensure that the mail-enablement property is unset or is set to false.",
            ));
        }
        Ok(())
    }

    /// Resolves `@odata.bind` URLs for a new or existing group (`this`), refusing
    /// duplicates and objects the relationship cannot hold.
    fn resolve_links(
        &self,
        link: Link,
        references: &[String],
        this: Option<u64>,
        unified: bool,
    ) -> Result<Vec<ObjectRef>, GraphError> {
        let existing = this.and_then(|seq| self.groups.get(&seq));
        let mut objects: Vec<ObjectRef> = Vec::with_capacity(references.len());
        for reference in references {
            let object = self.resolve_reference(reference)?;
            let linked = existing.is_some_and(|g| g.links(link).values().any(|o| *o == object));
            if linked || objects.contains(&object) {
                return Err(already_linked(link));
            }
            self.check_link_target(link, this, unified, object)?;
            objects.push(object);
        }
        Ok(objects)
    }

    /// Owners are users; members are users or security groups, and Microsoft 365 groups
    /// hold users only (the "allowed member types" table of the add-member page).
    fn check_link_target(
        &self,
        link: Link,
        this: Option<u64>,
        unified: bool,
        object: ObjectRef,
    ) -> Result<(), GraphError> {
        let ObjectRef::Group(seq) = object else {
            return Ok(());
        };
        let group = &self.groups[&seq];
        if link == Link::Owners {
            return Err(GraphError::bad_request(format!(
                "The reference target 'Group_{}' of type 'Group' is invalid for the 'owners' reference.",
                group.id()
            )));
        }
        if this == Some(seq) {
            return Err(GraphError::bad_request(
                "A group cannot be added as a member of itself.",
            ));
        }
        match (unified, group.is_unified()) {
            (true, true) => Err(GraphError::bad_request(
                "Unified Groups cannot be added to Unified Groups. paramName: Members, paramValue: , objectType: Microsoft.Online.DirectoryServices.Group",
            )),
            (true, false) => Err(GraphError::bad_request(
                "Only users can be added to Unified Groups. paramName: Members, paramValue: , objectType: Microsoft.Online.DirectoryServices.Group",
            )),
            (false, true) => Err(GraphError::bad_request(
                "Unified Groups cannot be added to security groups. paramName: Members, paramValue: , objectType: Microsoft.Online.DirectoryServices.Group",
            )),
            (false, false) => Ok(()),
        }
    }
}

fn page_objects<'a>(
    mut found: impl Iterator<Item = (u64, Object<'a>)>,
    query: &Query,
    count: Option<usize>,
) -> ObjectPage<'a> {
    let page: Vec<(u64, Object<'a>)> = found.by_ref().take(query.top).collect();
    let more = found.next().is_some();
    let next = match (more, page.last()) {
        (true, Some((position, _))) => Some(PageCursor {
            fingerprint: query.fingerprint,
            last_seq: *position,
            last_key: None,
        }),
        _ => None,
    };
    ObjectPage {
        items: page.into_iter().map(|(_, object)| object).collect(),
        next,
        count,
    }
}

fn is_unified(group_types: Option<&Value>) -> bool {
    group_types
        .and_then(Value::as_array)
        .is_some_and(|types| types.iter().any(|t| t == "Unified"))
}

fn too_many_links() -> GraphError {
    GraphError::bad_request("A resource cannot contain more than 20 link changes")
}

fn too_many_owners() -> GraphError {
    GraphError::bad_request(format!(
        "A group cannot have more than {MAX_OWNERS} owners."
    ))
}

fn already_linked(link: Link) -> GraphError {
    GraphError::bad_request(format!(
        "One or more added object references already exist for the following modified properties: '{}'.",
        link.name()
    ))
}

fn conflict(property: &str, conflicting_id: &str) -> GraphError {
    let message =
        format!("Another object with the same value for property {property} already exists.");
    GraphError::bad_request(message.clone()).with_details(json!([
        { "code": "ObjectConflict", "message": message, "target": property },
        { "code": "ConflictingObjects", "message": message, "target": conflicting_id },
    ]))
}

/// "ASCII 0-127 except `@ () \ [] " ; : . <> , SPACE`", at most 64 characters.
fn valid_mail_nickname(nickname: &str) -> bool {
    !nickname.is_empty()
        && nickname.len() <= 64
        && nickname
            .chars()
            .all(|c| c.is_ascii_graphic() && !"@()\\[]\";:.<>,".contains(c))
}

/// Checks a create or update body against the group schema; returns the properties by
/// canonical name and the `@odata.bind` references. Read-only properties are dropped.
fn validate_group_body(body: &Map<String, Value>) -> Result<GroupBody, GraphError> {
    let mut out = GroupBody {
        props: Map::new(),
        members: Vec::new(),
        owners: Vec::new(),
    };
    for (key, value) in body {
        let bound = if key.eq_ignore_ascii_case("members@odata.bind") {
            Some(&mut out.members)
        } else if key.eq_ignore_ascii_case("owners@odata.bind") {
            Some(&mut out.owners)
        } else {
            None
        };
        if let Some(bound) = bound {
            let references = value
                .as_array()
                .filter(|items| items.iter().all(Value::is_string));
            let Some(references) = references else {
                return Err(GraphError::odata(format!(
                    "The value of '{key}' must be an array of entity reference URLs."
                )));
            };
            bound.extend(
                references
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned),
            );
            continue;
        }
        if key.contains("@odata.") {
            continue;
        }
        if schema::is_extension(key) {
            if matches!(value, Value::Object(_) | Value::Array(_)) {
                return Err(GraphError::invalid_value_on(key, "Group"));
            }
            out.props.insert(key.clone(), value.clone());
            continue;
        }
        let Some(property) = schema::GROUP.property(key) else {
            return Err(GraphError::odata(format!(
                "Property '{key}' does not exist on type 'microsoft.graph.group'. Make sure to only use property names that are defined by the type or mark the type as open type."
            )));
        };
        if property.read_only {
            continue;
        }
        let valid = match value {
            Value::Null => !matches!(property.name, "mailEnabled" | "securityEnabled"),
            v => valid_kind(property, v),
        };
        if !valid {
            return Err(GraphError::invalid_value_on(property.name, "Group"));
        }
        let value = match property.name {
            "groupTypes" => canonical_group_types(value)?,
            "visibility" => canonical_visibility(value)?,
            _ => value.clone(),
        };
        out.props.insert(property.name.to_string(), value);
    }
    Ok(out)
}

/// `Unified` and `DynamicMembership`, spelled as Graph stores them, each once.
fn canonical_group_types(value: &Value) -> Result<Value, GraphError> {
    let mut types: Vec<&str> = Vec::new();
    for item in value.as_array().into_iter().flatten() {
        let canonical = ["Unified", "DynamicMembership"]
            .into_iter()
            .find(|t| item.as_str().is_some_and(|s| s.eq_ignore_ascii_case(t)))
            .ok_or_else(|| GraphError::invalid_value_on("groupTypes", "Group"))?;
        if !types.contains(&canonical) {
            types.push(canonical);
        }
    }
    Ok(json!(types))
}

fn canonical_visibility(value: &Value) -> Result<Value, GraphError> {
    let Some(text) = value.as_str() else {
        return Ok(Value::Null);
    };
    ["Public", "Private", "HiddenMembership"]
        .into_iter()
        .find(|v| v.eq_ignore_ascii_case(text))
        .map(|v| json!(v))
        .ok_or_else(|| GraphError::invalid_value_on("visibility", "Group"))
}

/// The `S-1-12-1-...` security identifier Entra ID derives from an object id: the GUID's
/// 16 bytes (in Windows' mixed-endian layout) read as four little-endian 32-bit numbers.
pub fn security_identifier(id: &str) -> String {
    let hex: String = id.chars().filter(char::is_ascii_hexdigit).collect();
    let byte =
        |i: usize| u8::from_str_radix(hex.get(2 * i..2 * i + 2).unwrap_or("0"), 16).unwrap_or(0);
    // Windows stores the first three GUID fields little-endian, the last eight bytes as is.
    let order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
    let bytes: Vec<u8> = order.iter().map(|i| byte(*i)).collect();
    let parts: Vec<String> = bytes
        .chunks(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]).to_string())
        .collect();
    format!("S-1-12-1-{}", parts.join("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn security_group(nickname: &str) -> Value {
        json!({
            "displayName": format!("Group {nickname}"),
            "mailEnabled": false,
            "mailNickname": nickname,
            "securityEnabled": true,
        })
    }

    fn user(t: &mut Tenant, upn: &str) -> String {
        t.create(&json!({
            "accountEnabled": true,
            "displayName": upn,
            "mailNickname": "x",
            "userPrincipalName": upn,
            "passwordProfile": { "password": "Str0ng!Passw0rd" }
        }))
        .unwrap()
        .id()
        .to_string()
    }

    fn url(id: &str) -> String {
        format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}")
    }

    #[test]
    fn security_identifiers_follow_entra_ids_derivation() {
        // The create-group page's example response pairs these two.
        assert_eq!(
            security_identifier("21d05557-b7b6-418f-86fa-a3118d751be4"),
            "S-1-12-1-567301463-1099937718-295959174-3827004813"
        );
    }

    #[test]
    fn create_fills_graph_defaults_by_group_type() {
        let mut t = Tenant::new(1);
        let group = t.create_group(&security_group("ops")).unwrap();
        assert!(prng::looks_like_guid(group.id()));
        assert_eq!(group.props["mail"], Value::Null);
        assert_eq!(group.props["proxyAddresses"], json!([]));
        assert_eq!(group.props["visibility"], Value::Null);
        assert!(
            group.props["securityIdentifier"]
                .as_str()
                .unwrap()
                .starts_with("S-1-12-1-")
        );

        let mut body = security_group("team");
        body["groupTypes"] = json!(["unified"]);
        body["mailEnabled"] = json!(true);
        body["securityEnabled"] = json!(false);
        let group = t.create_group(&body).unwrap();
        assert_eq!(group.props["groupTypes"], json!(["Unified"]));
        assert_eq!(group.props["mail"], "team@contoso.onmicrosoft.com");
        assert_eq!(
            group.props["proxyAddresses"],
            json!(["SMTP:team@contoso.onmicrosoft.com"])
        );
        assert_eq!(group.props["visibility"], "Public");

        // A second Microsoft 365 group may not reuse the alias; a security group may.
        let err = t.create_group(&body).unwrap_err();
        assert_eq!(
            err.message,
            "Another object with the same value for property mailNickname already exists."
        );
        assert!(t.create_group(&security_group("team")).is_ok());
        assert_eq!(t.group_count(), 3);
    }

    #[test]
    fn create_rejects_what_graph_rejects() {
        let mut t = Tenant::new(1);
        for missing in [
            "displayName",
            "mailEnabled",
            "mailNickname",
            "securityEnabled",
        ] {
            let mut body = security_group("x");
            body.as_object_mut().unwrap().remove(missing);
            let err = t.create_group(&body).unwrap_err();
            assert!(err.message.contains(missing), "{missing}: {}", err.message);
        }
        let mut body = security_group("x");
        body["mailEnabled"] = json!(true);
        assert!(
            t.create_group(&body)
                .unwrap_err()
                .message
                .contains("mail-enabled groups")
        );
        for (key, value) in [
            ("mailNickname", json!("has space")),
            ("mailNickname", json!("a.b")),
            ("groupTypes", json!(["Distribution"])),
            ("visibility", json!("Secret")),
            ("visibility", json!("HiddenMembership")),
            ("securityEnabled", json!("yes")),
        ] {
            let mut body = security_group("x");
            body[key] = value.clone();
            let err = t.create_group(&body).unwrap_err();
            assert_eq!(err.code, "Request_BadRequest", "{key}={value}");
            assert!(err.message.contains(key), "{key}={value}: {}", err.message);
        }
        let mut body = security_group("x");
        body["shoeSize"] = json!(1);
        assert!(
            t.create_group(&body)
                .unwrap_err()
                .message
                .contains("'shoeSize' does not exist")
        );
        assert_eq!(t.group_count(), 0);
    }

    #[test]
    fn links_obey_member_type_duplicate_and_owner_rules() {
        let mut t = Tenant::new(1);
        let alice = user(&mut t, "alice@contoso.onmicrosoft.com");
        let bob = user(&mut t, "bob@contoso.onmicrosoft.com");
        let outer = t
            .create_group(&security_group("outer"))
            .unwrap()
            .id()
            .to_string();
        let inner = t
            .create_group(&security_group("inner"))
            .unwrap()
            .id()
            .to_string();
        let mut m365 = security_group("m365");
        m365["groupTypes"] = json!(["Unified"]);
        m365["mailEnabled"] = json!(true);
        let m365 = t.create_group(&m365).unwrap().id().to_string();

        t.add_link(&outer, Link::Members, &url(&alice)).unwrap();
        t.add_link(&outer, Link::Members, &url(&inner)).unwrap();
        let err = t.add_link(&outer, Link::Members, &url(&alice)).unwrap_err();
        assert_eq!(
            err.message,
            "One or more added object references already exist for the following modified properties: 'members'."
        );
        assert!(
            t.add_link(&outer, Link::Members, &url(&outer)).is_err(),
            "not itself"
        );
        assert!(
            t.add_link(&outer, Link::Members, &url(&m365)).is_err(),
            "no M365 in security"
        );
        assert!(
            t.add_link(&m365, Link::Members, &url(&inner)).is_err(),
            "users only in M365"
        );
        assert!(
            t.add_link(&outer, Link::Owners, &url(&inner)).is_err(),
            "owners are users"
        );
        let err = t
            .add_link(
                &outer,
                Link::Members,
                &url("00000000-0000-4000-8000-000000000000"),
            )
            .unwrap_err();
        assert_eq!(err.status, 404);
        assert_eq!(
            t.add_link(&outer, Link::Members, "nonsense")
                .unwrap_err()
                .status,
            400
        );

        t.add_link(&outer, Link::Owners, &url(&alice)).unwrap();
        t.add_link(&outer, Link::Owners, &url(&bob)).unwrap();
        t.remove_link(&outer, Link::Owners, &bob).unwrap();
        let err = t.remove_link(&outer, Link::Owners, &alice).unwrap_err();
        assert!(
            err.message.contains("at least one owner"),
            "{}",
            err.message
        );
        assert_eq!(
            t.remove_link(&outer, Link::Members, &bob)
                .unwrap_err()
                .status,
            404
        );

        // Deleting the user and the nested group unlinks them everywhere.
        t.delete(&alice).unwrap();
        t.delete_group(&inner).unwrap();
        let outer = t.find_group(&outer).unwrap();
        assert!(outer.members.is_empty() && outer.owners.is_empty());
    }

    #[test]
    fn update_binds_at_most_twenty_links_all_or_nothing() {
        let mut t = Tenant::new(1);
        let users: Vec<String> = (0..22)
            .map(|i| user(&mut t, &format!("u{i}@contoso.onmicrosoft.com")))
            .collect();
        let group = t
            .create_group(&security_group("big"))
            .unwrap()
            .id()
            .to_string();
        let bind = |ids: &[String]| json!({ "members@odata.bind": ids.iter().map(|i| url(i)).collect::<Vec<_>>() });
        let err = t.update_group(&group, &bind(&users[..21])).unwrap_err();
        assert_eq!(
            err.message,
            "A resource cannot contain more than 20 link changes"
        );
        // One bad reference spoils the batch.
        let mut some = users[..3].to_vec();
        some.push("00000000-0000-4000-8000-000000000000".into());
        assert_eq!(
            t.update_group(&group, &bind(&some)).unwrap_err().status,
            404
        );
        assert!(t.find_group(&group).unwrap().members.is_empty());
        t.update_group(&group, &bind(&users[..20])).unwrap();
        assert_eq!(t.find_group(&group).unwrap().members.len(), 20);
        assert!(
            t.update_group(&group, &bind(&users[19..21])).is_err(),
            "u19 is already in"
        );

        t.update_group(
            &group,
            &json!({ "description": "Big one", "displayName": "Big" }),
        )
        .unwrap();
        let g = t.find_group(&group).unwrap();
        assert_eq!(
            (
                g.props["description"].as_str(),
                g.props["displayName"].as_str()
            ),
            (Some("Big one"), Some("Big"))
        );
        assert!(
            t.update_group(&group, &json!({ "displayName": null }))
                .is_err()
        );
        assert!(
            t.update_group(&group, &json!({ "groupTypes": ["Unified"] }))
                .is_err()
        );
        assert_eq!(
            t.update_group("not-a-guid", &json!({})).unwrap_err().status,
            400
        );
        assert_eq!(
            t.update_group("00000000-0000-4000-8000-000000000000", &json!({}))
                .unwrap_err()
                .code,
            "Request_ResourceNotFound"
        );
    }
}
