/**
 * Writes bench/scale's image set in a process of its own (its memory is not Studio's):
 *   tsx bench/lib/write-scale-set.ts <dir> <fashion> <photos>
 * Prints one JSON line: {files, bytes, seconds}.
 */
import { writeSet } from './scale-set'

const [dir, fashion, photos] = process.argv.slice(2)
if (!dir || !fashion || !photos) throw new Error('usage: write-scale-set.ts <dir> <fashion> <photos>')
const summary = await writeSet(dir, { fashion: Number(fashion), photos: Number(photos) }, (s) => console.error(s))
console.log(JSON.stringify(summary))
