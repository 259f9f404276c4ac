/**
 * Versioned schema. Migration N brings a database from `user_version` N-1 to N.
 * Never edit a migration that has shipped: append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: images with their current label, classes, the label action/event log, import batches and errors.
  `
  CREATE TABLE import_batches (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,               -- absolute path of the folder or CSV
    kind        TEXT NOT NULL CHECK (kind IN ('folders', 'flat', 'csv')),
    status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'cancelled', 'failed')),
    total       INTEGER NOT NULL DEFAULT 0,  -- image files found by the scan
    ignored     INTEGER NOT NULL DEFAULT 0,  -- files skipped as not images
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    error       TEXT
  );

  CREATE TABLE classes (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    color      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    deleted_at TEXT                         -- soft delete keeps the event log's references valid
  );
  CREATE UNIQUE INDEX classes_live_name ON classes (name COLLATE NOCASE) WHERE deleted_at IS NULL;

  CREATE TABLE images (
    id            INTEGER PRIMARY KEY,
    hash          TEXT NOT NULL UNIQUE,       -- sha256 of the original bytes, hex
    original_name TEXT NOT NULL,
    rel_path      TEXT NOT NULL,              -- path relative to the import source
    ext           TEXT NOT NULL,              -- extension of the stored original, with dot
    format        TEXT NOT NULL,              -- jpeg, png, webp, gif, tiff, avif
    width         INTEGER NOT NULL,           -- after EXIF orientation
    height        INTEGER NOT NULL,
    bytes         INTEGER NOT NULL,
    origin        TEXT,                       -- folder tag above the class folder, e.g. 'train'
    batch_id      INTEGER REFERENCES import_batches (id),
    imported_at   TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'missing')),
    -- The current label (NULL = unlabeled). Kept on the image row so every browse filter and sort
    -- is one index walk; its history is label_events.
    class_id      INTEGER REFERENCES classes (id),
    labeled_at    TEXT
  );
  -- Keyset pagination: one index per (filter, sort key) pair a user can pick.
  CREATE INDEX images_name         ON images (original_name COLLATE NOCASE, id);
  CREATE INDEX images_bytes        ON images (bytes, id);
  CREATE INDEX images_class        ON images (class_id, id);
  CREATE INDEX images_class_name   ON images (class_id, original_name COLLATE NOCASE, id);
  CREATE INDEX images_class_bytes  ON images (class_id, bytes, id);
  CREATE INDEX images_origin       ON images (origin, id);
  CREATE INDEX images_origin_name  ON images (origin, original_name COLLATE NOCASE, id);
  CREATE INDEX images_origin_bytes ON images (origin, bytes, id);

  -- A user action (one transaction); undo/redo flip 'state' and append their own action + events.
  CREATE TABLE label_actions (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('import', 'set', 'clear', 'merge', 'delete-class', 'undo', 'redo')),
    state      TEXT NOT NULL CHECK (state IN ('done', 'undone', 'dropped', 'final')),
    target_id  INTEGER REFERENCES label_actions (id),  -- for undo/redo: the action they walk
    class_id   INTEGER REFERENCES classes (id),        -- for merge/delete-class: the class removed
    into_id    INTEGER REFERENCES classes (id),        -- for merge: the class kept
    created_at TEXT NOT NULL
  );
  CREATE INDEX label_actions_state ON label_actions (state, id);

  -- Append-only: rows are never updated or deleted.
  CREATE TABLE label_events (
    id           INTEGER PRIMARY KEY,
    action_id    INTEGER NOT NULL REFERENCES label_actions (id),
    image_id     INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    old_class_id INTEGER REFERENCES classes (id),
    new_class_id INTEGER REFERENCES classes (id),
    created_at   TEXT NOT NULL
  );
  CREATE INDEX label_events_image  ON label_events (image_id, id);
  CREATE INDEX label_events_action ON label_events (action_id, id);

  -- What each batch did with each file, written with the image row: makes resume exact.
  CREATE TABLE import_items (
    batch_id INTEGER NOT NULL REFERENCES import_batches (id),
    rel_path TEXT NOT NULL,
    outcome  TEXT NOT NULL CHECK (outcome IN ('imported', 'duplicate', 'error')),
    image_id INTEGER REFERENCES images (id),
    PRIMARY KEY (batch_id, rel_path)
  ) WITHOUT ROWID;

  CREATE TABLE import_errors (
    id         INTEGER PRIMARY KEY,
    batch_id   INTEGER NOT NULL REFERENCES import_batches (id),
    path       TEXT NOT NULL,
    reason     TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX import_errors_batch ON import_errors (batch_id, id);
  `,
  // 2: dataset versions (frozen image/class/split snapshots), training runs, per-epoch metrics, predictions.
  `
  CREATE TABLE dataset_versions (
    id                INTEGER PRIMARY KEY,
    created_at        TEXT NOT NULL,
    seed              INTEGER NOT NULL,
    fractions         TEXT NOT NULL,          -- JSON {"train": .7, "val": .15, "test": .15}
    use_origin_splits INTEGER NOT NULL,       -- 1: images tagged train/val/test at import keep that split
    classes           TEXT NOT NULL           -- JSON [{"id", "name"}], index = model output index
  );

  CREATE TABLE dataset_items (
    version_id  INTEGER NOT NULL REFERENCES dataset_versions (id),
    image_id    INTEGER NOT NULL REFERENCES images (id),
    class_index INTEGER NOT NULL,
    split       TEXT NOT NULL CHECK (split IN ('train', 'val', 'test')),
    PRIMARY KEY (version_id, image_id)
  ) WITHOUT ROWID;
  CREATE INDEX dataset_items_split ON dataset_items (version_id, split, image_id);

  CREATE TABLE runs (
    id              INTEGER PRIMARY KEY,
    dataset_version INTEGER NOT NULL REFERENCES dataset_versions (id),
    preset          TEXT NOT NULL,
    config          TEXT NOT NULL,            -- JSON TrainConfig, complete with defaults
    status          TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
    backend         TEXT,
    backend_version TEXT,
    backend_reason  TEXT,
    pid             INTEGER,                  -- process running it, to tell a crashed run from a live one
    created_at      TEXT NOT NULL,
    finished_at     TEXT,
    error           TEXT,
    epochs_done     INTEGER NOT NULL DEFAULT 0,
    best_epoch      INTEGER,
    summary         TEXT,                     -- JSON evaluation summary
    problems        TEXT                      -- JSON [{image, reason}] images skipped (e.g. deleted from disk)
  );

  CREATE TABLE run_epochs (
    run_id         INTEGER NOT NULL REFERENCES runs (id),
    epoch          INTEGER NOT NULL,
    loss           REAL, accuracy REAL, val_loss REAL, val_accuracy REAL,
    seconds        REAL, images_per_sec REAL,
    PRIMARY KEY (run_id, epoch)
  ) WITHOUT ROWID;

  CREATE TABLE predictions (
    run_id     INTEGER NOT NULL REFERENCES runs (id),
    image_id   INTEGER NOT NULL REFERENCES images (id),
    true_index INTEGER NOT NULL,
    pred_index INTEGER NOT NULL,
    confidence REAL NOT NULL,
    probs      BLOB NOT NULL,                 -- float32 little-endian, one per class
    PRIMARY KEY (run_id, image_id)
  ) WITHOUT ROWID;
  CREATE INDEX predictions_cell ON predictions (run_id, true_index, pred_index, confidence);
  `,
]

export const SCHEMA_VERSION = MIGRATIONS.length
