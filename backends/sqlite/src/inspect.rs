//! What a file at a path is, read without writing a byte: missing, an
//! empty file, a procreg registry, another SQLite database, or no
//! database at all. Tools that take a path from a user look first, so a
//! database that is not a registry is never migrated into one.

use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// What [`inspect_file`] found at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileKind {
    /// Nothing there yet: opening creates a registry.
    Missing,
    /// An empty file: opening turns it into a registry.
    Empty,
    /// A procreg registry file at this schema version.
    Registry {
        /// The file's `schema_version`.
        version: i64,
    },
    /// An SQLite database of something else, with these tables (sorted).
    ForeignDatabase {
        /// The tables it holds.
        tables: Vec<String>,
    },
    /// A file SQLite cannot read as a database.
    NotADatabase {
        /// What SQLite said.
        detail: String,
    },
}

/// Looks at `path` read-only (no journal switch, no table, no lock kept).
pub fn inspect_file(path: &Path) -> FileKind {
    match std::fs::metadata(path) {
        Err(_) => return FileKind::Missing,
        Ok(metadata) if metadata.len() == 0 => return FileKind::Empty,
        Ok(_) => {}
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = match Connection::open_with_flags(path, flags) {
        Ok(conn) => conn,
        Err(error) => {
            return FileKind::NotADatabase {
                detail: error.to_string(),
            }
        }
    };
    let tables = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut stmt| {
            stmt.query_map([], |row| row.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        });
    let tables = match tables {
        Ok(tables) => tables,
        Err(error) => {
            return FileKind::NotADatabase {
                detail: error.to_string(),
            }
        }
    };
    if !tables.iter().any(|table| table == "schema_version") {
        return FileKind::ForeignDatabase { tables };
    }
    match conn.query_row(
        "SELECT version FROM schema_version WHERE id = 1",
        [],
        |row| row.get::<_, i64>(0),
    ) {
        Ok(version) => FileKind::Registry { version },
        Err(_) => FileKind::ForeignDatabase { tables },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_foreign_database_is_recognised_and_left_untouched() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("app.db");
        let conn = Connection::open(&path).expect("create");
        conn.execute_batch("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);")
            .expect("schema");
        drop(conn);
        let before = std::fs::read(&path).expect("read");
        assert_eq!(
            inspect_file(&path),
            FileKind::ForeignDatabase {
                tables: vec!["users".to_owned()]
            }
        );
        assert_eq!(
            std::fs::read(&path).expect("read"),
            before,
            "byte-identical"
        );
        let entries = std::fs::read_dir(dir.path()).expect("list").count();
        assert_eq!(entries, 1, "no journal or WAL file left beside it");
    }

    /// The version table alone makes a file a registry: it is what a
    /// migration writes first and what every open reads.
    #[test]
    fn a_file_is_a_registry_by_its_version_table_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("bare.db");
        let conn = Connection::open(&path).expect("create");
        conn.execute_batch(
            "CREATE TABLE schema_version (id INTEGER PRIMARY KEY, version INTEGER NOT NULL);
             INSERT INTO schema_version VALUES (1, 7);",
        )
        .expect("schema");
        drop(conn);
        assert_eq!(inspect_file(&path), FileKind::Registry { version: 7 });
    }

    #[test]
    fn missing_empty_registry_and_garbage_files_are_told_apart() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("registry.db");
        assert_eq!(inspect_file(&path), FileKind::Missing);
        std::fs::write(&path, "").expect("touch");
        assert_eq!(inspect_file(&path), FileKind::Empty);
        std::fs::remove_file(&path).expect("remove");
        let clock = std::sync::Arc::new(procreg::ManualClock::new(0));
        drop(crate::SqliteRegistry::open(&path, clock).expect("opens"));
        assert_eq!(inspect_file(&path), FileKind::Registry { version: 1 });
        let notes = dir.path().join("notes.txt");
        std::fs::write(&notes, "not a database\n".repeat(100)).expect("write");
        assert!(matches!(
            inspect_file(&notes),
            FileKind::NotADatabase { .. }
        ));
    }
}
