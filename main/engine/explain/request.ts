import sharp from 'sharp'
import type { ExplanationDto, RequestOf } from '../../../preload/contract'
import type { Studio } from '../studio'
import { ValidationError } from '../errors'
import { explain, explainBytes, type Explanation } from './explain'
import { overlayPng } from './overlay'

/** Longest side of an overlay PNG the page downloads: an original's own size up to this. */
export const OVERLAY_MAX_SIDE = 2048

/**
 * The `explain` request: a project image or an uploaded file (Try the model), the map as bytes for
 * the page to draw, and with `overlayOpacity` also the composited overlay as a PNG (what "Save PNG"
 * downloads; drawn here rather than read back from the page's canvas, which Electron taints for
 * images of the studio-media: scheme).
 */
export async function explainRequest(studio: Studio, req: RequestOf<'explain'>): Promise<ExplanationDto> {
  const className = req.className ?? null
  let e: Explanation
  let image: Buffer | string
  if (req.file) {
    const data = Buffer.from(req.file.dataBase64, 'base64')
    e = await explainBytes(studio, req.runId, { name: req.file.name, data }, className)
    image = data
  } else if (req.imageId !== undefined) {
    const f = await explain(studio, req.runId, req.imageId, className)
    e = f
    image = f.file
  } else {
    throw new ValidationError('explain: give either imageId or file')
  }
  const bytes = Uint8Array.from(e.map, (v) => Math.round(v * 255))
  return {
    runId: req.runId,
    imageId: req.file ? null : (req.imageId ?? null),
    name: e.name,
    className: e.className,
    classIndex: e.classIndex,
    classes: e.classes,
    probs: Array.from(e.probs),
    layer: e.layer,
    map: Buffer.from(bytes).toString('base64'),
    side: e.width,
    fit: e.fit,
    cached: e.cached,
    ...(req.overlayOpacity === undefined ? {} : { png: await overlayOf(image, e, req.overlayOpacity) }),
  }
}

/** The overlay at the image's own size (EXIF-oriented), at most OVERLAY_MAX_SIDE on its longest side, base64. */
async function overlayOf(image: Buffer | string, e: Explanation, opacity: number): Promise<string> {
  const meta = await sharp(image).metadata()
  const longest = Math.max(meta.width ?? 0, meta.height ?? 0) || OVERLAY_MAX_SIDE
  const png = await overlayPng(image, e, { opacity, fit: e.fit, maxSide: Math.min(OVERLAY_MAX_SIDE, longest) })
  return png.toString('base64')
}
