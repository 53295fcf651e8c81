//! Bad files give a typed `Backend` error naming the path, never a panic.

use procreg::{
    ErrorKind, ManualClock, ProcessInput, ProcessRegistration, ProcessRegistry, RegistryError,
    RegistryResult,
};
use procreg_sqlite::{SqliteOptions, SqliteRegistry, SCHEMA_VERSION};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn open(path: &Path) -> RegistryResult<SqliteRegistry> {
    SqliteRegistry::open(path, Arc::new(ManualClock::new(1_000)))
}

fn registration(id: &str) -> ProcessRegistration {
    ProcessRegistration::new(id, ProcessInput::external(json!({})))
}

#[track_caller]
fn assert_backend_naming(error: &RegistryError, path: &Path) {
    eprintln!("{error}");
    assert!(
        error.is(ErrorKind::Backend),
        "expected backend, got {error:?}"
    );
    let shown = path.display().to_string();
    assert!(
        error.message.contains(&shown),
        "`{error}` should name {shown}"
    );
}

/// Opening may fail, or (when SQLite reads lazily) the first operation must.
async fn assert_unusable(path: &Path) {
    match open(path) {
        Err(error) => assert_backend_naming(&error, path),
        Ok(registry) => {
            let error = registry
                .list_non_terminal()
                .await
                .expect_err("a bad file cannot be listed");
            assert_backend_naming(&error, path);
        }
    }
}

#[tokio::test]
async fn a_file_that_is_not_sqlite_is_a_backend_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("notes.db");
    std::fs::write(&path, "these are notes, not a database\n".repeat(200)).expect("write");
    assert_unusable(&path).await;
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(
        text.starts_with("these are notes"),
        "the file was left alone"
    );
}

#[tokio::test]
async fn a_corrupt_database_is_a_backend_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("corrupt.db");
    {
        let registry = open(&path).expect("open");
        for n in 0..20 {
            registry
                .register_process(registration(&format!("p{n}")))
                .await
                .expect("register");
        }
    }
    // Keep the 100-byte header, overwrite every page after it.
    let mut bytes = std::fs::read(&path).expect("read");
    assert!(bytes.len() > 4096, "the database has several pages");
    for (index, byte) in bytes.iter_mut().enumerate().skip(100) {
        *byte = (index % 251) as u8;
    }
    std::fs::write(&path, &bytes).expect("corrupt");
    assert_unusable(&path).await;
}

#[tokio::test]
async fn a_directory_where_the_file_should_be_is_a_backend_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("a-directory.db");
    std::fs::create_dir(&path).expect("mkdir");
    let error = open(&path).expect_err("a directory is not a database");
    assert_backend_naming(&error, &path);
    let under_a_file = dir.path().join("plain-file");
    std::fs::write(&under_a_file, "x").expect("write");
    let path = under_a_file.join("registry.db");
    let error = open(&path).expect_err("a file is not a directory");
    assert_backend_naming(&error, &path);
}

/// A directory nobody may write to. Root ignores permission bits, so when a
/// write probe succeeds the test uses `/proc`, which refuses new files to everyone.
fn read_only_dir(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let locked = dir.join("read-only");
    std::fs::create_dir(&locked).expect("mkdir");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let probe = locked.join("probe");
    if std::fs::write(&probe, "x").is_ok() {
        let _ = std::fs::remove_file(&probe);
        eprintln!(
            "permission bits are not enforced here (root?): using /proc as the read-only directory"
        );
        return PathBuf::from("/proc");
    }
    locked
}

#[tokio::test]
async fn a_read_only_directory_is_a_backend_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let locked = read_only_dir(dir.path());
    let path = locked.join("procreg-sqlite-test.db");
    let error = open(&path).expect_err("nothing can be created there");
    assert_backend_naming(&error, &path);
    assert!(!path.exists());
    if locked.starts_with(dir.path()) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755))
            .expect("chmod back");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_locked_past_the_busy_timeout_is_a_backend_error_and_leaves_no_trace() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("locked.db");
    let options = SqliteOptions {
        busy_timeout: Duration::from_millis(200),
        ..SqliteOptions::default()
    };
    let registry =
        SqliteRegistry::open_with(&path, Arc::new(ManualClock::new(1_000)), options).expect("open");
    let holder = rusqlite::Connection::open(&path).expect("raw connection");
    holder
        .execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");
    let started = Instant::now();
    let error = registry
        .register_process(registration("p"))
        .await
        .expect_err("the write lock is held");
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "waited for the busy timeout"
    );
    assert_backend_naming(&error, &path);
    assert!(
        error.message.contains("locked") || error.message.contains("busy"),
        "{error}"
    );
    // Readers are not blocked in WAL mode, and the failed call left nothing.
    assert_eq!(registry.get_process("p").await, None);
    holder.execute_batch("ROLLBACK").expect("release the lock");
    registry
        .register_process(registration("p"))
        .await
        .expect("works once the lock is released");
}

#[tokio::test]
async fn a_file_from_a_newer_schema_is_refused_naming_both_versions() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("future.db");
    {
        let registry = open(&path).expect("open");
        registry
            .register_process(registration("p"))
            .await
            .expect("register");
    }
    let raw = rusqlite::Connection::open(&path).expect("raw connection");
    let version: i64 = raw
        .query_row("SELECT version FROM schema_version", [], |row| row.get(0))
        .expect("version row");
    assert_eq!(version, SCHEMA_VERSION);
    raw.execute("UPDATE schema_version SET version = 99", [])
        .expect("bump");
    drop(raw);
    let error = open(&path).expect_err("newer schema");
    assert_backend_naming(&error, &path);
    assert!(error.message.contains("99"), "{error}");
    assert!(
        error.message.contains(&format!("version {SCHEMA_VERSION}")),
        "{error}"
    );
    // Refused before anything was written: the version is still 99.
    let raw = rusqlite::Connection::open(&path).expect("raw connection");
    let version: i64 = raw
        .query_row("SELECT version FROM schema_version", [], |row| row.get(0))
        .expect("version row");
    assert_eq!(version, 99);
}

#[tokio::test]
async fn reopening_a_current_file_keeps_its_data_and_version() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("again.db");
    let first = open(&path).expect("open");
    first
        .register_process(registration("p"))
        .await
        .expect("register");
    drop(first);
    let again = open(&path).expect("reopen");
    assert!(again.get_process("p").await.is_some());
    assert_eq!(again.path(), path.as_path());
}
