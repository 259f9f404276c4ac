/**
 * bench/fuzz: bad input everywhere. A generated corpus of malformed images of every kind (zero
 * bytes, cut at random offsets, corrupted bytes, header only, random bytes, declared 30000×30000
 * PNGs, SVG with external references, CMYK / 16-bit / alpha / animated, wrong extensions, unicode,
 * newline, leading-dash and 250-byte names, symlink loops and links out of the folder, FIFOs,
 * unreadable files and folders) mixed with good images, imported by the real CLI (peak RSS under
 * /usr/bin/time; as root under setpriv so chmod 000 denies reads); hostile CSV imports and the CSV
 * export; fast-check payloads for every request of the contract through a real `studio serve`
 * (HTTP) and through the IPC binding (a fake ipcMain); raw malformed HTTP and WebSocket traffic.
 *
 *   npm run bench:fuzz [-- --bad 1000] [--good 200] [--runs 30] [--raw 100] [--seed 1]
 *
 * Resources: one process at a time besides the server under test. Last line:
 * files=<n> crashes=<n> good_lost=<n> requests=<n> status_500=<n> server_down=<n>.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fuzzLine, runFuzz } from '../tests/reliability/fuzz/suite'

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(name)
  return i < 0 ? d : Number(process.argv[i + 1])
}
const root = path.join(os.tmpdir(), `studio-fuzz-${process.pid}`)
console.log(`fuzz bench: ${os.cpus().length} cores`)
const t0 = Date.now()
const s = await runFuzz({
  root,
  bad: arg('--bad', 1000),
  good: arg('--good', 200),
  runsPerMethod: arg('--runs', 30),
  raw: arg('--raw', 100),
  seed: arg('--seed', 1),
  trainRun: true,
  log: (l) => console.log(l),
})
for (const n of s.notes) console.log(`note: ${n}`)
for (const f of s.failures.slice(0, 40)) console.log(`FAILED: ${f}`)
console.log(
  `failures: ${s.failures.length}; peak RSS of the import ${s.peakRssMb} MB; ${((Date.now() - t0) / 60000).toFixed(1)} min`,
)
if (!s.failures.length) fs.rmSync(root, { recursive: true, force: true })
else console.log(`kept ${root}`)
console.log(fuzzLine(s))
process.exit(s.failures.length ? 1 : 0)
