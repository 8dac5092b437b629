//! What every operation component shares: the `entra:scim/operation` bindings, the walk from a
//! Spin request to a SCIM answer, and the Microsoft Graph connection over `wasi:http`.
//!
//! A component declares an [`Operation`] (its name, routes and Graph permissions), exports it
//! with [`export_operation!`], and serves requests with [`Operation::serve`].

mod audited;
mod config;
mod connection;
mod links;
mod operation;
mod paging;
mod password;
mod reply;

pub use audited::{Change, answer as answer_audited};
pub use config::{b2c_custom_attribute_names, variable};
pub use connection::Connection;
pub use links::GroupLinks;
pub use operation::{Call, Operation};
pub use paging::{Check, Listing};
pub use password::generate_password;
pub use reply::Reply;

#[doc(hidden)]
pub mod bindings {
    spin_sdk::wit_bindgen::generate!({
        path: "../../wit",
        world: "entra:scim/operation-component",
        runtime_path: "spin_sdk::wit_bindgen::rt",
        pub_export_macro: true,
        export_macro_name: "export_operation_bindings",
        default_bindings_module: "guest::bindings",
    });
}

pub use bindings::exports::entra::scim::operation::{Description, Route};

/// A SCIM resource as a response body.
pub fn to_json<T: serde::Serialize>(resource: &T) -> Result<serde_json::Value, scim::error::ScimError> {
    serde_json::to_value(resource).map_err(|e| scim::error::ScimError::internal(format!("cannot encode the response: {e}")))
}

/// Exports `entra:scim/operation` for the component, answering `describe()` from `$operation`.
#[macro_export]
macro_rules! export_operation {
    ($operation:path) => {
        struct DescribeOperation;
        impl $crate::bindings::exports::entra::scim::operation::Guest for DescribeOperation {
            fn describe() -> $crate::Description {
                $operation.description()
            }
        }
        $crate::bindings::export_operation_bindings!(DescribeOperation with_types_in $crate::bindings);
    };
}
