//! The generated protobuf and gRPC types. Private to the protocol layer: nothing outside
//! `tfplugin` names them, except tests that play Terraform's side through the `client` feature
//! ([`crate::wire`]).
#![allow(dead_code, missing_docs, clippy::all, clippy::pedantic)]

/// Terraform's plugin protocol 6.
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// go-plugin's own services (controller, stdio).
pub mod plugin {
    tonic::include_proto!("plugin");
}
