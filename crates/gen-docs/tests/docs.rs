//! The checked-in documentation says what the schema says: every page's `## Schema` section is
//! what `make docs` would generate from the provider's schema today.

use gen_docs::pages::pages;
use gen_docs::repository_root;

#[test]
fn checked_in_docs_match_the_schema() {
    let root = repository_root();
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

/// Every example file is shown, verbatim, in a fenced block of its page: an example edited
/// without its page (or the reverse) fails here.
#[test]
fn every_example_appears_verbatim_in_its_page() {
    let root = repository_root();
    let mut missing = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(root.join(&page.path)).unwrap();
        let mut files: Vec<_> = std::fs::read_dir(root.join(&page.examples))
            .unwrap_or_else(|e| panic!("{}: {e}", page.examples.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{} is empty", page.examples.display());
        for file in files {
            let example = std::fs::read_to_string(&file).unwrap();
            let fence = match file.extension().and_then(|e| e.to_str()) {
                Some("sh") => "shell",
                _ => "terraform",
            };
            if !text.contains(&format!("```{fence}\n{example}```\n")) {
                missing.push(format!("{} in {}", file.display(), page.path.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "examples not shown as they are: {missing:?}"
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
            "docs/resources/app.md",
            "docs/data-sources/app_api_keys.md",
            "docs/data-sources/app.md",
            "docs/data-sources/apps.md"
        ]
    );
}
