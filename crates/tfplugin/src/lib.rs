//! Terraform's plugin protocol 6 for a provider written in Rust.
//!
//! Wall: this crate knows no provider. It names the one it serves by [`Provider::type_name`] (in
//! the refusal to run by hand and in its own diagnostics), and nothing in it renders
//! documentation (the `gen-docs` crate does, from a [`Schema`]).
//!
//! A provider implements [`Provider`], [`Resource`] and [`DataSource`] with decoded [`Value`]s,
//! [`Schema`]s and [`Diagnostics`]; [`run`] does the rest: the go-plugin handshake
//! ([`handshake`]), mutual TLS on a private unix socket ([`tls`], [`server`]), exiting when the
//! Terraform that started it is gone ([`parent`]), the gRPC services ([`grpc`], converting with
//! the private `convert`; every call gets its own cancellation token from [`stop`]), values on the
//! wire ([`msgpack`], [`json`], failing with one [`CodecError`]), the [`AttributePath`] that
//! diagnostics and codec errors point with, and hclog logging ([`logging`]). The generated
//! protobuf types stay in the private `proto` and `convert` modules (`build.rs` generates them
//! from `proto/`, with protox: no `protoc` needed).
#![forbid(unsafe_code)]

pub mod codec;
mod convert;
pub mod diag;
pub mod grpc;
pub mod handshake;
pub mod json;
pub mod logging;
pub mod msgpack;
pub mod parent;
pub mod path;
mod proto;
pub mod provider;
pub mod schema;
pub mod server;
pub mod stop;
pub mod tls;
pub mod value;

/// The generated messages and gRPC clients, for tests that play Terraform's side of the protocol
/// (the `client` feature; a provider never needs them).
#[cfg(feature = "client")]
pub mod wire {
    pub use crate::proto::{plugin, tfplugin6};
}

use std::process::ExitCode;
use std::sync::Arc;

pub use codec::CodecError;
pub use diag::{Diagnostic, Diagnostics, Severity};
pub use path::{AttributePath, PathStep};
pub use provider::{
    ApplyRequest, ApplyResponse, ClientCapabilities, ConfigureRequest, DataReadRequest, DataSource,
    ImportRequest, ImportResponse, PlanRequest, PlanResponse, Provider, ReadRequest, ReadResponse,
    Resource, ValidateRequest,
};
pub use schema::{Attribute, Block, Presence, Schema};
pub use value::{Number, Refinements, Type, Value};

/// Runs a provider as Terraform's plugin: reads the handshake environment (or `--debug` from the
/// arguments), serves until Terraform shuts it down, and returns the process's exit code.
///
/// `address` is the provider's source address (`registry.terraform.io/NS/NAME`), used by
/// `--debug` to print `TF_REATTACH_PROVIDERS`.
pub fn run(provider: Arc<dyn Provider>, address: &str) -> ExitCode {
    // First of all: the longer we wait, the longer a Terraform that dies at once goes unnoticed.
    let parent = parent::Parent::current();
    logging::init(provider.log_targets());
    let debug = std::env::args()
        .skip(1)
        .any(|a| a == "--debug" || a == "-debug");
    let env = if debug {
        None
    } else {
        match handshake::read_env(provider.type_name(), |k| std::env::var(k).ok()) {
            Ok(env) => Some(env),
            Err(error) => {
                eprintln!("{error}");
                return ExitCode::FAILURE;
            }
        }
    };
    // Terraform's RPCs are I/O-bound and few at a time: one thread serves them all, keeping the
    // process small and its start fast.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match env {
            Some(env) => server::serve(provider, env, parent).await,
            None => server::serve_debug(provider, address).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "the plugin server stopped");
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}
