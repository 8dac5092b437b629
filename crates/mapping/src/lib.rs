//! The warehouse's attribute maps: which warehouse attribute (`City`, `EmployeeID`, `UserName`)
//! is read from where in a SCIM resource, as JSONPath expressions shipped in `maps/` (one file per
//! table of the specification) and overridable by configuration. `apply` turns a SCIM resource
//! into a warehouse record; `reverse` turns a record back into a SCIM resource fragment for
//! writes. Nothing else in the connector knows warehouse attribute names.

mod error;
mod expression;
mod map;
mod normalise;
mod spelling;

pub use error::MapError;
pub use expression::Expression;
pub use map::{Attribute, AttributeMap, Builtin, Overrides};
