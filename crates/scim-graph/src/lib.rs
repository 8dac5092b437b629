//! The fixed bridge between SCIM 2.0 and Microsoft Graph for the connector's operations: Graph
//! users and groups to SCIM Users and Groups and back (groups with their members, users with
//! their mailbox's automatic replies when asked), SCIM changes to Graph updates (members
//! included), SCIM filters to OData, Graph failures to SCIM errors.
//! Warehouse attribute names live elsewhere (crates/mapping); this crate only knows SCIM and Graph.

mod automatic_replies;
mod change;
mod error;
mod filter;
mod group;
mod json;
mod owner;
mod password_reset;
mod read;
mod time_range;
mod user;
mod user_name;

pub use automatic_replies::{UserParts, read_automatic_replies, read_automatic_replies_of, set_automatic_replies};
pub use change::{
    GROUP_ATTRIBUTES_GRAPH_REQUIRES, USER_ATTRIBUTES_GRAPH_REQUIRES, refuse_required_removals, set_manager, update_group,
    update_user,
};
pub use error::{is_existing_reference, scim_error};
pub use filter::{FilterPlan, Residual, group_filter, group_order_by, plan_group_filter, plan_user_filter, user_filter, user_order_by};
pub use time_range::{Instant, TimeRange};
pub use user_name::UserNames;
pub use owner::{mentions_owners, owner_changes, read_owners, set_owners, with_owners_of};
pub use password_reset::PasswordReset;
pub use read::{GroupParts, MEMBER_LIMIT, all_members, read_group};
pub use group::{
    AZURE_AD_GROUP, group_create_body, group_to_scim, group_update_body, member_changes, scim_location,
};
pub use user::{
    AZURE_ON_PREM_DATA_USER, B2C_USER_PROFILE, manager_id, user_create_body, user_to_scim, user_update_body,
};
