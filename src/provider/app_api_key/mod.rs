//! The `onesignal_app_api_key` resource: an App API key of one OneSignal app.
//!
//! In the order of terraform-provider-random's resources: [`schema`], [`validate`], then the
//! lifecycle (plan, create, read, update, delete, import).

pub mod schema;
pub mod validate;

use std::sync::Arc;

use super::ProviderState;
use crate::tfplugin::{
    ApplyRequest, ApplyResponse, Diagnostic, Diagnostics, ImportResponse, PlanRequest,
    PlanResponse, ReadRequest, ReadResponse, Resource, Schema, Value,
};

/// The resource type.
pub struct AppApiKey {
    #[allow(dead_code)]
    provider: Arc<ProviderState>,
}

impl AppApiKey {
    /// The resource, sharing the provider's configuration.
    pub fn new(provider: Arc<ProviderState>) -> Self {
        Self { provider }
    }
}

fn lifecycle_pending() -> Diagnostics {
    Diagnostic::error(
        "onesignal_app_api_key cannot be planned or applied by this build",
        "This development build has the schema and validation of onesignal_app_api_key but not \
         its lifecycle yet.",
    )
    .into()
}

#[async_trait::async_trait]
impl Resource for AppApiKey {
    fn type_name(&self) -> &'static str {
        schema::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        validate::validate(config)
    }

    async fn plan(&self, _request: PlanRequest) -> PlanResponse {
        PlanResponse {
            diagnostics: lifecycle_pending(),
            ..Default::default()
        }
    }

    async fn apply(&self, _request: ApplyRequest) -> ApplyResponse {
        ApplyResponse {
            diagnostics: lifecycle_pending(),
            ..Default::default()
        }
    }

    async fn read(&self, request: ReadRequest) -> ReadResponse {
        ReadResponse {
            new_state: request.current_state,
            private: request.private,
            diagnostics: Diagnostics::new(),
        }
    }

    async fn import(&self, _id: &str) -> ImportResponse {
        ImportResponse {
            diagnostics: lifecycle_pending(),
            ..Default::default()
        }
    }
}
