import { statementCache, type Db, type Sql } from './db'

export type RunStatus = 'running' | 'done' | 'failed' | 'cancelled'

export interface RunRecord {
  id: number
  datasetVersion: number
  preset: string
  config: string
  status: RunStatus
  backend: string | null
  backendVersion: string | null
  backendReason: string | null
  pid: number | null
  createdAt: string
  finishedAt: string | null
  error: string | null
  epochsDone: number
  bestEpoch: number | null
  summary: string | null
  problems: string | null
}

export interface EpochRecord {
  epoch: number
  loss: number | null
  accuracy: number | null
  valLoss: number | null
  valAccuracy: number | null
  seconds: number
  imagesPerSec: number
}

export interface PredictionRecord {
  imageId: number
  trueIndex: number
  predIndex: number
  confidence: number
  probs: Float32Array
}

const RUN_COLS = `id, dataset_version AS datasetVersion, preset, config, status, backend, backend_version AS backendVersion,
  backend_reason AS backendReason, pid, created_at AS createdAt, finished_at AS finishedAt, error,
  epochs_done AS epochsDone, best_epoch AS bestEpoch, summary, problems`

export class RunQueries {
  private readonly sql: Sql

  constructor(db: Db) {
    this.sql = statementCache(db)
  }

  create(r: { datasetVersion: number; preset: string; config: string; createdAt: string; pid: number }): number {
    return Number(
      this.sql(
        `INSERT INTO runs (dataset_version, preset, config, status, created_at, pid)
        VALUES (@datasetVersion, @preset, @config, 'running', @createdAt, @pid)`,
      ).run(r).lastInsertRowid,
    )
  }

  get(id: number): RunRecord | undefined {
    return this.sql(`SELECT ${RUN_COLS} FROM runs WHERE id = ?`).get(id) as RunRecord | undefined
  }

  list(): RunRecord[] {
    return this.sql(`SELECT ${RUN_COLS} FROM runs ORDER BY id`).all() as RunRecord[]
  }

  running(): RunRecord[] {
    return this.sql(`SELECT ${RUN_COLS} FROM runs WHERE status = 'running' ORDER BY id`).all() as RunRecord[]
  }

  setBackend(id: number, name: string, version: string, reason: string): void {
    this.sql('UPDATE runs SET backend = ?, backend_version = ?, backend_reason = ? WHERE id = ?').run(
      name,
      version,
      reason,
      id,
    )
  }

  /** Marks a run running again in this process (resume). */
  restart(id: number, pid: number): void {
    this.sql(`UPDATE runs SET status = 'running', pid = ?, error = NULL, finished_at = NULL WHERE id = ?`).run(pid, id)
  }

  finish(id: number, status: RunStatus, at: string, error: string | null = null): void {
    this.sql('UPDATE runs SET status = ?, finished_at = ?, error = ?, pid = NULL WHERE id = ?').run(
      status,
      at,
      error,
      id,
    )
  }

  setSummary(id: number, summary: unknown): void {
    this.sql('UPDATE runs SET summary = ? WHERE id = ?').run(JSON.stringify(summary), id)
  }

  setProblems(id: number, problems: unknown[]): void {
    this.sql('UPDATE runs SET problems = ? WHERE id = ?').run(JSON.stringify(problems), id)
  }

  recordEpoch(id: number, e: EpochRecord, bestEpoch: number | null): void {
    this.sql(
      `INSERT OR REPLACE INTO run_epochs (run_id, epoch, loss, accuracy, val_loss, val_accuracy, seconds, images_per_sec)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(id, e.epoch, e.loss, e.accuracy, e.valLoss, e.valAccuracy, e.seconds, e.imagesPerSec)
    this.sql('UPDATE runs SET epochs_done = ?, best_epoch = ? WHERE id = ?').run(e.epoch, bestEpoch, id)
  }

  /** Epochs after `epoch` are forgotten when a run resumes from that epoch's checkpoint. */
  truncateEpochs(id: number, epoch: number): void {
    this.sql('DELETE FROM run_epochs WHERE run_id = ? AND epoch > ?').run(id, epoch)
    this.sql('UPDATE runs SET epochs_done = ? WHERE id = ?').run(epoch, id)
  }

  epochs(id: number): EpochRecord[] {
    return this.sql(
      `SELECT epoch, loss, accuracy, val_loss AS valLoss, val_accuracy AS valAccuracy, seconds,
      images_per_sec AS imagesPerSec FROM run_epochs WHERE run_id = ? ORDER BY epoch`,
    ).all(id) as EpochRecord[]
  }

  replacePredictions(id: number, preds: PredictionRecord[]): void {
    this.sql('DELETE FROM predictions WHERE run_id = ?').run(id)
    const ins = this.sql(`INSERT INTO predictions (run_id, image_id, true_index, pred_index, confidence, probs)
      VALUES (?, ?, ?, ?, ?, ?)`)
    for (const p of preds) {
      ins.run(
        id,
        p.imageId,
        p.trueIndex,
        p.predIndex,
        p.confidence,
        Buffer.from(p.probs.buffer, p.probs.byteOffset, p.probs.byteLength),
      )
    }
  }

  /** A run's prediction for each of these images that it predicted: class id and confidence. */
  predictionsOf(
    id: number,
    imageIds: number[],
  ): Map<number, { classId: number | null; className: string | null; confidence: number }> {
    const out = new Map<number, { classId: number | null; className: string | null; confidence: number }>()
    if (!imageIds.length) return out
    const rows = this.sql(
      `SELECT p.image_id AS imageId, p.confidence,
        json_extract(v.classes, '$[' || p.pred_index || '].id') AS classId, json_extract(v.classes, '$[' || p.pred_index || '].name') AS className
      FROM predictions p JOIN runs r ON r.id = p.run_id JOIN dataset_versions v ON v.id = r.dataset_version
      WHERE p.run_id = ? AND p.image_id IN (SELECT value FROM json_each(?))`,
    ).all(id, JSON.stringify(imageIds)) as {
      imageId: number
      confidence: number
      classId: number | null
      className: string | null
    }[]
    for (const r of rows) out.set(r.imageId, { classId: r.classId, className: r.className, confidence: r.confidence })
    return out
  }

  predictions(
    id: number,
    where: { trueIndex?: number; predIndex?: number; correct?: boolean } = {},
    order = 'image_id',
    limit = 100_000,
  ): PredictionRecord[] {
    const cond = ['run_id = ?']
    const args: unknown[] = [id]
    if (where.trueIndex !== undefined) {
      cond.push('true_index = ?')
      args.push(where.trueIndex)
    }
    if (where.predIndex !== undefined) {
      cond.push('pred_index = ?')
      args.push(where.predIndex)
    }
    if (where.correct !== undefined) cond.push(where.correct ? 'true_index = pred_index' : 'true_index != pred_index')
    const orderBy =
      {
        image_id: 'image_id',
        'confidence desc': 'confidence DESC, image_id',
        'confidence asc': 'confidence ASC, image_id',
      }[order] ?? 'image_id'
    const rows = this.sql(
      `SELECT image_id AS imageId, true_index AS trueIndex, pred_index AS predIndex, confidence, probs
      FROM predictions WHERE ${cond.join(' AND ')} ORDER BY ${orderBy} LIMIT ?`,
    ).all(...args, limit) as (Omit<PredictionRecord, 'probs'> & { probs: Buffer })[]
    return rows.map((r) => ({
      ...r,
      probs: new Float32Array(r.probs.buffer.slice(r.probs.byteOffset, r.probs.byteOffset + r.probs.byteLength)),
    }))
  }
}
