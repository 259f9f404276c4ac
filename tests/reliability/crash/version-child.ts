/**
 * Child process of the crash trials' dataset-version scenario (Studio has no command that only
 * freezes a version; `studio train` does it first, then forks the trainer). Freezes versions with
 * seeds from..to and prints `ack <seed> <version id>` after each commit, so the parent knows what
 * was acknowledged when it kills this process.
 *   version-child.ts <project> <from seed> <to seed>
 */
import { createDatasetVersion } from '../../../main/engine/datasets/versions'
import { Studio } from '../../../main/engine/studio'

const [dir, from, to] = process.argv.slice(2)
const studio = Studio.open(dir!)
for (let seed = Number(from); seed <= Number(to); seed++) {
  const id = createDatasetVersion(studio.store, { seed })
  process.stdout.write(`ack ${seed} ${id}\n`)
}
studio.close()
