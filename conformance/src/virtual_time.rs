//! Checks of an in-process registry run in virtual time.
//!
//! A registry whose calls run inline (`Capabilities::inline_calls`: no
//! threads, sockets or files underneath) does all its work on the task
//! that calls it, so a check of it needs no real time to pass: its checks
//! run on a single-threaded runtime of their own with tokio's clock paused.
//! Whenever every task is waiting, the clock jumps to the next timer, so a
//! check that watches a wait stay blocked for 50 ms, or a racing claim that
//! lets go of its lock for 5 ms, costs no wall time, and every answer that
//! arrives does so before the clock moves on. Verdicts are those of real
//! time; the suite on `MemoryRegistry` runs several times faster.

use std::future::Future;

/// Runs `future` to its end on a paused single-threaded runtime, on a
/// thread of its own (the caller may be inside another runtime); the error
/// says why it could not run there.
pub(crate) fn block_on<F>(future: F) -> Result<F::Output, String>
where
    F: Future + Send,
    F::Output: Send,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .map_err(|error| format!("could not start a virtual-time runtime: {error}"))?;
    std::thread::scope(|scope| {
        scope
            .spawn(move || runtime.block_on(future))
            .join()
            .map_err(|_| "the virtual-time runtime's thread panicked".to_owned())
    })
}
