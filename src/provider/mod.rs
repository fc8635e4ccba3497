//! The `onesignal` provider: its configuration and its resources.
//!
//! This is the only area where Terraform values ([`crate::tfplugin`]) and OneSignal's models
//! ([`crate::onesignal`]) meet. Modules:
//! - [`config`]: the provider block, its validation and environment fallbacks;
//! - [`app_api_key`]: the `onesignal_app_api_key` resource;
//! - [`allowlist`]: IP allowlist entries compared by meaning.

pub mod allowlist;
pub mod app_api_key;
pub mod config;

use std::process::ExitCode;
use std::sync::{Arc, RwLock};

use crate::tfplugin::{self, ConfigureRequest, DataSource, Diagnostics, Resource, Schema, Value};

/// The provider's source address, as used in `required_providers` and `TF_REATTACH_PROVIDERS`.
pub const ADDRESS: &str = "registry.terraform.io/onesignal/onesignal";
/// This provider's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Runs the provider as a Terraform plugin (the binary's whole `main`).
pub fn main() -> ExitCode {
    tfplugin::run(Arc::new(OneSignalProvider::default()), ADDRESS)
}

/// What `ConfigureProvider` established, shared with the resources.
#[derive(Debug, Clone)]
pub struct Configured {
    /// The resolved provider settings.
    pub config: config::ResolvedConfig,
    /// The Terraform version that configured the provider.
    pub terraform_version: String,
}

/// Shared between the provider and its resources: set once by `ConfigureProvider`.
#[derive(Debug, Default)]
pub struct ProviderState {
    configured: RwLock<Option<Arc<Configured>>>,
}

impl ProviderState {
    /// The configuration, once `ConfigureProvider` has run.
    pub fn configured(&self) -> Option<Arc<Configured>> {
        self.configured.read().ok()?.clone()
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
        Vec::new()
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
                });
                if let Ok(mut slot) = self.state.configured.write() {
                    *slot = Some(configured);
                }
                Diagnostics::new()
            }
            Err(diags) => diags,
        }
    }

    async fn stop(&self) {}
}
