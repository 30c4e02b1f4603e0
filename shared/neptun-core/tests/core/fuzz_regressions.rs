//! Replays every input under `fuzz/regressions/<target>/` through the fuzz targets' checks:
//! what a fuzzer once found stays fixed, without a fuzzer on the machine.

#[path = "../../../../fuzz/src/checks.rs"]
mod checks;

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("readable regression").path();
        let data = std::fs::read(&path).expect("readable regression");
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(
            outcome.is_ok(),
            "fuzz regression {} fails again",
            path.display()
        );
        count += 1;
    }
    assert!(count > 0, "no regressions for {target}");
}

#[test]
fn bodies() {
    replay("bodies", checks::bodies);
}

#[test]
fn session() {
    replay("session", checks::session);
}

#[test]
fn path() {
    replay("path", checks::path);
}

#[test]
fn cursor() {
    replay("cursor", checks::cursor);
}
