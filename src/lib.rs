//! A Terraform provider for OneSignal App API keys, and a local emulator of OneSignal's key API.
//!
//! # Layout
//!
//! Each top-level module is an area with a wall around it:
//!
//! - [`tfplugin`]: Terraform's plugin protocol 6 — go-plugin handshake, mutual TLS, the gRPC
//!   service, values on the wire, schemas, diagnostics, hclog logging, and the `Provider` /
//!   `Resource` traits. It knows nothing of OneSignal; generated protobuf types never leave it.
//! - [`onesignal`]: the HTTP client for OneSignal's key API (models, errors, retries). It knows
//!   nothing of Terraform.
//! - [`provider`]: the `onesignal` provider and its resources: the only place where Terraform
//!   values and OneSignal models meet.
//! - [`emulator`]: an in-memory OneSignal key API over HTTP, for demos and tests. It knows nothing
//!   of Terraform or the provider.
//! - [`secret`]: the redacting [`Secret`](secret::Secret) string shared by all of them.
//!
//! The binaries (`src/main.rs`, `src/bin/onesignal-emulator.rs`) only call into this library.
#![forbid(unsafe_code)]

pub mod emulator;
pub mod onesignal;
pub mod provider;
pub mod secret;
pub mod tfplugin;
