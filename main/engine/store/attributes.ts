import { statementCache, type Db, type Sql } from './db'

/** What the built-in (derived) attributes are computed from: columns of the image row. */
export interface ImageFactsRow {
  id: number
  origin: string | null
  batchId: number | null
  width: number
  height: number
  brightness: number | null
  colourfulness: number | null
}

export interface AttributeNameCount {
  name: string
  /** Images that have the attribute. */
  images: number
  /** Distinct values. */
  values: number
}

const FACT_COLS = 'id, origin, batch_id AS batchId, width, height, brightness, colourfulness'

/** Stored image attributes (migration 5): one value per image and attribute name. */
export class AttributeQueries {
  private readonly sql: Sql

  constructor(db: Db) {
    this.sql = statementCache(db)
  }

  /** Sets `name` to `value` on each image; returns how many images changed. */
  set(imageIds: readonly number[], name: string, value: string): number {
    const stmt = this.sql(`INSERT INTO image_attributes (image_id, name, value) VALUES (?, ?, ?)
      ON CONFLICT (image_id, name) DO UPDATE SET value = excluded.value WHERE value IS NOT excluded.value`)
    let changed = 0
    for (const id of new Set(imageIds)) changed += stmt.run(id, name, value).changes
    return changed
  }

  /** Removes `name` from each image; returns how many images had it. */
  clear(imageIds: readonly number[], name: string): number {
    const stmt = this.sql('DELETE FROM image_attributes WHERE image_id = ? AND name = ?')
    let changed = 0
    for (const id of new Set(imageIds)) changed += stmt.run(id, name).changes
    return changed
  }

  names(): AttributeNameCount[] {
    return this.sql(
      `SELECT name, count(*) AS images, count(DISTINCT value) AS "values" FROM image_attributes
      GROUP BY name ORDER BY name`,
    ).all() as AttributeNameCount[]
  }

  /** Values of one attribute with their image counts, most common first. */
  values(name: string): { value: string; images: number }[] {
    return this.sql(
      `SELECT value, count(*) AS images FROM image_attributes WHERE name = ?
      GROUP BY value ORDER BY images DESC, value`,
    ).all(name) as { value: string; images: number }[]
  }

  /** One attribute's value for each of these images that has it. */
  valuesOf(name: string, imageIds: readonly number[]): Map<number, string> {
    const rows = this.sql(
      `SELECT image_id AS imageId, value FROM image_attributes
      WHERE name = ? AND image_id IN (SELECT value FROM json_each(?))`,
    ).all(name, JSON.stringify(imageIds)) as {
      imageId: number
      value: string
    }[]
    return new Map(rows.map((r) => [r.imageId, r.value]))
  }

  ofImage(imageId: number): { name: string; value: string }[] {
    return this.sql('SELECT name, value FROM image_attributes WHERE image_id = ? ORDER BY name').all(imageId) as {
      name: string
      value: string
    }[]
  }

  /** The columns derived attributes are computed from, for these images (all images without ids). */
  facts(imageIds?: readonly number[]): ImageFactsRow[] {
    if (!imageIds) return this.sql(`SELECT ${FACT_COLS} FROM images ORDER BY id`).all() as ImageFactsRow[]
    return this.sql(`SELECT ${FACT_COLS} FROM images WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`).all(
      JSON.stringify(imageIds),
    ) as ImageFactsRow[]
  }

  /** Relative path → image of every source one import batch recorded (imported files and duplicates). */
  batchSources(batchId: number): Map<string, number> {
    const rows = this.sql('SELECT rel_path AS relPath, image_id AS imageId FROM image_sources WHERE batch_id = ?').all(
      batchId,
    ) as { relPath: string; imageId: number }[]
    return new Map(rows.map((r) => [r.relPath, r.imageId]))
  }
}
