//! The `onesignal_app_api_key` resource: an App API key of one OneSignal app.
//!
//! In the order of terraform-provider-random's resources: [`schema`] and [`validate`], then
//! [`plan`], create/update/delete in [`apply`], and read/import in [`read`]. [`model`] is where
//! Terraform values and OneSignal's models meet; [`diagnostics`] names every message a user sees.
//!
//! Two rules shape the lifecycle:
//! - **Never lose a secret.** OneSignal shows a secret once, in the answer to a create or a
//!   rotation. From the moment such an answer arrives, the state returned to Terraform carries it,
//!   whatever fails afterwards (the read-back, a later step): Terraform saves a non-null state
//!   even with an error.
//! - **Never orphan a key.** A create whose answer never came back may still have created a key
//!   with a secret nobody saw. The provider does not blindly create again. Before the first
//!   create in an app, a process that has not listed the app yet (an apply does not refresh)
//!   lists it once, so it knows which keys were there before. After a lost answer it lists the
//!   app's keys again and looks for the key that create made: one with the requested name that
//!   was not there before, that this process did not create or adopt for another resource, and
//!   whose `created_at` is no earlier than the first attempt's start less a minute of clock skew
//!   (a key whose `created_at` cannot be read qualifies only when the earlier list shows it is
//!   new); the newest such key when there are several, with a warning naming the others. Creates
//!   of the same name in one app take turns, so a neighbour's key whose answer is still on its way
//!   is never taken. If a key is found, it is adopted and **rotated**, so that the secret in state
//!   is one nobody else has seen; if that rotation fails, the key is returned without a secret and
//!   with an error, so Terraform tracks it as tainted and replaces it on the next apply. If none is
//!   found, the create is sent once more.

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
    ApplyRequest, ApplyResponse, Diagnostics, ImportResponse, PlanRequest, PlanResponse,
    ReadRequest, ReadResponse, Resource, Schema, Value,
};

/// The resource type.
pub struct AppApiKey {
    provider: Arc<ProviderState>,
}

impl AppApiKey {
    /// The resource, sharing the provider's configuration.
    pub fn new(provider: Arc<ProviderState>) -> Self {
        Self { provider }
    }
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

    async fn plan(&self, request: PlanRequest) -> PlanResponse {
        plan::plan(
            &request.prior_state,
            &request.proposed_new_state,
            &request.config,
        )
    }

    async fn apply(&self, request: ApplyRequest) -> ApplyResponse {
        let client = match self.provider.api() {
            Ok(client) => client,
            Err(diagnostic) => {
                return ApplyResponse {
                    new_state: request.prior_state,
                    diagnostics: diagnostic.into(),
                    ..Default::default()
                };
            }
        };
        let (new_state, diagnostics) = if request.planned_state.is_null() {
            apply::delete(&client, &request.prior_state).await
        } else if request.prior_state.is_null() {
            apply::create(&client, &request.planned_state).await
        } else {
            apply::update(&client, &request.prior_state, &request.planned_state).await
        };
        ApplyResponse {
            new_state,
            private: request.planned_private,
            diagnostics,
        }
    }

    async fn read(&self, request: ReadRequest) -> ReadResponse {
        let client = match self.provider.api() {
            Ok(client) => client,
            Err(diagnostic) => {
                return ReadResponse {
                    new_state: request.current_state,
                    private: request.private,
                    diagnostics: diagnostic.into(),
                };
            }
        };
        let (new_state, diagnostics) = read::read(&client, &request.current_state).await;
        ReadResponse {
            new_state,
            private: request.private,
            diagnostics,
        }
    }

    async fn import(&self, id: &str) -> ImportResponse {
        let client = match self.provider.api() {
            Ok(client) => client,
            Err(diagnostic) => {
                return ImportResponse {
                    diagnostics: diagnostic.into(),
                    ..Default::default()
                };
            }
        };
        let (state, diagnostics) = read::import(&client, id).await;
        ImportResponse {
            state,
            private: Vec::new(),
            diagnostics,
        }
    }
}
