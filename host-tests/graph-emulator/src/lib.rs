//! An offline Microsoft Graph v1.0 for integration tests, demos and benchmarks.
//!
//! [`Emulator::start`] serves, on one loopback port, both the Entra ID token endpoint
//! (`POST /{tenant}/oauth2/v2.0/token`, client credentials) and Graph's `/v1.0/users`,
//! `/v1.0/groups`, `/v1.0/directory/deletedItems` and `/v1.0/auditLogs` APIs:
//! - users: list with `$filter`/`$select`/`$expand=manager`/`$top`/`$count`/`$orderby` and
//!   `@odata.nextLink` paging, get by id or userPrincipalName, create, update, delete, the
//!   manager relationship (`/manager`, `/manager/$ref`) and `/memberOf`;
//! - groups: list and get with the same options (`$expand=members` or `owners`, at most 20
//!   expanded objects), `/groups/$count`, create (with `members@odata.bind` and
//!   `owners@odata.bind`), update (binding up to 20 members at once), delete, and the
//!   `members` and `owners` relationships: paged listing, `$count`, add with `POST .../$ref`,
//!   remove with `DELETE .../{id}/$ref`;
//! - deleted items: `DELETE /users/{id}` and `DELETE /groups/{id}` of a Microsoft 365 group
//!   move the object there with a `deletedDateTime` (kept until restored or purged, where
//!   Graph keeps 30 days); security groups are deleted permanently, as Graph documents. It
//!   leaves the live lists and every group; a restore puts back its memberships, ownerships
//!   and reports' manager where the other end still exists. Routes:
//!   `GET /directory/deletedItems/microsoft.graph.user` and `.../microsoft.graph.group` (with
//!   the type's `$filter`, `$select`, `$top`, `$orderby`, `$count` and paging),
//!   `GET /directory/deletedItems/{id}`, `POST .../{id}/restore` (optional
//!   `newUserPrincipalName`; refused while a live object holds the userPrincipalName or
//!   Microsoft 365 mailNickname) and `DELETE .../{id}` (permanent);
//! - the directory audit log, `GET /auditLogs/directoryAudits`: one entry per change made
//!   through the API (the demo data predates it) with Entra ID's activity names ("Add user",
//!   "Update user", "Set user manager", "Delete user", "Restore user", "Hard Delete user",
//!   the same for groups, "Add member to group", "Remove owner from group", ...), targets
//!   and modified properties, newest first, with `$filter` (`activityDateTime` ranges,
//!   `category`, `activityDisplayName`, `loggedByService`, `targetResources/any(t: t/id eq
//!   '...')`, `and`, `or`), `$select`, `$orderby=activityDateTime`, `$top` (1000 by default
//!   and at most) and paging;
//! - delta queries, `GET /users/delta` and `GET /groups/delta` (or `microsoft.graph.delta()`):
//!   a round is one or more pages, each with an `@odata.nextLink` (`$skiptoken`) or, on the
//!   last, an `@odata.deltaLink` (`$deltatoken`) that starts the next round. The first round
//!   lists every current object; later ones list each object created, updated, given or
//!   relieved of a manager, deleted or restored since the token, once, with the round's
//!   selected properties (all of them, changed or not: `Prefer: return=minimal` is not
//!   emulated), and `{"id":..,"@removed":{"reason":"changed"}}` for one in deleted items or
//!   `"deleted"` for one gone for good. `$select` picks properties and relationships: users'
//!   `manager` gives `manager@delta` (the current manager, or the one lost with `@removed`),
//!   groups' `members` and `owners` give `members@delta` and `owners@delta` (users and groups
//!   as `{"@odata.type","id"}`: every current one in a first round, then each added or, with
//!   `"@removed":{"reason":"deleted"}`, removed since; a restored group lists its whole
//!   membership). Without `$select`, users give the default properties and groups theirs plus
//!   `members@delta`. `$deltatoken=latest` gives no objects and a delta link from now on.
//!   Pages hold 100 objects (`Prefer: odata.maxpagesize=N`, up to 999) and ten member and
//!   owner references per object; a group with more is split, its entry repeated on the next
//!   page with the next references. A round's tokens fix its last change when it starts:
//!   a change made while a client pages shows in this round or the next, never lost.
//!   Tokens carry the `$select`; a skip token refuses a new one, a delta token takes one.
//!   `$filter`, `$top`, `$orderby`, `$expand` and `$count` are refused (400); malformed or
//!   misplaced tokens give 400 `Request_BadRequest`; tokens from before
//!   [`Emulator::reset_change_tracking`] give 410 `resyncRequired` with a `Location` that
//!   starts a full round over. Graph also expires delta tokens after 7 days; the emulator
//!   keeps them as long as it runs;
//! - mailbox settings, `GET /users/{id}/mailboxSettings` (and `.../automaticRepliesSetting`):
//!   made up from the user on each read (see the demo tenant below); a user without `mail`, or
//!   a guest, has no mailbox: 404 `MailboxNotEnabledForRESTAPI`, as Graph answers.
//!
//! - JSON batching, `POST /v1.0/$batch`: up to 20 requests, `dependsOn` (424 when a
//!   dependency failed), each request throttled on its own.
//!
//! Every `/v1.0` request needs a bearer token the emulator issued. Errors carry Graph's codes
//! and messages, and every response carries `request-id` and `client-request-id`.
//!
//! # Signing in
//! The token endpoint takes the client-credentials grant with [`EmulatorConfig::client_secret`]
//! or a client assertion (`client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`):
//! a JWT signed PS256 or RS256 by the key of one of [`EmulatorConfig::certificates`], named by
//! `x5t#S256` or `x5t`, with `aud` the endpoint's URL, `iss` = `sub` = the client id, `exp` and
//! `nbf` within 5 minutes' skew and a `jti` never seen before; or a federated token matching one
//! of [`EmulatorConfig::federated_credentials`]. Refusals carry Entra ID's codes (AADSTS700027
//! bad signature or unknown key, AADSTS700024 outside the validity window, AADSTS700023 wrong
//! audience, AADSTS700021 wrong issuer, AADSTS7000215 wrong secret, AADSTS50013 a replayed
//! `jti`). By default the app has [`TEST_CERTIFICATE_PEM`], whose key is [`TEST_PRIVATE_KEY_PEM`].
//! Managed identity: `GET /msi/token` (App Service, api-version 2019-08-01, header
//! `X-IDENTITY-HEADER` = [`EmulatorConfig::identity_header`]) and
//! `GET /metadata/identity/oauth2/token` (VM IMDS, api-version 2018-02-01, `Metadata: true`).
//!
//! # Faults
//! [`EmulatorConfig::faults`] (or `POST /_emulator/faults` with a JSON object of the same
//! fields, or [`Emulator::set_faults`]) makes a share of Graph requests answer 429 or 503 with
//! `Retry-After`, 500, or go unanswered after processing, and adds latency. Each `Retry-After`
//! is recorded with how long the client waited before the same call came back (the same
//! `client-request-id`, else method and URL): [`Emulator::retry_after_log`], or
//! `GET /_emulator/retry-after`. The admin endpoint needs no token: the emulator is a test
//! double on a loopback port.
//!
//! It is an independent implementation of Graph's documented behaviour: it shares no code
//! with the connector's Graph client, so a misunderstanding cannot hide in both.
//!
//! # The demo tenant
//! [`EmulatorConfig::users`] users are generated from [`EmulatorConfig::seed`]; the same seed
//! and size give an identical tenant (ids included) on every run. All live in
//! `contoso.onmicrosoft.com`, with `companyName` "Contoso Ltd". The first five are fixed for
//! any seed (when the tenant is at least that large):
//!
//! | index | userPrincipalName | displayName | jobTitle | department | enabled | manager |
//! |---|---|---|---|---|---|---|
//! | 0 | `adele.vance@contoso.onmicrosoft.com` | Adele Vance | Chief Executive Officer | Executive Management | yes | none |
//! | 1 | `alex.wilber@contoso.onmicrosoft.com` | Alex Wilber | Vice President of Sales | Sales | yes | Adele |
//! | 2 | `diego.siciliani@contoso.onmicrosoft.com` | Diego Siciliani | Chief Technology Officer | Engineering | yes | Adele |
//! | 3 | `megan.bowen@contoso.onmicrosoft.com` | Megan Bowen | Marketing Manager | Marketing | yes | Adele |
//! | 4 | `lee.gu@contoso.onmicrosoft.com` | Lee Gu | Software Engineer | Engineering | **no** | Diego |
//!
//! Their `employeeId` is `100000 + index` (zero-padded to six digits) and their
//! `mailNickname` is the part before `@`. Users from index 5 are
//! `first.last{index}@contoso.onmicrosoft.com`, report to an earlier user (managers form a
//! forest, no cycles; about 3% have none) and about 5% are disabled.
//!
//! Every demo user has an `employeeHireDate`; disabled ones have an `employeeLeaveDateTime`
//! 30 days after their creation, and enabled contractors, consultants and vendors one two
//! years after their hire (the end of their contract), both at 17:00 UTC. Every demo user has
//! a mailbox: user `n` in creation order (1 for Adele) has scheduled automatic replies when
//! `n % 7 == 1`, always-on ones when `n % 7 == 4` (Megan), none otherwise; the schedule runs
//! 14 days from 07:00 UTC on July `1 + n % 28`, 2026.
//!
//! [`EmulatorConfig::groups`] groups (20 by default) follow, drawn from a PRNG stream of
//! their own: the users are the same whatever the number of groups, and the same seed, size
//! and group count give identical groups (ids, members and owners included). The first 14
//! are fixed for any seed (when that many are asked for); members and owners are drawn from
//! the users that exist, so a tiny tenant has small or empty groups:
//!
//! | index | displayName | mailNickname | kind | members | owners |
//! |---|---|---|---|---|---|
//! | 0 | All Company | `allcompany` | Microsoft 365, Public | every user | Adele |
//! | 1 | Leadership | `leadership` | security | users whose title leads others (Adele, Alex, Diego, Megan, managers) | Adele |
//! | 2-11 | Sales, Marketing, Engineering, Product Management, Finance, Human Resources, Legal, Operations, Customer Support, IT | the name in lower case without spaces (`productmanagement`) | security | the users of that department | the head (Alex for Sales, Megan for Marketing, Diego for Engineering, else the department's first manager) and Adele |
//! | 12 | Product and Engineering | `productandengineering` | security, **nested** | the groups Engineering and Product Management, then Diego | Diego |
//! | 13 | Mark 8 Project Team | `mark8project` | Microsoft 365, Private, a team | Megan, Diego and about 10 people from Engineering, Marketing and Product Management | Megan, Diego |
//!
//! Groups from index 14 are security groups named `Project {Codename}` (`project{codename}`)
//! with 4 to 24 members drawn from all users, the first one or two of whom own them; every
//! 25th of them (group index 38, 63, ...) grows to 100-999 members and every 250th (index
//! 263, 513, ...) to 1,000-5,000, as far as there are users. Generation is linear: 100,000
//! users and 10,000 groups take 4 to 7 s in a debug build.
//! Microsoft 365 groups have `mail` `{mailNickname}@contoso.onmicrosoft.com`; security
//! groups are not mail-enabled.
//!
//! # Azure AD B2C tenants
//! With [`EmulatorConfig::b2c`] set to a [`B2c`], the emulator answers as Graph does for an
//! Azure AD B2C directory (the default, None, is an Entra ID tenant and unchanged):
//! - the demo tenant has the same people, ids, managers and groups as the Entra ID tenant of
//!   the same seed, as consumer local accounts: `userPrincipalName` `{id}@contoso.onmicrosoft.com`,
//!   `creationType` "LocalAccount", `passwordPolicies` "DisablePasswordExpiration", `mail` and
//!   `otherMails` an address at a `.example` consumer domain (the well-known users' is fixed:
//!   `adele.vance@fabrikam.example`, `alex.wilber@litware.example`, ...), no proxy or IM
//!   addresses, and `identities` = an `emailAddress` identity (that address), a `userName`
//!   one (the mailNickname, `adele.vance`) for the well-known users and about 80% of the
//!   rest, and the `userPrincipalName` one, all issued by `contoso.onmicrosoft.com`. About 40%
//!   carry the custom attributes `extension_{appId}_loyaltyNumber` (ten digits) and
//!   `extension_{appId}_membershipTier` (Bronze, Silver, Gold, Platinum); among the
//!   well-known users Adele (`7000000001`, Platinum), Alex (`...02`, Gold), Diego (`...03`,
//!   Gold) and Megan (`...04`, Silver) do, Lee does not;
//! - advanced queries are refused on users, groups and deleted items, 400
//!   `Request_UnsupportedQuery`: the `ConsistencyLevel: eventual` header, `$count=true`, the
//!   `/$count` segment and `$search` ("... is not supported: advanced query capabilities are
//!   not available in Azure AD B2C tenants.", the emulator's wording), and filters or sorts
//!   that need them (`ne`, `not`, `endsWith`, date ranges, `$filter` with `$orderby`: Graph's
//!   usual refusal). Delta queries answer 400 `Request_UnsupportedQuery` "Change enumeration
//!   is not supported for requested tenant.", as B2C tenants report. `eq`, `in`,
//!   `startsWith`, `any`, `$select`, `$top`, `$orderby` and paging work as in Entra ID;
//! - `identities/any(c:c/issuerAssignedId eq '...' and c/issuer eq '...')` finds a user by
//!   sign-in name, ignoring case, with Graph's objectIdentity rules (in both modes): the issuer
//!   is ignored for `emailAddress` and `userName` identities, userPrincipalName identities never
//!   match, the issuer alone is accepted only for `google.com`, `facebook.com`, `mail` and
//!   `phone`; other lambdas are 400 `Request_UnsupportedQuery`, functions on the members 400
//!   `Request_BadRequest`;
//! - `POST /users` needs only `displayName`, and a `passwordProfile` unless every identity is
//!   `federated` (`DisableStrongPassword` in `passwordPolicies` lifts the complexity rule):
//!   `accountEnabled` defaults to true, `mailNickname` to the id, `userPrincipalName` to
//!   `{id}@contoso.onmicrosoft.com` (or a `userPrincipalName` identity's value), and the
//!   userPrincipalName identity is added (and kept in step when the userPrincipalName
//!   changes). Local accounts get `creationType` "LocalAccount". Each identity needs
//!   `signInType`, `issuer` and `issuerAssignedId` (at most 64 characters); a non-federated
//!   one's issuer must be the tenant's domain ("Issuer should match tenants domainName for non
//!   federated identity."); `emailAddress*` ones need an email address, `userName` ones a
//!   name of letters, digits, `.`, `-` and `_`. An issuer and issuerAssignedId another live
//!   user signs in with (any case) is 400 "Another object with the same value for property
//!   identities already exists." `PATCH` replaces the whole collection with the same checks
//!   and refuses a local identity on a user that had none; a restore is refused while another
//!   user holds one of the deleted user's identities;
//! - custom attributes: `extension_{B2c::extensions_app_id}_{name}` properties (any name) are
//!   stored on create and update, returned only when `$select` names them, and filter with
//!   `eq`; another app's are refused, 400 `Request_BadRequest` "Property '...' does not exist
//!   as a declared property or extension property." (and an unknown property in `$select` or
//!   `$filter`). An Entra ID tenant stores any extension property as before;
//! - with resource units on, creating a user costs 4 units more
//!   ([`resource_units::B2C_USER_CREATION_SURCHARGE`]).
//!
//! Deleted items, the audit log, groups, managers and batching work as in Entra ID.
//!
//! # Example
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use graph_emulator::{Emulator, EmulatorConfig};
//! let emulator = Emulator::start(EmulatorConfig { users: 250, ..Default::default() }, "127.0.0.1:0".parse().unwrap()).await?;
//! let token_url = format!("{}/{}/oauth2/v2.0/token", emulator.base_url(), emulator.config().tenant_id);
//! let graph_url = format!("{}/v1.0/users", emulator.base_url());
//! # let _ = (token_url, graph_url);
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```

mod audit_logs;
mod b2c;
mod batch;
mod clock;
mod codec;
mod credentials;
mod deleted_items;
mod delta;
mod demo;
mod error;
mod faults;
mod groups;
mod login;
mod mailbox_settings;
mod managed_identity;
mod odata;
mod prng;
pub mod resource_units;
mod schema;
mod server;
mod tenant;
mod users;
mod wire;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use b2c::{B2c, DEMO_B2C_EXTENSIONS_APP_ID};
pub use credentials::test_federated_token;
pub use faults::{Faults, RetryAfterRecord};
/// The demo tenant's domain: its users' UPNs and, in B2C mode, the issuer of sign-in names.
pub use tenant::DOMAIN;

/// A self-signed certificate registered on the emulator's app by default. Test-only: its
/// private key, [`TEST_PRIVATE_KEY_PEM`], is public (see `src/test-credential/README.md`).
pub const TEST_CERTIFICATE_PEM: &str = include_str!("test-credential/certificate.pem");
/// The PKCS#8 private key of [`TEST_CERTIFICATE_PEM`]; public, never register it on a real app.
pub const TEST_PRIVATE_KEY_PEM: &str = include_str!("test-credential/private-key.pem");

/// A federated identity credential on the app: tokens from `issuer` about `subject` for
/// `audience` (usually `api://AzureADTokenExchange`) are accepted as client assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederatedCredential {
    pub issuer: String,
    pub subject: String,
    pub audience: String,
}

/// How the emulated tenant looks and which app credentials its token endpoint accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatorConfig {
    /// The directory (tenant) id; the token endpoint also accepts `contoso.onmicrosoft.com`.
    pub tenant_id: String,
    /// The only application (client) id the token endpoint knows.
    pub client_id: String,
    pub client_secret: String,
    /// Demo tenant size.
    pub users: usize,
    /// Demo groups, generated after the users (20 by default; see the crate docs for the
    /// well-known ones). Changing it never changes the users.
    pub groups: usize,
    /// Demo data seed: same seed and size, same tenant (and the same fault draws).
    pub seed: u64,
    /// PEM certificates registered on the app; client assertions signed by their keys are
    /// accepted. Default: [`TEST_CERTIFICATE_PEM`].
    pub certificates: Vec<String>,
    /// Federated identity credentials on the app (none by default). The registered
    /// certificates' keys stand in for the external issuers' signing keys.
    pub federated_credentials: Vec<FederatedCredential>,
    /// The `X-IDENTITY-HEADER` the App Service managed identity endpoint expects.
    pub identity_header: String,
    /// Faults injected from the start; change them with [`Emulator::set_faults`].
    pub faults: Faults,
    /// An Azure AD B2C tenant instead of an Entra ID one (the default, None): see the crate
    /// docs' "Azure AD B2C tenants".
    pub b2c: Option<B2c>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            tenant_id: "8f4f0c3a-6b6e-4c1e-9a57-2d1b0c7e5f10".to_string(),
            client_id: "3c5b9e2d-7a41-4f8e-b6d2-91e0c4a7f3b8".to_string(),
            client_secret: "emulator-client-secret".to_string(),
            users: 100,
            groups: 20,
            seed: 1,
            certificates: vec![TEST_CERTIFICATE_PEM.to_string()],
            federated_credentials: Vec::new(),
            identity_header: "emulator-identity-header".to_string(),
            faults: Faults::default(),
            b2c: None,
        }
    }
}

/// A running emulator; it serves until [`Emulator::shutdown`] or until dropped.
#[derive(Debug)]
pub struct Emulator {
    config: EmulatorConfig,
    base_url: String,
    state: Arc<server::State>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Emulator {
    /// Builds the demo tenant and starts serving on `listen` (port 0 picks a free port).
    /// Must be called within a Tokio runtime.
    pub async fn start(config: EmulatorConfig, listen: SocketAddr) -> std::io::Result<Emulator> {
        let listener = TcpListener::bind(listen).await?;
        let local = listener.local_addr()?;
        // A wildcard bind is still reached through loopback; links must name a real host.
        let host = match local.ip() {
            ip if ip.is_unspecified() && ip.is_ipv4() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            ip if ip.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let base_url = format!("http://{}", SocketAddr::new(host, local.port()));
        let mut tenant = demo::tenant(config.users, config.seed, config.b2c.as_ref());
        demo::add_groups(&mut tenant, config.groups, config.seed);
        tenant.audit_as(&config.client_id, &login::service_principal_id(&config));
        let state = Arc::new(server::State::new(config.clone(), base_url.clone(), tenant));
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(server::serve(listener, state.clone(), stopped));
        Ok(Emulator {
            config,
            base_url,
            state,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`: Graph lives under `/v1.0`, the token endpoint under
    /// `/{tenant}/oauth2/v2.0/token`.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    pub fn config(&self) -> &EmulatorConfig {
        &self.config
    }

    /// A snapshot of every user as Graph JSON with all stored properties (never passwords),
    /// in creation order.
    pub fn users(&self) -> Vec<serde_json::Value> {
        self.state.read().iter().map(users::full_json).collect()
    }

    /// The `passwordProfile` last set through the API for the user with this id or
    /// userPrincipalName (Graph never returns it; tests check password resets with it).
    pub fn password_profile(&self, user: &str) -> Option<serde_json::Value> {
        self.state.read().find(user)?.password_profile.clone()
    }

    pub fn user_count(&self) -> usize {
        self.state.read().len()
    }

    /// The id of the manager of the user with this id or userPrincipalName, if any.
    pub fn manager_of(&self, user: &str) -> Option<String> {
        let tenant = self.state.read();
        let user = tenant.find(user)?;
        tenant.manager_of(user).map(|m| m.id().to_string())
    }

    /// A snapshot of every group as Graph JSON with all stored properties, in creation order.
    pub fn groups(&self) -> Vec<serde_json::Value> {
        self.state
            .read()
            .iter_groups()
            .map(|g| serde_json::Value::Object(g.props.clone()))
            .collect()
    }

    pub fn group_count(&self) -> usize {
        self.state.read().group_count()
    }

    /// The ids of the direct members (users and groups) of the group with this id, in the
    /// order they were added; empty for an unknown group.
    pub fn members_of(&self, group_id: &str) -> Vec<String> {
        self.linked_ids(group_id, tenant::Link::Members)
    }

    /// The ids of the owners of the group with this id, in the order they were added.
    pub fn owners_of(&self, group_id: &str) -> Vec<String> {
        self.linked_ids(group_id, tenant::Link::Owners)
    }

    /// Restores a deleted user or group as `POST /directory/deletedItems/{id}/restore` does (and
    /// audits it), for tests of what the connector reports afterwards; Graph's error if it cannot.
    pub fn restore(&self, id: &str) -> Result<(), String> {
        self.state
            .write()
            .restore(id, None)
            .map(|_| ())
            .map_err(|e| format!("{e:?}"))
    }

    /// Forgets the change history behind delta tokens, as Graph does after internal
    /// maintenance: every delta or skip token of a round that began before now is answered
    /// 410 Gone (`resyncRequired`) with a `Location` to start a full round over.
    pub fn reset_change_tracking(&self) {
        self.state.write().forget_changes();
    }

    fn linked_ids(&self, group_id: &str, link: tenant::Link) -> Vec<String> {
        let tenant = self.state.read();
        let Some(group) = tenant.find_group(group_id) else {
            return Vec::new();
        };
        tenant
            .linked(group, link)
            .map(|o| o.id().to_string())
            .collect()
    }

    /// The faults in force now.
    pub fn faults(&self) -> Faults {
        self.state.faults.faults()
    }

    /// Changes the faults from the next request on.
    pub fn set_faults(&self, faults: Faults) {
        self.state.faults.set(faults);
    }

    /// Every `Retry-After` the emulator answered that the client came back after, with how
    /// long it waited; [`RetryAfterRecord::undercut`] flags a client that came back too soon.
    pub fn retry_after_log(&self) -> Vec<RetryAfterRecord> {
        self.state.faults.log()
    }

    /// Access tokens issued so far (client credentials and managed identity).
    pub fn tokens_issued(&self) -> u64 {
        self.state.tokens.issued()
    }

    /// Graph requests served so far (token requests not included).
    pub fn request_count(&self) -> u64 {
        self.state.graph_requests.load(Ordering::Relaxed)
    }

    /// Stops accepting, closes open connections and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // Dropping the sender ends the accept loop too; sending just says it explicitly.
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
