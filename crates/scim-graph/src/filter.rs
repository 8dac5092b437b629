//! SCIM filters on Users and Groups -> Graph `$filter`. Only what Graph can answer exactly is
//! translated, because a quietly widened filter would hand the caller users it did not ask for
//! (and a provisioning engine might then update the wrong one). What Graph cannot answer is
//! either left to the connector to check object by object ([`FilterPlan`]) or, for the strict
//! translations and for filters wrong in themselves, a 400 invalidFilter saying why.

use graph::{Filter as GraphFilter, Literal};
use scim::error::ScimError;
use scim::filter::{AttrPath, CompValue, CompareOp, Filter};
use scim::discovery::AUTOMATIC_REPLY_ATTRIBUTES;
use scim::patch::AttributeRules;
use scim::query::SortOrder;
use scim::schema;

use crate::user_name::{UserNames, is_user_name};

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

/// A SCIM filter split in two: what Graph selects (`graph`), and what the connector must check
/// itself on each object Graph returns (`residual`), because Graph has no way to ask it. Only
/// terms joined by `and` are split; an `or` or `not` Graph cannot answer whole is residual whole.
#[derive(Debug)]
pub struct FilterPlan {
    pub graph: Option<GraphFilter>,
    pub residual: Option<Residual>,
}

/// The part of a filter the connector evaluates on SCIM resources.
#[derive(Debug)]
pub struct Residual {
    pub filter: Filter,
    /// Why Graph cannot answer it, for the caller when the evaluation would cost too much.
    pub why: String,
    rules: AttributeRules,
}

impl Residual {
    /// Whether a SCIM resource (its JSON, as the caller would read it) satisfies the residual
    /// filter, with strings compared by the schema's `caseExact`.
    pub fn matches(&self, resource: &serde_json::Value) -> bool {
        self.filter.matches(resource, &|p| self.rules.is_case_exact_at(p))
    }
}

/// Why (part of) a filter does not become a Graph `$filter`.
enum Refusal {
    /// Graph cannot select it; the connector can still check it object by object.
    Graph(ScimError),
    /// The filter is wrong whoever evaluates it (a boolean compared with a string).
    Invalid(ScimError),
}

impl From<Refusal> for ScimError {
    fn from(refusal: Refusal) -> ScimError {
        match refusal {
            Refusal::Graph(error) | Refusal::Invalid(error) => error,
        }
    }
}

/// Translates a SCIM filter on Users into a Graph `$filter`, or explains why Graph cannot run it.
pub fn user_filter(filter: &Filter) -> Result<GraphFilter, ScimError> {
    Ok(user_node(filter, &UserNames::full_upn())?)
}

/// Plans a SCIM filter on Users: as much as possible for Graph, the rest for the connector.
/// Only a filter that is wrong in itself is an error.
/// In a B2C tenant ([`UserNames::b2c`]) Graph gets only what it answers without advanced queries.
pub fn plan_user_filter(filter: &Filter, names: &UserNames) -> Result<FilterPlan, ScimError> {
    let advanced = names.b2c_issuer().is_none();
    plan(filter, &|f| user_node(f, names).and_then(|g| within(g, advanced)), AttributeRules::user)
}

/// `graph`, unless it needs the advanced queries the tenant does not offer: Azure AD B2C
/// tenants have none, so `ne`, `not`, `endsWith` and comparisons with null are the connector's.
fn within(graph: GraphFilter, advanced: bool) -> Result<GraphFilter, Refusal> {
    if advanced || !graph.needs_advanced_query() {
        return Ok(graph);
    }
    Err(Refusal::Graph(ScimError::invalid_filter(
        "Azure AD B2C tenants offer no advanced queries (ne, not, endsWith, comparisons with null), so the connector checks this itself",
    )))
}

fn user_node(filter: &Filter, names: &UserNames) -> Result<GraphFilter, Refusal> {
    match filter {
        Filter::And(a, b) => both(user_node(a, names), user_node(b, names), GraphFilter::and),
        Filter::Or(a, b) => both(user_node(a, names), user_node(b, names), GraphFilter::or),
        Filter::Not(inner) => Ok(user_node(inner, names)?.not()),
        Filter::Present(path) | Filter::Compare { path, .. } if is_automatic_reply(path) => {
            Err(Refusal::Invalid(ScimError::invalid_filter(format!(
                "cannot filter users by {}: it is read from each user's mailbox, one Microsoft Graph request a user",
                path.dotted()
            ))))
        }
        Filter::Present(path) => Ok(GraphFilter::Ne(
            property_in(&USERS, path, "filter").map_err(Refusal::Graph)?.graph.to_string(),
            Literal::Null,
        )),
        Filter::Compare { path, op, value } if is_user_name(path) => {
            if !names.graph_can_compare(*op, value) {
                let stands_for = match names.b2c_issuer() {
                    Some(_) => "is a B2C sign-in name, which Microsoft Graph finds only by equality",
                    None => "stands for a userPrincipalName without its default domain",
                };
                return Err(Refusal::Graph(ScimError::invalid_filter(format!(
                    "userName {stands_for}, so {op} on it is checked by the connector"
                ))));
            }
            if let (Some(issuer), CompValue::Str(name)) = (names.b2c_issuer(), value) {
                return Ok(GraphFilter::SignInName { issuer: issuer.to_string(), name: name.clone() });
            }
            let value = match value {
                CompValue::Str(name) => CompValue::Str(names.upn(name)),
                other => other.clone(),
            };
            compare(path, str_prop("userPrincipalName"), *op, &value)
        }
        Filter::Compare { path, op, value } => {
            compare(path, property_in(&USERS, path, "filter").map_err(Refusal::Graph)?, *op, value)
        }
        Filter::ValuePath { path, filter } => email_value_path(path, filter).map_err(Refusal::Graph),
    }
}

/// Whether `path` is one of the mailbox's automatic replies: no filter can select on those, as
/// Graph has none and checking them here would read every candidate's mailbox.
fn is_automatic_reply(path: &AttrPath) -> bool {
    path.schema.as_deref().is_none_or(|urn| schema::urn_eq(urn, schema::USER))
        && AUTOMATIC_REPLY_ATTRIBUTES.iter().any(|name| path.matches(name))
}

/// Both halves of a binary node, or the refusal that matters more: a wrong filter is an error
/// even when Graph could not have answered the other half.
fn both(
    a: Result<GraphFilter, Refusal>,
    b: Result<GraphFilter, Refusal>,
    join: fn(GraphFilter, GraphFilter) -> GraphFilter,
) -> Result<GraphFilter, Refusal> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok(join(a, b)),
        (Err(e @ Refusal::Invalid(_)), _) | (_, Err(e @ Refusal::Invalid(_))) => Err(e),
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

fn plan(
    filter: &Filter,
    translate: &dyn Fn(&Filter) -> Result<GraphFilter, Refusal>,
    rules: fn() -> AttributeRules,
) -> Result<FilterPlan, ScimError> {
    let (graph, residual) = split(filter, translate)?;
    Ok(FilterPlan {
        graph,
        residual: residual.map(|(filter, why)| Residual { filter, why, rules: rules() }),
    })
}

type Split = (Option<GraphFilter>, Option<(Filter, String)>);

fn split(filter: &Filter, translate: &dyn Fn(&Filter) -> Result<GraphFilter, Refusal>) -> Result<Split, ScimError> {
    match translate(filter) {
        Ok(graph) => Ok((Some(graph), None)),
        Err(Refusal::Invalid(error)) => Err(error),
        Err(Refusal::Graph(why)) => match filter {
            Filter::And(a, b) => {
                let (graph_a, residual_a) = split(a, translate)?;
                let (graph_b, residual_b) = split(b, translate)?;
                let graph = match (graph_a, graph_b) {
                    (Some(a), Some(b)) => Some(a.and(b)),
                    (a, b) => a.or(b),
                };
                let residual = match (residual_a, residual_b) {
                    (Some((a, why)), Some((b, _))) => Some((Filter::and(a, b), why)),
                    (a, b) => a.or(b),
                };
                Ok((graph, residual))
            }
            _ => Ok((None, Some((filter.clone(), why.detail)))),
        },
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
) -> Result<GraphFilter, Refusal> {
    let name = path.dotted();
    let graph = prop.graph.to_string();
    let literal = match (prop.kind, value) {
        (_, CompValue::Null) => Literal::Null,
        (Kind::Str, CompValue::Str(s)) => Literal::Str(s.clone()),
        (Kind::Bool, CompValue::Bool(b)) => Literal::Bool(*b),
        (Kind::Str, _) => {
            return Err(Refusal::Invalid(ScimError::invalid_filter(format!(
                "{name} is a string; compare it with a quoted value"
            ))));
        }
        (Kind::Bool, _) => {
            return Err(Refusal::Invalid(ScimError::invalid_filter(format!(
                "{name} is a boolean; compare it with true or false"
            ))));
        }
    };
    let text = |literal: Literal| match literal {
        Literal::Str(s) => Ok(s),
        _ if prop.kind == Kind::Bool => Err(Refusal::Invalid(ScimError::invalid_filter(format!(
            "{name} is a boolean; filter it with eq, ne or pr"
        )))),
        _ => Err(Refusal::Invalid(ScimError::invalid_filter(format!(
            "{op} on {name} needs a string value"
        )))),
    };
    match op {
        CompareOp::Eq => Ok(GraphFilter::Eq(graph, literal)),
        CompareOp::Ne => Ok(GraphFilter::Ne(graph, literal)),
        CompareOp::Sw => Ok(GraphFilter::StartsWith(graph, text(literal)?)),
        CompareOp::Ew => Ok(GraphFilter::EndsWith(graph, text(literal)?)),
        CompareOp::Co => Err(Refusal::Graph(ScimError::invalid_filter(format!(
            "Microsoft Graph cannot filter on substrings (co) of {name}; use eq, sw or ew"
        )))),
        CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le => {
            Err(Refusal::Graph(ScimError::invalid_filter(format!(
                "Microsoft Graph cannot order-compare ({op}) {name}; use eq, ne, sw or ew"
            ))))
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
                compare(p, str_prop("mail"), *op, value).map_err(ScimError::from)
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
    Ok(group_node(filter)?)
}

/// Plans a SCIM filter on Groups, as [`plan_user_filter`] does for users. Filters on members
/// stay an error: checking them would read every candidate group's members.
/// `advanced`: whether the tenant offers advanced queries (Azure AD B2C tenants do not).
pub fn plan_group_filter(filter: &Filter, advanced: bool) -> Result<FilterPlan, ScimError> {
    plan(filter, &|f| group_node(f).and_then(|g| within(g, advanced)), AttributeRules::group)
}

fn group_node(filter: &Filter) -> Result<GraphFilter, Refusal> {
    match filter {
        Filter::And(a, b) => both(group_node(a), group_node(b), GraphFilter::and),
        Filter::Or(a, b) => both(group_node(a), group_node(b), GraphFilter::or),
        Filter::Not(inner) => Ok(group_node(inner)?.not()),
        Filter::Present(path) => {
            let prop = group_property(path)?;
            if prop.graph == "id" {
                return Err(Refusal::Graph(id_only_eq(path)));
            }
            Ok(GraphFilter::Ne(prop.graph.to_string(), Literal::Null))
        }
        Filter::Compare { path, op, value } => {
            let prop = group_property(path)?;
            if prop.graph == "id" && !(*op == CompareOp::Eq && matches!(value, CompValue::Str(_))) {
                return Err(Refusal::Graph(id_only_eq(path)));
            }
            compare(path, prop, *op, value)
        }
        Filter::ValuePath { path, .. } => Err(match group_property(path) {
            Err(refusal) => refusal,
            Ok(_) => Refusal::Invalid(ScimError::invalid_filter(format!("{path} has no sub-attributes to filter with [...]"))),
        }),
    }
}

fn id_only_eq(path: &AttrPath) -> ScimError {
    ScimError::invalid_filter(format!(
        "{path} can only be compared with eq and a quoted id (Microsoft Graph looks groups up by id, it does not search ids)"
    ))
}

fn group_property(path: &AttrPath) -> Result<Property, Refusal> {
    if path.name.eq_ignore_ascii_case("members") {
        return Err(Refusal::Invalid(ScimError::invalid_filter(
            "Microsoft Graph cannot filter groups by their members; read the group's members instead",
        )));
    }
    property_in(&GROUPS, path, "filter").map_err(Refusal::Graph)
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
