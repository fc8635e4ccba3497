//! Which documentation page holds the schema of what: the provider block in `docs/index.md`,
//! each resource in `docs/resources/<name>.md` and each data source in
//! `docs/data-sources/<name>.md`, `<name>` being the type name without `onesignal_` (the
//! registry's layout). `make docs` (this crate's binary) regenerates them; a test fails when a
//! checked-in page differs.

use std::path::{Path, PathBuf};

use terraform_provider_onesignal::provider::OneSignalProvider;
use tfplugin::{Provider, Schema};

use crate::render::{self, MarkerError};

/// One documentation page and the schema it documents.
pub struct Page {
    /// The page's path, relative to the repository root.
    pub path: PathBuf,
    /// The schema whose `## Schema` section it holds.
    pub schema: Schema,
    /// The directory of examples the page shows, tfplugindocs' layout: `examples/provider`,
    /// `examples/resources/<type>`, `examples/data-sources/<type>`.
    pub examples: PathBuf,
}

/// Every page, from the provider's own list of resources and data sources, so that a new one
/// cannot be left without documentation.
pub fn pages() -> Vec<Page> {
    let provider = OneSignalProvider::default();
    let short = |type_name: &str| {
        type_name
            .strip_prefix("onesignal_")
            .unwrap_or(type_name)
            .to_owned()
    };
    let mut pages = vec![Page {
        path: PathBuf::from("docs/index.md"),
        schema: provider.schema(),
        examples: PathBuf::from("examples/provider"),
    }];
    for resource in provider.resources() {
        pages.push(Page {
            path: Path::new("docs/resources").join(format!("{}.md", short(resource.type_name()))),
            schema: resource.schema(),
            examples: Path::new("examples/resources").join(resource.type_name()),
        });
    }
    for data_source in provider.data_sources() {
        pages.push(Page {
            path: Path::new("docs/data-sources")
                .join(format!("{}.md", short(data_source.type_name()))),
            schema: data_source.schema(),
            examples: Path::new("examples/data-sources").join(data_source.type_name()),
        });
    }
    pages
}

impl Page {
    /// What the page should say, given what it says now (`current`): the same prose with the
    /// schema section regenerated.
    pub fn regenerate(&self, current: &str) -> Result<String, MarkerError> {
        render::splice(current, &self.schema)
            .map_err(|e| MarkerError(format!("{}: {e}", self.path.display())))
    }
}
