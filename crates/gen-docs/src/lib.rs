//! `make docs`: the `## Schema` sections of the pages under `docs/`, rendered from the provider's
//! schemas. A crate of its own so that neither the protocol library nor the provider binary
//! carries documentation rendering: [`render`] turns a schema into tfplugindocs' Markdown,
//! [`pages`] says which page documents which schema.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

pub mod pages;
pub mod render;

/// The repository's root, where the paths of [`pages::Page`] start, wherever this is run from.
pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
