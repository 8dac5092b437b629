//! Calls an inventory job component through its `entra:scim/inventory` export: one instance per
//! run (so the component's token cache lasts the run), one `step` call at a time, each under its
//! own deadline.

use crate::worker::{ComponentHandler, HostState};
use std::time::Duration;
use wasmtime::component::{Component, Linker};
use wasmtime::{Result, Store, error::Context as _};

mod bindings {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "entra:scim/inventory-component",
        exports: { default: async },
    });
}

pub use bindings::exports::entra::scim::inventory::{
    Document, JobDescription, Mode, Next, StepError, StepRequest, StepResult, Unavailable,
};

/// How long one step may take: a step reads a few Graph pages, but one very large group is read
/// whole.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(300);

pub struct JobInstance {
    store: Store<HostState>,
    instance: bindings::InventoryComponent,
}

impl JobInstance {
    pub(crate) async fn instantiate(
        linker: &Linker<HostState>,
        component: &Component,
        handler: &ComponentHandler,
    ) -> Result<JobInstance> {
        let mut store = handler.new_store()?;
        let instance = bindings::InventoryComponent::instantiate_async(&mut store, component, linker)
            .await
            .with_context(|| format!("component `{}` does not export entra:scim/inventory", handler.id))?;
        Ok(JobInstance { store, instance })
    }

    pub async fn describe(&mut self) -> Result<JobDescription> {
        self.store.set_epoch_deadline(crate::worker::deadline_ticks(STEP_TIMEOUT));
        self.instance.entra_scim_inventory().call_describe(&mut self.store).await
    }

    /// One step. The outer error is the host's (a trap, a deadline); the inner one is the job's.
    pub async fn step(&mut self, request: StepRequest) -> Result<Result<StepResult, StepError>> {
        self.store.set_epoch_deadline(crate::worker::deadline_ticks(STEP_TIMEOUT));
        let inventory = self.instance.entra_scim_inventory();
        self.store.run_concurrent(async |accessor| inventory.call_step(accessor, request).await).await?
    }
}
