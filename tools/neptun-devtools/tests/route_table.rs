//! Every route of the table (`neptun_core::functions`) has what a deployment and the tests
//! need, and the generated parts of `template.yaml` and `Cargo.toml` are the table's
//! (`docs/adding-a-route.md` lists what a new route writes by hand).

use std::path::{Path, PathBuf};

use neptun_core::functions::Function;
use neptun_devtools::template::{generate, resource_name};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

#[test]
fn generated_parts_are_the_route_tables() {
    for file in generate(&root()).unwrap_or_else(|error| panic!("{error}")) {
        assert!(
            read(&file.path) == file.text,
            "{} differs from the route table's: run `cargo run -q -p neptun-devtools --bin template`",
            file.path.display()
        );
    }
}

#[test]
fn every_route_has_its_function_events_template_and_openapi_path() {
    let root = root();
    let openapi = read(&root.join("openapi.yaml"));
    let template = read(&root.join("template.yaml"));
    let mut missing = Vec::new();
    for function in Function::ALL {
        let name = function.name();
        let folder = root.join("functions").join(name);
        let manifest = folder.join("Cargo.toml");
        let route = format!("{} {}", function.method(), function.path_template());
        match std::fs::read_to_string(&manifest) {
            Ok(text) if text.contains(&format!("description = \"{route}")) => {}
            Ok(_) => missing.push(format!(
                "{name}: its Cargo.toml's description names {route}"
            )),
            Err(_) => missing.push(format!("{name}: functions/{name}/Cargo.toml")),
        }
        let main = std::fs::read_to_string(folder.join("src/main.rs")).unwrap_or_default();
        if !main.contains(&format!("lambda_main!({function:?})")) {
            missing.push(format!(
                "{name}: lambda_main!({function:?}) in its src/main.rs"
            ));
        }
        if !folder.join("properties.yaml").is_file() {
            missing.push(format!("{name}: functions/{name}/properties.yaml"));
        }
        let events = std::fs::read_dir(root.join("events").join(name))
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "json"))
                    .count()
            })
            .unwrap_or(0);
        if events == 0 {
            missing.push(format!("{name}: a sample event under events/{name}/"));
        }
        if !template.contains(&format!("\n  {}Function:\n", resource_name(function))) {
            missing.push(format!("{name}: its block in template.yaml"));
        }
        if !openapi_has(
            &openapi,
            &function.path_template(),
            function.method().as_str(),
        ) {
            missing.push(format!("{name}: {route} in openapi.yaml"));
        }
    }
    assert!(
        missing.is_empty(),
        "routes missing a part:\n{}",
        missing.join("\n")
    );
}

/// Whether `openapi.yaml` has the operation: the path under `paths:` (two spaces in), and
/// the method as one of its keys (four spaces in).
fn openapi_has(openapi: &str, path: &str, method: &str) -> bool {
    let path_line = format!("  {path}:");
    let method_line = format!("    {}:", method.to_ascii_lowercase());
    let mut lines = openapi.lines().skip_while(|line| *line != path_line);
    lines.next().is_some()
        && lines
            .take_while(|line| line.trim().is_empty() || line.starts_with("   "))
            .any(|line| line == method_line)
}
