//! The README's quickstart example, run as a test: `cargo test` covers the
//! example a newcomer runs first, and CI needs no `cargo run` of it (which
//! resolves features for one package and rebuilt much of the tree).

#[allow(dead_code)] // the example's `main`; the test calls its `run` instead
#[path = "../examples/quickstart.rs"]
mod quickstart;

#[test]
fn the_quickstart_example_runs_to_the_end() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime starts");
    if let Err(error) = runtime.block_on(quickstart::run()) {
        panic!("the quickstart failed: {error} ({})", error.kind);
    }
}
