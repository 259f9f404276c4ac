import { pathToFileURL } from 'node:url'
import type { Studio } from '../engine/studio'
import { resolveMedia } from '../server/media'

/**
 * `studio-media://thumb/<sha256>` and `studio-media://original/<sha256>`: the Electron twin of the
 * browser mode's /media/ route, answered by the same resolveMedia. Anything but a known hash of the
 * open project is refused (400 malformed, 404 unknown or missing, 403 outside the project); only
 * GET is answered. `fetchFile` is Electron's `net.fetch` for a file URL (a fake in the tests).
 */
export function mediaProtocolHandler(
  openStudio: () => Studio | null,
  fetchFile: (fileUrl: string) => Promise<Response>,
): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET') return new Response('only GET', { status: 405 })
    let url: URL
    try {
      url = new URL(request.url)
    } catch {
      return new Response('malformed media URL', { status: 400 })
    }
    if (url.protocol !== 'studio-media:' || url.search || url.username || url.port) {
      return new Response('media URLs are studio-media://thumb|original/<sha256>', { status: 400 })
    }
    const studio = openStudio()
    if (!studio) return new Response('no project is open', { status: 404 })
    const answer = await resolveMedia(studio, url.hostname, url.pathname.slice(1))
    if ('status' in answer) return new Response(answer.reason, { status: answer.status })
    return fetchFile(pathToFileURL(answer.file).href)
  }
}
