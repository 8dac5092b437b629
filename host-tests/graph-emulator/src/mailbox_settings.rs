//! Graph's `GET /v1.0/users/{id | userPrincipalName}/mailboxSettings` (and its
//! `/automaticRepliesSetting`): Exchange Online's settings of a user's mailbox, made up from the
//! user on each read, so nothing is stored and the directory and its change history stay as
//! they are. A user without a mailbox gets Graph's 404 `MailboxNotEnabledForRESTAPI`.

use http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::clock;
use crate::error::GraphError;
use crate::server::{Reply, State};
use crate::tenant::User;

const DAY: u64 = 86_400;
/// 2026-07-01T00:00:00Z: demo schedules start in the month after it.
const JULY_2026: u64 = 1_782_864_000;

/// `segments` is `["users", id, "mailboxSettings", ...]`.
pub fn route(state: &State, method: &Method, segments: &[String]) -> Result<Reply, GraphError> {
    let setting = match segments.get(3..).unwrap_or_default() {
        [] => None,
        [s] if s.eq_ignore_ascii_case("automaticRepliesSetting") => Some("automaticRepliesSetting"),
        [other, ..] => return Err(GraphError::segment_not_found(other)),
    };
    if method != Method::GET {
        return Err(GraphError::method_not_allowed());
    }
    let tenant = state.read();
    let user = tenant.find(&segments[1]).ok_or_else(|| GraphError::not_found(&segments[1]))?;
    if !has_mailbox(user) {
        return Err(GraphError::new(
            StatusCode::NOT_FOUND,
            "MailboxNotEnabledForRESTAPI",
            "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
        ));
    }
    let context = format!(
        "{}/v1.0/$metadata#users('{}')/mailboxSettings",
        state.base_url,
        user.id()
    );
    let mut body = settings(user);
    if let Some(name) = setting {
        body = body[name].clone();
    }
    let mut out = serde_json::Map::new();
    out.insert(
        "@odata.context".into(),
        json!(match setting {
            Some(name) => format!("{context}/{name}"),
            None => context,
        }),
    );
    out.extend(body.as_object().cloned().unwrap_or_default());
    let bytes = serde_json::to_vec(&out).expect("JSON serialises");
    Ok(Reply::json(StatusCode::OK, bytes))
}

/// Exchange gives a mailbox to licensed members, whose `mail` it then sets; guests and users
/// created without one (no `mail`) have none.
fn has_mailbox(user: &User) -> bool {
    let text = |name: &str| user.props.get(name).and_then(Value::as_str).unwrap_or("");
    !text("mail").is_empty() && !text("userType").eq_ignore_ascii_case("Guest")
}

/// The settings of a user with a mailbox, from its creation number alone: every seventh user
/// (Adele first) has scheduled automatic replies, every seventh from the fourth (Megan first)
/// replies always, the rest have them off with Graph's leftovers (a schedule, empty messages).
fn settings(user: &User) -> Value {
    let status = match user.seq % 7 {
        1 => "scheduled",
        4 => "alwaysEnabled",
        _ => "disabled",
    };
    let start = JULY_2026 + (user.seq % 28) * DAY + 7 * 3600;
    let end = start + 14 * DAY;
    let first_name = user
        .props
        .get("givenName")
        .and_then(Value::as_str)
        .unwrap_or("I");
    let back = &clock::iso8601(end)[..10];
    let (internal, external) = match status {
        "disabled" => (String::new(), String::new()),
        _ => (
            format!("<html><body><p>{first_name} is out of the office until {back}; your mail will be read on return.</p></body></html>"),
            format!("<html><body><p>Thank you for your message. I am away until {back}.</p></body></html>"),
        ),
    };
    let locale = user
        .props
        .get("preferredLanguage")
        .and_then(Value::as_str)
        .unwrap_or("en-US");
    json!({
        "automaticRepliesSetting": {
            "status": status,
            "externalAudience": if user.seq.is_multiple_of(2) { "all" } else { "contactsOnly" },
            "scheduledStartDateTime": date_time_time_zone(start),
            "scheduledEndDateTime": date_time_time_zone(end),
            "internalReplyMessage": internal,
            "externalReplyMessage": external
        },
        "timeZone": "UTC",
        "language": {"locale": locale},
        "dateFormat": "yyyy-MM-dd",
        "timeFormat": "HH:mm",
        "userPurpose": {"value": "user"}
    })
}

/// Graph's `dateTimeTimeZone`, in UTC as Exchange answers automatic replies.
fn date_time_time_zone(unix: u64) -> Value {
    let seconds = clock::iso8601(unix);
    json!({"dateTime": format!("{}.0000000", seconds.trim_end_matches('Z')), "timeZone": "UTC"})
}
