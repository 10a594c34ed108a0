-- What each reconcile did: the revision it applied, the files it wrote or
-- removed, and how every service took it (JSON). Kept short: picd prunes
-- all but the newest entries.
CREATE TABLE apply_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        revision INTEGER,
        time INTEGER NOT NULL,
        ok INTEGER NOT NULL,
        outcome TEXT NOT NULL
);
