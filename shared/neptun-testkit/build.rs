//! Registers the contract suite's scenarios: every `pub async fn NAME<S: ApiStore>(store: &S)`
//! of a module under `src/contract/` is one, listed for `contract_tests!` in
//! `$OUT_DIR/contract_scenarios.rs`. A new scenario thus runs on both stores without a second
//! list to edit.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let folder = Path::new("src/contract");
    println!("cargo::rerun-if-changed={}", folder.display());
    let mut modules: Vec<_> = std::fs::read_dir(folder)
        .expect("src/contract")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .filter(|path| path.file_stem().is_some_and(|stem| stem != "mod"))
        .collect();
    modules.sort();
    let mut scenarios = String::new();
    for path in modules {
        println!("cargo::rerun-if-changed={}", path.display());
        let module = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .expect("a module name");
        let source = std::fs::read_to_string(&path).expect("a scenario module");
        for line in source.lines() {
            let Some(rest) = line.strip_prefix("pub async fn ") else {
                continue;
            };
            match rest.split_once('<') {
                Some((name, signature)) if signature.starts_with("S: ApiStore>(store: &S)") => {
                    let _ = writeln!(scenarios, "            {module}::{name},");
                }
                // Nothing public of a scenario module goes unrun.
                _ => panic!(
                    "{}: `pub async fn {rest}` is not a scenario: write it as \
                     `pub async fn NAME<S: ApiStore>(store: &S)` on one line, or make it private",
                    path.display()
                ),
            }
        }
    }
    let macro_text = format!(
        "/// One test per scenario of the contract (every `pub async fn NAME<S: ApiStore>(store: &S)`
/// of `src/contract/`), for the store that `$store` (an expression, awaited inside each test if
/// it is a future: write `make_store().await`) builds afresh per test.
#[macro_export]
macro_rules! contract_tests {{
    ($store:expr) => {{
        $crate::contract_tests!(@tests $store;
{scenarios}        );
    }};
    (@tests $store:expr; $($module:ident :: $scenario:ident),+ $(,)?) => {{
        $(
            #[tokio::test(flavor = \"multi_thread\")]
            async fn $scenario() {{
                let store = $store;
                $crate::contract::$module::$scenario(&store).await;
            }}
        )+
    }};
}}
"
    );
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("contract_scenarios.rs");
    std::fs::write(out, macro_text).expect("write the scenario list");
}
