//! The `onesignal_app` resource: a OneSignal app with its push platform settings.
//!
//! Laid out like `onesignal_app_api_key`: [`schema`] and [`validate`], then [`plan`],
//! create/update/destroy in [`apply`], and read/import in [`read`]; [`model`] is where Terraform
//! values and OneSignal's app models meet, [`diagnostics`] names every message a user sees.
//!
//! Three rules shape it:
//! - **Credentials are write-only.** They reach the provider only in the configuration, are sent
//!   on create and on an update whose `credentials_wo_version` changed, and every plan and state
//!   carries null for them. Terraform before 1.11 would store them, so there they are an error.
//! - **An app cannot be deleted through the API.** Destroy forgets it with a warning, and the
//!   provider never risks a second app: a refresh removes an app from state only when
//!   `GET /apps` proves it gone.
//! - **What the API leaves open is handled conservatively**: settings the configuration leaves
//!   out are not managed (OneSignal documents no way to clear one), a setting missing from an
//!   answer keeps its value, and `organization_id` is never sent on an update (it would move the
//!   app).

pub mod apply;
pub mod diagnostics;
pub mod model;
pub mod plan;
pub mod read;
pub mod schema;
pub mod validate;

use std::sync::Arc;

use super::ProviderState;
use crate::tfplugin::{
    ApplyRequest, ApplyResponse, Diagnostics, ImportRequest, ImportResponse, PlanRequest,
    PlanResponse, ReadRequest, ReadResponse, Resource, Schema, ValidateRequest, Value,
};

/// The resource type.
pub struct App {
    provider: Arc<ProviderState>,
}

impl App {
    /// The resource, sharing the provider's configuration.
    pub fn new(provider: Arc<ProviderState>) -> Self {
        Self { provider }
    }

    /// The provider's `organization_id`, as far as it is known at plan time.
    fn provider_organization(&self) -> plan::ProviderOrganization {
        match self.provider.configured() {
            Some(configured) => {
                plan::ProviderOrganization::Known(configured.config.organization_id.clone())
            }
            // Settings known only at apply: Terraform configures and plans again then.
            None => plan::ProviderOrganization::Unknown,
        }
    }
}

#[async_trait::async_trait]
impl Resource for App {
    fn type_name(&self) -> &'static str {
        schema::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        validate::validate(config)
    }

    async fn validate_config(&self, request: ValidateRequest) -> Diagnostics {
        let mut diags = validate::write_only_allowed(
            &request.config,
            request.client_capabilities.write_only_attributes_allowed,
        );
        diags.extend(validate::validate(&request.config));
        diags
    }

    async fn plan(&self, request: PlanRequest) -> PlanResponse {
        plan::plan(
            &request.prior_state,
            &request.proposed_new_state,
            &request.config,
            &self.provider_organization(),
        )
    }

    async fn apply(&self, request: ApplyRequest) -> ApplyResponse {
        if request.planned_state.is_null() {
            let (new_state, diagnostics) = apply::forget(&request.prior_state);
            return ApplyResponse {
                new_state,
                private: Vec::new(),
                diagnostics,
            };
        }
        let api = match self.provider.api(&request.cancel) {
            Ok(api) => api,
            Err(diagnostic) => {
                return ApplyResponse {
                    new_state: request.prior_state,
                    diagnostics: diagnostic.into(),
                    ..Default::default()
                };
            }
        };
        let (new_state, diagnostics) = if request.prior_state.is_null() {
            apply::create(api.client(), &request.planned_state, &request.config).await
        } else {
            apply::update(
                api.client(),
                &request.prior_state,
                &request.planned_state,
                &request.config,
            )
            .await
        };
        api.forget_apps().await;
        ApplyResponse {
            new_state,
            private: request.planned_private,
            diagnostics,
        }
    }

    async fn read(&self, request: ReadRequest) -> ReadResponse {
        let api = match self.provider.api(&request.cancel) {
            Ok(api) => api,
            Err(diagnostic) => {
                return ReadResponse {
                    new_state: request.current_state,
                    private: request.private,
                    diagnostics: diagnostic.into(),
                };
            }
        };
        let (new_state, diagnostics) = read::read(api.client(), &request.current_state).await;
        ReadResponse {
            new_state,
            private: request.private,
            diagnostics,
        }
    }

    async fn import(&self, request: ImportRequest) -> ImportResponse {
        let api = match self.provider.api(&request.cancel) {
            Ok(api) => api,
            Err(diagnostic) => {
                return ImportResponse {
                    diagnostics: diagnostic.into(),
                    ..Default::default()
                };
            }
        };
        let (state, diagnostics) = read::import(api.client(), &request.id).await;
        ImportResponse {
            state,
            private: Vec::new(),
            diagnostics,
        }
    }
}
