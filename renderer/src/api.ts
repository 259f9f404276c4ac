import type { Handler, ResponseOf, StudioApi, StudioEvent, StudioMethod } from '../../preload/contract'
import { buildApi } from '../../preload/methods'

declare global {
  interface Window {
    studio?: StudioApi
    studioEvents?: { subscribe(handler: (e: StudioEvent) => void): () => void }
  }
}

/** The token of browser mode: taken from ?token= once, kept for the tab, removed from the address bar. */
function browserToken(): string {
  const url = new URL(window.location.href)
  const fromUrl = url.searchParams.get('token')
  if (fromUrl) {
    sessionStorage.setItem('studio-token', fromUrl)
    url.searchParams.delete('token')
    window.history.replaceState(null, '', url.toString())
  }
  return sessionStorage.getItem('studio-token') ?? ''
}

/** An error from the engine, as it crossed the boundary. */
export class ApiError extends Error {
  constructor(name: string, message: string) {
    super(message)
    this.name = name
  }
}

interface WireReply {
  result?: unknown
  error?: { name: string; message: string }
}

function httpApi(token: string): StudioApi {
  const call = async <M extends StudioMethod>(method: M, req: unknown): Promise<ResponseOf<M>> => {
    const res = await fetch(`/api/call/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: req === undefined ? undefined : JSON.stringify(req),
    })
    const body: WireReply = await res.json()
    if (body.error) throw new ApiError(body.error.name, body.error.message)
    // The server answered through dispatch, which called this very method of the contract.
    return body.result as ResponseOf<M>
  }
  return buildApi(
    <M extends StudioMethod>(m: M): Handler<M> =>
      (req) =>
        call(m, req),
  )
}

const inElectron = typeof window !== 'undefined' && Boolean(window.studio)
const token = inElectron ? '' : browserToken()

/** The one API the views use; nothing else knows whether it runs in Electron or a browser. */
export const api: StudioApi = inElectron ? window.studio! : httpApi(token)

/** URL of an image's thumbnail or original. */
export function mediaUrl(hash: string, kind: 'thumb' | 'original' = 'thumb'): string {
  return inElectron ? `studio-media://${kind}/${hash}` : `/media/${kind}/${hash}?token=${token}`
}

/** Subscribes to engine events; returns the unsubscribe function. Reconnects if the socket drops. */
export function onEvent(handler: (e: StudioEvent) => void): () => void {
  let ws: WebSocket | null = null
  let stopped = false
  const connect = () => {
    ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/events?token=${token}`)
    ws.onmessage = (m) => handler(JSON.parse(String(m.data)) as StudioEvent)
    ws.onclose = () => {
      if (!stopped) setTimeout(connect, 1000)
    }
  }
  if (inElectron) return window.studioEvents?.subscribe(handler) ?? (() => {})
  connect()
  return () => {
    stopped = true
    ws?.close()
  }
}
