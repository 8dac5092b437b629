//! SCIM filters on Users and Groups -> Graph `$filter`. Only what Graph can answer exactly is translated;
//! anything else is a 400 invalidFilter saying why, because a quietly widened filter would hand
//! the caller users it did not ask for (and a provisioning engine might then update the wrong one).

use graph::{Filter as GraphFilter, Literal};
use scim::error::ScimError;
use scim::filter::{AttrPath, CompValue, CompareOp, Filter};
use scim::query::SortOrder;
use scim::schema;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Str,
    Bool,
}

#[derive(Clone, Copy)]
struct Property {
    graph: &'static str,
    kind: Kind,
}

const fn str_prop(graph: &'static str) -> Property {
    Property {
        graph,
        kind: Kind::Str,
    }
}

/// (SCIM `name` or `name.sub`, Graph property) for the core User schema.
const CORE: &[(&str, Property)] = &[
    ("userName", str_prop("userPrincipalName")),
    ("externalId", str_prop("mailNickname")),
    ("id", str_prop("id")),
    ("displayName", str_prop("displayName")),
    ("name.givenName", str_prop("givenName")),
    ("name.familyName", str_prop("surname")),
    (
        "active",
        Property {
            graph: "accountEnabled",
            kind: Kind::Bool,
        },
    ),
    ("emails", str_prop("mail")),
    ("emails.value", str_prop("mail")),
    ("title", str_prop("jobTitle")),
];

/// The same for the enterprise extension.
const ENTERPRISE: &[(&str, Property)] = &[
    ("employeeNumber", str_prop("employeeId")),
    ("department", str_prop("department")),
];

const fn bool_prop(graph: &'static str) -> Property {
    Property {
        graph,
        kind: Kind::Bool,
    }
}

/// (SCIM name, Graph property) for the core Group schema. Only `eq` reaches `id` (Graph's key).
const GROUP_CORE: &[(&str, Property)] = &[
    ("displayName", str_prop("displayName")),
    ("externalId", str_prop("mailNickname")),
    ("id", str_prop("id")),
];

/// The same for the azureAdGroup extension: what Graph filters groups on.
const GROUP_EXTENSION: &[(&str, Property)] = &[
    ("mailNickname", str_prop("mailNickname")),
    ("securityEnabled", bool_prop("securityEnabled")),
    ("mailEnabled", bool_prop("mailEnabled")),
];

/// Translates a SCIM filter on Users into a Graph `$filter`, or explains why Graph cannot run it.
pub fn user_filter(filter: &Filter) -> Result<GraphFilter, ScimError> {
    match filter {
        Filter::And(a, b) => Ok(user_filter(a)?.and(user_filter(b)?)),
        Filter::Or(a, b) => Ok(user_filter(a)?.or(user_filter(b)?)),
        Filter::Not(inner) => Ok(user_filter(inner)?.not()),
        Filter::Present(path) => Ok(GraphFilter::Ne(
            property_in(&USERS, path, "filter")?.graph.to_string(),
            Literal::Null,
        )),
        Filter::Compare { path, op, value } => compare(path, property_in(&USERS, path, "filter")?, *op, value),
        Filter::ValuePath { path, filter } => email_value_path(path, filter),
    }
}

/// The SCIM attributes of one resource type that filters may name: its core schema and its one
/// extension, each with the Graph property every attribute maps to.
struct Filterable {
    /// How the resource is named in errors ("users").
    resource: &'static str,
    core: (&'static str, &'static [(&'static str, Property)]),
    extension: (&'static str, &'static [(&'static str, Property)]),
}

const USERS: Filterable = Filterable {
    resource: "users",
    core: (schema::USER, CORE),
    extension: (schema::ENTERPRISE_USER, ENTERPRISE),
};

const GROUPS: Filterable = Filterable {
    resource: "groups",
    core: (schema::GROUP, GROUP_CORE),
    extension: (schema::AZURE_AD_GROUP, GROUP_EXTENSION),
};

/// The Graph property behind `path`, or 400 invalidFilter saying why there is none (`verb`
/// says what the caller wanted to do with it: filter, sort).
fn property_in(filterable: &Filterable, path: &AttrPath, verb: &str) -> Result<Property, ScimError> {
    let lookup = |table: &[(&str, Property)]| {
        table
            .iter()
            .find(|(name, _)| path.matches(name))
            .map(|(_, p)| *p)
    };
    let (core_urn, core) = filterable.core;
    let (extension_urn, extension) = filterable.extension;
    let found = match path.schema.as_deref() {
        Some(urn) if schema::urn_eq(urn, core_urn) => lookup(core),
        Some(urn) if schema::urn_eq(urn, extension_urn) => lookup(extension),
        Some(urn) => {
            return Err(ScimError::invalid_filter(format!(
                "cannot {verb} {} by {path}: schema {urn} is not one the connector maps to Microsoft Graph",
                filterable.resource
            )));
        }
        // Bare extension names are unambiguous (the core schemas have no such attributes).
        None => lookup(core).or_else(|| lookup(extension)),
    };
    found.ok_or_else(|| {
        ScimError::invalid_filter(format!(
            "cannot {verb} {} by {}: it has no Microsoft Graph property the connector can {verb} on",
            filterable.resource,
            path.dotted()
        ))
    })
}

fn compare(
    path: &AttrPath,
    prop: Property,
    op: CompareOp,
    value: &CompValue,
) -> Result<GraphFilter, ScimError> {
    let name = path.dotted();
    let graph = prop.graph.to_string();
    let literal = match (prop.kind, value) {
        (_, CompValue::Null) => Literal::Null,
        (Kind::Str, CompValue::Str(s)) => Literal::Str(s.clone()),
        (Kind::Bool, CompValue::Bool(b)) => Literal::Bool(*b),
        (Kind::Str, _) => {
            return Err(ScimError::invalid_filter(format!(
                "{name} is a string; compare it with a quoted value"
            )));
        }
        (Kind::Bool, _) => {
            return Err(ScimError::invalid_filter(format!(
                "{name} is a boolean; compare it with true or false"
            )));
        }
    };
    let text = |literal: Literal| match literal {
        Literal::Str(s) => Ok(s),
        _ if prop.kind == Kind::Bool => Err(ScimError::invalid_filter(format!(
            "{name} is a boolean; filter it with eq, ne or pr"
        ))),
        _ => Err(ScimError::invalid_filter(format!(
            "{op} on {name} needs a string value"
        ))),
    };
    match op {
        CompareOp::Eq => Ok(GraphFilter::Eq(graph, literal)),
        CompareOp::Ne => Ok(GraphFilter::Ne(graph, literal)),
        CompareOp::Sw => Ok(GraphFilter::StartsWith(graph, text(literal)?)),
        CompareOp::Ew => Ok(GraphFilter::EndsWith(graph, text(literal)?)),
        CompareOp::Co => Err(ScimError::invalid_filter(format!(
            "Microsoft Graph cannot filter on substrings (co) of {name}; use eq, sw or ew"
        ))),
        CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le => {
            Err(ScimError::invalid_filter(format!(
                "Microsoft Graph cannot order-compare ({op}) {name}; use eq, ne, sw or ew"
            )))
        }
    }
}

/// `emails[...]`: Graph keeps one work address in `mail` (other addresses in `otherMails`, which
/// `$filter` cannot reach the same way), so only the work email is filterable: `[value op x]`,
/// `[type eq "work" and value op x]`, or `[type eq "work"]` (has a work email).
fn email_value_path(path: &AttrPath, inner: &Filter) -> Result<GraphFilter, ScimError> {
    let unsupported = || {
        ScimError::invalid_filter(format!(
            "Microsoft Graph can filter {path}[...] only on the work email: use \
             emails[type eq \"work\" and value eq \"...\"] or emails[value eq \"...\"]"
        ))
    };
    let is_emails = path.sub.is_none()
        && path.name.eq_ignore_ascii_case("emails")
        && path
            .schema
            .as_deref()
            .is_none_or(|urn| schema::urn_eq(urn, schema::USER));
    if !is_emails {
        return Err(ScimError::invalid_filter(format!(
            "Microsoft Graph cannot filter {path}[...]: only emails[...] has a filterable Graph property"
        )));
    }
    let is_work_type = |f: &Filter| {
        matches!(f, Filter::Compare { path, op: CompareOp::Eq, value: CompValue::Str(t) }
            if path.matches("type") && t.eq_ignore_ascii_case("work"))
    };
    let value_test = |f: &Filter| -> Result<GraphFilter, ScimError> {
        match f {
            Filter::Compare { path: p, op, value } if p.matches("value") => {
                compare(p, str_prop("mail"), *op, value)
            }
            Filter::Present(p) if p.matches("value") => {
                Ok(GraphFilter::Ne("mail".into(), Literal::Null))
            }
            _ => Err(unsupported()),
        }
    };
    match inner {
        f if is_work_type(f) => Ok(GraphFilter::Ne("mail".into(), Literal::Null)),
        Filter::And(a, b) if is_work_type(a) => value_test(b),
        Filter::And(a, b) if is_work_type(b) => value_test(a),
        f => value_test(f),
    }
}

/// Translates a SCIM filter on Groups into a Graph `$filter`, or explains why Graph cannot run it:
/// `displayName` and `externalId` (Graph's mailNickname) with eq, sw, ne, ew and pr, `id` with eq,
/// and the azureAdGroup extension's mailNickname, securityEnabled and mailEnabled.
pub fn group_filter(filter: &Filter) -> Result<GraphFilter, ScimError> {
    match filter {
        Filter::And(a, b) => Ok(group_filter(a)?.and(group_filter(b)?)),
        Filter::Or(a, b) => Ok(group_filter(a)?.or(group_filter(b)?)),
        Filter::Not(inner) => Ok(group_filter(inner)?.not()),
        Filter::Present(path) => {
            let prop = group_property(path)?;
            if prop.graph == "id" {
                return Err(id_only_eq(path));
            }
            Ok(GraphFilter::Ne(prop.graph.to_string(), Literal::Null))
        }
        Filter::Compare { path, op, value } => {
            let prop = group_property(path)?;
            if prop.graph == "id" && !(*op == CompareOp::Eq && matches!(value, CompValue::Str(_))) {
                return Err(id_only_eq(path));
            }
            compare(path, prop, *op, value)
        }
        Filter::ValuePath { path, .. } => Err(group_property(path).err().unwrap_or_else(|| {
            ScimError::invalid_filter(format!("{path} has no sub-attributes to filter with [...]"))
        })),
    }
}

fn id_only_eq(path: &AttrPath) -> ScimError {
    ScimError::invalid_filter(format!(
        "{path} can only be compared with eq and a quoted id (Microsoft Graph looks groups up by id, it does not search ids)"
    ))
}

fn group_property(path: &AttrPath) -> Result<Property, ScimError> {
    if path.name.eq_ignore_ascii_case("members") {
        return Err(ScimError::invalid_filter(
            "Microsoft Graph cannot filter groups by their members; read the group's members instead",
        ));
    }
    property_in(&GROUPS, path, "filter")
}

/// SCIM `sortBy` / `sortOrder` (RFC 7644 §3.4.2.3) for users -> Graph `$orderby`, through the
/// same attribute map as filters. An attribute with no Graph property is 400 invalidValue.
pub fn user_order_by(sort_by: &str, order: Option<SortOrder>) -> Result<graph::OrderBy, ScimError> {
    order_by(&USERS, sort_by, order)
}

/// [`user_order_by`] for groups.
pub fn group_order_by(sort_by: &str, order: Option<SortOrder>) -> Result<graph::OrderBy, ScimError> {
    order_by(&GROUPS, sort_by, order)
}

fn order_by(filterable: &Filterable, sort_by: &str, order: Option<SortOrder>) -> Result<graph::OrderBy, ScimError> {
    let path = AttrPath::parse(sort_by.trim())
        .map_err(|_| ScimError::invalid_value(format!("sortBy `{sort_by}` is not an attribute path")))?;
    let property = property_in(filterable, &path, "sort")
        .map_err(|error| ScimError::invalid_value(error.detail))?;
    Ok(graph::OrderBy {
        property: property.graph.to_string(),
        descending: order == Some(SortOrder::Descending),
    })
}
