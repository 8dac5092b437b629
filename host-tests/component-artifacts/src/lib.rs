//! Where the built components are. The build script of this crate builds every component in
//! `components/` (and the test components in `host-tests/test-components/`) for wasm32-wasip2,
//! the way wasmtime's test-programs are built, so `cargo test` and `cargo run -p scim-host`
//! always run the components of the current source tree.

include!(concat!(env!("OUT_DIR"), "/artifacts.rs"));
