/**
 * The desktop window's security settings, applied by the shell (main/index.ts). Written against the
 * few members of Electron's objects they use, so tests/main passes fakes and checks each setting
 * without an Electron binary; this file never imports electron.
 */

/** The part of an Electron `Session` that decides permissions. */
export interface PermissionSessionLike {
  setPermissionRequestHandler(
    handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void,
  ): void
  setPermissionCheckHandler(handler: (webContents: unknown, permission: string) => boolean): void
}

export interface PreventableLike {
  preventDefault(): void
}

/** The part of an Electron `WebContents` that navigation and new windows go through. */
export interface WebContentsLike {
  on(event: 'will-navigate', listener: (event: PreventableLike, url: string) => void): unknown
  on(event: 'will-redirect', listener: (event: PreventableLike, url: string) => void): unknown
  on(event: 'will-attach-webview', listener: (event: PreventableLike) => void): unknown
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void
}

export interface AppLike {
  on(event: 'web-contents-created', listener: (event: unknown, contents: WebContentsLike) => void): unknown
}

export interface LinkOptions {
  /** Is this URL the app's own page (navigation inside it is allowed)? */
  isAppUrl: (url: string) => boolean
  /** Asks the person whether to open `url` in their browser. */
  confirm: (url: string) => Promise<boolean>
  openExternal: (url: string) => Promise<void>
  log?: (line: string) => void
}

/**
 * Documentation the page may open in the browser, as origin + path prefix (each ends in '/', so
 * `/tensorflow/tfjs-evil` is not under `/tensorflow/tfjs/`). Anything else is refused.
 */
export const DOCUMENTATION_LINKS: readonly string[] = [
  'https://www.tensorflow.org/js/',
  'https://js.tensorflow.org/api/',
  'https://github.com/tensorflow/tfjs/',
  'https://onnxruntime.ai/docs/',
  'https://teachablemachine.withgoogle.com/',
  'https://www.electronjs.org/docs/',
  'https://sharp.pixelplumbing.com/',
]

/** An https URL under one of DOCUMENTATION_LINKS, with no credentials and the default port. */
export function isDocumentationLink(raw: string): boolean {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return false
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.port) return false
  return DOCUMENTATION_LINKS.some((prefix) => {
    const p = new URL(prefix)
    return url.origin === p.origin && (url.pathname + '/').startsWith(p.pathname)
  })
}

/**
 * Matches the app's own page: the built index.html (with a route after '#'), or in development the
 * renderer's dev server origin. `file:///…/index.html.evil` or another file is not the app.
 */
export function appUrlMatcher(rendererFileUrl: string, devServerUrl?: string): (url: string) => boolean {
  const devOrigin = devServerUrl ? new URL(devServerUrl).origin : null
  return (raw) => {
    let url: URL
    try {
      url = new URL(raw)
    } catch {
      return false
    }
    if (devOrigin) return url.origin === devOrigin
    url.hash = ''
    url.search = ''
    return url.href === rendererFileUrl
  }
}

/** Every permission a page asks for (camera, notifications, geolocation, …) is denied, and every check says no. */
export function denyAllPermissions(session: PermissionSessionLike, log?: (line: string) => void): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    log?.(`denied permission request: ${permission}`)
    callback(false)
  })
  session.setPermissionCheckHandler(() => false)
}

/**
 * No navigation away from the app's page, no redirects out of it, no <webview>, and no new windows.
 * A documentation link (a click or window.open) opens in the browser after the person agrees;
 * every other URL is refused and logged.
 */
export function secureContents(contents: WebContentsLike, opts: LinkOptions): void {
  const log = opts.log ?? (() => {})
  const offerExternal = (url: string) => {
    if (!isDocumentationLink(url)) return log(`refused to open ${JSON.stringify(url.slice(0, 200))}`)
    void opts
      .confirm(url)
      .then((yes) => (yes ? opts.openExternal(url) : undefined))
      .catch((err: unknown) => log(`could not open ${url}: ${err instanceof Error ? err.message : String(err)}`))
  }
  const stayHome = (event: PreventableLike, url: string) => {
    if (opts.isAppUrl(url)) return
    event.preventDefault()
    offerExternal(url)
  }
  contents.on('will-navigate', stayHome)
  contents.on('will-redirect', (event, url) => {
    if (!opts.isAppUrl(url)) event.preventDefault()
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(({ url }) => {
    offerExternal(url)
    return { action: 'deny' }
  })
}

/** Applies secureContents to every web contents the app creates, the main window's included. */
export function secureAllContents(app: AppLike, opts: LinkOptions): void {
  app.on('web-contents-created', (_event, contents) => secureContents(contents, opts))
}
