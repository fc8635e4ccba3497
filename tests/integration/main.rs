//! Integration tests: one binary, a module per area (ripgrep's layout), with shared helpers in
//! `support` (the emulator), `harness` (the plugin process) and `terraform` (the real CLI).

mod acceptance;
mod apps;
mod bad_input;
mod bounds;
mod client;
mod data_source;
mod decoding;
mod dist;
mod emulator;
mod emulator_apps;
mod failures;
mod harness;
mod process;
mod protocol;
mod read_cache;
mod real_api;
mod recovery;
mod reliability;
mod schema_validate;
mod support;
mod terraform;
mod write_only;
