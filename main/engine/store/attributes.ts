import type { ValueCounts } from './attribute-filter'
import { builtInSql, isBuiltIn, type BuiltInName } from './builtin-attributes'
import { dataStamp, statementCache, type Db, type Sql } from './db'

export interface AttributeNameCount {
  name: string
  /** Images that have the attribute. */
  images: number
  /** Distinct values. */
  values: number
}

/** Stored image attributes (migration 5): one value per image and attribute name; built-ins in SQL. */
export class AttributeQueries {
  private readonly sql: Sql
  /** Value counts per attribute, until the data changes (Browse's filter reads them on every page). */
  private readonly counted = new Map<string, { stamp: string; counts: ValueCounts }>()

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

  /** Values of one stored attribute with their image counts, most common first. */
  values(name: string): { value: string; images: number }[] {
    return this.valueCounts(name).values
  }

  /**
   * Values of one attribute (built in or stored; names are never both) with their image counts, most
   * common first (ties by value), and the project's image count. One index scan, kept until the data
   * changes: Browse's "other" and its choice of plan need them for every page.
   */
  valueCounts(name: string): ValueCounts {
    const stamp = dataStamp(this.sql)
    const hit = this.counted.get(name)
    if (hit?.stamp === stamp) return hit.counts
    const values = (
      isBuiltIn(name)
        ? this.sql(
            `SELECT ${builtInSql(name)} AS value, count(*) AS images FROM images
          GROUP BY 1 ORDER BY images DESC, value`,
          ).all()
        : this.sql(
            `SELECT value, count(*) AS images FROM image_attributes WHERE name = ?
          GROUP BY value ORDER BY images DESC, value`,
          ).all(name)
    ) as { value: string; images: number }[]
    const total = (this.sql('SELECT count(*) AS n FROM images').get() as { n: number }).n
    const counts = { values, total }
    this.counted.set(name, { stamp, counts })
    if (this.counted.size > 50) this.counted.delete(this.counted.keys().next().value!)
    return counts
  }

  /** One stored attribute's value for each of these images that has it. */
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

  /** A built-in attribute's value for each of these images. */
  builtInValues(name: BuiltInName, imageIds: readonly number[]): Map<number, string> {
    const rows = this.sql(
      `SELECT id, ${builtInSql(name)} AS value FROM images WHERE id IN (SELECT value FROM json_each(?))`,
    ).all(JSON.stringify(imageIds)) as { id: number; value: string }[]
    return new Map(rows.map((r) => [r.id, r.value]))
  }

  /** The ids among these that are no image of the project. */
  unknownImages(imageIds: readonly number[]): number[] {
    const rows = this.sql(
      'SELECT DISTINCT j.value AS id FROM json_each(?) j WHERE NOT EXISTS (SELECT 1 FROM images WHERE id = j.value)',
    ).all(JSON.stringify(imageIds)) as { id: number }[]
    return rows.map((r) => r.id)
  }

  ofImage(imageId: number): { name: string; value: string }[] {
    return this.sql('SELECT name, value FROM image_attributes WHERE image_id = ? ORDER BY name').all(imageId) as {
      name: string
      value: string
    }[]
  }

  /** Relative path → image of every source one import batch recorded (imported files and duplicates). */
  batchSources(batchId: number): Map<string, number> {
    const rows = this.sql('SELECT rel_path AS relPath, image_id AS imageId FROM image_sources WHERE batch_id = ?').all(
      batchId,
    ) as { relPath: string; imageId: number }[]
    return new Map(rows.map((r) => [r.relPath, r.imageId]))
  }
}
