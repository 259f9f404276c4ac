import { createHash, timingSafeEqual } from 'node:crypto'

/**
 * The checks every browser-mode request passes before routing. Pure functions of the request's
 * headers so the tests can state each rule directly.
 */

/** Names that always mean this machine; a page reached through any other name is not ours. */
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]'])

/**
 * The Host header names this server: a loopback name with our port. A DNS-rebinding page (its own
 * name resolved to 127.0.0.1) sends its own name here, so it is refused before the token is even
 * looked at: it cannot probe the API, nor read the page with the token in its address.
 */
export function hostOk(host: string | undefined, port: number): boolean {
  if (!host) return false
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(host.trim().toLowerCase())
  return !!m && LOOPBACK_NAMES.has(m[1]!) && Number(m[2]) === port
}

/** The Origin a page of ours sends (none for same-origin GETs and for non-browser clients). */
export function originOk(origin: string | undefined, port: number): boolean {
  if (!origin) return true
  return [...LOOPBACK_NAMES].some((name) => origin === `http://${name}:${port}`)
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest()

/**
 * Compares in constant time: both sides are hashed to 32 bytes first, so neither the content nor the
 * length of a wrong guess changes how long the comparison takes.
 */
export function tokenEquals(given: string | null | undefined, token: string): boolean {
  if (!given) return false
  return timingSafeEqual(digest(given), digest(token))
}

/**
 * The page's Content-Security-Policy, sent as a header with the page (index.html carries the same
 * rules in a meta tag for Electron). No inline scripts or styles: Vue's `:style` bindings set CSSOM
 * properties, which CSP does not govern, and components' styles are bundled into CSS files.
 * `frame-ancestors` only works as a header: no other site may frame the page.
 */
export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    "img-src 'self' data: blob:",
    "style-src 'self'",
    "script-src 'self'",
    // CSP has no syntax for IPv6 literals: a page opened at [::1] falls back on 'self'.
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}
