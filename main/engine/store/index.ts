import { AttributeQueries } from './attributes'
import type { Db } from './db'
import { DatasetQueries } from './datasets'
import { HealthQueries } from './health'
import { ImageQueries } from './images'
import { ImportQueries } from './imports'
import { LabelQueries } from './labels'
import { PrivacyQueries } from './privacy'
import { QualityQueries } from './quality'
import { RunQueries } from './runs'

export { openDatabase, type Db } from './db'
export * from './attribute-filter'
export * from './attributes'
export * from './builtin-attributes'
export * from './datasets'
export * from './health'
export * from './images'
export * from './imports'
export * from './labels'
export * from './privacy'
export * from './project'
export * from './quality'
export * from './runs'

/** Every typed query of a project, prepared once per connection. The only place SQL lives. */
export interface Store {
  db: Db
  images: ImageQueries
  labels: LabelQueries
  imports: ImportQueries
  datasets: DatasetQueries
  runs: RunQueries
  quality: QualityQueries
  health: HealthQueries
  attributes: AttributeQueries
  privacy: PrivacyQueries
  /**
   * Runs `fn` in one write transaction, begun IMMEDIATE so that it waits (busy timeout) for another
   * connection's writer instead of failing at its first write after a read. Nested calls become savepoints.
   */
  tx<T>(fn: () => T): T
  integrityCheck(): string
}

export function createStore(db: Db): Store {
  const attributes = new AttributeQueries(db)
  return {
    db,
    images: new ImageQueries(db, attributes),
    labels: new LabelQueries(db),
    imports: new ImportQueries(db),
    datasets: new DatasetQueries(db),
    runs: new RunQueries(db),
    quality: new QualityQueries(db),
    health: new HealthQueries(db),
    attributes,
    privacy: new PrivacyQueries(db),
    tx: (fn) => db.transaction(fn).immediate(),
    integrityCheck: () => db.pragma('integrity_check', { simple: true }) as string,
  }
}
