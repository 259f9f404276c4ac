import type { ImageQuery } from '../api/requests'
import { ValidationError } from '../errors'
import { attributeMatches, attributeWhere, type FilterUse } from './attribute-filter'
import type { AttributeQueries } from './attributes'
import { dataStamp, statementCache, type Db, type Sql } from './db'
import { LATEST_CHECK_SQL, UNDECIDED_SUSPECT_SQL } from './quality'

export interface ImageRecord {
  id: number
  hash: string
  originalName: string
  relPath: string
  ext: string
  format: string
  width: number
  height: number
  bytes: number
  origin: string | null
  batchId: number | null
  importedAt: string
  status: 'ok' | 'missing'
  classId: number | null
  className: string | null
}

export type NewImage = Omit<ImageRecord, 'id' | 'status' | 'classId' | 'className'>

/**
 * A page request: the browse query of the contract (declared once, with its limits and the meaning
 * of each field, in api/requests.ts) less `count`, which the service handles.
 */
export type PageRequest = Omit<ImageQuery, 'count'>
/** The filters of a page request; all given filters must hold (AND). */
export type ImageFilter = Omit<PageRequest, 'sort' | 'order' | 'limit' | 'cursor' | 'offset'>
export type ImageSort = NonNullable<PageRequest['sort']>
export type SortOrder = NonNullable<PageRequest['order']>

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

const SELECT = `SELECT i.id, i.hash, i.original_name AS originalName, i.rel_path AS relPath, i.ext, i.format,
  i.width, i.height, i.bytes, i.origin, i.batch_id AS batchId, i.imported_at AS importedAt, i.status,
  i.class_id AS classId, c.name AS className
  FROM images i LEFT JOIN classes c ON c.id = i.class_id`

/** Rows between offset anchors (see ImageQueries.anchor). */
const ANCHOR_STEP = 1000

export class ImageQueries {
  private readonly sql: Sql
  private readonly anchors = new Map<string, { stamp: string; list: [string | number | null, number][] }>()
  private readonly searchPlans = new Map<string, { stamp: string; few: boolean }>()
  private readonly confusion = new Map<
    number,
    { stamp: string; rows: { classId: number | null; predicted: number | null; n: number }[] }
  >()

  /** `attributes`: the value counts the attribute filter picks its plan by. */
  constructor(
    db: Db,
    private readonly attributes: AttributeQueries,
  ) {
    this.sql = statementCache(db)
  }

  /** Inserts an unlabeled image; the caller sets its label through the label log. */
  insert(img: NewImage): number {
    const id = Number(
      this.sql(
        `INSERT INTO images
      (hash, original_name, rel_path, ext, format, width, height, bytes, origin, batch_id, imported_at)
      VALUES (@hash, @originalName, @relPath, @ext, @format, @width, @height, @bytes, @origin, @batchId, @importedAt)`,
      ).run(img).lastInsertRowid,
    )
    return id
  }

  get(id: number): ImageRecord | undefined {
    return this.sql(`${SELECT} WHERE i.id = ?`).get(id) as ImageRecord | undefined
  }

  byHash(hash: string): ImageRecord | undefined {
    return this.sql(`${SELECT} WHERE i.hash = ?`).get(hash) as ImageRecord | undefined
  }

  /** Resolves user references: numeric id, full or ≥6-char hash prefix, or relative path. */
  resolve(ref: string): ImageRecord | undefined {
    if (/^\d+$/.test(ref)) return this.get(Number(ref))
    if (/^[0-9a-f]{6,64}$/i.test(ref)) {
      const rows = this.sql(`${SELECT} WHERE i.hash >= ? AND i.hash < ? LIMIT 2`).all(
        ref.toLowerCase(),
        ref.toLowerCase() + 'g',
      ) as ImageRecord[]
      if (rows.length === 1) return rows[0]
    }
    return this.sql(`${SELECT} WHERE i.rel_path = ? ORDER BY i.id LIMIT 1`).get(ref) as ImageRecord | undefined
  }

  setStatus(id: number, status: 'ok' | 'missing'): void {
    this.sql('UPDATE images SET status = ? WHERE id = ?').run(status, id)
  }

  /** One page of images, keyset-paginated on (sort key, id) so pages stay stable while rows are added. */
  page(req: PageRequest): Page<ImageRecord> {
    const limit = req.limit ?? 100
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ValidationError('limit must be 1–1000')
    const sort = req.sort ?? 'imported'
    const offset = req.offset ?? 0
    if (!Number.isInteger(offset) || offset < 0) throw new ValidationError('offset must be a whole number ≥ 0')
    if (offset && req.cursor) throw new ValidationError('give either cursor or offset, not both')
    let after = req.cursor ? decodeCursor(req.cursor) : null
    let skip = offset
    if (offset >= ANCHOR_STEP) {
      // Deep positions seek from the nearest anchor instead of walking `offset` rows.
      const anchor = this.anchor(req, Math.floor(offset / ANCHOR_STEP))
      if (!anchor) return { items: [], nextCursor: null }
      after = anchor
      skip = offset % ANCHOR_STEP
    }
    const items = this.rows(req, after, `${SELECT}`, limit + 1, skip) as ImageRecord[]
    let nextCursor: string | null = null
    if (items.length > limit) {
      items.length = limit
      const last = items[limit - 1]!
      nextCursor = encodeCursor(sortValue(sort, last), last.id)
    }
    return { items, nextCursor }
  }

  /** Rows of the query in its order, after a (sort value, id) position, as `select` names them. */
  private rows(
    req: PageRequest,
    after: [string | number | null, number] | null,
    select: string,
    limit: number,
    offset: number,
    explain = false,
  ): unknown[] {
    const sort = req.sort ?? 'imported'
    const desc = (req.order ?? 'asc') === 'desc'
    const { where, params } = this.filterSql(req, { sort })
    const key = SORT_KEYS[sort]
    const cmp = desc ? '<' : '>'
    if (after) {
      const [value, id] = after
      if (key) {
        // A row value lets SQLite seek the (key, id) index straight to the cursor.
        where.push(`(${key}, i.id) ${cmp} (?, ?)`)
        params.push(value, id)
      } else {
        where.push(`i.id ${cmp} ?`)
        params.push(id)
      }
    }
    const dir = desc ? 'DESC' : 'ASC'
    const order = key ? `${key} ${dir}, i.id ${dir}` : `i.id ${dir}`
    const sql = `${select} ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY ${order} LIMIT ? OFFSET ?`
    const stmt = this.sql(explain ? `EXPLAIN QUERY PLAN ${sql}` : sql)
    return stmt.all(...params, limit, offset)
  }

  /**
   * SQLite's plan for a page of `req` (and for its count), one line per step: tests check that
   * filters stay index searches or walks that stop with the page, never a scan and sort of everything.
   */
  plan(req: PageRequest): { page: string[]; count: string[] } {
    const after = req.cursor ? decodeCursor(req.cursor) : null
    const rows = this.rows(req, after, SELECT, (req.limit ?? 100) + 1, 0, true) as { detail: string }[]
    const { where, params } = this.filterSql(req, 'count')
    const sql = `EXPLAIN QUERY PLAN SELECT count(*) AS n FROM images i ${where.length ? 'WHERE ' + where.join(' AND ') : ''}`
    const count = this.sql(sql).all(...params) as { detail: string }[]
    return { page: rows.map((r) => r.detail), count: count.map((r) => r.detail) }
  }

  /**
   * The (sort value, id) of the row just before position k·ANCHOR_STEP, or null past the end.
   * Anchors are found step by step (each an OFFSET of one step from the one before) and kept per
   * query until the data changes, so a grid jumping around 100,000 rows pays each step once.
   */
  private anchor(req: PageRequest, k: number): [string | number | null, number] | null {
    const { cursor: _c, offset: _o, limit: _l, ...query } = req
    const id = JSON.stringify(query)
    const stamp = dataStamp(this.sql)
    let entry = this.anchors.get(id)
    if (!entry || entry.stamp !== stamp) {
      entry = { stamp, list: [] }
      this.anchors.set(id, entry)
      if (this.anchors.size > 20) this.anchors.delete(this.anchors.keys().next().value!)
    }
    const column = { imported: 'NULL', name: 'i.original_name', size: 'i.bytes' }[req.sort ?? 'imported']
    while (entry.list.length < k) {
      const prev = entry.list.at(-1) ?? null
      const row = this.rows(
        req,
        prev,
        `SELECT ${column} AS v, i.id AS id FROM images i LEFT JOIN classes c ON c.id = i.class_id`,
        1,
        ANCHOR_STEP - 1,
      )[0] as { v: string | number | null; id: number } | undefined
      if (!row) return null
      entry.list.push([row.v, row.id])
    }
    return entry.list[k - 1]!
  }

  count(filter: ImageFilter = {}): number {
    const lens = this.lensCount(filter)
    if (lens !== null) return lens
    if (filter.attribute && !filterSql(filter).where.length) {
      // The attribute alone: its value counts know the answer (visiting 50,000 rows to count them costs ≈ 250 ms).
      const name = filter.attribute.name.trim().toLowerCase()
      return attributeMatches(filter.attribute, this.attributes.valueCounts(name))
    }
    const { where, params } = this.filterSql(filter, 'count')
    const sql = `SELECT count(*) AS n FROM images i ${where.length ? 'WHERE ' + where.join(' AND ') : ''}`
    return (this.sql(sql).get(...params) as { n: number }).n
  }

  /**
   * The count of a lens filter on the predicted class or its correctness (with or without a class
   * filter) from the run's confusion counts: (image class, predicted index) → images, one grouped
   * pass over the run's rows, kept per run until the data changes. Browse counts once per filter
   * change, and each lens filter would otherwise test every row of the project again (≈ 60–120 ms at
   * 100,000 images). Null when the filter has anything else (confidence, origin, search, …).
   */
  private lensCount(f: ImageFilter): number | null {
    const { runId, predictedClassIds, correct, classIds, unlabeled } = f
    if (runId === undefined || (!predictedClassIds?.length && correct === undefined)) return null
    const others = [f.origin, f.search, f.split, f.versionId, f.minConfidence, f.maxConfidence, f.finding, f.attribute]
    if (others.some((v) => v !== undefined) || f.suspects) return null
    const stamp = dataStamp(this.sql)
    let cells = this.confusion.get(runId)
    if (cells?.stamp !== stamp) {
      // Scores: driven by the images' (class_id, id) index with one primary-key probe each (joining
      // from the scores instead fetches 100,000 image rows at random: 3× slower). Then the run's
      // predictions of images it did not score (LENS_ROWS_SQL's two parts), a test split's worth.
      const predicted = this.predictedClassSql(runId)
      const rows = this.sql(
        `SELECT i.class_id AS classId, ${predicted} AS predicted, count(*) AS n
        FROM images i CROSS JOIN scores p ON p.run_id = ? AND p.image_id = i.id GROUP BY 1, 2
        UNION ALL SELECT i.class_id, ${predicted}, count(*) FROM predictions p JOIN images i ON i.id = p.image_id
        WHERE p.run_id = ? AND NOT EXISTS (SELECT 1 FROM scores s WHERE s.run_id = p.run_id AND s.image_id = p.image_id)
        GROUP BY 1, 2`,
      ).all(runId, runId) as { classId: number | null; predicted: number | null; n: number }[]
      cells = { stamp, rows }
      this.confusion.set(runId, cells)
      if (this.confusion.size > 4) this.confusion.delete(this.confusion.keys().next().value!)
    }
    const wanted = new Set(classIds ?? [])
    let n = 0
    for (const c of cells.rows) {
      if ((classIds?.length || unlabeled) && !(c.classId === null ? unlabeled : wanted.has(c.classId))) continue
      if (predictedClassIds?.length && (c.predicted === null || !predictedClassIds.includes(c.predicted))) continue
      if (correct !== undefined && (c.predicted === c.classId) !== correct) continue
      n += c.n
    }
    return n
  }

  /** Distinct origin tags with their image counts. */
  origins(): { origin: string | null; count: number }[] {
    return this.sql('SELECT origin, count(*) AS count FROM images GROUP BY origin ORDER BY origin').all() as {
      origin: string | null
      count: number
    }[]
  }

  /**
   * Whether a search has few enough matches (a trigram index probe, at most SEARCH_LIST_MAX rows read)
   * to be answered from the index; kept per text until the data changes, as every page asks again.
   */
  private fewSearchMatches(search: string): boolean {
    if ([...search].length < 3) return false // the trigram index knows substrings of 3 characters and more
    if (search.includes('\0')) return false // an FTS5 query ends at NUL ("unterminated string"): LIKE alone
    const stamp = dataStamp(this.sql)
    const known = this.searchPlans.get(search)
    if (known?.stamp === stamp) return known.few
    const n = (
      this.sql(`SELECT count(*) AS n FROM (SELECT 1 FROM images_search WHERE images_search MATCH ? LIMIT ?)`).get(
        ftsPhrase(search),
        SEARCH_LIST_MAX,
      ) as { n: number }
    ).n
    this.searchPlans.set(search, { stamp, few: n < SEARCH_LIST_MAX })
    if (this.searchPlans.size > 20) this.searchPlans.delete(this.searchPlans.keys().next().value!)
    return n < SEARCH_LIST_MAX
  }

  /**
   * The run's predicted class id of a lens row `p` as SQL: its version's class list (output index →
   * class id) written out as a CASE, so a filter over 100,000 rows parses no JSON per row. NULL for
   * an index outside the list, as json_extract gives.
   */
  private predictedClassSql(runId: number): string {
    const row = this.sql(
      'SELECT v.classes FROM runs r JOIN dataset_versions v ON v.id = r.dataset_version WHERE r.id = ?',
    ).get(runId) as { classes: string } | undefined
    const ids = row ? (JSON.parse(row.classes) as { id: unknown }[]).map((c) => c.id) : []
    if (!ids.length) return 'NULL'
    if (!ids.every((id) => Number.isSafeInteger(id))) {
      return `json_extract((SELECT v.classes FROM runs r JOIN dataset_versions v ON v.id = r.dataset_version
        WHERE r.id = p.run_id), '$[' || p.pred_index || '].id')`
    }
    return `CASE p.pred_index ${ids.map((id, k) => `WHEN ${k} THEN ${id as number}`).join(' ')} END`
  }

  total(): number {
    return (this.sql('SELECT count(*) AS n FROM images').get() as { n: number }).n
  }

  /** The WHERE terms of a filter; `use` lets the attribute filter pick a list or a walk. */
  private filterSql(f: ImageFilter, use: FilterUse): { where: string[]; params: unknown[] } {
    const out = filterSql(f, {
      searchIndex: f.search ? this.fewSearchMatches(f.search) : false,
      predicted: f.runId !== undefined ? this.predictedClassSql(f.runId) : undefined,
    })
    if (f.attribute) {
      const a = attributeWhere(f.attribute, (name) => this.attributes.valueCounts(name), use)
      out.where.push(a.sql)
      out.params.push(...a.params)
    }
    return out
  }
}

/**
 * Searches of fewer matches than this take the trigram index's list of matching images (sorted, then
 * paged); more common text is found faster by walking the sort order with LIKE, which stops when the
 * page is full (at 2,000 of 100,000, a page of 100 is about 5,000 rows walked).
 */
const SEARCH_LIST_MAX = 2000

const SORT_KEYS: Record<ImageSort, string | null> = {
  imported: null,
  name: 'i.original_name COLLATE NOCASE',
  size: 'i.bytes',
}

function sortValue(sort: ImageSort, row: ImageRecord): string | number | null {
  if (sort === 'name') return row.originalName
  if (sort === 'size') return row.bytes
  return null
}

/** A search text as an FTS5 phrase: quoted, inner quotes doubled (no operator is read in it). */
function ftsPhrase(search: string): string {
  return `"${search.replace(/"/g, '""')}"`
}

/**
 * `searchIndex`: narrow the search by the trigram index first (its matches are a superset of LIKE's:
 * it folds the case of every letter, LIKE of ASCII ones). `predicted`: the predicted class id of lens
 * row `p` as SQL (ImageQueries.predictedClassSql); by default read from the version's JSON per row.
 */
function filterSql(
  f: ImageFilter,
  opts: { searchIndex?: boolean; predicted?: string } = {},
): { where: string[]; params: unknown[] } {
  const where: string[] = []
  const params: unknown[] = []
  const classIds = f.classIds ?? []
  if (classIds.length || f.unlabeled) {
    const parts: string[] = []
    if (classIds.length) {
      parts.push(`i.class_id IN (${classIds.map(() => '?').join(', ')})`)
      params.push(...classIds)
    }
    if (f.unlabeled) parts.push('i.class_id IS NULL')
    where.push(parts.length > 1 ? `(${parts.join(' OR ')})` : parts[0]!)
  }
  if (f.origin !== undefined) {
    if (f.origin === null) where.push('i.origin IS NULL')
    else {
      where.push('i.origin = ?')
      params.push(f.origin)
    }
  }
  if (f.search) {
    const like = `%${f.search.replace(/[\\%_]/g, (m) => '\\' + m)}%`
    if (opts.searchIndex) {
      where.push('i.id IN (SELECT rowid FROM images_search WHERE images_search MATCH ?)')
      params.push(ftsPhrase(f.search))
    }
    where.push(`(i.original_name LIKE ? ESCAPE '\\' OR i.rel_path LIKE ? ESCAPE '\\')`)
    params.push(like, like)
  }
  if (f.split !== undefined) {
    if (f.versionId === undefined && f.runId === undefined) throw new ValidationError('split needs versionId or runId')
    const version = f.versionId ?? null
    where.push(`EXISTS (SELECT 1 FROM dataset_items d WHERE d.version_id = coalesce(?, (SELECT dataset_version FROM runs WHERE id = ?))
      AND d.image_id = i.id AND d.split = ?)`)
    params.push(version, f.runId ?? null, f.split)
  }
  if (f.finding !== undefined) {
    // Images of one kind of the last health report; IN lets SQLite walk the (kind, image_id) key.
    where.push('i.id IN (SELECT h.image_id FROM health_findings h WHERE h.kind = ?)')
    params.push(f.finding)
  }
  const lens =
    f.predictedClassIds?.length ||
    f.correct !== undefined ||
    f.minConfidence !== undefined ||
    f.maxConfidence !== undefined
  if (lens) {
    if (f.runId === undefined) throw new ValidationError('predictedClassIds, correct and confidence filters need runId')
    // The predicted class id: the version's class list maps output index → class id.
    const predicted =
      opts.predicted ??
      `json_extract((SELECT v.classes FROM runs r JOIN dataset_versions v ON v.id = r.dataset_version
        WHERE r.id = p.run_id), '$[' || p.pred_index || '].id')`
    const cond: string[] = []
    const values: unknown[] = []
    if (f.predictedClassIds?.length) {
      cond.push(`${predicted} IN (${f.predictedClassIds.map(() => '?').join(', ')})`)
      values.push(...f.predictedClassIds)
    }
    if (f.correct !== undefined) cond.push(f.correct ? `${predicted} IS i.class_id` : `${predicted} IS NOT i.class_id`)
    if (f.minConfidence !== undefined) {
      cond.push('p.confidence >= ?')
      values.push(f.minConfidence)
    }
    if (f.maxConfidence !== undefined) {
      cond.push('p.confidence <= ?')
      values.push(f.maxConfidence)
    }
    // The image's lens row (LENS_ROWS_SQL: its score, else its prediction) passes the test: one
    // primary-key probe of the scores for a scored image, not a compound query per row.
    const test = `coalesce(${cond.join(' AND ')}, 0)`
    where.push(`coalesce((SELECT ${test} FROM scores p WHERE p.run_id = ? AND p.image_id = i.id),
      (SELECT ${test} FROM predictions p WHERE p.run_id = ? AND p.image_id = i.id), 0)`)
    params.push(...values, f.runId, ...values, f.runId)
  }
  if (f.suspects) {
    // Undecided suspects of the latest label check (the service shows none while it is stale).
    where.push(`EXISTS (SELECT 1 FROM label_check_items s JOIN label_checks k ON k.id = s.check_id
      WHERE s.check_id = (${LATEST_CHECK_SQL}) AND s.image_id = i.id AND ${UNDECIDED_SUSPECT_SQL})`)
  }
  return { where, params }
}

function encodeCursor(value: string | number | null, id: number): string {
  return Buffer.from(JSON.stringify([value, id])).toString('base64url')
}

function decodeCursor(cursor: string): [string | number | null, number] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown
    if (Array.isArray(v) && v.length === 2 && typeof v[1] === 'number') return [v[0] as string | number | null, v[1]]
  } catch {
    // fall through to the error below
  }
  throw new ValidationError('cursor is not one returned by a previous page')
}
