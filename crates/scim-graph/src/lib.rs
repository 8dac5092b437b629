//! The fixed bridge between SCIM 2.0 and Microsoft Graph for the connector's operations: Graph
//! users to SCIM Users and back, SCIM changes to Graph updates, SCIM filters to OData, Graph
//! failures to SCIM errors. Warehouse attribute names live elsewhere (crates/mapping); this
//! crate only knows SCIM and Graph.

mod change;
mod error;
mod filter;
mod user;

pub use change::update_user;
pub use error::scim_error;
pub use filter::user_filter;
pub use user::{
    AZURE_ON_PREM_DATA_USER, B2C_USER_PROFILE, manager_id, user_create_body, user_to_scim, user_update_body,
};
