import { randomBytes } from 'node:crypto'
import net from 'node:net'

/**
 * Raw sockets against the browser-mode server: nothing between the test and the server normalises
 * the request target, the headers or the frames, so malformed input arrives as an attacker sends it.
 */

/** Writes `data`, collects what comes back until the server closes or `waitMs` passes. */
export function exchange(port: number, data: Buffer | string, waitMs = 2000): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    const socket = net.connect(port, '127.0.0.1', () => socket.write(data))
    const done = () => {
      clearTimeout(timer)
      socket.destroy()
      resolve(Buffer.concat(chunks))
    }
    const timer = setTimeout(done, waitMs)
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('close', done)
    socket.on('error', done)
  })
}

/** A GET with this exact request target (and extra header lines), answered and closed. */
export function rawGet(port: number, target: string, headers: string[] = []): Promise<Buffer> {
  return exchange(
    port,
    [`GET ${target} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close', ...headers, '', ''].join('\r\n'),
  )
}

/** The status code of a raw HTTP reply; 0 when there was none. */
export function statusOf(reply: Buffer): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(reply.toString('latin1'))?.[1] ?? 0)
}

/** The body of a raw HTTP reply (after the blank line). */
export function bodyOf(reply: Buffer): string {
  const text = reply.toString('utf8')
  return text.slice(text.indexOf('\r\n\r\n') + 4)
}

/** A WebSocket on /api/events after a hand-made handshake: the socket, past the 101 reply. */
export function openEvents(port: number, token: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () =>
      socket.write(
        [
          `GET /api/events?token=${token} HTTP/1.1`,
          `Host: 127.0.0.1:${port}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
          'Sec-WebSocket-Version: 13',
          '',
          '',
        ].join('\r\n'),
      ),
    )
    let head = Buffer.alloc(0)
    const onData = (c: Buffer) => {
      head = Buffer.concat([head, c])
      if (!head.includes('\r\n\r\n')) return
      socket.off('data', onData)
      if (statusOf(head) === 101) resolve(socket)
      else reject(new Error(`handshake answered ${head.toString('latin1').split('\r\n')[0]}`))
    }
    socket.on('data', onData)
    socket.on('error', reject)
  })
}

/**
 * A client frame: `first` is the FIN/RSV/opcode byte; the payload is masked as a client must.
 * `declaredLength` overrides the length field (a frame that claims more than it carries).
 */
export function clientFrame(first: number, payload: Buffer, declaredLength?: bigint): Buffer {
  const mask = randomBytes(4)
  const len = declaredLength ?? BigInt(payload.length)
  let header: Buffer
  if (len < 126n) header = Buffer.from([first, 0x80 | Number(len)])
  else if (len < 65536n) {
    header = Buffer.from([first, 0x80 | 126, 0, 0])
    header.writeUInt16BE(Number(len), 2)
  } else {
    header = Buffer.alloc(10)
    header[0] = first
    header[1] = 0x80 | 127
    header.writeBigUInt64BE(len, 2)
  }
  return Buffer.concat([header, mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))])
}

/** Sends `bytes` on an open WebSocket and resolves with what the server sends back within `waitMs`. */
export function sendFrames(socket: net.Socket, bytes: Buffer, waitMs = 1000): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    const done = () => {
      clearTimeout(timer)
      socket.destroy()
      resolve(Buffer.concat(chunks))
    }
    const timer = setTimeout(done, waitMs)
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('close', done)
    socket.on('error', done)
    socket.write(bytes)
  })
}

/** The status code of the first close frame the server sent (unmasked, opcode 8), or null. */
export function closeCode(fromServer: Buffer): number | null {
  for (let i = 0; i + 1 < fromServer.length;) {
    const opcode = fromServer[i]! & 0x0f
    const len = fromServer[i + 1]! & 0x7f
    if (len >= 126) return null // the server's events are short; a close frame never is long
    if (opcode === 8) return len >= 2 ? fromServer.readUInt16BE(i + 2) : null
    i += 2 + len
  }
  return null
}
