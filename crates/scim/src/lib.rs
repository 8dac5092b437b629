//! SCIM 2.0 (RFC 7643, RFC 7644) as plain data: resources, the error body, the filter grammar,
//! list queries (query string or SearchRequest body) and list responses, attribute projection,
//! PATCH, and the discovery documents. No I/O and no host-specific code, so the same crate serves
//! the wasm32-wasip2 operation components and native tools alike.

pub mod country;
pub mod discovery;
pub mod error;
pub mod etag;
pub mod filter;
pub mod list;
pub mod patch;
pub mod projection;
pub mod query;
pub mod resource;
pub mod schema;

pub mod percent;

pub use error::{ScimError, ScimType};
pub use filter::{AttrPath, CompValue, CompareOp, Filter};
pub use list::ListResponse;
pub use patch::{AttributeRules, PatchOp, PatchOperation, PatchPath, PatchRequest};
pub use query::{ListQuery, SortOrder};
pub use resource::{Group, User};

/// The media type of every SCIM request and response body (RFC 7644 §3.1).
pub const CONTENT_TYPE: &str = "application/scim+json";
