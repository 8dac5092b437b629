//! Deleted items: users and Microsoft 365 groups deleted through the API wait here with a
//! `deletedDateTime` (Graph keeps them 30 days; the emulator until they are restored or
//! deleted for good). Security groups skip this: Graph deletes them permanently at once.
//! A deletion remembers the links it cut (memberships, ownerships, reports' manager), and a
//! restore puts back those whose other end still exists, as Entra ID restores a user's
//! group memberships.

use serde_json::Value;

use super::audit::{Activity, Target};
use super::{
    Group, Link, Listed, Object, ObjectPage, ObjectRef, Page, Tenant, User, duplicate_upn,
    invalid_upn, page_of, valid_upn,
};
use crate::b2c;
use crate::clock;
use crate::error::GraphError;
use crate::odata::{PageCursor, Query};

/// A user or group in deleted items, with the links its deletion cut.
#[derive(Debug, Clone)]
pub struct Deleted<T> {
    pub object: T,
    /// `(group, relationship, position)` of every member or owner link the object held.
    links: Vec<(u64, Link, u64)>,
    /// Users who reported to this user.
    reports: Vec<u64>,
}

impl<T: Listed> Listed for Deleted<T> {
    fn seq(&self) -> u64 {
        self.object.seq()
    }

    fn props(&self) -> &serde_json::Map<String, Value> {
        self.object.props()
    }
}

impl Tenant {
    /// `DELETE /users/{id}`: the user leaves `/users`, its reports lose their manager and it
    /// leaves every group; all of it is remembered for a restore.
    pub(super) fn soft_delete_user(&mut self, seq: u64) {
        self.unindex_identities(seq);
        let mut user = self.users.remove(&seq).expect("indexed user exists");
        self.by_id.remove(&user.id().to_lowercase());
        self.by_upn.remove(&user.upn().to_lowercase());
        let mut reports = Vec::new();
        for other in self.users.values_mut() {
            if other.manager == Some(seq) {
                other.manager = None;
                other.former_manager = Some(user.id().to_string());
                reports.push(other.seq);
            }
        }
        let links = self.unlink_everywhere(ObjectRef::User(seq), user.id());
        stamp_deleted(&mut user.props);
        self.log(Activity::DeleteUser, vec![Target::user(&user)]);
        self.deleted_ids
            .insert(user.id().to_lowercase(), ObjectRef::User(seq));
        // Losing a manager is a change to each report.
        for report in &reports {
            self.track_user(*report);
        }
        let deleted = Deleted {
            object: user,
            links,
            reports,
        };
        self.deleted_users.insert(seq, deleted);
        self.track_user(seq);
    }

    /// `DELETE /groups/{id}` of a Microsoft 365 group. It keeps its own members and owners
    /// (they are restored with it); it was a member of nothing, as such groups cannot be.
    pub(super) fn soft_delete_group(&mut self, seq: u64) {
        let mut group = self.groups.remove(&seq).expect("indexed group exists");
        self.groups_by_id.remove(&group.id().to_lowercase());
        let links = self.unlink_everywhere(ObjectRef::Group(seq), group.id());
        stamp_deleted(&mut group.props);
        self.log(Activity::DeleteGroup, vec![Target::group(&group)]);
        self.deleted_ids
            .insert(group.id().to_lowercase(), ObjectRef::Group(seq));
        let deleted = Deleted {
            object: group,
            links,
            reports: Vec::new(),
        };
        self.deleted_groups.insert(seq, deleted);
        self.track_group(seq);
    }

    /// `GET /directory/deletedItems/{id}`.
    pub fn find_deleted(&self, id: &str) -> Option<Object<'_>> {
        match *self.deleted_ids.get(&id.to_lowercase())? {
            ObjectRef::User(seq) => Some(Object::User(&self.deleted_users[&seq].object)),
            ObjectRef::Group(seq) => Some(Object::Group(&self.deleted_groups[&seq].object)),
        }
    }

    /// One page of `GET /directory/deletedItems/microsoft.graph.user`.
    pub fn deleted_users_page(&self, query: &Query, cursor: Option<&PageCursor>) -> ObjectPage<'_> {
        objects(page_of(&self.deleted_users, None, query, cursor), |d| {
            Object::User(&d.object)
        })
    }

    /// One page of `GET /directory/deletedItems/microsoft.graph.group`.
    pub fn deleted_groups_page(
        &self,
        query: &Query,
        cursor: Option<&PageCursor>,
    ) -> ObjectPage<'_> {
        objects(page_of(&self.deleted_groups, None, query, cursor), |d| {
            Object::Group(&d.object)
        })
    }

    /// `POST /directory/deletedItems/{id}/restore`, optionally under a new userPrincipalName.
    /// Refused like a create when a live object now holds the user's userPrincipalName or the
    /// group's mailNickname.
    pub fn restore(&mut self, id: &str, new_upn: Option<&str>) -> Result<ObjectRef, GraphError> {
        let reference = *self
            .deleted_ids
            .get(&id.to_lowercase())
            .ok_or_else(|| GraphError::not_found(id))?;
        match reference {
            ObjectRef::User(seq) => self.restore_user(seq, new_upn)?,
            ObjectRef::Group(seq) => self.restore_group(seq)?,
        }
        self.deleted_ids.remove(&id.to_lowercase());
        Ok(reference)
    }

    fn restore_user(&mut self, seq: u64, new_upn: Option<&str>) -> Result<(), GraphError> {
        let upn = new_upn
            .unwrap_or(self.deleted_users[&seq].object.upn())
            .to_string();
        if !valid_upn(&upn) {
            return Err(invalid_upn());
        }
        if let Some(other) = self.by_upn.get(&upn.to_lowercase()) {
            return Err(duplicate_upn(self.users[other].id()));
        }
        // In B2C, someone may have taken one of its sign-in identities meanwhile.
        if let Some(Value::Array(identities)) =
            self.deleted_users[&seq].object.props.get("identities")
        {
            self.check_identities_free(identities, None)?;
        }
        let Deleted {
            object: mut user,
            links,
            reports,
        } = self
            .deleted_users
            .remove(&seq)
            .expect("indexed deleted user");
        user.props.remove("deletedDateTime");
        user.props
            .insert("userPrincipalName".into(), Value::String(upn.clone()));
        if user.manager.is_some_and(|m| !self.users.contains_key(&m)) {
            user.manager = None;
        }
        // The userPrincipalName identity follows a new userPrincipalName.
        if let Some(Value::Array(identities)) = user.props.get_mut("identities")
            && self.b2c.is_some()
        {
            for identity in identities.iter_mut().filter(|i| b2c::is_upn_identity(i)) {
                identity["issuerAssignedId"] = Value::String(upn.clone());
            }
        }
        self.by_id.insert(user.id().to_lowercase(), seq);
        self.by_upn.insert(upn.to_lowercase(), seq);
        self.users.insert(seq, user);
        self.index_identities(seq);
        self.track_user(seq);
        for report in reports {
            if let Some(user) = self.users.get_mut(&report)
                && user.manager.is_none()
            {
                user.manager = Some(seq);
                user.former_manager = None;
                self.track_user(report);
            }
        }
        self.relink(ObjectRef::User(seq), links);
        self.log(Activity::RestoreUser, vec![Target::user(&self.users[&seq])]);
        Ok(())
    }

    fn restore_group(&mut self, seq: u64) -> Result<(), GraphError> {
        let group = &self.deleted_groups[&seq].object;
        self.check_group_properties(&group.props, group.is_unified(), Some(seq))?;
        let Deleted {
            object: mut group,
            links,
            ..
        } = self
            .deleted_groups
            .remove(&seq)
            .expect("indexed deleted group");
        group.props.remove("deletedDateTime");
        self.groups_by_id.insert(group.id().to_lowercase(), seq);
        self.groups.insert(seq, group);
        self.track_group(seq);
        self.track_whole_membership(seq);
        self.relink(ObjectRef::Group(seq), links);
        self.log(
            Activity::RestoreGroup,
            vec![Target::group(&self.groups[&seq])],
        );
        Ok(())
    }

    /// Puts cut links back where the group still exists (live or itself deleted), at their
    /// old positions so listings keep their order.
    fn relink(&mut self, object: ObjectRef, links: Vec<(u64, Link, u64)>) {
        let id = self
            .object(object)
            .map(|o| o.id().to_string())
            .unwrap_or_default();
        for (seq, link, position) in links {
            let group = match self.groups.get_mut(&seq) {
                Some(group) => group,
                None => match self.deleted_groups.get_mut(&seq) {
                    Some(deleted) => &mut deleted.object,
                    None => continue,
                },
            };
            if !group.links(link).values().any(|linked| *linked == object) {
                group.links_mut(link).insert(position, object);
                self.track_link(seq, link, object, &id, true);
            }
        }
    }

    /// `DELETE /directory/deletedItems/{id}`: gone for good.
    pub fn purge(&mut self, id: &str) -> Result<(), GraphError> {
        let reference = self
            .deleted_ids
            .remove(&id.to_lowercase())
            .ok_or_else(|| GraphError::not_found(id))?;
        let (activity, target) = match reference {
            ObjectRef::User(seq) => {
                let user: User = self.deleted_users.remove(&seq).expect("indexed").object;
                self.track_purge(reference, user.id());
                (Activity::HardDeleteUser, Target::user(&user))
            }
            ObjectRef::Group(seq) => {
                let group: Group = self.deleted_groups.remove(&seq).expect("indexed").object;
                self.track_purge(reference, group.id());
                (Activity::HardDeleteGroup, Target::group(&group))
            }
        };
        self.log(activity, vec![target]);
        Ok(())
    }
}

fn stamp_deleted(props: &mut serde_json::Map<String, Value>) {
    props.insert(
        "deletedDateTime".into(),
        Value::String(clock::iso8601(clock::unix_now())),
    );
}

fn objects<'a, T>(
    page: Page<'a, Deleted<T>>,
    object: impl Fn(&'a Deleted<T>) -> Object<'a>,
) -> ObjectPage<'a> {
    ObjectPage {
        items: page.items.into_iter().map(object).collect(),
        next: page.next,
        count: page.count,
    }
}
