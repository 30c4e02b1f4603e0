//! Writes the parts of `template.yaml` and `Cargo.toml` that the route table decides
//! (`neptun_devtools::template`):
//!
//!   cargo run -q -p neptun-devtools --bin template             rewrites them
//!   cargo run -q -p neptun-devtools --bin template -- --check   exits 1 if either differs

use std::path::Path;
use std::process::ExitCode;

use neptun_devtools::template::generate;

fn main() -> ExitCode {
    let check = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--check") => true,
        Some(_) => {
            eprintln!("usage: template [--check]");
            return ExitCode::from(2);
        }
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let generated = match generate(&root) {
        Ok(generated) => generated,
        Err(error) => {
            eprintln!("template: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut stale = false;
    for file in generated {
        let current = std::fs::read_to_string(&file.path).unwrap_or_default();
        if current == file.text {
            continue;
        }
        if check {
            eprintln!(
                "template: {} differs from the route table's",
                file.path.display()
            );
            stale = true;
        } else if let Err(error) = std::fs::write(&file.path, &file.text) {
            eprintln!("template: {}: {error}", file.path.display());
            return ExitCode::FAILURE;
        }
    }
    if stale {
        eprintln!("run: cargo run -q -p neptun-devtools --bin template");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
