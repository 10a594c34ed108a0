-- The cell's first schema: identity, staged changes, accounts, revisions.
-- Config values are JSON text (a string or a number), keyed flat: "domain",
-- "ports.dns". Revisions keep a JSON diff of every mutation.

CREATE TABLE config (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE pending_config (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
) WITHOUT ROWID;

-- At most one applied-but-unconfirmed change; its deadline survives restarts.
CREATE TABLE confirm_window (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        revision INTEGER NOT NULL,
        previous_revision INTEGER NOT NULL,
        deadline INTEGER NOT NULL
);

CREATE TABLE users (
        username TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('admin', 'user')),
        password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
);

-- Session and token secrets are stored only as BLAKE2b digests.
CREATE TABLE sessions (
        digest BLOB PRIMARY KEY,
        username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
        csrf_token TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_username ON sessions (username);

CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
        name TEXT NOT NULL,
        scope TEXT NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
        digest BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        last_used_at INTEGER
);
CREATE INDEX tokens_by_username ON tokens (username);

CREATE TABLE revisions (
        number INTEGER PRIMARY KEY AUTOINCREMENT,
        time INTEGER NOT NULL,
        actor TEXT NOT NULL,
        summary TEXT NOT NULL,
        diff TEXT NOT NULL
);
