//! Entra ID's directory audit log as the connector reads it (`GET /auditLogs/directoryAudits`):
//! which users and groups were added, updated, deleted or restored, and when. Graph keeps
//! entries 30 days (7 without a Premium licence) and needs `AuditLog.Read.All`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::{self, GraphClient};
use crate::error::Error;
use crate::odata::{DateTimeOffset, Filter, Literal};
use crate::page::Page;
use crate::percent;
use crate::transport::Transport;
use crate::user::null_as_empty;

/// One audit entry; `other` keeps what has no typed field (`correlationId`, `initiatedBy`, ...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DirectoryAudit {
    pub id: String,
    /// `UserManagement`, `GroupManagement`, ...
    pub category: String,
    /// The activity, as Entra ID names it: "Add user", "Update user", "Delete user",
    /// "Restore user", "Hard Delete user", "Add member to group", ...
    pub activity_display_name: String,
    /// DateTimeOffset text as Graph sends it, e.g. `2024-01-15T08:30:00.1234567Z`.
    pub activity_date_time: String,
    /// `Add`, `Update`, `Delete`, `Assign`, `Unassign`, ...
    pub operation_type: String,
    /// `success`, `failure`, `timeout`.
    pub result: String,
    #[serde(deserialize_with = "null_as_empty")]
    pub target_resources: Vec<TargetResource>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// An object an audited activity touched; `other` keeps `modifiedProperties`, `groupType`, ...
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TargetResource {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `User`, `Group`, `ServicePrincipal`, ... (Graph's own example spells the key `Type`).
    #[serde(alias = "Type", skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// Set when `type` is `User`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The objects whose history the connector reads from the audit log, with Entra ID's names for
/// their category and activities (the audit log activity reference).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditedObjects {
    Users,
    Groups,
}

impl AuditedObjects {
    /// The entries' `category`.
    pub fn category(self) -> &'static str {
        match self {
            AuditedObjects::Users => "UserManagement",
            AuditedObjects::Groups => "GroupManagement",
        }
    }

    /// The `type` of the target resources these entries are about.
    pub fn target_type(self) -> &'static str {
        match self {
            AuditedObjects::Users => "User",
            AuditedObjects::Groups => "Group",
        }
    }

    /// Activities after which the object is there: added, updated, restored (and for groups,
    /// a member or owner added or removed).
    pub fn present_activities(self) -> &'static [&'static str] {
        match self {
            AuditedObjects::Users => &["Add user", "Update user", "Restore user", "Set user manager"],
            AuditedObjects::Groups => &[
                "Add group",
                "Update group",
                "Restore group",
                "Add member to group",
                "Remove member from group",
                "Add owner to group",
                "Remove owner from group",
            ],
        }
    }

    /// Activities that delete the object: `Delete ...` (it waits 30 days in deleted items), then
    /// `Hard Delete ...` (gone for good).
    pub fn deleted_activities(self) -> &'static [&'static str; 2] {
        match self {
            AuditedObjects::Users => &["Delete user", "Hard Delete user"],
            AuditedObjects::Groups => &["Delete group", "Hard Delete group"],
        }
    }

    /// How `activity` deleted the object, if it did.
    pub fn deletion(self, activity: &str) -> Option<Deletion> {
        let [soft, hard] = *self.deleted_activities();
        if activity.eq_ignore_ascii_case(soft) {
            Some(Deletion::Soft)
        } else if activity.eq_ignore_ascii_case(hard) {
            Some(Deletion::Hard)
        } else {
            None
        }
    }
}

/// How an object left the directory: into deleted items (restorable for 30 days), or for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    Soft,
    Hard,
}

/// Which entries `list_directory_audits` asks for. Every condition given must hold;
/// `skip_token` continues a previous listing, sent with the same conditions, as Graph expects.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditQuery {
    /// Entries at or after this instant.
    pub start: Option<DateTimeOffset>,
    /// Entries at or before this instant.
    pub end: Option<DateTimeOffset>,
    pub category: Option<String>,
    /// Entries of any of these activities; empty for all.
    pub activities: Vec<String>,
    pub top: Option<u32>,
    pub skip_token: Option<String>,
}

impl AuditQuery {
    /// `activityDateTime ge .. and activityDateTime le .. and category eq '..' and
    /// (activityDisplayName eq '..' or ..)`, leaving out what is not set.
    pub fn filter(&self) -> Option<Filter> {
        let range = [
            self.start
                .clone()
                .map(|t| Filter::Ge(TIME.into(), Literal::DateTime(t))),
            self.end
                .clone()
                .map(|t| Filter::Le(TIME.into(), Literal::DateTime(t))),
        ];
        let category = self
            .category
            .clone()
            .map(|c| Filter::Eq("category".into(), Literal::Str(c)));
        let activities = self
            .activities
            .iter()
            .map(|a| Filter::Eq("activityDisplayName".into(), Literal::Str(a.clone())))
            .reduce(Filter::or);
        range
            .into_iter()
            .chain([category, activities])
            .flatten()
            .reduce(Filter::and)
    }
}

const TIME: &str = "activityDateTime";

impl<T: Transport> GraphClient<'_, T> {
    /// One page of `GET /v1.0/auditLogs/directoryAudits`, newest first (Graph's order). The
    /// date range is an ordinary filter here: no advanced-query header is sent.
    pub async fn list_directory_audits(
        &self,
        query: &AuditQuery,
    ) -> Result<Page<DirectoryAudit>, Error> {
        let mut options = Vec::new();
        if let Some(filter) = query.filter() {
            options.push(format!(
                "$filter={}",
                percent::query_value(&filter.to_odata())
            ));
        }
        if let Some(top) = query.top {
            options.push(format!("$top={top}"));
        }
        if let Some(token) = &query.skip_token {
            options.push(format!("$skiptoken={}", percent::query_value(token)));
        }
        let mut path = "/v1.0/auditLogs/directoryAudits".to_string();
        if !options.is_empty() {
            path.push('?');
            path.push_str(&options.join("&"));
        }
        let response = self.send(http::Method::GET, &path, None, false).await?;
        client::decode_page(&response, "directory audit page")
    }
}
