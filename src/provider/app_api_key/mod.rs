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
//! - **Never orphan a key, never touch someone else's.** A create whose answer never came back
//!   may still have made a key with a secret nobody saw; another writer (another Terraform run, a
//!   colleague in the dashboard, a script) may make a key of the same name at the same moment,
//!   and rotating theirs would kill their secret. So a create is sent under a temporary name, the
//!   configured name plus a random marker (`svc [tf-3f9a1c2e]`, the name cut to stay within 128
//!   characters), and renamed to the configured name as soon as it answers. After a lost answer
//!   the provider lists the app: exactly one key carrying the marker is this create's, proven, so
//!   it is adopted and **rotated** (the secret in state is then one nobody else has seen); none
//!   means the create did not act, so it is sent once more (two creates at most); several (the
//!   request was delivered twice), or a list that cannot be read, prove nothing, and the error
//!   names the candidates and how to import them. If the adopted key's rotation fails, the key is
//!   returned without a secret and with an error, so Terraform tracks it as tainted and replaces
//!   it on the next apply. A failed rename is only a warning (an error would taint the new key and
//!   lose its secret): state records the configured name, so the next refresh shows the temporary
//!   name as drift and the next apply renames it.
//! - **The plan is what will be sent.** Validation judges the configuration, but a plan can hold
//!   other values (`ignore_changes` hands the provider the key's current list as configured), so
//!   the plan refuses settings OneSignal would refuse before anything is sent.

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
    PlanResponse, ReadRequest, ReadResponse, Resource, Schema, Value,
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
        let client = match self.provider.api(&request.cancel) {
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
        let client = match self.provider.api(&request.cancel) {
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

    async fn import(&self, request: ImportRequest) -> ImportResponse {
        let client = match self.provider.api(&request.cancel) {
            Ok(client) => client,
            Err(diagnostic) => {
                return ImportResponse {
                    diagnostics: diagnostic.into(),
                    ..Default::default()
                };
            }
        };
        let (state, diagnostics) = read::import(&client, &request.id).await;
        ImportResponse {
            state,
            private: Vec::new(),
            diagnostics,
        }
    }
}
