//! A Terraform provider for OneSignal App API keys.
//!
//! # Layout
//!
//! A cargo workspace of four rooms, each with a wall around it that the compiler keeps (a crate
//! can only use what it depends on):
//!
//! - `crates/tfplugin` ([`tfplugin`]): Terraform's plugin protocol 6 — go-plugin handshake, mutual
//!   TLS, the gRPC service, values on the wire, schemas, diagnostics, hclog logging, and the
//!   `Provider` / `Resource` traits. It knows no provider: it names the one it serves by
//!   `Provider::type_name`. Generated protobuf types never leave it.
//! - `crates/onesignal` ([`onesignal`]): the HTTP client for OneSignal's key API (models, errors,
//!   retries) and the redacting [`Secret`](secret::Secret) string. It knows nothing of Terraform:
//!   the provider hands it its `User-Agent`.
//! - this package, the provider: [`provider`], the `onesignal` provider and its resources, the
//!   only place where Terraform values and OneSignal models meet; `src/main.rs` is the plugin
//!   binary.
//! - `crates/emulator` (`onesignal-emulator`, library and binary): an in-memory OneSignal key API
//!   over HTTP, for demos and tests. It knows nothing of Terraform or the provider; the provider
//!   never depends on it (the integration tests do).
//!
//! Beside them, `crates/gen-docs` renders the provider's schemas into the pages under `docs/`
//! (`make docs`); it depends on the provider, never the reverse. `cargo build --bins` builds the
//! workspace's default members (the provider and the emulator); `cargo build --bin
//! terraform-provider-onesignal` builds the provider and its two libraries only.
#![forbid(unsafe_code)]

pub mod provider;

// The libraries the provider builds on, under the names its modules use (`crate::tfplugin::…`).
pub use ::onesignal;
pub use ::onesignal::secret;
pub use ::tfplugin;
