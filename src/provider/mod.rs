//! The `onesignal` provider: its configuration and its resources.
//!
//! This is the only area where Terraform values ([`crate::tfplugin`]) and OneSignal's models
//! ([`crate::onesignal`]) meet. Modules:
//! - [`config`]: the provider block, its validation and environment fallbacks;
//! - [`app`]: the `onesignal_app` resource;
//! - [`app_api_key`]: the `onesignal_app_api_key` resource;
//! - [`app_api_keys_data`]: the `onesignal_app_api_keys` data source;
//! - [`app_data`]: the `onesignal_app` and `onesignal_apps` data sources;
//! - [`allowlist`]: IP allowlist entries compared by meaning;
//! - [`api`]: the client with key lists coalesced per app.
//!
//! The documentation pages are rendered from these schemas by the `gen-docs` crate.

pub mod allowlist;
pub mod api;
pub mod app;
pub mod app_api_key;
pub mod app_api_keys_data;
pub mod app_data;
pub mod config;

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

/// The `User-Agent` the client sends: `terraform-provider-onesignal/<v> (+terraform <tf v>)`, or
/// without the parenthesis when Terraform did not say its version. Assembled here because the
/// client knows nothing of Terraform.
pub fn user_agent(terraform_version: Option<&str>) -> String {
    match terraform_version.filter(|v| !v.is_empty()) {
        Some(tf) => format!("terraform-provider-onesignal/{VERSION} (+terraform {tf})"),
        None => format!("terraform-provider-onesignal/{VERSION}"),
    }
}

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
    /// Built on first use: `validate` and `plan` runs never need it. Its token is never
    /// cancelled: each call takes a handle with its own ([`api::Api::with_cancel`]).
    client: OnceLock<Result<api::Api, onesignal::Error>>,
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
                    user_agent: user_agent(Some(&self.terraform_version)),
                    limits: onesignal::Limits::default(),
                })
                .map(api::Api::new)
            })
            .as_ref()
    }
}

/// What `ConfigureProvider` left behind.
enum Setup {
    /// Ready: the client is built on first use.
    Configured(Arc<Configured>),
    /// Some settings depend on values known only after apply. Planning new keys needs no
    /// client, so that plan goes on; whatever does need one (a refresh, an import, the data
    /// source) is told which settings are unknown. Terraform configures again at apply.
    Unknown(Vec<&'static str>),
}

/// Shared between the provider and its resources: set once by `ConfigureProvider`.
#[derive(Default)]
pub struct ProviderState {
    setup: RwLock<Option<Setup>>,
}

impl ProviderState {
    /// The configuration, once `ConfigureProvider` has run with known settings.
    pub fn configured(&self) -> Option<Arc<Configured>> {
        match self.setup.read().ok()?.as_ref()? {
            Setup::Configured(configured) => Some(configured.clone()),
            Setup::Unknown(_) => None,
        }
    }

    fn set(&self, setup: Setup) {
        if let Ok(mut slot) = self.setup.write() {
            *slot = Some(setup);
        }
    }

    /// The configured client for one call, whose requests and waits end when `cancel` (the
    /// call's token) is cancelled; or the diagnostic that explains why there is none.
    pub fn api(&self, cancel: &CancellationToken) -> Result<api::Api, Diagnostic> {
        let configured = match self.setup.read().ok().as_deref().and_then(Option::as_ref) {
            Some(Setup::Configured(configured)) => configured.clone(),
            Some(Setup::Unknown(names)) => return Err(config::unknown_settings_needed(names)),
            None => {
                return Err(Diagnostic::error(
                    "The onesignal provider is not configured",
                    "Terraform did not configure the provider before using it; check the provider \
                     block and the errors above.",
                ));
            }
        };
        configured
            .api()
            .map(|api| api.with_cancel(cancel.clone()))
            .map_err(config::client_unusable)
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

    fn log_targets(&self) -> &'static [&'static str] {
        // The provider and its OneSignal client: every request shows in a trace log.
        &[env!("CARGO_CRATE_NAME"), "onesignal"]
    }

    fn schema(&self) -> Schema {
        config::schema()
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![
            Arc::new(app_api_key::AppApiKey::new(self.state.clone())),
            Arc::new(app::App::new(self.state.clone())),
        ]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![
            Arc::new(app_api_keys_data::AppApiKeys::new(self.state.clone())),
            Arc::new(app_data::AppData::new(self.state.clone())),
            Arc::new(app_data::AppsData::new(self.state.clone())),
        ]
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        config::validate(config)
    }

    async fn configure(&self, request: ConfigureRequest) -> Diagnostics {
        let unknown = config::unknown_settings(&request.config);
        if !unknown.is_empty() {
            // Never the environment in their place: the plan would be made with other settings
            // than the apply.
            self.state.set(Setup::Unknown(unknown));
            return Diagnostics::new();
        }
        let configured = match config::resolve(&request.config, |name| std::env::var(name).ok()) {
            Ok(resolved) => Arc::new(Configured {
                config: resolved,
                terraform_version: request.terraform_version,
                client: OnceLock::new(),
            }),
            Err(diags) => return diags,
        };
        self.state.set(Setup::Configured(configured.clone()));
        // Prove the organization key once, here: a refused key is then one error, and Terraform
        // stops every resource that depends on the provider, instead of one error per resource.
        let api = match configured.api() {
            Ok(api) => api.with_cancel(request.cancel),
            Err(error) => return config::client_unusable(error).into(),
        };
        match api.check_organization_key().await {
            Ok(()) => Diagnostics::new(),
            Err(error) => config::organization_check_failed(&error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agent_names_both_versions() {
        assert_eq!(
            user_agent(Some("1.9.0")),
            format!("terraform-provider-onesignal/{VERSION} (+terraform 1.9.0)")
        );
        assert_eq!(
            user_agent(Some("")),
            format!("terraform-provider-onesignal/{VERSION}")
        );
        assert_eq!(
            user_agent(None),
            format!("terraform-provider-onesignal/{VERSION}")
        );
    }
}
