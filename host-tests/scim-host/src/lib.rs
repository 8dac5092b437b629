//! scim-host: runs the connector's spin.toml in wasmtime the way Spin 4 does (path routing,
//! private components reached through `<id>.spin.internal`, `allowed_outbound_hosts`, variables,
//! per-instance limits), for local use, the integration tests and embedding in another host.

pub mod app;
pub mod describe;
pub mod http_routes;
pub mod inventory_driver;
pub mod inventory_job;
pub mod manifest;
pub mod outbound;
pub mod server;
pub mod variables;
pub mod worker;

pub use app::{App, HostOptions};
pub use worker::Limits;
