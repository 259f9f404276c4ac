/**
 * The few ONNX protobuf messages an exported classifier needs, encoded by hand. The wire format is
 * small (varints and length-delimited fields), and writing it here keeps the app free of a runtime
 * protobuf dependency; the field numbers are onnx.proto's, and every test decodes the result with
 * onnxruntime, a reader nobody here wrote.
 */

/** onnx.proto TensorProto.DataType values used here. */
export const FLOAT = 1
export const INT64 = 7

export interface Tensor {
  name: string
  dims: number[]
  type: typeof FLOAT | typeof INT64
  /** Little-endian raw bytes (float32 or int64). */
  raw: Uint8Array
}

export type Attr =
  | { name: string; f: number }
  | { name: string; i: number }
  | { name: string; ints: number[] }
  | { name: string; s: string }

export interface Node {
  op: string
  name: string
  inputs: string[]
  outputs: string[]
  attrs: Attr[]
}

/** A graph input or output: float32 with fixed or named (symbolic) dimensions. */
export interface ValueInfo {
  name: string
  dims: (number | string)[]
}

export interface Model {
  graph: { name: string; nodes: Node[]; initializers: Tensor[]; inputs: ValueInfo[]; outputs: ValueInfo[] }
  opset: number
  producer: string
  producerVersion: string
  doc: string
}

/**
 * Writes fields in order. Payloads (weights, nested messages) are kept as references and copied
 * once, into the final buffer, so a 50 MB model is not copied at every level of nesting.
 */
class Writer {
  private parts: Uint8Array[] = []
  private scratch: number[] = []
  length = 0

  private flush(): void {
    if (!this.scratch.length) return
    this.parts.push(Uint8Array.from(this.scratch))
    this.scratch = []
  }

  varint(v: number | bigint): void {
    // Negative int64 values are ten bytes of two's complement, as protobuf writes them.
    let x = BigInt.asUintN(64, BigInt(v))
    while (x >= 0x80n) {
      this.scratch.push(Number(x & 0x7fn) | 0x80)
      this.length++
      x >>= 7n
    }
    this.scratch.push(Number(x))
    this.length++
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire)
  }

  int(field: number, v: number): void {
    this.tag(field, 0)
    this.varint(v)
  }

  bytes(field: number, b: Uint8Array | Writer): void {
    this.tag(field, 2)
    this.varint(b.length)
    this.flush()
    if (b instanceof Writer) {
      b.flush()
      for (const p of b.parts) this.parts.push(p)
    } else this.parts.push(b)
    this.length += b.length
  }

  str(field: number, s: string): void {
    this.bytes(field, new TextEncoder().encode(s))
  }

  float(field: number, v: number): void {
    this.tag(field, 5)
    this.flush()
    const b = new Uint8Array(4)
    new DataView(b.buffer).setFloat32(0, v, true)
    this.parts.push(b)
    this.length += 4
  }

  finish(): Uint8Array {
    this.flush()
    const out = new Uint8Array(this.length)
    let at = 0
    for (const p of this.parts) {
      out.set(p, at)
      at += p.length
    }
    return out
  }
}

function message(write: (w: Writer) => void): Writer {
  const w = new Writer()
  write(w)
  return w
}

// AttributeProto.AttributeType
const ATTR_FLOAT = 1
const ATTR_INT = 2
const ATTR_STRING = 3
const ATTR_INTS = 7

function attribute(a: Attr): Writer {
  return message((w) => {
    w.str(1, a.name)
    if ('f' in a) {
      w.float(2, a.f)
      w.int(20, ATTR_FLOAT)
    } else if ('i' in a) {
      w.int(3, a.i)
      w.int(20, ATTR_INT)
    } else if ('ints' in a) {
      for (const v of a.ints) w.int(8, v)
      w.int(20, ATTR_INTS)
    } else {
      w.str(4, a.s)
      w.int(20, ATTR_STRING)
    }
  })
}

function node(n: Node): Writer {
  return message((w) => {
    for (const i of n.inputs) w.str(1, i)
    for (const o of n.outputs) w.str(2, o)
    w.str(3, n.name)
    w.str(4, n.op)
    for (const a of n.attrs) w.bytes(5, attribute(a))
  })
}

function tensor(t: Tensor): Writer {
  return message((w) => {
    for (const d of t.dims) w.int(1, d)
    w.int(2, t.type)
    w.str(8, t.name)
    w.bytes(9, t.raw)
  })
}

function valueInfo(v: ValueInfo): Writer {
  const shape = message((w) => {
    for (const d of v.dims)
      w.bytes(
        1,
        message((dw) => (typeof d === 'number' ? dw.int(1, d) : dw.str(2, d))),
      )
  })
  const tensorType = message((w) => {
    w.int(1, FLOAT)
    w.bytes(2, shape)
  })
  return message((w) => {
    w.str(1, v.name)
    w.bytes(
      2,
      message((tw) => tw.bytes(1, tensorType)),
    )
  })
}

/** ModelProto bytes. IR version 8 is what opset 13–17 models are written with. */
export function encodeModel(m: Model): Uint8Array {
  const graph = message((w) => {
    for (const n of m.graph.nodes) w.bytes(1, node(n))
    w.str(2, m.graph.name)
    for (const t of m.graph.initializers) w.bytes(5, tensor(t))
    for (const i of m.graph.inputs) w.bytes(11, valueInfo(i))
    for (const o of m.graph.outputs) w.bytes(12, valueInfo(o))
  })
  return message((w) => {
    w.int(1, 8)
    w.str(2, m.producer)
    w.str(3, m.producerVersion)
    w.str(6, m.doc)
    w.bytes(7, graph)
    w.bytes(
      8,
      message((ow) => {
        ow.str(1, '')
        ow.int(2, m.opset)
      }),
    )
  }).finish()
}
