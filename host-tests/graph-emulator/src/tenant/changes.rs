//! Change tracking for Graph's delta queries. Every change made through the API takes the next
//! number of one tenant-wide sequence and stamps what it touched: a user, a group, or one member
//! or owner link. A delta round reads what changed between two numbers straight from these
//! indexes, so its cost follows the number of changes, not the size of the directory. The demo
//! data predates the sequence: an initial round lists it, later rounds never see it change.

use std::collections::{BTreeMap, HashMap};

use super::{Group, Link, ObjectRef, Tenant, User};

/// A delta page holds up to this many member and owner references per object it may hold (a
/// page of 100 carries up to 1,000); a group with more pending is split, its entry repeated
/// on the next page with the next references, as Graph splits large groups.
pub const LINKS_PER_OBJECT: usize = 10;

/// The two collections with a delta function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    Users,
    Groups,
}

/// What a change number names in a collection's index.
#[derive(Debug, Clone)]
enum Tracked {
    /// A user or group by creation sequence, live or in deleted items.
    Object(u64),
    /// An object deleted for good, by id.
    Purged(String),
}

/// The latest change of each object of one collection, in change order: each object appears
/// once, so a round walks every changed object once however often it changed.
#[derive(Debug, Default)]
struct ChangeIndex {
    by_change: BTreeMap<u64, Tracked>,
    latest: HashMap<u64, u64>,
}

impl ChangeIndex {
    fn stamp(&mut self, seq: u64, change: u64, tracked: Tracked) {
        if let Some(earlier) = self.latest.insert(seq, change) {
            self.by_change.remove(&earlier);
        }
        self.by_change.insert(change, tracked);
    }
}

/// One member or owner link made or cut. The id is kept because the object may be gone by
/// the time a round reports the change.
#[derive(Debug, Clone)]
struct LinkChange {
    link: Link,
    id: String,
    group: bool,
    added: bool,
}

#[derive(Debug, Default)]
pub struct Changes {
    last: u64,
    /// Changes up to this number were forgotten ([`Tenant::forget_changes`]).
    floor: u64,
    users: ChangeIndex,
    groups: ChangeIndex,
    /// Every link change of each live group (by creation sequence), in change order.
    links: HashMap<u64, BTreeMap<u64, LinkChange>>,
}

impl Changes {
    fn next(&mut self) -> u64 {
        self.last += 1;
        self.last
    }
}

/// Within a group split over pages, the last reference the previous page wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkCursor {
    /// Initial round: the member at this link position.
    Member(u64),
    /// Initial round: the owner at this link position (every member came before).
    Owner(u64),
    /// Change round: the link change with this number.
    Change(u64),
}

/// Where one request stands in a delta round, and what it reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaWalk {
    pub collection: Collection,
    /// Report changes after this number; `None` for an initial round, which lists every
    /// current object instead.
    pub since: Option<u64>,
    /// The round's last change. Later ones wait for the next round, so a change made while
    /// a client pages is reported in this round or the next, never lost.
    pub until: u64,
    /// The last object written: a creation sequence in an initial round, a change number in
    /// a change round.
    pub after: Option<u64>,
    /// Set when the object at `after` is a group whose references did not all fit.
    pub links_after: Option<LinkCursor>,
    /// Report member (and owner) references of groups: `members@delta`, `owners@delta`.
    pub members: bool,
    pub owners: bool,
    pub page_size: usize,
}

/// One entry of a delta page.
#[derive(Debug)]
pub enum DeltaEntry<'a> {
    User(&'a User),
    Group {
        group: &'a Group,
        links: Vec<LinkEntry<'a>>,
    },
    /// Gone from the collection: to deleted items, or (`permanently`) for good.
    Removed {
        id: &'a str,
        permanently: bool,
    },
}

/// A member or owner reference in a group entry: current (initial round), added or removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkEntry<'a> {
    pub link: Link,
    pub id: &'a str,
    /// The referenced object is a group (else a user).
    pub group: bool,
    pub removed: bool,
}

#[derive(Debug)]
pub struct DeltaPage<'a> {
    pub entries: Vec<DeltaEntry<'a>>,
    /// Where the next page starts (`after`, `links_after`); `None` when the round is done.
    pub next: Option<(u64, Option<LinkCursor>)>,
}

impl Tenant {
    /// The number of the last change: where a round starting now ends.
    pub fn last_change(&self) -> u64 {
        self.changes.last
    }

    /// Tokens from rounds that began before this number cannot be answered any more.
    pub fn change_floor(&self) -> u64 {
        self.changes.floor
    }

    /// Drops the change history so far, as Graph's change tracking does after maintenance or
    /// once a token outlives its retention: rounds that began earlier must start over.
    pub fn forget_changes(&mut self) {
        let changes = &mut self.changes;
        changes.floor = changes.last;
        let keep_from = changes.floor + 1;
        changes.users.by_change = changes.users.by_change.split_off(&keep_from);
        changes.groups.by_change = changes.groups.by_change.split_off(&keep_from);
        for log in changes.links.values_mut() {
            *log = log.split_off(&keep_from);
        }
        changes.links.retain(|_, log| !log.is_empty());
    }

    /// A user was created, updated, given or relieved of a manager, deleted or restored.
    pub(super) fn track_user(&mut self, seq: u64) {
        let change = self.changes.next();
        self.changes.users.stamp(seq, change, Tracked::Object(seq));
    }

    /// A group was created, updated, deleted or restored.
    pub(super) fn track_group(&mut self, seq: u64) {
        let change = self.changes.next();
        self.changes.groups.stamp(seq, change, Tracked::Object(seq));
    }

    /// A user or group is gone for good: rounds report it removed with reason `deleted`.
    pub(super) fn track_purge(&mut self, object: ObjectRef, id: &str) {
        let change = self.changes.next();
        let (index, seq) = match object {
            ObjectRef::User(seq) => (&mut self.changes.users, seq),
            ObjectRef::Group(seq) => {
                self.changes.links.remove(&seq);
                (&mut self.changes.groups, seq)
            }
        };
        index.stamp(seq, change, Tracked::Purged(id.to_string()));
    }

    /// `object` (named `id`) joined (`added`) or left `group`'s members or owners. Only live
    /// groups keep a log: a deleted group reports its whole membership when it is restored.
    pub(super) fn track_link(
        &mut self,
        group: u64,
        link: Link,
        object: ObjectRef,
        id: &str,
        added: bool,
    ) {
        if !self.groups.contains_key(&group) {
            return;
        }
        let change = self.changes.next();
        let entry = LinkChange {
            link,
            id: id.to_string(),
            group: matches!(object, ObjectRef::Group(_)),
            added,
        };
        self.changes
            .links
            .entry(group)
            .or_default()
            .insert(change, entry);
        self.changes
            .groups
            .stamp(group, change, Tracked::Object(group));
    }

    /// Every current member and owner of a group that comes back from deleted items: its
    /// clients dropped it with its links when it left.
    pub(super) fn track_whole_membership(&mut self, seq: u64) {
        let Some(group) = self.groups.get(&seq) else {
            return;
        };
        let links: Vec<(Link, ObjectRef, String)> = [Link::Members, Link::Owners]
            .into_iter()
            .flat_map(|link| {
                self.linked(group, link)
                    .map(move |object| (link, object.reference(), object.id().to_string()))
            })
            .collect();
        for (link, object, id) in links {
            self.track_link(seq, link, object, &id, true);
        }
    }

    /// One page of `users/delta` or `groups/delta`.
    pub fn delta_page(&self, walk: &DeltaWalk) -> DeltaPage<'_> {
        let mut page = DeltaPage {
            entries: Vec::new(),
            next: None,
        };
        let mut links_left = walk.page_size.max(1) * LINKS_PER_OBJECT;
        let mut last_key = walk.after;
        for (key, found) in self.delta_candidates(walk) {
            if page.entries.len() >= walk.page_size.max(1) {
                page.next = last_key.map(|k| (k, None));
                break;
            }
            let entry = match found {
                Found::User(user) => DeltaEntry::User(user),
                Found::Removed { id, permanently } => DeltaEntry::Removed { id, permanently },
                Found::Group(group) => {
                    let resume = walk.links_after.filter(|_| Some(key) == walk.after);
                    let mut pending = self.group_links(group, walk, resume).peekable();
                    if pending.peek().is_some() && links_left == 0 {
                        page.next = last_key.map(|k| (k, None));
                        break;
                    }
                    let mut links = Vec::new();
                    let mut last_link = None;
                    for (cursor, link) in pending.by_ref().take(links_left) {
                        links.push(link);
                        last_link = Some(cursor);
                    }
                    links_left -= links.len();
                    if pending.peek().is_some() {
                        // This group filled the page; its next entry continues the references.
                        page.entries.push(DeltaEntry::Group { group, links });
                        page.next = Some((key, last_link));
                        break;
                    }
                    DeltaEntry::Group { group, links }
                }
            };
            page.entries.push(entry);
            last_key = Some(key);
        }
        page
    }

    /// The objects a round walks after the cursor, each with its key: every current object in
    /// creation order (initial round), or each object changed in the window once, in the order
    /// of its latest change (change round). The object at `after` is walked again when a split
    /// group resumes there.
    fn delta_candidates<'a>(
        &'a self,
        walk: &DeltaWalk,
    ) -> Box<dyn Iterator<Item = (u64, Found<'a>)> + 'a> {
        let start = match (walk.after, walk.links_after) {
            (Some(after), Some(_)) => after,
            (Some(after), None) => after + 1,
            (None, _) => walk.since.map_or(0, |since| since + 1),
        };
        let collection = walk.collection;
        match (walk.since, collection) {
            (None, Collection::Users) => Box::new(
                self.users
                    .range(start..)
                    .map(|(seq, user)| (*seq, Found::User(user))),
            ),
            (None, Collection::Groups) => Box::new(
                self.groups
                    .range(start..)
                    .map(|(seq, group)| (*seq, Found::Group(group))),
            ),
            (Some(_), _) if start > walk.until => Box::new(std::iter::empty()),
            (Some(_), _) => {
                let index = match collection {
                    Collection::Users => &self.changes.users,
                    Collection::Groups => &self.changes.groups,
                };
                Box::new(index.by_change.range(start..=walk.until).filter_map(
                    move |(change, tracked)| Some((*change, self.resolve(collection, tracked)?)),
                ))
            }
        }
    }

    /// What an index entry names now: a live object, or one removed.
    fn resolve<'a>(&'a self, collection: Collection, tracked: &'a Tracked) -> Option<Found<'a>> {
        let seq = match tracked {
            Tracked::Purged(id) => {
                return Some(Found::Removed {
                    id,
                    permanently: true,
                });
            }
            Tracked::Object(seq) => seq,
        };
        let removed = |id| Found::Removed {
            id,
            permanently: false,
        };
        match collection {
            Collection::Users => self
                .users
                .get(seq)
                .map(Found::User)
                .or_else(|| self.deleted_users.get(seq).map(|d| removed(d.object.id()))),
            Collection::Groups => self
                .groups
                .get(seq)
                .map(Found::Group)
                .or_else(|| self.deleted_groups.get(seq).map(|d| removed(d.object.id()))),
        }
    }

    /// The references a group entry reports, after `resume`: its current members and owners
    /// (initial round), or the net link changes of the window, each object once with its last
    /// change (change round).
    fn group_links<'a>(
        &'a self,
        group: &'a Group,
        walk: &DeltaWalk,
        resume: Option<LinkCursor>,
    ) -> Box<dyn Iterator<Item = (LinkCursor, LinkEntry<'a>)> + 'a> {
        let Some(since) = walk.since else {
            return self.current_links(group, walk, resume);
        };
        let Some(log) = self.changes.links.get(&group.seq) else {
            return Box::new(std::iter::empty());
        };
        if since >= walk.until {
            return Box::new(std::iter::empty());
        }
        let window = log.range(since + 1..=walk.until);
        let mut last: HashMap<(Link, &str), u64> = HashMap::new();
        for (change, entry) in window.clone() {
            last.insert((entry.link, entry.id.as_str()), *change);
        }
        let tracked = |link| match link {
            Link::Members => walk.members,
            Link::Owners => walk.owners,
        };
        let after = match resume {
            Some(LinkCursor::Change(change)) => change,
            _ => 0,
        };
        let wanted: Vec<(LinkCursor, LinkEntry<'a>)> = window
            .filter(|(change, entry)| {
                **change > after
                    && tracked(entry.link)
                    && last[&(entry.link, entry.id.as_str())] == **change
            })
            .map(|(change, entry)| {
                let link = LinkEntry {
                    link: entry.link,
                    id: &entry.id,
                    group: entry.group,
                    removed: !entry.added,
                };
                (LinkCursor::Change(*change), link)
            })
            .collect();
        Box::new(wanted.into_iter())
    }

    /// A group's current members, then its owners, from the resume point on.
    fn current_links<'a>(
        &'a self,
        group: &'a Group,
        walk: &DeltaWalk,
        resume: Option<LinkCursor>,
    ) -> Box<dyn Iterator<Item = (LinkCursor, LinkEntry<'a>)> + 'a> {
        let (members_from, owners_from) = match resume {
            Some(LinkCursor::Member(position)) => (Some(position + 1), 0),
            Some(LinkCursor::Owner(position)) => (None, position + 1),
            _ => (Some(0), 0),
        };
        let members = members_from
            .filter(|_| walk.members)
            .into_iter()
            .flat_map(move |from| group.members.range(from..))
            .filter_map(move |(position, reference)| {
                let link = self.link_entry(Link::Members, *reference)?;
                Some((LinkCursor::Member(*position), link))
            });
        let owners = walk
            .owners
            .then_some(owners_from)
            .into_iter()
            .flat_map(move |from| group.owners.range(from..))
            .filter_map(move |(position, reference)| {
                let link = self.link_entry(Link::Owners, *reference)?;
                Some((LinkCursor::Owner(*position), link))
            });
        Box::new(members.chain(owners))
    }

    fn link_entry(&self, link: Link, reference: ObjectRef) -> Option<LinkEntry<'_>> {
        let object = self.object(reference)?;
        Some(LinkEntry {
            link,
            id: object.id(),
            group: matches!(reference, ObjectRef::Group(_)),
            removed: false,
        })
    }
}

/// An object a round walks, as it is now.
enum Found<'a> {
    User(&'a User),
    Group(&'a Group),
    Removed { id: &'a str, permanently: bool },
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn user(t: &mut Tenant, n: usize) -> String {
        t.create(&json!({
            "accountEnabled": true,
            "displayName": format!("u{n}"),
            "mailNickname": format!("u{n}"),
            "userPrincipalName": format!("u{n}@contoso.onmicrosoft.com"),
            "passwordProfile": { "password": "Str0ng!Passw0rd" }
        }))
        .unwrap()
        .id()
        .to_string()
    }

    fn walk(since: Option<u64>, until: u64, page_size: usize) -> DeltaWalk {
        DeltaWalk {
            collection: Collection::Groups,
            since,
            until,
            after: None,
            links_after: None,
            members: true,
            owners: true,
            page_size,
        }
    }

    /// Every page of a round: the references each entry of `group` carried.
    fn references_by_page(t: &Tenant, mut walk: DeltaWalk) -> Vec<Vec<(String, bool)>> {
        let mut pages = Vec::new();
        loop {
            let page = t.delta_page(&walk);
            let mut refs = Vec::new();
            for entry in &page.entries {
                if let DeltaEntry::Group { links, .. } = entry {
                    refs.extend(links.iter().map(|l| (l.id.to_string(), l.removed)));
                }
            }
            pages.push(refs);
            match page.next {
                Some((after, links_after)) => {
                    walk.after = Some(after);
                    walk.links_after = links_after;
                }
                None => return pages,
            }
        }
    }

    #[test]
    fn a_change_round_splits_a_busy_group_and_reports_each_object_once() {
        let mut t = Tenant::new(1);
        let ids: Vec<String> = (0..25).map(|n| user(&mut t, n)).collect();
        let group = t
            .create_group(&json!({
                "displayName": "Busy", "mailEnabled": false, "mailNickname": "busy", "securityEnabled": true
            }))
            .unwrap()
            .id()
            .to_string();
        let since = t.last_change();
        let url = |id: &str| format!("https://graph.microsoft.com/v1.0/users/{id}");
        for id in &ids {
            t.add_link(&group, Link::Members, &url(id)).unwrap();
        }
        t.add_link(&group, Link::Owners, &url(&ids[0])).unwrap();
        // Two leave again: one net change each, a removal.
        t.remove_link(&group, Link::Members, &ids[3]).unwrap();
        t.remove_link(&group, Link::Members, &ids[7]).unwrap();

        // One object a page carries ten references: 26 net changes take three pages.
        let pages = references_by_page(&t, walk(Some(since), t.last_change(), 1));
        assert_eq!(
            pages.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![10, 10, 6]
        );
        let all: Vec<(String, bool)> = pages.into_iter().flatten().collect();
        assert_eq!(all.len(), 26);
        assert_eq!(all.iter().filter(|(_, removed)| *removed).count(), 2);
        assert!(all.contains(&(ids[3].clone(), true)) && all.contains(&(ids[7].clone(), true)));

        // The initial round lists what is, members then owners: 23 + 1.
        let pages = references_by_page(&t, walk(None, t.last_change(), 1));
        assert_eq!(
            pages.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![10, 10, 4]
        );
    }

    #[test]
    fn forgetting_keeps_later_windows_whole() {
        let mut t = Tenant::new(1);
        let a = user(&mut t, 1);
        t.forget_changes();
        assert_eq!(t.change_floor(), t.last_change());
        let b = user(&mut t, 2);
        t.update(&a, &json!({ "jobTitle": "Lead" })).unwrap();
        let walk = DeltaWalk {
            collection: Collection::Users,
            ..walk(Some(t.change_floor()), t.last_change(), 10)
        };
        let page = t.delta_page(&walk);
        let ids: Vec<&str> = page
            .entries
            .iter()
            .map(|e| match e {
                DeltaEntry::User(u) => u.id(),
                _ => panic!("users only"),
            })
            .collect();
        assert_eq!(
            ids,
            vec![b.as_str(), a.as_str()],
            "in the order of their latest change"
        );
        assert!(page.next.is_none());
    }
}
