//! Integration tests: one binary, a module per area (ripgrep's layout).

mod harness;
mod protocol;
mod schema_validate;
mod terraform;
