//! What a handle and a file set tell about themselves, and how a wait on a
//! handle wakes: the crate's own surface beside the contract, pinned
//! because the mutation run (docs/mutation.md) found nothing else did.

use procreg::{
    ManualClock, ProcessEventAppendRequest, ProcessEventType, ProcessInput, ProcessRegistration,
    ProcessRegistry,
};
use procreg_sqlite::{SqliteFiles, SqliteOptions, SqliteRegistry, Synchronous};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

fn options_unlike_the_defaults() -> SqliteOptions {
    SqliteOptions {
        busy_timeout: Duration::from_millis(1_234),
        poll_interval: Duration::from_secs(3_600),
        synchronous: Synchronous::Normal,
        planted_bug: None,
    }
}

#[test]
fn a_handle_reports_the_file_and_options_it_was_opened_with() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("registry.db");
    let options = options_unlike_the_defaults();
    assert_ne!(options, SqliteOptions::default());
    let registry =
        SqliteRegistry::open_with(&path, Arc::new(ManualClock::new(0)), options).expect("opens");
    assert_eq!(registry.options(), options);
    assert_eq!(registry.path(), path.as_path());
}

/// The file is switched to write-ahead logging on open (the mode is stored
/// in the file, so another connection reads it back): readers never block
/// the writer, and a commit is one append to the log.
#[test]
fn a_handle_keeps_its_file_in_write_ahead_logging() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("registry.db");
    let registry = SqliteRegistry::open(&path, Arc::new(ManualClock::new(0))).expect("opens");
    let other = rusqlite::Connection::open(&path).expect("a second connection");
    let mode: String = other
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .expect("journal mode");
    assert_eq!(mode.to_ascii_lowercase(), "wal");
    drop(registry);
}

/// With a poll interval of an hour, only the handle's own wake-up can end
/// the wait: an append through the same handle ends it at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_append_through_a_handle_wakes_its_waiters_without_polling() {
    let dir = tempfile::tempdir().expect("temp dir");
    let registry = Arc::new(
        SqliteRegistry::open_with(
            dir.path().join("registry.db"),
            Arc::new(ManualClock::new(0)),
            options_unlike_the_defaults(),
        )
        .expect("opens"),
    );
    registry
        .register_process(
            ProcessRegistration::new("p", ProcessInput::external(json!({})))
                .with_extra_event_types([ProcessEventType::new("tick")]),
        )
        .await
        .expect("register");
    let waiter = {
        let registry = Arc::clone(&registry);
        tokio::spawn(async move { registry.wait_event_after("p", "tick", 0).await })
    };
    // Let the waiter look once and go to sleep before the append.
    tokio::time::sleep(Duration::from_millis(200)).await;
    registry
        .append_event("p", ProcessEventAppendRequest::new("tick", json!({})))
        .await
        .expect("append");
    let event = tokio::time::timeout(Duration::from_secs(60), waiter)
        .await
        .expect("woken long before the hour's poll")
        .expect("the waiter did not panic")
        .expect("the wait succeeds");
    assert_eq!(event.sequence, 1);
}

#[test]
fn a_scratch_file_set_deletes_its_directory_and_a_named_one_keeps_it() {
    let scratch = SqliteFiles::scratch("procreg-handle-test-", SqliteOptions::default())
        .expect("scratch dir");
    assert!(scratch.is_scratch());
    let scratch_dir = scratch.dir().to_path_buf();
    assert!(scratch_dir.is_dir());
    drop(scratch);
    assert!(
        !scratch_dir.exists(),
        "a scratch directory is deleted on drop"
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let named = SqliteFiles::with_options(dir.path(), SqliteOptions::default());
    assert!(!named.is_scratch());
    drop(named);
    assert!(dir.path().is_dir(), "a named directory is kept");
}
