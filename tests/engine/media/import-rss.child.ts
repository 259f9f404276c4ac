/**
 * Child process of decode-budget.test.ts: imports a folder and prints its own peak RSS, which a
 * parent cannot read portably for a child. Usage: import-rss.child.ts <project> <source> <concurrency>
 */
import { Studio } from '../../../main/engine/studio'

const [project, source, concurrency] = process.argv.slice(2)
const studio = Studio.open(project!)
const before = process.memoryUsage().rss
const summary = await studio.import(source!, { concurrency: Number(concurrency) })
studio.close()
// maxRSS is in kilobytes.
const peak = process.resourceUsage().maxRSS * 1024
process.stdout.write(JSON.stringify({ errors: summary.errors, before, peak }) + '\n')
