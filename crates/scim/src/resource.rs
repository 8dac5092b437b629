//! Typed SCIM resources (RFC 7643 §4): User with the enterprise extension, Group, and their
//! complex attributes; plus the checks that turn a create/replace request body into one, with
//! errors that name the offending attribute. Unknown extension objects travel through untouched.

mod body;
mod common;
mod group;
mod user;

pub use common::{Address, EnterpriseUser, Manager, MemberRef, Meta, MultiValue, Name};
pub use group::Group;
pub use user::User;

/// The value marked `primary`, else the first one (RFC 7643 §2.4: at most one is primary).
pub fn primary(values: &[MultiValue]) -> Option<&MultiValue> {
    values
        .iter()
        .find(|v| v.primary == Some(true))
        .or_else(|| values.first())
}

/// The first value whose `type` is `ty` (ignoring ASCII case), e.g. the "work" email.
pub fn by_type<'a>(values: &'a [MultiValue], ty: &str) -> Option<&'a MultiValue> {
    values.iter().find(|v| {
        v.r#type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case(ty))
    })
}

#[cfg(test)]
mod tests;
