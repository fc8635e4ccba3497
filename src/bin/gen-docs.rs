//! `make docs`: regenerates the `## Schema` sections of the pages under `docs/` from the
//! provider's schema, keeping the hand-written prose around them. A separate binary so that the
//! provider itself stays a plugin and nothing else. The pages are found from the crate's
//! directory, wherever it is run from.

use std::path::Path;
use std::process::ExitCode;

use terraform_provider_onesignal::provider::docs::pages;

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut failed = false;
    for page in pages() {
        let path = root.join(&page.path);
        let result = std::fs::read_to_string(&path)
            .map_err(|e| format!("{}: {e}", page.path.display()))
            .and_then(|current| {
                let wanted = page.regenerate(&current).map_err(|e| e.to_string())?;
                if wanted == current {
                    println!("unchanged {}", page.path.display());
                    return Ok(());
                }
                std::fs::write(&path, wanted)
                    .map_err(|e| format!("{}: {e}", page.path.display()))?;
                println!("updated   {}", page.path.display());
                Ok(())
            });
        if let Err(error) = result {
            eprintln!("gen-docs: {error}");
            failed = true;
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
