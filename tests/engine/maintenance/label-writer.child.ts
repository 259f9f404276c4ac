/**
 * Writes labels to a project as fast as it can, one committed action at a time, printing `ack <n>`
 * after each commit (n = actions committed so far), until killed. Used to back up a project that
 * another process is writing.
 */
import { Studio } from '../../../main/engine/studio'

const [dir] = process.argv.slice(2)
const studio = Studio.open(dir!)
const ids = studio.store.images.page({ limit: 1000 }).items.map((i) => i.id)
const classes = ['a', 'b', 'c'].map((n) => studio.labels.ensureClass(n).name)
let n = 0
/** Actions committed (a call that changed nothing writes none). */
let acked = 0
const step = () => {
  for (let k = 0; k < 20; k++) {
    const img = ids[n % ids.length]!
    // The class moves on each round over the images, so every call changes a label.
    const cls = classes[(n + Math.floor(n / ids.length)) % classes.length]!
    const change = studio.labels.setLabels([img, ids[(n * 7 + 3) % ids.length]!], cls)
    n++
    if (change.actionId !== null) process.stdout.write(`ack ${++acked}\n`)
  }
  setImmediate(step)
}
step()
