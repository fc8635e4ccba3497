//! `make docs`: regenerates the `## Schema` sections of the pages under `docs/` from the
//! provider's schema, keeping the hand-written prose around them. The pages are found from the
//! repository's root, wherever it is run from.

use std::process::ExitCode;

use gen_docs::pages::pages;
use gen_docs::repository_root;

fn main() -> ExitCode {
    let root = repository_root();
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
