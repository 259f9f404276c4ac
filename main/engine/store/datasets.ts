import { statementCache, type Db, type Sql } from './db'

export type Split = 'train' | 'val' | 'test'
export const SPLITS: readonly Split[] = ['train', 'val', 'test']

export interface SplitFractions {
  train: number
  val: number
  test: number
}

export interface DatasetVersion {
  id: number
  createdAt: string
  seed: number
  fractions: SplitFractions
  useOriginSplits: boolean
  /** Model output order: index i is classes[i]. */
  classes: { id: number; name: string }[]
}

export interface DatasetItem {
  imageId: number
  hash: string
  ext: string
  classIndex: number
  split: Split
}

/** One row of a version: an image, its class as the model's output index, its split. */
export interface FrozenRow {
  imageId: number
  classIndex: number
  split: Split
}

/** A labeled image as a snapshot sees it. */
export interface LabeledImage {
  imageId: number
  classId: number
  origin: string | null
}

export class DatasetQueries {
  private readonly sql: Sql

  constructor(db: Db) {
    this.sql = statementCache(db)
  }

  labeledImages(): LabeledImage[] {
    return this.sql(
      `SELECT i.id AS imageId, i.class_id AS classId, i.origin FROM images i
      JOIN classes c ON c.id = i.class_id WHERE c.deleted_at IS NULL ORDER BY i.id`,
    ).all() as LabeledImage[]
  }

  insertVersion(v: Omit<DatasetVersion, 'id'>, items: { imageId: number; classIndex: number; split: Split }[]): number {
    const id = Number(
      this.sql(
        `INSERT INTO dataset_versions (created_at, seed, fractions, use_origin_splits, classes)
        VALUES (?, ?, ?, ?, ?)`,
      ).run(v.createdAt, v.seed, JSON.stringify(v.fractions), v.useOriginSplits ? 1 : 0, JSON.stringify(v.classes))
        .lastInsertRowid,
    )
    // One statement over a JSON array of the rows, not one call from JS per row (100,000s of them).
    const rows = JSON.stringify(items.map((it) => [it.imageId, it.classIndex, it.split]))
    this.sql(
      `INSERT INTO dataset_items (version_id, image_id, class_index, split)
      SELECT ?, value ->> 0, value ->> 1, value ->> 2 FROM json_each(?)`,
    ).run(id, rows)
    return id
  }

  /** The newest version's id, or null when none was frozen yet. */
  latestVersionId(): number | null {
    return (this.sql('SELECT max(id) AS id FROM dataset_versions').get() as { id: number | null }).id
  }

  /** A version's rows as [image id, class index, split], ordered by image id: no object per row. */
  frozenTuples(versionId: number): [number, number, Split][] {
    return this.sql(`SELECT image_id, class_index, split FROM dataset_items WHERE version_id = ? ORDER BY image_id`)
      .raw(true)
      .all(versionId) as [number, number, Split][]
  }

  /** A version's rows as frozen, ordered by image id (what `insertVersion` was given). */
  frozenRows(versionId: number): FrozenRow[] {
    return this.sql(
      `SELECT image_id AS imageId, class_index AS classIndex, split FROM dataset_items
      WHERE version_id = ? ORDER BY image_id`,
    ).all(versionId) as FrozenRow[]
  }

  version(id: number): DatasetVersion | undefined {
    const row = this.sql(
      `SELECT id, created_at AS createdAt, seed, fractions, use_origin_splits AS u, classes
      FROM dataset_versions WHERE id = ?`,
    ).get(id) as
      { id: number; createdAt: string; seed: number; fractions: string; u: number; classes: string } | undefined
    if (!row) return undefined
    return {
      id: row.id,
      createdAt: row.createdAt,
      seed: row.seed,
      fractions: JSON.parse(row.fractions) as SplitFractions,
      useOriginSplits: row.u === 1,
      classes: JSON.parse(row.classes) as { id: number; name: string }[],
    }
  }

  /** Every version, newest first, with its image count per split. */
  versions(): { id: number; createdAt: string; train: number; val: number; test: number }[] {
    return this.sql(
      `SELECT v.id, v.created_at AS createdAt,
      (SELECT count(*) FROM dataset_items d WHERE d.version_id = v.id AND d.split = 'train') AS train,
      (SELECT count(*) FROM dataset_items d WHERE d.version_id = v.id AND d.split = 'val') AS val,
      (SELECT count(*) FROM dataset_items d WHERE d.version_id = v.id AND d.split = 'test') AS test
      FROM dataset_versions v ORDER BY v.id DESC`,
    ).all() as { id: number; createdAt: string; train: number; val: number; test: number }[]
  }

  items(versionId: number, split?: Split): DatasetItem[] {
    const where = split ? 'AND d.split = ?' : ''
    return this.sql(
      `SELECT d.image_id AS imageId, i.hash, i.ext, d.class_index AS classIndex, d.split
      FROM dataset_items d JOIN images i ON i.id = d.image_id WHERE d.version_id = ? ${where} ORDER BY d.image_id`,
    ).all(...(split ? [versionId, split] : [versionId])) as DatasetItem[]
  }

  splitCounts(versionId: number): Record<Split, number[]> {
    const v = this.version(versionId)!
    const out: Record<Split, number[]> = { train: [], val: [], test: [] }
    for (const s of SPLITS) out[s] = v.classes.map(() => 0)
    const rows = this.sql(
      `SELECT split, class_index AS c, count(*) AS n FROM dataset_items WHERE version_id = ?
      GROUP BY split, class_index`,
    ).all(versionId) as { split: Split; c: number; n: number }[]
    for (const r of rows) out[r.split][r.c] = r.n
    return out
  }
}
