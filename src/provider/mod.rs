//! The `onesignal` provider: its configuration and its resources.
//!
//! This is the only area where Terraform values ([`crate::tfplugin`]) and OneSignal's models
//! ([`crate::onesignal`]) meet. Modules:
//! - [`config`]: the provider block, its validation and environment fallbacks;
//! - [`app_api_key`]: the `onesignal_app_api_key` resource;
//! - [`app_api_keys_data`]: the `onesignal_app_api_keys` data source;
//! - [`allowlist`]: IP allowlist entries compared by meaning;
//! - [`api`]: the client with key lists coalesced per app;
//! - [`docs`]: which documentation page documents which schema.

pub mod allowlist;
pub mod api;
pub mod app_api_key;
pub mod app_api_keys_data;
pub mod config;
pub mod docs;

use std::process::ExitCode;
use std::sync::{Arc, OnceLock, RwLock};

use tokio_util::sync::CancellationToken;

use crate::onesignal::{self, Client, ClientConfig};
use crate::tfplugin::{
    self, ConfigureRequest, DataSource, Diagnostic, Diagnostics, Resource, Schema, Value,
};

/// The provider's source address, as used in `required_providers` and `TF_REATTACH_PROVIDERS`.
pub const ADDRESS: &str = "registry.terraform.io/onesignal/onesignal";
/// This provider's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Runs the provider as a Terraform plugin (the binary's whole `main`).
pub fn main() -> ExitCode {
    tfplugin::run(Arc::new(OneSignalProvider::default()), ADDRESS)
}

/// What `ConfigureProvider` established, shared with the resources.
pub struct Configured {
    /// The resolved provider settings.
    pub config: config::ResolvedConfig,
    /// The Terraform version that configured the provider.
    pub terraform_version: String,
    /// Built on first use: `validate` and `plan` runs never need it.
    client: OnceLock<Result<api::Api, onesignal::Error>>,
    cancel: CancellationToken,
}

impl Configured {
    /// The OneSignal client, built on first use.
    pub fn api(&self) -> Result<&api::Api, &onesignal::Error> {
        self.client
            .get_or_init(|| {
                Client::new(ClientConfig {
                    base_url: self.config.api_url.clone(),
                    organization_api_key: self.config.organization_api_key.clone(),
                    max_retries: self.config.max_retries,
                    user_agent: Client::user_agent(VERSION, Some(&self.terraform_version)),
                    cancel: self.cancel.clone(),
                })
                .map(api::Api::new)
            })
            .as_ref()
    }
}

/// Shared between the provider and its resources: set once by `ConfigureProvider`.
#[derive(Default)]
pub struct ProviderState {
    configured: RwLock<Option<Arc<Configured>>>,
    /// Cancelled by `StopProvider`: every wait and request of the client stops.
    cancel: CancellationToken,
}

impl ProviderState {
    /// The configuration, once `ConfigureProvider` has run.
    pub fn configured(&self) -> Option<Arc<Configured>> {
        self.configured.read().ok()?.clone()
    }

    /// The configured client, or the diagnostic that explains why there is none.
    pub fn api(&self) -> Result<api::Api, Diagnostic> {
        let configured = self.configured().ok_or_else(|| {
            Diagnostic::error(
                "The onesignal provider is not configured",
                "Terraform did not configure the provider before using it; check the provider \
                 block and the errors above.",
            )
        })?;
        configured.api().cloned().map_err(|error| {
            Diagnostic::error(
                "Cannot set up the OneSignal client",
                format!("{error}. Check api_url and organization_api_key."),
            )
        })
    }
}

/// The `onesignal` provider.
#[derive(Default)]
pub struct OneSignalProvider {
    state: Arc<ProviderState>,
}

#[async_trait::async_trait]
impl tfplugin::Provider for OneSignalProvider {
    fn type_name(&self) -> &'static str {
        "onesignal"
    }

    fn schema(&self) -> Schema {
        config::schema()
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![Arc::new(app_api_key::AppApiKey::new(self.state.clone()))]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![Arc::new(app_api_keys_data::AppApiKeys::new(
            self.state.clone(),
        ))]
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        config::validate(config)
    }

    async fn configure(&self, request: ConfigureRequest) -> Diagnostics {
        match config::resolve(&request.config, |name| std::env::var(name).ok()) {
            Ok(resolved) => {
                let configured = Arc::new(Configured {
                    config: resolved,
                    terraform_version: request.terraform_version,
                    client: OnceLock::new(),
                    cancel: self.state.cancel.clone(),
                });
                if let Ok(mut slot) = self.state.configured.write() {
                    *slot = Some(configured);
                }
                Diagnostics::new()
            }
            Err(diags) => diags,
        }
    }

    async fn stop(&self) {
        self.state.cancel.cancel();
    }
}
