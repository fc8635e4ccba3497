//! The traits a provider implements, in Terraform's terms and with decoded values.
//!
//! The gRPC service ([`super::grpc`]) decodes each request into these types, calls the trait,
//! and encodes the answer: a provider never sees protobuf or msgpack.
//!
//! Every request of a call that may wait on the network carries a `cancel` token of its own (see
//! [`super::stop`]): `StopProvider` cancels it, and the provider's waits and requests for that call
//! must end promptly, with an error diagnostic saying so. Validation is offline and takes none.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::diag::Diagnostics;
use super::path::AttributePath;
use super::schema::Schema;
use super::value::Value;

/// Opaque bytes a resource keeps beside its state (Terraform stores them, never reads them).
pub type Private = Vec<u8>;

/// A provider: its configuration, and the resources and data sources it serves.
#[async_trait::async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The provider's type name, e.g. `random`: Terraform's local name for it, also the end of
    /// its binary's name (`terraform-provider-random`) and the word diagnostics call it by.
    fn type_name(&self) -> &'static str;
    /// The crates whose `tracing` events the provider's log shows at every level (Terraform's
    /// `TF_LOG_PROVIDER`): the provider's own and the libraries it wants seen. This library's
    /// events are always shown; other crates' only from WARN up.
    fn log_targets(&self) -> &'static [&'static str] {
        &[]
    }
    /// The schema of the `provider` block.
    fn schema(&self) -> Schema;
    /// The managed resources, each once.
    fn resources(&self) -> Vec<Arc<dyn Resource>>;
    /// The data sources, each once.
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>>;
    /// Checks a provider configuration (which may hold unknown values).
    async fn validate(&self, config: &Value) -> Diagnostics;
    /// Configures the provider with the final configuration before any resource operation.
    async fn configure(&self, request: ConfigureRequest) -> Diagnostics;
    /// Terraform asks to stop (Ctrl-C). The server has already cancelled the `cancel` token of
    /// every call in flight, and later calls get fresh ones; this is for work that belongs to no
    /// call. The default does nothing.
    async fn stop(&self) {}
}

/// What `ConfigureProvider` carries.
#[derive(Debug, Clone)]
pub struct ConfigureRequest {
    /// The version of the Terraform client, e.g. `1.11.4`.
    pub terraform_version: String,
    /// The provider block's values.
    pub config: Value,
    /// Cancelled by `StopProvider` while this call runs.
    pub cancel: CancellationToken,
}

/// A managed resource type.
#[async_trait::async_trait]
pub trait Resource: Send + Sync + 'static {
    /// The resource type name, e.g. `random_password`.
    fn type_name(&self) -> &'static str;
    /// The schema, versioned.
    fn schema(&self) -> Schema;
    /// Checks a configuration (which may hold unknown values).
    async fn validate(&self, config: &Value) -> Diagnostics;
    /// Checks a configuration knowing what the Terraform client supports. The gRPC service calls
    /// this one; a resource with write-only attributes overrides it to refuse them when
    /// `write_only_attributes_allowed` is false (Terraform before 1.11 would store them).
    async fn validate_config(&self, request: ValidateRequest) -> Diagnostics {
        self.validate(&request.config).await
    }
    /// Proposes the new state of a create, update or delete.
    async fn plan(&self, request: PlanRequest) -> PlanResponse;
    /// Carries out a planned change.
    async fn apply(&self, request: ApplyRequest) -> ApplyResponse;
    /// Refreshes a state from the remote object.
    async fn read(&self, request: ReadRequest) -> ReadResponse;
    /// Turns an import id into a state to read.
    async fn import(&self, request: ImportRequest) -> ImportResponse;
}

/// A data source type.
#[async_trait::async_trait]
pub trait DataSource: Send + Sync + 'static {
    /// The data source type name.
    fn type_name(&self) -> &'static str;
    /// The schema.
    fn schema(&self) -> Schema;
    /// Checks a configuration.
    async fn validate(&self, config: &Value) -> Diagnostics;
    /// Reads the data.
    async fn read(&self, request: DataReadRequest) -> (Value, Diagnostics);
}

/// What `ReadDataSource` carries.
#[derive(Debug, Clone)]
pub struct DataReadRequest {
    /// The data block's configuration.
    pub config: Value,
    /// Cancelled by `StopProvider` while this call runs.
    pub cancel: CancellationToken,
}

/// What the Terraform client says it supports, as sent with a request. Terraform versions that
/// send no capabilities (before 1.3) support none of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientCapabilities {
    /// Write-only attributes are kept out of plan and state (Terraform 1.11 and later).
    pub write_only_attributes_allowed: bool,
    /// The provider may defer a change to a later plan.
    pub deferral_allowed: bool,
}

/// What `ValidateResourceConfig` carries.
#[derive(Debug, Clone)]
pub struct ValidateRequest {
    /// The configuration as written (may hold unknown values).
    pub config: Value,
    /// What the Terraform client supports.
    pub client_capabilities: ClientCapabilities,
}

/// What `PlanResourceChange` carries. A null `prior_state` is a create; a null
/// `proposed_new_state` is a destroy.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// The state before the change.
    pub prior_state: Value,
    /// Terraform's merge of config and prior state.
    pub proposed_new_state: Value,
    /// The configuration as written.
    pub config: Value,
    /// Private data from the prior state.
    pub prior_private: Private,
    /// What the Terraform client supports.
    pub client_capabilities: ClientCapabilities,
    /// Cancelled by `StopProvider` while this call runs.
    pub cancel: CancellationToken,
}

/// The answer to a plan.
#[derive(Debug, Clone, Default)]
pub struct PlanResponse {
    /// The planned state, with unknowns where the apply decides.
    pub planned_state: Value,
    /// Attributes whose change replaces the object.
    pub requires_replace: Vec<AttributePath>,
    /// Private data to hand to the apply.
    pub planned_private: Private,
    /// Problems and warnings.
    pub diagnostics: Diagnostics,
}

/// What `ApplyResourceChange` carries. A null `planned_state` is a destroy.
#[derive(Debug, Clone)]
pub struct ApplyRequest {
    /// The state before the change.
    pub prior_state: Value,
    /// The plan being applied.
    pub planned_state: Value,
    /// The configuration as written.
    pub config: Value,
    /// Private data from the plan.
    pub planned_private: Private,
    /// Cancelled by `StopProvider` while this call runs.
    pub cancel: CancellationToken,
}

/// The answer to an apply. On error, a non-null `new_state` is still saved by Terraform.
#[derive(Debug, Clone, Default)]
pub struct ApplyResponse {
    /// The state after the change (null after a destroy).
    pub new_state: Value,
    /// Private data to store.
    pub private: Private,
    /// Problems and warnings.
    pub diagnostics: Diagnostics,
}

/// What `ReadResource` carries.
#[derive(Debug, Clone)]
pub struct ReadRequest {
    /// The state to refresh.
    pub current_state: Value,
    /// Its private data.
    pub private: Private,
    /// Cancelled by `StopProvider` while this call runs.
    pub cancel: CancellationToken,
}

/// The answer to a read. A null `new_state` means the object is gone.
#[derive(Debug, Clone, Default)]
pub struct ReadResponse {
    /// The refreshed state.
    pub new_state: Value,
    /// Private data to store.
    pub private: Private,
    /// Problems and warnings.
    pub diagnostics: Diagnostics,
}

/// What `ImportResourceState` carries.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// The id given to `terraform import` or an `import` block.
    pub id: String,
    /// Cancelled by `StopProvider` while this call runs.
    pub cancel: CancellationToken,
}

/// The answer to an import: the state to read, or diagnostics.
#[derive(Debug, Clone, Default)]
pub struct ImportResponse {
    /// The imported state (Terraform reads it next); null when the import failed.
    pub state: Value,
    /// Private data to store.
    pub private: Private,
    /// Problems and warnings.
    pub diagnostics: Diagnostics,
}
