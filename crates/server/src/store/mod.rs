//! SQLite persistence of the local Connect360: one database file in the data dir, WAL mode,
//! foreign keys on, migrations from `migrations/` applied in order by `PRAGMA user_version`.
//!
//! All access goes through [`Store::transaction`], which serialises writers and stamps
//! timestamps from a monotonic clock inside the lock, so insertion order and time order agree.

pub mod channels;
pub mod chats;
pub mod conversations;
pub mod customers;
pub mod files;
pub mod grants;
pub mod history_pages;
pub mod messages;
pub mod sign_ins;

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, Transaction};
use serde_json::Value;

use crate::clock::{format_millis, parse_millis, MonotonicClock};
use crate::error::ApiError;

/// Migrations in order; migration `i` brings the schema to `user_version = i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_init.sql"),
    include_str!("../../migrations/0002_gateway.sql"),
    include_str!("../../migrations/0003_idempotency.sql"),
    include_str!("../../migrations/0004_oauth.sql"),
    include_str!("../../migrations/0005_trust.sql"),
    include_str!("../../migrations/0006_history.sql"),
    include_str!("../../migrations/0007_offline.sql"),
    include_str!("../../migrations/0008_ratings.sql"),
    include_str!("../../migrations/0009_chats.sql"),
];

pub struct Store {
    connection: Mutex<Connection>,
    clock: MonotonicClock,
}

/// What a transaction body gets: the transaction and the current timestamp.
pub struct Tx<'a> {
    pub sql: &'a Transaction<'a>,
    clock: &'a MonotonicClock,
}

impl Tx<'_> {
    /// A fresh, monotonic ISO-8601 timestamp.
    pub fn now(&self) -> String {
        format_millis(self.clock.now())
    }
}

impl Store {
    /// Opens (creating if needed) `connect360.sqlite3` in `data_dir` and migrates it.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        // Owner-only: the database holds every customer's conversations.
        crate::config::create_private_dir(data_dir).map_err(StoreError::DataDir)?;
        let path = data_dir.join("connect360.sqlite3");
        let connection = Connection::open(&path)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .map_err(StoreError::DataDir)?;
        }
        Self::with_connection(connection)
    }

    /// An in-memory store (tests).
    pub fn in_memory() -> Result<Store, StoreError> {
        Self::with_connection(Connection::open_in_memory()?)
    }

    fn with_connection(mut connection: Connection) -> Result<Store, StoreError> {
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut connection)?;
        let newest: Option<String> = connection.query_row(
            "SELECT MAX(created_at) FROM (SELECT created_at FROM messages ORDER BY seq DESC LIMIT 1)",
            [],
            |row| row.get(0),
        )?;
        let start = newest.as_deref().and_then(parse_millis).unwrap_or(0);
        Ok(Store {
            connection: Mutex::new(connection),
            clock: MonotonicClock::starting_at(start),
        })
    }

    /// Runs `body` in one transaction; commits on `Ok`, rolls back on `Err`.
    pub fn transaction<T>(
        &self,
        body: impl FnOnce(&Tx<'_>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut connection = self
            .connection
            .lock()
            .map_err(|_| ApiError::internal("The database lock was poisoned."))?;
        let sql = connection.transaction()?;
        let result = body(&Tx {
            sql: &sql,
            clock: &self.clock,
        })?;
        sql.commit()?;
        Ok(result)
    }
}

fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let version = usize::try_from(version).unwrap_or(usize::MAX);
    if version > MIGRATIONS.len() {
        return Err(StoreError::TooNew(version));
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = connection.transaction()?;
        tx.execute_batch(migration)?;
        tx.pragma_update(None, "user_version", (index + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data directory: {0}")]
    DataDir(std::io::Error),
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "the database has schema version {0}, newer than this server knows; upgrade the server"
    )]
    TooNew(usize),
}

/// Reads a JSON text column.
pub(crate) fn json_column<T: serde::de::DeserializeOwned + Default>(text: Option<String>) -> T {
    text.and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// JSON text for a column.
pub(crate) fn json_text(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// Shallow merge by top-level key; a key set to `null` is removed.
pub(crate) fn merge_metadata(
    target: &mut serde_json::Map<String, Value>,
    patch: &serde_json::Map<String, Value>,
) {
    for (key, value) in patch {
        if value.is_null() {
            target.remove(key);
        } else {
            target.insert(key.clone(), value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_once_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).unwrap());
        let store = Store::open(dir.path()).unwrap();
        let version: i64 = store
            .connection
            .lock()
            .unwrap()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        let mode: String = store
            .connection
            .lock()
            .unwrap()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[cfg(unix)]
    #[test]
    fn the_database_and_its_directory_are_readable_by_their_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        // An existing, world-readable directory is tightened too.
        std::fs::create_dir(&data).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        drop(Store::open(&data).unwrap());
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join("connect360.sqlite3")), 0o600);
    }

    #[test]
    fn metadata_merges_shallowly_and_null_removes() {
        let mut target = serde_json::json!({"a": 1, "b": {"x": 1}, "c": 3});
        let patch = serde_json::json!({"b": {"y": 2}, "c": null, "d": 4});
        merge_metadata(target.as_object_mut().unwrap(), patch.as_object().unwrap());
        assert_eq!(target, serde_json::json!({"a": 1, "b": {"y": 2}, "d": 4}));
    }
}
