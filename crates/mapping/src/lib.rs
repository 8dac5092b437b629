//! The warehouse's attribute maps: which warehouse attribute (`City`, `EmployeeID`, `UserName`)
//! is read from where in a SCIM resource, as JSONPath expressions shipped in `maps/` (one file per
//! table of the specification) and overridable by configuration. `apply` turns a SCIM resource
//! into a warehouse record; `reverse` turns a record back into a SCIM resource fragment for
//! writes. Nothing else in the connector knows warehouse attribute names.
//!
//! A map file is TOML, one table per row:
//!
//! ```toml
//! [[attribute]]
//! source = "phoneNumbers[?(@.type=='work')].value"  # JSONPath over the SCIM resource
//! target = "BusinessPhone"                          # the warehouse attribute it fills
//! description = "The user's business phone number." # optional
//! ```
//!
//! An override file ([`Overrides`]) has the same rows, which replace the map's row for the same
//! target or add one, and may list targets to remove: `drop = ["Fax", "HomePhone"]`.
//!
//! Sources may be written as the specification writes them (no `$`, `.['member']`,
//! `[?(@.type=='work')]`); they are normalised to RFC 9535 and parsed when the map loads. Member
//! names match ignoring case, as SCIM attribute names do; targets too, as warehouse columns do.

mod error;
mod expression;
mod map;
mod normalise;
mod spelling;

pub use error::MapError;
pub use expression::Expression;
pub use map::{Attribute, AttributeMap, Builtin, Overrides};
