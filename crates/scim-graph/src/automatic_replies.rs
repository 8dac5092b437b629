//! The mailbox's automatic replies on a SCIM User. Exchange Online keeps them, not the directory,
//! so they are read only when the caller asks for them (one Graph request a user, permission
//! MailboxSettings.Read) and set flat at the top level, where the Entra attribute table reads them.
//! [`UserParts`] says when a request needs them, or the end date, which also takes a permission.

use graph::{AutomaticRepliesSetting, DateTimeTimeZone, GraphClient, Transport};
use scim::User;
use scim::discovery::AUTOMATIC_REPLY_ATTRIBUTES;
use scim::error::ScimError;
use scim::filter::{AttrPath, Filter};
use scim::patch::{PatchPath, PatchRequest};
use scim::projection::{ResourceKind, names_attribute};
use scim::query::ListQuery;
use scim::schema;
use serde_json::Value;

use crate::error::scim_error;
use crate::json::member_named;

/// The SCIM attribute `GraphClient::with_lifecycle_info` reads (Graph's employeeLeaveDateTime).
const END_DATE: &str = "endDateTime";

/// What to read of a user beyond what `get_user` and `list_users` select; each costs Graph
/// something more, so the attributes they fill are returned only on request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserParts {
    /// The automatic replies ([`read_automatic_replies`]): one more request a user.
    pub automatic_replies: bool,
    /// `endDateTime`: read through `GraphClient::with_lifecycle_info`, which only an app holding
    /// User-LifeCycleInfo.Read.All may use.
    pub lifecycle_info: bool,
}

impl UserParts {
    /// What a read or query answers: the parts whose attributes `attributes` names, and the
    /// end date when the filter tests it too (the connector checks that filter on each user).
    /// No filter can test the automatic replies (`plan_user_filter` refuses it).
    pub fn asked_by(query: &ListQuery) -> UserParts {
        let named = |name: &str| names_attribute(&query.attributes, name, ResourceKind::User);
        let filtered = query.filter.as_ref().is_some_and(|f| tests(f, END_DATE));
        UserParts {
            automatic_replies: AUTOMATIC_REPLY_ATTRIBUTES.iter().any(|name| named(name)),
            lifecycle_info: named(END_DATE) || filtered,
        }
    }

    /// What a create or replace answers beyond the default: the end date when the request sends
    /// it (RFC 7643 §7: returned on request, so with a write that specified it). Reading it
    /// before a replace also lets a null clear it. The automatic replies are read-only.
    pub fn written_by(user: &User) -> UserParts {
        UserParts { automatic_replies: false, lifecycle_info: member_named(&user.extensions, END_DATE).is_some() }
    }

    /// The same for a PATCH: the end date when an operation's path, or a member of a path-less
    /// value, names it.
    pub fn patched_by(patch: &PatchRequest) -> UserParts {
        let names_end_date = |path: &PatchPath| is_core(&path.attr, END_DATE);
        let writes_end_date = patch.operations.iter().any(|operation| match (&operation.path, &operation.value) {
            (Some(path), _) => names_end_date(path),
            (None, Some(Value::Object(members))) => {
                members.keys().any(|key| PatchPath::parse(key).is_ok_and(|path| names_end_date(&path)))
            }
            _ => false,
        });
        UserParts { automatic_replies: false, lifecycle_info: writes_end_date }
    }
}

/// Whether a filter tests the core attribute `name`.
fn tests(filter: &Filter, name: &str) -> bool {
    match filter {
        Filter::And(a, b) | Filter::Or(a, b) => tests(a, name) || tests(b, name),
        Filter::Not(inner) => tests(inner, name),
        Filter::Compare { path, .. } | Filter::Present(path) => is_core(path, name),
        Filter::ValuePath { path, .. } => is_core(path, name),
    }
}

/// Whether `path` is the core User attribute `name`, bare or under its schema URN.
fn is_core(path: &AttrPath, name: &str) -> bool {
    path.schema.as_deref().is_none_or(|urn| schema::urn_eq(urn, schema::USER)) && path.name.eq_ignore_ascii_case(name)
}

/// The user's automatic replies; `None` when the user has no mailbox Graph can reach (no
/// Exchange Online licence, a guest, an Azure AD B2C tenant) or Graph sent none.
pub async fn read_automatic_replies<T: Transport>(
    graph: &GraphClient<'_, T>,
    user_id: &str,
) -> Result<Option<AutomaticRepliesSetting>, ScimError> {
    let settings = graph
        .get_mailbox_settings(user_id)
        .await
        .map_err(|e| scim_error(&e))?;
    Ok(settings.and_then(|s| s.automatic_replies_setting))
}

/// [`read_automatic_replies`] of each user of a page, in the order of `user_ids`, 20 users to a
/// Graph `$batch` request. A user gone since the page was read has none, like one without a
/// mailbox: the page still answers for the users it listed.
pub async fn read_automatic_replies_of<T: Transport>(
    graph: &GraphClient<'_, T>,
    user_ids: &[&str],
) -> Result<Vec<Option<AutomaticRepliesSetting>>, ScimError> {
    graph
        .mailbox_settings_of(user_ids)
        .await
        .into_iter()
        .map(|settings| match settings {
            Ok(settings) => Ok(settings.and_then(|s| s.automatic_replies_setting)),
            Err(graph::Error::Graph { status: 404, .. }) => Ok(None),
            Err(error) => Err(scim_error(&error)),
        })
        .collect()
}

/// Puts the automatic replies on the user, replacing any it had; empty values are left out.
pub fn set_automatic_replies(user: &mut User, replies: &AutomaticRepliesSetting) {
    for name in AUTOMATIC_REPLY_ATTRIBUTES {
        user.extensions.remove(*name);
    }
    let values = [
        ("status", replies.status.clone()),
        ("externalAudience", replies.external_audience.clone()),
        (
            "scheduledStartDateTime",
            replies.scheduled_start_date_time.as_ref().and_then(scim_date_time),
        ),
        (
            "scheduledEndDateTime",
            replies.scheduled_end_date_time.as_ref().and_then(scim_date_time),
        ),
        ("internalReplyMessage", replies.internal_reply_message.clone()),
        ("externalReplyMessage", replies.external_reply_message.clone()),
    ];
    for (name, value) in values {
        if let Some(value) = value.filter(|v| !v.trim().is_empty()) {
            user.extensions.insert(name.to_string(), Value::String(value));
        }
    }
}

/// Graph's `dateTimeTimeZone` as a SCIM dateTime. Graph answers automatic replies in UTC, which
/// gets its `Z`; a time in another zone stays the wall-clock time without an offset (a valid
/// xsd:dateTime), since a SCIM dateTime cannot name a zone and converting one needs zone rules.
fn scim_date_time(at: &DateTimeTimeZone) -> Option<String> {
    let date_time = at.date_time.trim();
    if date_time.is_empty() {
        return None;
    }
    // Graph writes seven fractional digits; all zeros say nothing.
    let date_time = match date_time.split_once('.') {
        Some((whole, fraction)) if fraction.bytes().all(|b| b == b'0') => whole,
        _ => date_time,
    };
    let has_offset = date_time
        .get(11..)
        .is_some_and(|time| time.contains(['Z', 'z', '+', '-']));
    let utc = at
        .time_zone
        .as_deref()
        .is_some_and(|zone| ["UTC", "Etc/UTC"].iter().any(|u| zone.trim().eq_ignore_ascii_case(u)));
    Some(match utc && !has_offset {
        true => format!("{date_time}Z"),
        false => date_time.to_string(),
    })
}
