//! A user's mailbox settings, as far as the connector reads them: the automatic replies (out of
//! office). They live in Exchange Online, not in the directory, so they cost one request a user
//! (`GET /users/{id}/mailboxSettings`, permission MailboxSettings.Read), and only users with an
//! Exchange Online mailbox have them.

use serde::{Deserialize, Serialize};

/// `mailboxSettings`; only the member the connector maps is typed, the rest is not kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MailboxSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automatic_replies_setting: Option<AutomaticRepliesSetting>,
}

/// `automaticRepliesSetting`: whether and when the mailbox answers incoming mail, and with what.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AutomaticRepliesSetting {
    /// `disabled`, `alwaysEnabled` or `scheduled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Who outside the organisation gets the external reply: `none`, `contactsOnly` or `all`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_audience: Option<String>,
    /// Only meaningful when `status` is `scheduled`; Graph keeps them otherwise too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_start_date_time: Option<DateTimeTimeZone>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_end_date_time: Option<DateTimeTimeZone>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_reply_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_reply_message: Option<String>,
}

/// Graph's `dateTimeTimeZone`: a wall-clock time without offset, and the zone it is read in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DateTimeTimeZone {
    /// e.g. `2016-03-14T07:00:00.0000000`.
    pub date_time: String,
    /// A Windows or IANA zone name, e.g. `UTC` or `Pacific Standard Time`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// Graph's code for a user whose mailbox it cannot reach: none at all (no Exchange Online
/// licence, a guest, an Azure AD B2C tenant), inactive, soft-deleted or on-premises.
pub(crate) const MAILBOX_NOT_ENABLED: &str = "MailboxNotEnabledForRESTAPI";
