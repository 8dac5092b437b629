//! Microsoft Graph client for the connector: the one place that builds Graph requests (URLs, OData
//! queries, headers, `$batch`), acquires and caches the app token (secret, certificate, managed
//! identity or federated credential), retries throttled and failed calls within a budget, and turns
//! Graph's answers into typed values and errors. It does no I/O of its own: the caller supplies a [`Transport`] (wasi:http in the
//! components, hyper in native tests), so the crate compiles unchanged for wasm32-wasip2 and native.

mod assertion;
mod audit;
mod batch;
mod client;
mod config;
mod deleted;
mod delta;
mod error;
mod group;
mod mailbox;
mod odata;
mod page;
mod percent;
mod random;
mod retry;
mod token;
mod transport;
mod user;

pub use audit::{AuditQuery, AuditedObjects, Deletion, DirectoryAudit, TargetResource};
pub use batch::{BatchRequest, BatchResponse, MAX_BATCH};
pub use client::{GraphClient, GroupQuery, MAX_MEMBER_PAGE, OrderBy, UserQuery};
pub use config::{
    AssertionAlgorithm, CertificateCredential, Credential, GraphConfig, IMDS_ENDPOINT, ManagedIdentity,
};
pub use deleted::{DeletedItem, MAX_DELETED_PAGE};
pub use delta::{
    DeltaItem, DeltaNext, DeltaPage, DeltaRequest, GroupDelta, LinkChange, RemovalReason, UserDelta,
};
pub use error::Error;
pub use group::{
    DIRECTORY_OBJECT_PROPERTIES, DirectoryObject, GROUP_PROPERTIES, Group, ObjectKind,
};
pub use mailbox::{AutomaticRepliesSetting, DateTimeTimeZone, MailboxSettings};
pub use odata::{DateTimeOffset, Filter, Literal, MAX_IDS_PER_FILTER};
pub use page::{Page, skip_token_from_next_link};
pub use retry::{RetryNotice, RetryPolicy};
pub use token::TokenCache;
pub use transport::{Transport, TransportError};
pub use user::{
    DirectoryObjectRef, EmployeeOrgData, LIFECYCLE_PROPERTIES, MANAGER_EXPAND, ObjectIdentity,
    OnPremisesExtensionAttributes, USER_PROPERTIES, User,
};
