// Generates the gRPC code for Terraform's plugin protocol (tfplugin6) and
// go-plugin's controller/stdio services.
//
// protox is a pure-Rust protobuf compiler, so building this crate does not
// need `protoc` installed; it also bundles the google/protobuf well-known
// types (timestamp.proto, empty.proto) the protos import.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");

    let fds = protox::compile(
        [
            "tfplugin6.proto",
            "grpc_controller.proto",
            "grpc_stdio.proto",
        ],
        ["proto"],
    )?;

    tonic_prost_build::configure()
        // The server is the provider itself; the client is generated only with
        // the `client` feature, which tests enable to play Terraform's side of
        // the protocol.
        .build_server(true)
        .build_client(std::env::var_os("CARGO_FEATURE_CLIENT").is_some())
        // No `Client::connect(url)` helpers: they name
        // `tonic::transport::Channel`, which only exists with tonic's
        // `channel` feature, and the provider binary is built without it
        // (only the tests enable it). Tests build a Channel themselves and
        // pass it to `Client::new`.
        .build_transport(false)
        .compile_fds(fds)?;

    Ok(())
}
