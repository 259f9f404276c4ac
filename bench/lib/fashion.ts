import fs from 'node:fs'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'

/** Where Debian's dataset-fashion-mnist puts the IDX files. */
export const FASHION_DIR = '/usr/share/datasets/fashion-mnist'
export const FASHION_CLASSES = [
  't-shirt',
  'trouser',
  'pullover',
  'dress',
  'coat',
  'sandal',
  'shirt',
  'sneaker',
  'bag',
  'ankle-boot',
]

export interface FashionSplit {
  /** n × 784 grey pixels. */
  pixels: Uint8Array
  labels: Uint8Array
}

/** The official train (60,000) and test (10,000) splits; exits with the apt hint when absent. */
export function loadFashion(): { train: FashionSplit; test: FashionSplit } {
  if (!fs.existsSync(FASHION_DIR)) {
    console.error(`${FASHION_DIR} is missing: apt-get install -y dataset-fashion-mnist`)
    process.exit(1)
  }
  const idx = (file: string, header: number) =>
    gunzipSync(fs.readFileSync(path.join(FASHION_DIR, file))).subarray(header)
  return {
    train: { pixels: idx('train-images-idx3-ubyte.gz', 16), labels: idx('train-labels-idx1-ubyte.gz', 8) },
    test: { pixels: idx('t10k-images-idx3-ubyte.gz', 16), labels: idx('t10k-labels-idx1-ubyte.gz', 8) },
  }
}

/** Rows `rows` of a split as float features in [0, 1] (n × 784). */
export function pixelFeatures(split: FashionSplit, rows: readonly number[]): Float32Array {
  const x = new Float32Array(rows.length * 784)
  rows.forEach((r, i) => {
    for (let f = 0; f < 784; f++) x[i * 784 + f] = split.pixels[r * 784 + f]! / 255
  })
  return x
}
