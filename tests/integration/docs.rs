//! The checked-in documentation says what the schema says: every page's `## Schema` section is
//! what `make docs` would generate from the provider's schema today.

use std::path::Path;

use terraform_provider_onesignal::provider::docs::pages;

#[test]
fn checked_in_docs_match_the_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for page in pages() {
        let current = std::fs::read_to_string(root.join(&page.path))
            .unwrap_or_else(|e| panic!("{}: {e}", page.path.display()));
        let wanted = page.regenerate(&current).unwrap();
        if wanted != current {
            stale.push(page.path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "these pages differ from the schema; run `make docs` and commit: {stale:?}"
    );
}

#[test]
fn every_resource_and_data_source_has_a_page() {
    let paths: Vec<String> = pages()
        .iter()
        .map(|p| p.path.display().to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "docs/index.md",
            "docs/resources/app_api_key.md",
            "docs/data-sources/app_api_keys.md"
        ]
    );
}
