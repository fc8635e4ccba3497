//! The gRPC services: `tfplugin6.Provider`, go-plugin's `GRPCController` and `GRPCStdio`.
//!
//! Every handler is convert → dispatch → convert: decode the request with [`convert`], call the
//! [`Provider`]/[`Resource`] trait, encode the answer. RPCs for features this provider does not
//! offer (functions, ephemeral and list resources, state stores, actions, moves, identities)
//! answer with an empty success where Terraform asks unconditionally, and otherwise with an error
//! diagnostic naming the type, or `Unimplemented` for streams; Terraform only calls those for
//! types the schema declares, and this schema declares none.

use std::collections::HashMap;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use super::convert::{
    capabilities_from_proto, diagnostics_to_proto, path_to_proto, schema_to_proto, state_from_json,
    value_from_proto, value_to_proto,
};
use super::diag::{Diagnostic, Diagnostics};
use super::proto::plugin as go_plugin;
use super::proto::tfplugin6 as pb;
use super::provider::{
    ApplyRequest, ConfigureRequest, DataReadRequest, DataSource, ImportRequest, PlanRequest,
    Provider, ReadRequest, Resource, ValidateRequest,
};
use super::stop::StopSignal;
use super::value::{Type, Value};

/// Message size limit in both directions: large plans exceed tonic's 4 MiB default.
const MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;

/// The router with all plugin services; `shutdown` is cancelled by `GRPCController.Shutdown`.
pub fn routes(provider: Arc<dyn Provider>, shutdown: CancellationToken) -> tonic::service::Routes {
    let service = ProviderService::new(provider);
    tonic::service::Routes::new(
        pb::provider_server::ProviderServer::new(service)
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES),
    )
    .add_service(
        go_plugin::grpc_controller_server::GrpcControllerServer::new(Controller { shutdown }),
    )
    .add_service(go_plugin::grpc_stdio_server::GrpcStdioServer::new(Stdio))
}

struct Registered<T: ?Sized> {
    handler: Arc<T>,
    object_type: Type,
    /// The schema's version, asked on every `UpgradeResourceState`: kept rather than rebuilding
    /// the whole schema (every description) per call.
    version: i64,
    /// Write-only attributes: null in every value handed back to Terraform, whatever the
    /// handler returned, so a resource's mistake cannot put a credential in plan or state.
    write_only: Vec<&'static str>,
}

impl<T: ?Sized> Registered<T> {
    fn new(handler: Arc<T>, schema: &super::schema::Schema) -> Self {
        Self {
            handler,
            object_type: schema.object_type(),
            version: schema.version,
            write_only: (schema.block.attributes.iter())
                .filter(|a| a.write_only)
                .map(|a| a.name)
                .collect(),
        }
    }

    /// `value` with every write-only attribute null.
    fn without_write_only(&self, mut value: Value, type_name: &str) -> Value {
        if let Value::Object(attributes) = &mut value {
            for name in &self.write_only {
                if let Some(slot) = attributes.get_mut(*name)
                    && !slot.is_null()
                {
                    tracing::warn!(type_name, attribute = name, "dropped a write-only value");
                    *slot = Value::Null;
                }
            }
        }
        value
    }
}

struct ProviderService {
    provider: Arc<dyn Provider>,
    /// Each call's `cancel` token comes from here; `StopProvider` cancels those in flight.
    stop: StopSignal,
    provider_type: Type,
    resources: HashMap<&'static str, Registered<dyn Resource>>,
    data_sources: HashMap<&'static str, Registered<dyn DataSource>>,
}

impl ProviderService {
    fn new(provider: Arc<dyn Provider>) -> Self {
        let resources = provider
            .resources()
            .into_iter()
            .map(|r| {
                let schema = r.schema();
                (r.type_name(), Registered::new(r, &schema))
            })
            .collect();
        let data_sources = provider
            .data_sources()
            .into_iter()
            .map(|d| {
                let schema = d.schema();
                (d.type_name(), Registered::new(d, &schema))
            })
            .collect();
        Self {
            provider_type: provider.schema().object_type(),
            provider,
            stop: StopSignal::default(),
            resources,
            data_sources,
        }
    }

    fn resource(&self, type_name: &str) -> Result<&Registered<dyn Resource>, Diagnostics> {
        self.resources
            .get(type_name)
            .ok_or_else(|| unknown_type(self.provider.type_name(), "resource", type_name).into())
    }

    fn data_source(&self, type_name: &str) -> Result<&Registered<dyn DataSource>, Diagnostics> {
        self.data_sources
            .get(type_name)
            .ok_or_else(|| unknown_type(self.provider.type_name(), "data source", type_name).into())
    }
}

fn unknown_type(provider: &str, kind: &str, type_name: &str) -> Diagnostic {
    Diagnostic::error(
        format!("Unknown {kind} type"),
        format!("The {provider} provider has no {kind} type {type_name:?}."),
    )
}

/// Encodes `value`, turning an encoding failure into a diagnostic (and no value).
fn encode(value: &Value, ty: &Type, diags: &mut Diagnostics) -> Option<pb::DynamicValue> {
    match value_to_proto(value, ty) {
        Ok(v) => Some(v),
        Err(d) => {
            diags.push(d);
            None
        }
    }
}

/// Runs `body`, turning an early `Err(diagnostics)` into a normal answer with those diagnostics.
macro_rules! answer {
    ($response:ty, $body:expr) => {{
        let result: Result<$response, Diagnostics> = (async { $body }).await;
        Ok(Response::new(result.unwrap_or_else(|diags| {
            <$response>::from_diagnostics(diags)
        })))
    }};
}

/// Responses that can carry only diagnostics.
trait FromDiagnostics {
    fn from_diagnostics(diags: Diagnostics) -> Self;
}

macro_rules! from_diagnostics {
    ($($t:ty),*) => {$(
        impl FromDiagnostics for $t {
            #[allow(clippy::needless_update)] // some responses have only diagnostics
            fn from_diagnostics(diags: Diagnostics) -> Self {
                Self { diagnostics: diagnostics_to_proto(diags), ..Default::default() }
            }
        }
    )*};
}

from_diagnostics!(
    pb::validate_provider_config::Response,
    pb::validate_resource_config::Response,
    pb::validate_data_resource_config::Response,
    pb::upgrade_resource_state::Response,
    pb::configure_provider::Response,
    pb::read_resource::Response,
    pb::plan_resource_change::Response,
    pb::apply_resource_change::Response,
    pb::import_resource_state::Response,
    pb::read_data_source::Response,
    pb::move_resource_state::Response,
    pb::generate_resource_config::Response,
    pb::validate_ephemeral_resource_config::Response,
    pb::open_ephemeral_resource::Response,
    pb::renew_ephemeral_resource::Response,
    pb::close_ephemeral_resource::Response,
    pb::validate_list_resource_config::Response,
    pb::validate_state_store::Response,
    pb::configure_state_store::Response,
    pb::lock_state::Response,
    pb::unlock_state::Response,
    pb::get_states::Response,
    pb::delete_state::Response,
    pb::plan_action::Response,
    pb::validate_action_config::Response
);

type EmptyStream<T> = tokio_stream::Empty<Result<T, Status>>;

#[tonic::async_trait]
impl pb::provider_server::Provider for ProviderService {
    async fn get_metadata(
        &self,
        _: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(server_capabilities()),
            resources: (self.resources.keys())
                .map(|t| pb::get_metadata::ResourceMetadata {
                    type_name: (*t).to_owned(),
                })
                .collect(),
            data_sources: (self.data_sources.keys())
                .map(|t| pb::get_metadata::DataSourceMetadata {
                    type_name: (*t).to_owned(),
                })
                .collect(),
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        Ok(Response::new(pb::get_provider_schema::Response {
            provider: Some(schema_to_proto(&self.provider.schema())),
            resource_schemas: (self.resources.iter())
                .map(|(t, r)| ((*t).to_owned(), schema_to_proto(&r.handler.schema())))
                .collect(),
            data_source_schemas: (self.data_sources.iter())
                .map(|(t, d)| ((*t).to_owned(), schema_to_proto(&d.handler.schema())))
                .collect(),
            server_capabilities: Some(server_capabilities()),
            ..Default::default()
        }))
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let request = request.into_inner();
        answer!(pb::validate_provider_config::Response, {
            let config = value_from_proto(request.config.as_ref(), &self.provider_type)?;
            let diags = self.provider.validate(&config).await;
            Ok(pb::validate_provider_config::Response {
                diagnostics: diagnostics_to_proto(diags),
            })
        })
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let request = request.into_inner();
        answer!(pb::validate_resource_config::Response, {
            let resource = self.resource(&request.type_name)?;
            let config = value_from_proto(request.config.as_ref(), &resource.object_type)?;
            let diags = resource
                .handler
                .validate_config(ValidateRequest {
                    config,
                    client_capabilities: capabilities_from_proto(
                        request.client_capabilities.as_ref(),
                    ),
                })
                .await;
            Ok(pb::validate_resource_config::Response {
                diagnostics: diagnostics_to_proto(diags),
            })
        })
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let request = request.into_inner();
        answer!(pb::validate_data_resource_config::Response, {
            let data_source = self.data_source(&request.type_name)?;
            let config = value_from_proto(request.config.as_ref(), &data_source.object_type)?;
            let diags = data_source.handler.validate(&config).await;
            Ok(pb::validate_data_resource_config::Response {
                diagnostics: diagnostics_to_proto(diags),
            })
        })
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let request = request.into_inner();
        answer!(pb::upgrade_resource_state::Response, {
            let resource = self.resource(&request.type_name)?;
            let current = resource.version;
            if request.version > current {
                return Err(newer_state(
                    self.provider.type_name(),
                    &request.type_name,
                    request.version,
                    current,
                )
                .into());
            }
            let raw = request.raw_state.unwrap_or_default();
            if raw.json.is_empty() {
                return Err(legacy_state(&request.type_name).into());
            }
            let state = state_from_json(&raw.json, &resource.object_type)?;
            let state = resource.without_write_only(state, &request.type_name);
            let mut diags = Diagnostics::new();
            let upgraded_state = encode(&state, &resource.object_type, &mut diags);
            Ok(pb::upgrade_resource_state::Response {
                upgraded_state,
                diagnostics: diagnostics_to_proto(diags),
            })
        })
    }

    async fn get_resource_identity_schemas(
        &self,
        _: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        Ok(Response::new(Default::default()))
    }

    async fn upgrade_resource_identity(
        &self,
        _: Request<pb::upgrade_resource_identity::Request>,
    ) -> Result<Response<pb::upgrade_resource_identity::Response>, Status> {
        Err(Status::unimplemented(
            "this provider declares no resource identities",
        ))
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let request = request.into_inner();
        answer!(pb::configure_provider::Response, {
            let config = value_from_proto(request.config.as_ref(), &self.provider_type)?;
            let diags = self
                .provider
                .configure(ConfigureRequest {
                    terraform_version: request.terraform_version,
                    config,
                    cancel: self.stop.call(),
                })
                .await;
            Ok(pb::configure_provider::Response {
                diagnostics: diagnostics_to_proto(diags),
            })
        })
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let request = request.into_inner();
        answer!(pb::read_resource::Response, {
            let resource = self.resource(&request.type_name)?;
            let ty = &resource.object_type;
            let current_state = value_from_proto(request.current_state.as_ref(), ty)?;
            let read = resource
                .handler
                .read(ReadRequest {
                    current_state,
                    private: request.private,
                    cancel: self.stop.call(),
                })
                .await;
            let mut diags = read.diagnostics;
            let new_state = resource.without_write_only(read.new_state, &request.type_name);
            let new_state = encode(&new_state, ty, &mut diags);
            Ok(pb::read_resource::Response {
                new_state,
                private: read.private,
                diagnostics: diagnostics_to_proto(diags),
                ..Default::default()
            })
        })
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let request = request.into_inner();
        answer!(pb::plan_resource_change::Response, {
            let resource = self.resource(&request.type_name)?;
            let ty = &resource.object_type;
            let proposed_new_state = value_from_proto(request.proposed_new_state.as_ref(), ty)?;
            // A destroy plans null; the resource is asked only about creates and updates.
            if proposed_new_state.is_null() {
                return Ok(pb::plan_resource_change::Response {
                    planned_state: request.proposed_new_state,
                    planned_private: request.prior_private,
                    ..Default::default()
                });
            }
            let plan = resource
                .handler
                .plan(PlanRequest {
                    prior_state: value_from_proto(request.prior_state.as_ref(), ty)?,
                    proposed_new_state,
                    config: value_from_proto(request.config.as_ref(), ty)?,
                    prior_private: request.prior_private,
                    client_capabilities: capabilities_from_proto(
                        request.client_capabilities.as_ref(),
                    ),
                    cancel: self.stop.call(),
                })
                .await;
            let mut diags = plan.diagnostics;
            let planned_state = resource.without_write_only(plan.planned_state, &request.type_name);
            let planned_state = encode(&planned_state, ty, &mut diags);
            Ok(pb::plan_resource_change::Response {
                planned_state,
                requires_replace: plan
                    .requires_replace
                    .into_iter()
                    .map(path_to_proto)
                    .collect(),
                planned_private: plan.planned_private,
                diagnostics: diagnostics_to_proto(diags),
                ..Default::default()
            })
        })
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let request = request.into_inner();
        answer!(pb::apply_resource_change::Response, {
            let resource = self.resource(&request.type_name)?;
            let ty = &resource.object_type;
            let applied = resource
                .handler
                .apply(ApplyRequest {
                    prior_state: value_from_proto(request.prior_state.as_ref(), ty)?,
                    planned_state: value_from_proto(request.planned_state.as_ref(), ty)?,
                    config: value_from_proto(request.config.as_ref(), ty)?,
                    planned_private: request.planned_private,
                    cancel: self.stop.call(),
                })
                .await;
            let mut diags = applied.diagnostics;
            let new_state = resource.without_write_only(applied.new_state, &request.type_name);
            let new_state = encode(&new_state, ty, &mut diags);
            Ok(pb::apply_resource_change::Response {
                new_state,
                private: applied.private,
                diagnostics: diagnostics_to_proto(diags),
                ..Default::default()
            })
        })
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let request = request.into_inner();
        answer!(pb::import_resource_state::Response, {
            let resource = self.resource(&request.type_name)?;
            let imported = resource
                .handler
                .import(ImportRequest {
                    id: request.id,
                    cancel: self.stop.call(),
                })
                .await;
            let state = resource.without_write_only(imported.state, &request.type_name);
            let mut diags = imported.diagnostics;
            let mut imported_resources = Vec::new();
            if !state.is_null()
                && let Some(state) = encode(&state, &resource.object_type, &mut diags)
            {
                imported_resources.push(pb::import_resource_state::ImportedResource {
                    type_name: request.type_name.clone(),
                    state: Some(state),
                    private: imported.private,
                    identity: None,
                });
            }
            Ok(pb::import_resource_state::Response {
                imported_resources,
                diagnostics: diagnostics_to_proto(diags),
                deferred: None,
            })
        })
    }

    async fn move_resource_state(
        &self,
        request: Request<pb::move_resource_state::Request>,
    ) -> Result<Response<pb::move_resource_state::Response>, Status> {
        let target = request.into_inner().target_type_name;
        answer!(pb::move_resource_state::Response, {
            Err(Diagnostic::error(
                "Moving resource state is not supported",
                format!(
                    "The {} provider cannot move state into {target:?} from another resource type.",
                    self.provider.type_name()
                ),
            )
            .into())
        })
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let request = request.into_inner();
        answer!(pb::read_data_source::Response, {
            let data_source = self.data_source(&request.type_name)?;
            let ty = &data_source.object_type;
            let config = value_from_proto(request.config.as_ref(), ty)?;
            let (state, mut diags) = data_source
                .handler
                .read(DataReadRequest {
                    config,
                    cancel: self.stop.call(),
                })
                .await;
            let state = encode(&state, ty, &mut diags);
            Ok(pb::read_data_source::Response {
                state,
                diagnostics: diagnostics_to_proto(diags),
                deferred: None,
            })
        })
    }

    async fn generate_resource_config(
        &self,
        request: Request<pb::generate_resource_config::Request>,
    ) -> Result<Response<pb::generate_resource_config::Response>, Status> {
        let type_name = request.into_inner().type_name;
        answer!(pb::generate_resource_config::Response, {
            Err(Diagnostic::error(
                "Generating configuration is left to Terraform",
                format!(
                    "The {} provider does not generate configuration for {type_name:?}; Terraform does it from the schema.",
                    self.provider.type_name()
                ),
            )
            .into())
        })
    }

    async fn validate_ephemeral_resource_config(
        &self,
        request: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<pb::validate_ephemeral_resource_config::Response>, Status> {
        let type_name = request.into_inner().type_name;
        answer!(pb::validate_ephemeral_resource_config::Response, {
            Err(unknown_type(self.provider.type_name(), "ephemeral resource", &type_name).into())
        })
    }

    async fn open_ephemeral_resource(
        &self,
        request: Request<pb::open_ephemeral_resource::Request>,
    ) -> Result<Response<pb::open_ephemeral_resource::Response>, Status> {
        let type_name = request.into_inner().type_name;
        answer!(pb::open_ephemeral_resource::Response, {
            Err(unknown_type(self.provider.type_name(), "ephemeral resource", &type_name).into())
        })
    }

    async fn renew_ephemeral_resource(
        &self,
        request: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Result<Response<pb::renew_ephemeral_resource::Response>, Status> {
        let type_name = request.into_inner().type_name;
        answer!(pb::renew_ephemeral_resource::Response, {
            Err(unknown_type(self.provider.type_name(), "ephemeral resource", &type_name).into())
        })
    }

    async fn close_ephemeral_resource(
        &self,
        request: Request<pb::close_ephemeral_resource::Request>,
    ) -> Result<Response<pb::close_ephemeral_resource::Response>, Status> {
        let type_name = request.into_inner().type_name;
        answer!(pb::close_ephemeral_resource::Response, {
            Err(unknown_type(self.provider.type_name(), "ephemeral resource", &type_name).into())
        })
    }

    type ListResourceStream = EmptyStream<pb::list_resource::Event>;

    async fn list_resource(
        &self,
        _: Request<pb::list_resource::Request>,
    ) -> Result<Response<Self::ListResourceStream>, Status> {
        Err(Status::unimplemented(
            "this provider declares no list resources",
        ))
    }

    async fn validate_list_resource_config(
        &self,
        request: Request<pb::validate_list_resource_config::Request>,
    ) -> Result<Response<pb::validate_list_resource_config::Response>, Status> {
        let type_name = request.into_inner().type_name;
        answer!(pb::validate_list_resource_config::Response, {
            Err(unknown_type(self.provider.type_name(), "list resource", &type_name).into())
        })
    }

    async fn get_functions(
        &self,
        _: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        Ok(Response::new(Default::default()))
    }

    async fn call_function(
        &self,
        request: Request<pb::call_function::Request>,
    ) -> Result<Response<pb::call_function::Response>, Status> {
        let name = request.into_inner().name;
        Ok(Response::new(pb::call_function::Response {
            result: None,
            error: Some(pb::FunctionError {
                text: format!(
                    "The {} provider has no function {name:?}.",
                    self.provider.type_name()
                ),
                function_argument: None,
            }),
        }))
    }

    async fn validate_state_store_config(
        &self,
        request: Request<pb::validate_state_store::Request>,
    ) -> Result<Response<pb::validate_state_store::Response>, Status> {
        let type_name = request.into_inner().type_name;
        answer!(pb::validate_state_store::Response, {
            Err(unknown_type(self.provider.type_name(), "state store", &type_name).into())
        })
    }

    async fn configure_state_store(
        &self,
        request: Request<pb::configure_state_store::Request>,
    ) -> Result<Response<pb::configure_state_store::Response>, Status> {
        let type_name = request.into_inner().type_name;
        answer!(pb::configure_state_store::Response, {
            Err(unknown_type(self.provider.type_name(), "state store", &type_name).into())
        })
    }

    type ReadStateBytesStream = EmptyStream<pb::read_state_bytes::Response>;

    async fn read_state_bytes(
        &self,
        _: Request<pb::read_state_bytes::Request>,
    ) -> Result<Response<Self::ReadStateBytesStream>, Status> {
        Err(Status::unimplemented(
            "this provider declares no state stores",
        ))
    }

    async fn write_state_bytes(
        &self,
        _: Request<tonic::Streaming<pb::write_state_bytes::RequestChunk>>,
    ) -> Result<Response<pb::write_state_bytes::Response>, Status> {
        Err(Status::unimplemented(
            "this provider declares no state stores",
        ))
    }

    async fn lock_state(
        &self,
        request: Request<pb::lock_state::Request>,
    ) -> Result<Response<pb::lock_state::Response>, Status> {
        let type_name = request.into_inner().type_name;
        answer!(
            pb::lock_state::Response,
            Err(unknown_type(self.provider.type_name(), "state store", &type_name).into())
        )
    }

    async fn unlock_state(
        &self,
        request: Request<pb::unlock_state::Request>,
    ) -> Result<Response<pb::unlock_state::Response>, Status> {
        let type_name = request.into_inner().type_name;
        answer!(
            pb::unlock_state::Response,
            Err(unknown_type(self.provider.type_name(), "state store", &type_name).into())
        )
    }

    async fn get_states(
        &self,
        request: Request<pb::get_states::Request>,
    ) -> Result<Response<pb::get_states::Response>, Status> {
        let type_name = request.into_inner().type_name;
        answer!(
            pb::get_states::Response,
            Err(unknown_type(self.provider.type_name(), "state store", &type_name).into())
        )
    }

    async fn delete_state(
        &self,
        request: Request<pb::delete_state::Request>,
    ) -> Result<Response<pb::delete_state::Response>, Status> {
        let type_name = request.into_inner().type_name;
        answer!(
            pb::delete_state::Response,
            Err(unknown_type(self.provider.type_name(), "state store", &type_name).into())
        )
    }

    async fn plan_action(
        &self,
        request: Request<pb::plan_action::Request>,
    ) -> Result<Response<pb::plan_action::Response>, Status> {
        let type_name = request.into_inner().action_type;
        answer!(
            pb::plan_action::Response,
            Err(unknown_type(self.provider.type_name(), "action", &type_name).into())
        )
    }

    type InvokeActionStream = EmptyStream<pb::invoke_action::Event>;

    async fn invoke_action(
        &self,
        _: Request<pb::invoke_action::Request>,
    ) -> Result<Response<Self::InvokeActionStream>, Status> {
        Err(Status::unimplemented("this provider declares no actions"))
    }

    async fn validate_action_config(
        &self,
        request: Request<pb::validate_action_config::Request>,
    ) -> Result<Response<pb::validate_action_config::Response>, Status> {
        let type_name = request.into_inner().type_name;
        answer!(
            pb::validate_action_config::Response,
            Err(unknown_type(self.provider.type_name(), "action", &type_name).into())
        )
    }

    async fn stop_provider(
        &self,
        _: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        // The calls in flight first, as terraform-plugin-go does: they are what Terraform waits on.
        self.stop.stop();
        self.provider.stop().await;
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}

fn server_capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: false,
        // Every call is served from the schemas registered at start, never from an earlier
        // GetProviderSchema: Terraform (1.6+) may reuse the schema it got from another process of
        // this provider and skip the call, as it does for plugin-framework providers.
        get_provider_schema_optional: true,
        move_resource_state: false,
        generate_resource_config: false,
    }
}

fn newer_state(provider: &str, type_name: &str, stored: i64, current: i64) -> Diagnostic {
    Diagnostic::error(
        "Resource state was written by a newer provider",
        format!(
            "The state of this {type_name} has schema version {stored}, but this provider \
             understands versions up to {current}. Upgrade the {provider} provider to the version \
             that wrote the state."
        ),
    )
}

fn legacy_state(type_name: &str) -> Diagnostic {
    Diagnostic::error(
        "Resource state is in an unsupported format",
        format!(
            "The state of this {type_name} is in the pre-0.12 flatmap format, which this provider \
             never wrote. Remove it from state and import the key again."
        ),
    )
}

/// go-plugin's controller: `Shutdown` asks the server to stop.
struct Controller {
    shutdown: CancellationToken,
}

#[tonic::async_trait]
impl go_plugin::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(
        &self,
        _: Request<go_plugin::Empty>,
    ) -> Result<Response<go_plugin::Empty>, Status> {
        self.shutdown.cancel();
        Ok(Response::new(go_plugin::Empty {}))
    }
}

/// go-plugin's stdio forwarding: this provider writes nothing to stdout or stderr that needs
/// forwarding (logs go to stderr directly), so the stream ends at once.
struct Stdio;

#[tonic::async_trait]
impl go_plugin::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = EmptyStream<go_plugin::StdioData>;

    async fn stream_stdio(
        &self,
        _: Request<()>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        Ok(Response::new(tokio_stream::empty()))
    }
}
