//! Integration tests: one binary, a module per area.

mod client;
mod emulator;
mod support;
