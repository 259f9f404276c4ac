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
  // 3: data health — pixel signals per image (perceptual hash, brightness, colour, sharpness), every
  // path/label an image was imported with (conflicting duplicates), files skipped as not images,
  // and the findings of the last health report (so Browse can filter by them with an index).
  `
  ALTER TABLE images ADD COLUMN phash TEXT;          -- 64-bit DCT perceptual hash, 16 hex digits; NULL until computed
  ALTER TABLE images ADD COLUMN brightness REAL;     -- mean luminance 0–255
  ALTER TABLE images ADD COLUMN colourfulness REAL;  -- mean channel spread 0–255 (≈ 0: grayscale)
  ALTER TABLE images ADD COLUMN sharpness REAL;      -- Laplacian variance over luminance variance (low: blurry)
  CREATE INDEX images_unmeasured ON images (id) WHERE phash IS NULL;

  CREATE TABLE image_sources (
    image_id INTEGER NOT NULL REFERENCES images (id),
    rel_path TEXT NOT NULL,                   -- path relative to the import source
    batch_id INTEGER REFERENCES import_batches (id),
    label    TEXT,                            -- class name the path or CSV row gave (NULL: none)
    origin   TEXT,
    PRIMARY KEY (image_id, rel_path)
  ) WITHOUT ROWID;
  INSERT INTO image_sources (image_id, rel_path, batch_id, label, origin)
    SELECT i.id, i.rel_path, i.batch_id, c.name, i.origin FROM images i LEFT JOIN classes c ON c.id = i.class_id;

  CREATE TABLE import_skipped (
    batch_id INTEGER NOT NULL REFERENCES import_batches (id),
    path     TEXT NOT NULL,                   -- relative to the import source
    reason   TEXT NOT NULL,
    PRIMARY KEY (batch_id, path)
  ) WITHOUT ROWID;

  CREATE TABLE health_findings (
    kind     TEXT NOT NULL,                   -- a stable finding kind (health/findings.ts)
    image_id INTEGER NOT NULL REFERENCES images (id),
    grp      INTEGER,                         -- near-duplicate / leakage group number within the report
    PRIMARY KEY (kind, image_id)
  ) WITHOUT ROWID;
  `,
  // 4: scores of every image by a finished run, label checks (cross-validated probabilities and
  // confident-learning suspects) and the user's decisions on suspects.
  `
  CREATE TABLE scores (
    run_id     INTEGER NOT NULL REFERENCES runs (id),
    image_id   INTEGER NOT NULL REFERENCES images (id),
    pred_index INTEGER NOT NULL,
    confidence REAL NOT NULL,
    margin     REAL NOT NULL,                 -- top-1 minus top-2 probability
    entropy    REAL NOT NULL,                 -- normalised to 0–1
    probs      BLOB NOT NULL,                 -- float32 little-endian, one per class of the run's version
    PRIMARY KEY (run_id, image_id)
  ) WITHOUT ROWID;
  CREATE INDEX scores_pred ON scores (run_id, pred_index, confidence);

  CREATE TABLE label_checks (
    id          INTEGER PRIMARY KEY,
    created_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
    backbone    TEXT NOT NULL,
    source      TEXT NOT NULL,                -- how the probabilities were made, for people
    fingerprint TEXT NOT NULL,                -- sha256 of the sorted (image, class) pairs checked: fresh while labels match
    classes     TEXT NOT NULL,                -- JSON [{"id", "name"}], index = probability index
    checked     INTEGER NOT NULL DEFAULT 0,
    error       TEXT
  );

  CREATE TABLE label_check_items (
    check_id        INTEGER NOT NULL REFERENCES label_checks (id),
    image_id        INTEGER NOT NULL REFERENCES images (id),
    class_index     INTEGER NOT NULL,         -- the label checked
    predicted_index INTEGER NOT NULL,
    suggested_index INTEGER,                  -- NULL: not a suspect
    score           REAL,                     -- 0–1, higher = more likely wrong (suspects only)
    probs           BLOB NOT NULL,
    PRIMARY KEY (check_id, image_id)
  ) WITHOUT ROWID;
  CREATE INDEX label_check_suspects ON label_check_items (check_id, score DESC) WHERE suggested_index IS NOT NULL;

  CREATE TABLE suspect_decisions (
    image_id   INTEGER NOT NULL REFERENCES images (id),
    class_id   INTEGER NOT NULL REFERENCES classes (id),  -- the label the user decided about
    backbone   TEXT NOT NULL,                             -- "that model": a kept label is not suggested again by it
    decision   TEXT NOT NULL CHECK (decision IN ('kept', 'accepted', 'relabeled')),
    decided_at TEXT NOT NULL,
    PRIMARY KEY (image_id, class_id, backbone)
  ) WITHOUT ROWID;
  `,
  // 5: image attributes (site, camera, …) from CSV columns or set by the user, for per-slice metrics.
  // Built-in attributes (origin, batch, size, colour, brightness) are derived from images, not stored.
  `
  CREATE TABLE image_attributes (
    image_id INTEGER NOT NULL REFERENCES images (id),
    name     TEXT NOT NULL,                   -- lower case (attributes/names.ts)
    value    TEXT NOT NULL,
    PRIMARY KEY (image_id, name)
  ) WITHOUT ROWID;
  CREATE INDEX image_attributes_value ON image_attributes (name, value, image_id);
  `,
  // 6: Browse filters by attribute. Each built-in attribute gets an index on its value's expression
  // with the id, so "brightness = dark" pages in imported order by one index walk (stored attributes
  // already have (name, value, image_id)). The expressions are builtInSql's (store/builtin-attributes.ts)
  // word for word: SQLite uses an expression index only for the identical expression, and a test checks
  // that every built-in filter still walks its index.
  `
  CREATE INDEX images_attr_origin ON images ((coalesce(origin, '(none)')), id);
  CREATE INDEX images_attr_batch ON images ((CASE WHEN batch_id IS NULL THEN 'unknown' ELSE '#' || batch_id END), id);
  CREATE INDEX images_attr_size ON images ((CASE WHEN min(width, height) >= 1024 THEN '≥1024'
    WHEN min(width, height) >= 512 THEN '512–1023' WHEN min(width, height) >= 128 THEN '128–511' ELSE '<128' END), id);
  CREATE INDEX images_attr_colour ON images ((CASE WHEN colourfulness IS NULL THEN 'unknown'
    WHEN colourfulness < 4 THEN 'grayscale' ELSE 'colour' END), id);
  CREATE INDEX images_attr_brightness ON images ((CASE WHEN brightness IS NULL THEN 'unknown'
    WHEN brightness < 85 THEN 'dark' WHEN brightness < 170 THEN 'medium' ELSE 'bright' END), id);
  `,
  // 7: privacy of what is stored — per-project settings (privacy/settings.ts: metadata stripping at
  // import, keeping or forgetting import source paths) and whether each stored original carries GPS.
  `
  CREATE TABLE project_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL                        -- JSON
  ) WITHOUT ROWID;
  ALTER TABLE images ADD COLUMN gps INTEGER;   -- 1: the stored original carries GPS, 0: none, NULL: not checked
  `,
  // 8: pixel signals are measured on every second pixel of every second row (health/signals.ts
  // SIGNAL_STEP): sharpness is 3–4× higher on that scale and the blur threshold moved with it, so
  // signals measured before are cleared and the backfill job measures them again.
  `
  UPDATE images SET phash = NULL, brightness = NULL, colourfulness = NULL, sharpness = NULL WHERE phash IS NOT NULL;
  `,
  // 9: Browse's search by file name or path without reading every row: a trigram index (FTS5 over the
  // images' own columns, kept in step by triggers) answers which images contain the searched text (3
  // characters or more); the LIKE test then keeps exactly what it always matched. ≈ 70 bytes an image.
  `
  CREATE VIRTUAL TABLE images_search USING fts5(original_name, rel_path, content = 'images', content_rowid = 'id',
    tokenize = 'trigram');
  INSERT INTO images_search (images_search) VALUES ('rebuild');
  CREATE TRIGGER images_search_insert AFTER INSERT ON images BEGIN
    INSERT INTO images_search (rowid, original_name, rel_path) VALUES (new.id, new.original_name, new.rel_path);
  END;
  CREATE TRIGGER images_search_delete AFTER DELETE ON images BEGIN
    INSERT INTO images_search (images_search, rowid, original_name, rel_path)
      VALUES ('delete', old.id, old.original_name, old.rel_path);
  END;
  CREATE TRIGGER images_search_update AFTER UPDATE OF original_name, rel_path ON images BEGIN
    INSERT INTO images_search (images_search, rowid, original_name, rel_path)
      VALUES ('delete', old.id, old.original_name, old.rel_path);
    INSERT INTO images_search (rowid, original_name, rel_path) VALUES (new.id, new.original_name, new.rel_path);
  END;
  `,
]

export const SCHEMA_VERSION = MIGRATIONS.length
