import { statementCache, type Db, type Sql } from './db'

/** One image's score by a run: what the Browse lens and the "label next" queue read. */
export interface ScoreRow {
  imageId: number
  predIndex: number
  confidence: number
  /** Top-1 minus top-2 probability. */
  margin: number
  /** Normalised entropy, 0–1. */
  entropy: number
  probs: Float32Array
}

export type CheckStatus = 'running' | 'done' | 'failed' | 'cancelled'

export interface CheckRecord {
  id: number
  createdAt: string
  finishedAt: string | null
  status: CheckStatus
  backbone: string
  source: string
  fingerprint: string
  /** Index = probability index. */
  classes: { id: number; name: string }[]
  checked: number
  error: string | null
}

export interface CheckItemRow {
  imageId: number
  classIndex: number
  predictedIndex: number
  /** null: not a suspect. */
  suggestedIndex: number | null
  score: number | null
  probs: Float32Array
}

export interface SuspectRow {
  imageId: number
  hash: string
  path: string
  labelClassId: number
  label: string
  suggestedClassId: number
  suggested: string
  score: number
}

export interface QueueRow {
  imageId: number
  hash: string
  path: string
  predIndex: number
  confidence: number
  margin: number
  entropy: number
}

export type SuspectDecision = 'kept' | 'accepted' | 'relabeled'

export interface DecisionRow {
  imageId: number
  /** The label the user decided about (the one that was checked). */
  classId: number
  backbone: string
  decision: SuspectDecision
  decidedAt: string
}
export type QueueOrder = 'margin' | 'entropy' | 'least-confidence'

/** The id of the latest finished label check (the one suspects come from), as SQL. */
export const LATEST_CHECK_SQL = `SELECT max(id) FROM label_checks WHERE status = 'done'`

/**
 * Item `s` of check `k` is an undecided suspect of image `i`: flagged, the image still carries the
 * label that was checked, the suggested class is live, and the user did not keep that label for
 * that backbone. Shared by the suspects list and the Browse filter so both show the same images.
 */
export const UNDECIDED_SUSPECT_SQL = `s.suggested_index IS NOT NULL
  AND json_extract(k.classes, '$[' || s.class_index || '].id') = i.class_id
  AND EXISTS (SELECT 1 FROM classes sc WHERE sc.deleted_at IS NULL
    AND sc.id = json_extract(k.classes, '$[' || s.suggested_index || '].id'))
  AND NOT EXISTS (SELECT 1 FROM suspect_decisions sd WHERE sd.image_id = i.id AND sd.class_id = i.class_id
    AND sd.backbone = k.backbone AND sd.decision = 'kept')`

/**
 * A run's predicted class and confidence per image for the Browse lens: its scores (every image,
 * when the run was scored) and, for images without a score, its evaluation predictions.
 */
export const LENS_ROWS_SQL = `(SELECT run_id, image_id, pred_index, confidence FROM scores
  UNION ALL SELECT run_id, image_id, pred_index, confidence FROM predictions pp
  WHERE NOT EXISTS (SELECT 1 FROM scores ps WHERE ps.run_id = pp.run_id AND ps.image_id = pp.image_id))`

const CHECK_COLS = `id, created_at AS createdAt, finished_at AS finishedAt, status, backbone, source, fingerprint,
  classes, checked, error`
const QUEUE_ORDER: Record<QueueOrder, string> = {
  margin: 's.margin ASC',
  entropy: 's.entropy DESC',
  'least-confidence': 's.confidence ASC',
}

const blob = (p: Float32Array) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)

/** Scores of every image per run, label checks and their items, decisions on suspects (schema 4). */
export class QualityQueries {
  private readonly sql: Sql

  constructor(db: Db) {
    this.sql = statementCache(db)
  }

  /** Images the run has not scored yet, in id order after `afterId` (keyset, so scoring streams). */
  unscored(runId: number, afterId: number, limit: number): { id: number; hash: string; ext: string }[] {
    return this.sql(
      `SELECT i.id, i.hash, i.ext FROM images i WHERE i.id > ?
      AND NOT EXISTS (SELECT 1 FROM scores s WHERE s.run_id = ? AND s.image_id = i.id) ORDER BY i.id LIMIT ?`,
    ).all(afterId, runId, limit) as { id: number; hash: string; ext: string }[]
  }

  unscoredCount(runId: number): number {
    return (
      this.sql(
        `SELECT count(*) AS n FROM images i
        WHERE NOT EXISTS (SELECT 1 FROM scores s WHERE s.run_id = ? AND s.image_id = i.id)`,
      ).get(runId) as { n: number }
    ).n
  }

  scoredCount(runId: number): number {
    return (this.sql('SELECT count(*) AS n FROM scores WHERE run_id = ?').get(runId) as { n: number }).n
  }

  /** The run's class probabilities for these images (the ones it scored), for evaluating any split. */
  scoreProbs(runId: number, imageIds: readonly number[]): Map<number, Float32Array> {
    const out = new Map<number, Float32Array>()
    if (!imageIds.length) return out
    const rows = this.sql(
      'SELECT image_id AS imageId, probs FROM scores WHERE run_id = ? AND image_id IN (SELECT value FROM json_each(?))',
    ).all(runId, JSON.stringify(imageIds)) as { imageId: number; probs: Buffer }[]
    // A copy: the Buffer's bytes need not sit at a 4-byte-aligned offset of its ArrayBuffer.
    for (const r of rows) out.set(r.imageId, new Float32Array(new Uint8Array(r.probs).buffer))
    return out
  }

  /** The newest run with scores, or null. */
  latestScoredRun(): number | null {
    return (this.sql('SELECT max(run_id) AS id FROM scores').get() as { id: number | null }).id
  }

  insertScores(runId: number, rows: readonly ScoreRow[]): void {
    const ins = this
      .sql(`INSERT OR REPLACE INTO scores (run_id, image_id, pred_index, confidence, margin, entropy, probs)
      VALUES (?, ?, ?, ?, ?, ?, ?)`)
    for (const r of rows) ins.run(runId, r.imageId, r.predIndex, r.confidence, r.margin, r.entropy, blob(r.probs))
  }

  /** The lens for these images from the run's scores: predicted class (of the run's version) and confidence. */
  scoresOf(
    runId: number,
    imageIds: readonly number[],
  ): Map<number, { classId: number | null; className: string | null; confidence: number }> {
    const out = new Map<number, { classId: number | null; className: string | null; confidence: number }>()
    if (!imageIds.length) return out
    const rows = this.sql(
      `SELECT s.image_id AS imageId, s.confidence,
        json_extract(v.classes, '$[' || s.pred_index || '].id') AS classId,
        json_extract(v.classes, '$[' || s.pred_index || '].name') AS className
      FROM scores s JOIN runs r ON r.id = s.run_id JOIN dataset_versions v ON v.id = r.dataset_version
      WHERE s.run_id = ? AND s.image_id IN (SELECT value FROM json_each(?))`,
    ).all(runId, JSON.stringify(imageIds)) as {
      imageId: number
      confidence: number
      classId: number | null
      className: string | null
    }[]
    for (const r of rows) out.set(r.imageId, { classId: r.classId, className: r.className, confidence: r.confidence })
    return out
  }

  /** Unlabeled images the run scored, most uncertain first by `by` (ties by id). */
  queue(runId: number, by: QueueOrder, limit: number): QueueRow[] {
    return this.sql(
      `SELECT i.id AS imageId, i.hash, i.rel_path AS path, s.pred_index AS predIndex, s.confidence,
        s.margin, s.entropy
      FROM scores s JOIN images i ON i.id = s.image_id WHERE s.run_id = ? AND i.class_id IS NULL
      ORDER BY ${QUEUE_ORDER[by]}, i.id LIMIT ?`,
    ).all(runId, limit) as QueueRow[]
  }

  queueCount(runId: number): number {
    return (
      this.sql(
        `SELECT count(*) AS n FROM scores s JOIN images i ON i.id = s.image_id
        WHERE s.run_id = ? AND i.class_id IS NULL`,
      ).get(runId) as { n: number }
    ).n
  }

  /** Labeled images (live classes) with what a check needs to find their pixels. */
  labeled(): { imageId: number; classId: number; hash: string; ext: string }[] {
    return this.sql(
      `SELECT i.id AS imageId, i.class_id AS classId, i.hash, i.ext FROM images i
      JOIN classes c ON c.id = i.class_id WHERE c.deleted_at IS NULL ORDER BY i.id`,
    ).all() as {
      imageId: number
      classId: number
      hash: string
      ext: string
    }[]
  }

  createCheck(c: {
    createdAt: string
    backbone: string
    source: string
    fingerprint: string
    classes: unknown
  }): number {
    return Number(
      this.sql(
        `INSERT INTO label_checks (created_at, status, backbone, source, fingerprint, classes)
        VALUES (?, 'running', ?, ?, ?, ?)`,
      ).run(c.createdAt, c.backbone, c.source, c.fingerprint, JSON.stringify(c.classes)).lastInsertRowid,
    )
  }

  /** Ends a check; a check that already ended keeps its status. */
  finishCheck(
    id: number,
    status: Exclude<CheckStatus, 'running'>,
    at: string,
    fields: { checked?: number; source?: string; error?: string | null } = {},
  ): void {
    this.sql(
      `UPDATE label_checks SET status = ?, finished_at = ?, checked = coalesce(?, checked),
      source = coalesce(?, source), error = ? WHERE id = ? AND status = 'running'`,
    ).run(status, at, fields.checked ?? null, fields.source ?? null, fields.error ?? null, id)
  }

  insertCheckItems(checkId: number, items: readonly CheckItemRow[]): void {
    const ins = this.sql(`INSERT INTO label_check_items
      (check_id, image_id, class_index, predicted_index, suggested_index, score, probs) VALUES (?, ?, ?, ?, ?, ?, ?)`)
    for (const it of items) {
      ins.run(checkId, it.imageId, it.classIndex, it.predictedIndex, it.suggestedIndex, it.score, blob(it.probs))
    }
  }

  check(id: number): CheckRecord | undefined {
    return parseCheck(this.sql(`SELECT ${CHECK_COLS} FROM label_checks WHERE id = ?`).get(id))
  }

  /** The latest finished check, or undefined when none finished. */
  latestCheck(): CheckRecord | undefined {
    return parseCheck(this.sql(`SELECT ${CHECK_COLS} FROM label_checks WHERE id = (${LATEST_CHECK_SQL})`).get())
  }

  /** The check's item of one image (suggested class id resolved), or undefined when it was not checked. */
  checkItem(checkId: number, imageId: number): { classId: number; suggestedClassId: number | null } | undefined {
    return this.sql(
      `SELECT json_extract(k.classes, '$[' || s.class_index || '].id') AS classId,
        json_extract(k.classes, '$[' || s.suggested_index || '].id') AS suggestedClassId
      FROM label_check_items s JOIN label_checks k ON k.id = s.check_id WHERE s.check_id = ? AND s.image_id = ?`,
    ).get(checkId, imageId) as { classId: number; suggestedClassId: number | null } | undefined
  }

  /** Undecided suspects of a check, most likely wrong first. */
  suspects(checkId: number, limit: number): SuspectRow[] {
    return this.sql(
      `SELECT s.image_id AS imageId, i.hash, i.rel_path AS path, i.class_id AS labelClassId,
        c.name AS label, sc.id AS suggestedClassId, sc.name AS suggested, s.score
      FROM label_check_items s JOIN label_checks k ON k.id = s.check_id JOIN images i ON i.id = s.image_id
      JOIN classes c ON c.id = i.class_id
      JOIN classes sc ON sc.id = json_extract(k.classes, '$[' || s.suggested_index || '].id')
      WHERE s.check_id = ? AND ${UNDECIDED_SUSPECT_SQL}
      ORDER BY s.score DESC, s.image_id LIMIT ?`,
    ).all(checkId, limit) as SuspectRow[]
  }

  suspectCount(checkId: number): number {
    return (
      this.sql(
        `SELECT count(*) AS n FROM label_check_items s JOIN label_checks k ON k.id = s.check_id
        JOIN images i ON i.id = s.image_id WHERE s.check_id = ? AND ${UNDECIDED_SUSPECT_SQL}`,
      ).get(checkId) as { n: number }
    ).n
  }

  /** Items a check flagged (decided or not). */
  flaggedCount(checkId: number): number {
    return (
      this.sql('SELECT count(*) AS n FROM label_check_items WHERE check_id = ? AND suggested_index IS NOT NULL').get(
        checkId,
      ) as { n: number }
    ).n
  }

  recordDecision(d: {
    imageId: number
    classId: number
    backbone: string
    decision: SuspectDecision
    at: string
  }): void {
    this.sql(
      `INSERT OR REPLACE INTO suspect_decisions (image_id, class_id, backbone, decision, decided_at)
      VALUES (?, ?, ?, ?, ?)`,
    ).run(d.imageId, d.classId, d.backbone, d.decision, d.at)
  }

  /** Decisions at or after `at`, oldest first. */
  decisionsSince(at: string): DecisionRow[] {
    return this.sql(
      `SELECT image_id AS imageId, class_id AS classId, backbone, decision, decided_at AS decidedAt
      FROM suspect_decisions WHERE decided_at >= ? ORDER BY decided_at, image_id`,
    ).all(at) as DecisionRow[]
  }

  /** Changes whenever a label or a decision is written (the label log only grows). */
  labelStamp(): string {
    const e = this.sql('SELECT max(id) AS id FROM label_events').get() as { id: number | null }
    const d = this.sql('SELECT count(*) AS n, max(decided_at) AS at FROM suspect_decisions').get() as {
      n: number
      at: string | null
    }
    return `${e.id}:${d.n}:${d.at}`
  }

  /** Finding counts of the last health report, by kind (the model card's data checks). */
  healthCounts(): { kind: string; count: number }[] {
    return this.sql('SELECT kind, count(*) AS count FROM health_findings GROUP BY kind ORDER BY kind').all() as {
      kind: string
      count: number
    }[]
  }
}

function parseCheck(row: unknown): CheckRecord | undefined {
  if (!row) return undefined
  const r = row as Omit<CheckRecord, 'classes'> & { classes: string }
  return { ...r, classes: JSON.parse(r.classes) as { id: number; name: string }[] }
}
